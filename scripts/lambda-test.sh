#!/usr/bin/env bash
# The bundled site's image (the one scripts/image-test.sh builds and tests) run as an
# AWS Lambda function: under the AWS Lambda Runtime Interface Emulator (RIE, built
# from the Go module proxy, cached in .local/rie/), with podman + runc, against a real
# PostgreSQL and moto's S3 on this machine, driven with Function URL events (payload
# format 2.0). The tests: runtime/tests/lambda_check.py (the management event, /healthz
# without the database, pages, static files, admin login, uploads and their limits,
# a database that resumes, idle connections, cold start, the operator path and the
# npm package's operator CLI against the RIE and moto's CloudFormation). Measurements:
# test-output/lambda-metrics.json.
#
#   scripts/lambda-test.sh [PYTEST_ARGS...]
#
# The image is (re)built with scripts/build-project-image.sh, as image-test.sh builds
# it, when it is missing or when the site or the runtime package changed since this
# script last checked it (LAMBDA_TEST_BUILD=1 always builds, =0 never does).
# The last line is pytest's closing line (or "lambda: 0 passed, 1 failed" when the
# image or the RIE cannot be built).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
IMAGE="${IMAGE:-localhost/wagtail-scale-to-zero-app:test}"
OUT="${TEST_OUTPUT_DIR:-$ROOT/test-output}"
STAMP="$ROOT/.local/lambda-test-image.stamp"
mkdir -p "$OUT"
fail() { echo "lambda-test: $1" >&2; echo "lambda: 0 passed, 1 failed"; exit 1; }

# 1. the image: what goes into it (the site, the runtime package without its tests)
inputs="$(cd "$ROOT" && find app runtime -type f \
    ! -path 'runtime/tests/*' ! -path '*/__pycache__/*' ! -name '*.pyc' ! -path '*.egg-info/*' \
    ! -path 'runtime/build/*' ! -path 'app/media/*' ! -path 'app/staticfiles/*' -print0 \
  | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)"
image_id="$(podman image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)"
build="${LAMBDA_TEST_BUILD:-auto}"
if [ "$build" = 1 ] || { [ "$build" = auto ] && [ "$(cat "$STAMP" 2>/dev/null)" != "$inputs $image_id" ]; }; then
  [ "$build" = 0 ] && fail "no image $IMAGE"
  echo "lambda-test: building $IMAGE (${image_id:+the site or the runtime package changed since }${image_id:-missing})"
  BUILD_LOG="$OUT/lambda-image-build.log" SYNTH_DIR="$ROOT/.local/synth/bundled-app" LOG_PREFIX=lambda-test \
    bash "$ROOT/scripts/build-project-image.sh" "$ROOT/app" "$IMAGE" >"$OUT/lambda-image-build.out" 2>&1 \
    || { cat "$OUT/lambda-image-build.out"; fail "the image build failed"; }
  grep -v "^$IMAGE\$" "$OUT/lambda-image-build.out" || true
  image_id="$(podman image inspect --format '{{.Id}}' "$IMAGE")"
  echo "$inputs $image_id" >"$STAMP"
elif [ -z "$image_id" ]; then
  fail "no image $IMAGE"
fi

# 2. the RIE and the operator CLI, which test 14 runs from the compiled package (lib/)
tools="$(bash "$ROOT/scripts/lambda-tools.sh")" || { echo "$tools"; fail "the RIE or the operator CLI"; }
RIE="$(echo "$tools" | tail -n1)"
echo "$tools" | sed '$d'

# 3. the tests (helpers and fixtures of the runtime package's suite)
VENV="$("$ROOT/scripts/app-venv.sh" | tail -n1)"
export TEST_OUTPUT_DIR="$OUT" LAMBDA_TEST_IMAGE="$IMAGE" LAMBDA_TEST_RIE="$RIE"
export TEST_STATIC_ROOT="${TEST_STATIC_ROOT:-$ROOT/.local/app-static}"
rm -f "$OUT/lambda-metrics.json"
cd "$ROOT/runtime"
rc=0
"$VENV/bin/python" -m pytest tests/lambda_check.py -p no:cacheprovider -q -rfE --durations=5 "$@" \
  | tee "$OUT/lambda-test.log" || rc=$?
if [ -s "$OUT/lambda-metrics.json" ]; then
  echo "lambda-test: measurements (${OUT#"$ROOT"/}/lambda-metrics.json):"
  cat "$OUT/lambda-metrics.json"
fi
# pytest's closing line, last
grep -E '^=*.*[0-9]+ (passed|failed|error)' "$OUT/lambda-test.log" | tail -n1 || echo "lambda: 0 passed, 1 failed"
exit "$rc"
