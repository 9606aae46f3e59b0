#!/usr/bin/env bash
# A site as it looks after years (test/fixtures/wagtail-project-grown): requirement files
# split with -r and -c, a package of its own with a C extension and no wheel (linked with
# libmagic, compiled against libmagic-dev), python-magic and its libmagic at run time.
# Synthesized with WagtailImage.fromWagtailProject(site, { systemPackages: ['libmagic1'],
# buildPackages: ['libmagic-dev'] }) and built with podman (scripts/build-project-image.sh);
# then the image's python imports the compiled extension and python-magic, which
# identifies a file of the site, and the image holds no compiler and no Python headers;
# then the image runs as the Lambda function under the RIE on real PostgreSQL and moto's
# S3 (runtime/tests/grown_site_check.py): the site's own loader, which creates its
# `admin`, runs through the operator CLI, and that admin signs in.
#
#   scripts/grown-site-test.sh      -> the image localhost/wagtail-scale-to-zero-grown-site:test
#
# The last line is "grown-site: ok" or the check that failed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
IMAGE="${IMAGE:-localhost/wagtail-scale-to-zero-grown-site:test}"
OUT="${TEST_OUTPUT_DIR:-$ROOT/test-output}"
# runc with explicit ulimits, as scripts/build-project-image.sh builds (crun fails on these hosts)
run=(podman --runtime runc run --rm --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 "$IMAGE")

BUILD_LOG="$OUT/image-build-grown-site.log" LOG_PREFIX=grown-site \
  bash "$ROOT/scripts/build-project-image.sh" "$ROOT/test/fixtures/wagtail-project-grown" "$IMAGE" \
  --system-package libmagic1 --build-package libmagic-dev | grep -v "^$IMAGE\$"

"${run[@]}" python -c '
import magic, magicinfo
assert magicinfo.__file__.endswith(".so"), f"magicinfo is not the compiled extension: {magicinfo.__file__}"
assert magicinfo.version() == magic.version(), f"libmagic {magicinfo.version()} (C) != {magic.version()} (ctypes)"
kind = magic.from_file("/app/manage.py")
assert "Python script" in kind, f"python-magic says /app/manage.py is {kind!r}"
print(f"grown-site: magicinfo (compiled) and python-magic use libmagic {magic.version()}; /app/manage.py: {kind}")
'
"${run[@]}" sh -c '
for tool in gcc cc cpp; do
  if command -v "$tool" >/dev/null; then echo "grown-site: $tool is in the image: $(command -v "$tool")" >&2; exit 1; fi
done
if ls /usr/include/python3*/Python.h /usr/include/magic.h 2>/dev/null; then echo "grown-site: headers in the image" >&2; exit 1; fi
echo "grown-site: no compiler and no headers in the image"
'
tools="$(bash "$ROOT/scripts/lambda-tools.sh")" || { echo "$tools"; echo "grown-site: the RIE or the operator CLI" >&2; exit 1; }
VENV="$("$ROOT/scripts/app-venv.sh" | tail -n1)"
(cd "$ROOT/runtime" && TEST_OUTPUT_DIR="$OUT" LAMBDA_TEST_IMAGE="$IMAGE" LAMBDA_TEST_RIE="$(echo "$tools" | tail -n1)" \
  TEST_STATIC_ROOT="${TEST_STATIC_ROOT:-$ROOT/.local/app-static}" \
  "$VENV/bin/python" -m pytest tests/grown_site_check.py -p no:cacheprovider -q -rfE) \
  || { echo "grown-site: the site's loader through the operator path failed" >&2; exit 1; }
echo "grown-site: ok"
