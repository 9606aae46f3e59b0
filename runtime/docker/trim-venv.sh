#!/bin/sh
# Removes from the image's venv what the running site never reads, and makes smaller, without changing what they
# hold, files it does read. Run after collectstatic (which reads the apps' static files) and before compileall.
# Savings measured on the bundled site: see "Image size" in runtime/README.md.
set -eu
here="$(dirname "$0")"
site="$(echo /venv/lib/python3*/site-packages)"
# 1. Translation sources: gettext reads the compiled .mo files beside them (kept).
find "$site" -name '*.po' -delete
# 2. The packages' own test suites (never imported by their code): `tests` packages, `tests.py` modules (Django's
#    contrib/admin/tests.py is a helper for a site's own Selenium tests: kept), and Wagtail's test project
#    (wagtail.test: its settings, test apps and their migrations) except wagtail.test.utils, the helpers a site's
#    own tests import (WagtailPageTestCase, WagtailTestUtils, ...).
find "$site" -type d -name tests -prune -exec rm -rf {} +
find "$site" -name tests.py ! -path '*/django/contrib/admin/tests.py' -delete
if [ -d "$site/wagtail/test" ]; then
  find "$site/wagtail/test" -mindepth 1 -maxdepth 1 ! -name utils ! -name __init__.py -exec rm -rf {} +
fi
# 3. The apps' static files: collectstatic copied them into STATIC_ROOT, the only
#    directory WhiteNoise serves. Wagtail's system check wagtailadmin.W001 looks for
#    its admin's core.css in the package: that one file stays.
find "$site" -mindepth 2 -type d -name static ! -path '*/wagtail/admin/static' -prune -exec rm -rf {} +
if [ -d "$site/wagtail/admin/static" ]; then
  find "$site/wagtail/admin/static" -type f ! -path '*/wagtailadmin/css/core.css' -delete
  find "$site/wagtail/admin/static" -type d -empty -delete
fi
# 4. The symbol tables of the shared libraries (debugging information; the dynamic symbols the loader uses stay):
#    each library is stripped into a copy, kept only if the copy still loads (strip-libs.py).
/venv/bin/python "$here/strip-libs.py" /venv
# 5. botocore's and boto3's data files that are still plain JSON (paginators, waiters, endpoints, resources,
#    examples) gzipped, as botocore ships its service models: its loader reads NAME.json.gz wherever NAME.json is
#    missing, and nothing else opens these files. Every model stays.
for d in "$site/botocore/data" "$site/boto3/data"; do
  if [ -d "$d" ]; then find "$d" -type f -name '*.json' -exec gzip -9n {} +; fi
done
