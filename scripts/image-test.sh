#!/usr/bin/env bash
# Build the bundled site's image the way the construct builds any `wagtail start`
# project (scripts/stage-wagtail-project.sh lays out the context for the library's
# runtime/docker/Dockerfile) with Debian's podman + runc, then run it against a real
# PostgreSQL and moto S3 on this machine and check /healthz, /readyz, / and static
# files (runtime/tests/image_check.py). No Docker engine needed.
#
# Base image: an equivalent of debian:trixie-slim made with debootstrap
# (scripts/trixie-base.sh, cached). Installs nothing except missing Debian packages.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
IMAGE="${IMAGE:-localhost/wagtail-scale-to-zero-app:test}"
OUT="${TEST_OUTPUT_DIR:-$ROOT/test-output}"
mkdir -p "$OUT"

# 1. tools and the base image (cached)
BASE="$(bash "$ROOT/scripts/trixie-base.sh" | tail -n1)"

# crun fails on these hosts (hybrid cgroups): runc, host network, explicit ulimits.
PODMAN=(podman --runtime runc)
NETARGS=(--network host --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

# 2. the build context: app/ + .wagtail-scale-to-zero/ (Dockerfile, runtime package)
CONTEXT="$ROOT/.local/image-context"
bash "$ROOT/scripts/stage-wagtail-project.sh" "$ROOT/app" "$CONTEXT" >/dev/null

# 3. build (the host CA bundle goes in as the build secret "ca-bundle", so pip trusts
#    a TLS-intercepting proxy, if any)
secrets=()
[ -s /etc/ssl/certs/ca-certificates.crt ] && secrets=(--secret id=ca-bundle,src=/etc/ssl/certs/ca-certificates.crt)
start=$(date +%s)
echo "image-test: building $IMAGE"
"${PODMAN[@]}" build "${NETARGS[@]}" "${secrets[@]}" --platform linux/amd64 \
  --build-arg BASE_IMAGE="$BASE" --build-arg SETTINGS_MODULE=cms.settings.production \
  -t "$IMAGE" -f "$CONTEXT/.wagtail-scale-to-zero/Dockerfile" "$CONTEXT" >"$OUT/image-build.log" 2>&1 \
  || { tail -40 "$OUT/image-build.log"; echo "image: 0 passed, 1 failed"; exit 1; }
size=$(podman image inspect --format '{{.Size}}' "$IMAGE")
base_size=$(podman image inspect --format '{{.Size}}' "$BASE")
echo "image-test: built in $(( $(date +%s) - start )) s; size $(( size / 1000000 )) MB:" \
  "$(( (size - base_size) / 1000000 )) MB above the base ($(( base_size / 1000000 )) MB)"

# 4. run it against real PostgreSQL + moto (helpers from the runtime package's test suite)
VENV="$("$ROOT/scripts/app-venv.sh" | tail -n1)"
cd "$ROOT/runtime"
"$VENV/bin/python" -m tests.image_check "$IMAGE"
