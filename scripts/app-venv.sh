#!/usr/bin/env bash
# Create (or refresh) the Python virtual env for the bundled Wagtail app in app/.
# Installs the hash-locked runtime and test requirements. Idempotent: skips pip
# when the lock files have not changed since the last successful install.
#
#   scripts/app-venv.sh            -> venv at .local/venv (override with APP_VENV)
#   prints the venv path on its last line
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${APP_VENV:-$ROOT/.local/venv}"
PY="${APP_PYTHON:-python3}"
REQS=("$ROOT/app/requirements.txt" "$ROOT/app/requirements-test.txt")

stamp_now="$(cat "${REQS[@]}" | sha256sum | cut -d' ' -f1) $("$PY" -c 'import sys;print(sys.version.split()[0])')"
if [[ -x "$VENV/bin/python" && -f "$VENV/.installed" && "$(cat "$VENV/.installed")" == "$stamp_now" ]]; then
  echo "$VENV"
  exit 0
fi

echo "app-venv: creating $VENV with $("$PY" --version)" >&2
mkdir -p "$(dirname "$VENV")"
"$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install --disable-pip-version-check --progress-bar on -q --upgrade pip >&2
"$VENV/bin/python" -m pip install --disable-pip-version-check --progress-bar on \
  --require-hashes --only-binary=:all: -r "${REQS[0]}" -r "${REQS[1]}" >&2
echo "$stamp_now" >"$VENV/.installed"
echo "$VENV"
