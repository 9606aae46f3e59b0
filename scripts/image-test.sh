#!/usr/bin/env bash
# Build the app's container image (app/Dockerfile) with Debian's podman + runc, then
# run it against a real PostgreSQL and moto S3 on this machine and check /healthz,
# /readyz, / and static files (app/tests/image_check.py). No Docker engine needed.
#
# Base image: debian:trixie-slim cannot be pulled here (only Debian's package
# mirror is reachable), so an equivalent trixie minbase is made with debootstrap
# and imported once as localhost/debian:trixie-slim (cached).
# Installs nothing except missing Debian packages from scripts/system-packages.txt.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
IMAGE="${IMAGE:-localhost/wagtail-scale-to-zero-app:test}"
BASE="${BASE:-localhost/debian:trixie-slim}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
OUT="${TEST_OUTPUT_DIR:-$ROOT/test-output}"
mkdir -p "$OUT"

# 1. tools (podman, runc, debootstrap), only if missing
bash "$ROOT/scripts/install-system-packages.sh" podman runc debootstrap

# crun fails on these hosts (hybrid cgroups): runc, host network, explicit ulimits.
PODMAN=(podman --runtime runc)
NETARGS=(--network host --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

# 2. base image, cached
if ! podman image exists "$BASE"; then
  dir="$ROOT/.local/debootstrap-trixie"
  if [ ! -x "$dir/usr/bin/apt-get" ]; then
    rm -rf "$dir"
    echo "image-test: debootstrap trixie (minbase) into $dir"
    debootstrap --variant=minbase trixie "$dir" "$MIRROR" >"$OUT/debootstrap.log" 2>&1 \
      || { tail -20 "$OUT/debootstrap.log"; exit 1; }
  fi
  # like the official slim image: no apt lists or caches
  rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/*.bin
  tar -C "$dir" -c . | podman import --change 'CMD ["bash"]' - "$BASE" >/dev/null
  echo "image-test: imported $BASE"
fi

# 3. build (the host CA bundle goes in as the build secret "ca-bundle", so pip trusts
#    a TLS-intercepting proxy, if any)
secrets=()
[ -s /etc/ssl/certs/ca-certificates.crt ] && secrets=(--secret id=ca-bundle,src=/etc/ssl/certs/ca-certificates.crt)
start=$(date +%s)
echo "image-test: building $IMAGE"
"${PODMAN[@]}" build "${NETARGS[@]}" "${secrets[@]}" --platform linux/amd64 \
  --build-arg BASE_IMAGE="$BASE" -t "$IMAGE" -f "$ROOT/app/Dockerfile" "$ROOT/app" >"$OUT/image-build.log" 2>&1 \
  || { tail -40 "$OUT/image-build.log"; echo "image: 0 passed, 1 failed"; exit 1; }
size=$(podman image inspect --format '{{.Size}}' "$IMAGE")
base_size=$(podman image inspect --format '{{.Size}}' "$BASE")
echo "image-test: built in $(( $(date +%s) - start )) s; size $(( size / 1000000 )) MB (base $(( base_size / 1000000 )) MB)"

# 4. run it against real PostgreSQL + moto (helpers from the app's test suite)
VENV="$("$ROOT/scripts/app-venv.sh" | tail -n1)"
cd "$ROOT/app"
"$VENV/bin/python" -m tests.image_check "$IMAGE"
