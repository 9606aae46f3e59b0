#!/usr/bin/env bash
# Build the runtime package (runtime/) as a wheel and an sdist into dist/python/,
# beside the jsii-built Python binding, so the release's PyPI job publishes both,
# with the version of package.json (projen bumps it at release; the source says
# 0.0.0). Builds from a copy (without tests) that also gets the repository's
# LICENSE, with setuptools from the hash-locked test venv (scripts/app-venv.sh),
# so nothing is fetched for the build itself.
#
#   scripts/runtime-build.sh        -> dist/python/wagtail_scale_to_zero_runtime-X.Y.Z{-py3-none-any.whl,.tar.gz}
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$("$ROOT/scripts/app-venv.sh" | tail -n1)"
version="$("$VENV/bin/python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["version"])' "$ROOT/package.json")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tar -C "$ROOT/runtime" -c --exclude=./tests --exclude=__pycache__ --exclude='*.pyc' --exclude='*.egg-info' \
  --exclude=./build . | tar -C "$work" -x
cp "$ROOT/LICENSE" "$work/LICENSE"
grep -q '^version = "0.0.0"$' "$work/pyproject.toml" || { echo "runtime-build: no version = \"0.0.0\" line in runtime/pyproject.toml" >&2; exit 1; }
sed -i "s/^version = \"0.0.0\"$/version = \"$version\"/" "$work/pyproject.toml"
out="$ROOT/dist/python"
mkdir -p "$out"
rm -f "$out"/wagtail_scale_to_zero_runtime-*
(cd "$work" && "$VENV/bin/python" -c '
import sys
import setuptools.build_meta as backend
out = sys.argv[1]
print(backend.build_sdist(out))
print(backend.build_wheel(out))
' "$out" >/dev/null)
ls "$out"
