#!/usr/bin/env bash
# Update the hash-locked test environments of the runtime package after editing a
# .in file in runtime/tests/requirements/ (or the dependencies in
# runtime/pyproject.toml, or app/requirements.txt):
#   lts.txt     Python 3.11: the bundled site's requirements (Django 5.2, Wagtail 7.0)
#   latest.txt  Python 3.13: the newest Wagtail and the newest Django it supports
# Both hold the runtime package's dependencies and the test tools, never the
# package itself (installed from runtime/ without dependencies by app-venv.sh).
# Uses uv (from PyPI, into .local/uv).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
UV="$ROOT/.local/uv/bin/uv"
if [ ! -x "$UV" ]; then
  python3 -m venv "$ROOT/.local/uv"
  "$ROOT/.local/uv/bin/pip" install -q --disable-pip-version-check "uv>=0.9,<1"
fi
cd "$ROOT/runtime"  # the .in files name the package as `@ ./`
for pair in "lts 3.11" "latest 3.13"; do
  set -- $pair
  "$UV" pip compile -q --universal --generate-hashes --python-version "$2" \
    --no-emit-package wagtail-scale-to-zero-runtime -o "tests/requirements/$1.txt" "tests/requirements/$1.in"
  echo "runtime-lock: tests/requirements/$1.txt (Python $2)"
done
