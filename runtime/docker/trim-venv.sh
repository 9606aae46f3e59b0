#!/bin/sh
# Removes from the image's venv what the running site never reads. Run after
# collectstatic (which reads the apps' static files) and before compileall.
# Savings measured on the bundled site: see "Image size" in runtime/README.md.
set -eu
site="$(echo /venv/lib/python3*/site-packages)"
# 1. Translation sources: gettext reads the compiled .mo files beside them (kept).
find "$site" -name '*.po' -delete
# 2. The packages' own test suites (never imported by their code).
find "$site" -type d -name tests -prune -exec rm -rf {} +
# 3. The apps' static files: collectstatic copied them into STATIC_ROOT, the only
#    directory WhiteNoise serves. Wagtail's system check wagtailadmin.W001 looks for
#    its admin's core.css in the package: that one file stays.
find "$site" -mindepth 2 -type d -name static ! -path '*/wagtail/admin/static' -prune -exec rm -rf {} +
if [ -d "$site/wagtail/admin/static" ]; then
  find "$site/wagtail/admin/static" -type f ! -path '*/wagtailadmin/css/core.css' -delete
  find "$site/wagtail/admin/static" -type d -empty -delete
fi
