#!/usr/bin/env bash
# Build the bundled site's image exactly as the construct builds any `wagtail start`
# project: scripts/build-project-image.sh synthesizes a stack with
# WagtailImage.fromWagtailProject(app/) and runs podman (runc) on the Docker image
# asset that the cloud assembly describes (context, the library's Dockerfile, build
# args). Then run the image against a real PostgreSQL and moto S3 on this machine
# (runtime/tests/image_check.py): three instances at once on an empty database,
# /healthz, /readyz, the home page, static files, the admin in Chromium with an image
# uploaded to S3, no idle database connection, a database that resumes or is
# stopped, a restart. No Docker engine needed.
#
#   scripts/image-test.sh           -> the image localhost/wagtail-scale-to-zero-app:test
#
# Base image: an equivalent of debian:trixie-slim made with debootstrap
# (scripts/trixie-base.sh, cached). Installs nothing except missing Debian packages.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
IMAGE="${IMAGE:-localhost/wagtail-scale-to-zero-app:test}"
OUT="${TEST_OUTPUT_DIR:-$ROOT/test-output}"
mkdir -p "$OUT"

# 1. build (prints the build time, the image size and the size above the base)
BUILD_LOG="$OUT/image-build.log" LOG_PREFIX=image-test \
  bash "$ROOT/scripts/build-project-image.sh" "$ROOT/app" "$IMAGE" >"$OUT/image-build.out" \
  || { cat "$OUT/image-build.out"; echo "image: 0 passed, 1 failed"; exit 1; }
grep -v "^$IMAGE\$" "$OUT/image-build.out"

# 2. run it against real PostgreSQL + moto (helpers from the runtime package's test suite)
VENV="$("$ROOT/scripts/app-venv.sh" | tail -n1)"
cd "$ROOT/runtime"
"$VENV/bin/python" -m tests.image_check "$IMAGE" --site bundled-app
