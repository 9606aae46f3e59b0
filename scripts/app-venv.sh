#!/usr/bin/env bash
# Create (or refresh) the Python virtual env that runs the bundled site (app/), the
# runtime package's tests (runtime/tests) and the local harness built on them
# (runtime/tests/support.py: `npx projen dev`, the browser test, the benchmark):
#   1. every third-party package from a hash-locked file of runtime/tests/requirements/
#      (the site's requirements, the package's dependencies, the test tools: all that
#      the harness imports, psycopg, requests and moto's S3 server among them);
#   2. the runtime package itself from runtime/, editable, without dependencies and
#      without build isolation (its build backend is in the lock too).
# Idempotent: skips pip when the lock, the package's pyproject.toml and the Python
# version are those of the last successful install.
#
#   scripts/app-venv.sh       -> .local/venv with python3 and the lock lts.txt
#   APP_VENV=... APP_PYTHON=... APP_LOCK=latest scripts/app-venv.sh   (another pair)
#   prints the venv path on its last line
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${APP_VENV:-$ROOT/.local/venv}"
PY="${APP_PYTHON:-python3}"
LOCK="$ROOT/runtime/tests/requirements/${APP_LOCK:-lts}.txt"

stamp_now="$(cat "$LOCK" "$ROOT/runtime/pyproject.toml" | sha256sum | cut -d' ' -f1) $("$PY" -c 'import sys;print(sys.version.split()[0])')"
if [[ -x "$VENV/bin/python" && -f "$VENV/.installed" && "$(cat "$VENV/.installed")" == "$stamp_now" ]]; then
  echo "$VENV"
  exit 0
fi

echo "app-venv: creating $VENV with $("$PY" --version) from ${LOCK#"$ROOT"/}" >&2
rm -rf "$VENV"
mkdir -p "$(dirname "$VENV")"
"$PY" -m venv "$VENV"
pip=("$VENV/bin/python" -m pip --disable-pip-version-check)
"${pip[@]}" install --progress-bar on --require-hashes --only-binary=:all: -r "$LOCK" >&2
"${pip[@]}" install -q --no-deps --no-build-isolation -e "$ROOT/runtime" >&2
"${pip[@]}" check >&2
echo "$stamp_now" >"$VENV/.installed"
echo "$VENV"
