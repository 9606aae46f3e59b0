#!/usr/bin/env bash
# Make sure the local Debian trixie base image exists (cached), for the image test
# and the newest pair's test container. debian:trixie-slim cannot be pulled here
# (only Debian's package mirror is reachable), so an equivalent trixie minbase is
# made with debootstrap and imported once as $BASE (default localhost/debian:trixie-slim).
# Installs nothing except missing Debian packages (podman, runc, debootstrap).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BASE="${BASE:-localhost/debian:trixie-slim}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
OUT="${TEST_OUTPUT_DIR:-$ROOT/test-output}"
mkdir -p "$OUT"
bash "$ROOT/scripts/install-system-packages.sh" podman runc debootstrap >&2
if ! podman image exists "$BASE"; then
  dir="$ROOT/.local/debootstrap-trixie"
  if [ ! -x "$dir/usr/bin/apt-get" ]; then
    rm -rf "$dir"
    echo "trixie-base: debootstrap trixie (minbase) into $dir" >&2
    debootstrap --variant=minbase trixie "$dir" "$MIRROR" >"$OUT/debootstrap.log" 2>&1 \
      || { tail -20 "$OUT/debootstrap.log" >&2; exit 1; }
  fi
  # like the official slim image: no apt lists or caches
  rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/*.bin
  tar -C "$dir" -c . | podman import --change 'CMD ["bash"]' - "$BASE" >/dev/null
  echo "trixie-base: imported $BASE" >&2
fi
echo "$BASE"
