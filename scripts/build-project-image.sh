#!/usr/bin/env bash
# Build the image of a `wagtail start` project exactly as the construct describes it:
# synthesize a stack with WagtailImage.fromWagtailProject(PROJECT_DIR)
# (test/fixtures/synth-project.ts), read the Docker image asset from the cloud
# assembly's asset manifest (build context directory, Dockerfile, build args,
# platform), and run `podman build` on that, with Debian's podman + runc. No Docker
# engine needed.
#
#   scripts/build-project-image.sh PROJECT_DIR TAG [--settings-module M]
#     [--system-package P ...] [--build-package P ...]    (fromWagtailProject's options)
#
# Added to what the manifest says, because of this machine: the runc runtime, host
# network and explicit ulimits (crun fails on these hosts' hybrid cgroups), the base
# image as BASE_IMAGE (debian:trixie-slim cannot be pulled here: scripts/trixie-base.sh
# makes an equivalent), and the host CA bundle as the build secret "ca-bundle" (pip
# then trusts a TLS-intercepting proxy, if any; a secret is not stored in the image).
#
# Environment: TEST_OUTPUT_DIR (default test-output/), BUILD_LOG (default
# $TEST_OUTPUT_DIR/image-build-<tag>.log), SYNTH_DIR (the cloud assembly, kept; default
# a directory of its own under .local/synth/, removed after the build, so that builds
# running at the same time do not share one), LOG_PREFIX (default build-project-image).
# Prints the build time and the image size (and above the base); the last line is TAG.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ $# -ge 2 ] || { echo "usage: $0 PROJECT_DIR TAG [--settings-module M] [--system-package P ...] [--build-package P ...]" >&2; exit 2; }
project="$(cd "$1" && pwd)" tag="$2"
shift 2
slug="$(printf '%s' "${tag#*/}" | tr -c 'A-Za-z0-9._-' '-')"
OUT="${TEST_OUTPUT_DIR:-$ROOT/test-output}"
LOG="${BUILD_LOG:-$OUT/image-build-$slug.log}"
PREFIX="${LOG_PREFIX:-build-project-image}"
mkdir -p "$OUT" "$ROOT/.local/synth"
if [ -n "${SYNTH_DIR:-}" ]; then
  SYNTH="$SYNTH_DIR"
else
  SYNTH="$(mktemp -d "$ROOT/.local/synth/$slug.XXXXXX")"
  trap 'rm -rf "$SYNTH"' EXIT
fi

# 1. tools and the base image (cached)
BASE="$(bash "$ROOT/scripts/trixie-base.sh" | tail -n1)"

# 2. synthesize; the asset manifest's image source, as JSON
started=$(date +%s)
asset="$(cd "$ROOT" && JSII_DEPRECATED=quiet npx ts-node -P tsconfig.dev.json test/fixtures/synth-project.ts \
  "$project" "$SYNTH" "$@")"
synth_seconds=$(( $(date +%s) - started ))

# 3. podman build arguments from it: -f DOCKERFILE, --build-arg K=V ..., --platform P, CONTEXT
mapfile -d '' from_asset < <(printf '%s' "$asset" | python3 -c '
import json, sys
a = json.load(sys.stdin)
args = ["-f", a["dockerfile"]]
for k, v in sorted(a["buildArgs"].items()):
    args += ["--build-arg", f"{k}={v}"]
args += ["--platform", a.get("platform") or "linux/amd64"]  # what the construct always asks for
args.append(a["context"])
sys.stdout.write("\0".join(args) + "\0")
')
[ ${#from_asset[@]} -ge 3 ] || { echo "$PREFIX: could not read the image asset from the synth output" >&2; exit 1; }
echo "$PREFIX: asset $(printf '%s' "$asset" | python3 -c 'import json,sys; a=json.load(sys.stdin); print(a["hash"][:12], json.dumps(a["buildArgs"]), a.get("platform"))') (synth ${synth_seconds} s)"

secrets=()
[ -s /etc/ssl/certs/ca-certificates.crt ] && secrets=(--secret id=ca-bundle,src=/etc/ssl/certs/ca-certificates.crt)
previous="$(podman image inspect --format '{{.Id}}' "$tag" 2>/dev/null || true)"
started=$(date +%s)
echo "$PREFIX: building $tag (log: ${LOG#"$ROOT"/})"
podman --runtime runc build --network host --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
  "${secrets[@]}" --build-arg BASE_IMAGE="$BASE" -t "$tag" "${from_asset[@]}" >"$LOG" 2>&1 \
  || { tail -40 "$LOG"; echo "$PREFIX: build of $tag failed" >&2; exit 1; }
# The image this tag named before, when nothing else names or runs it: removed with its own layers (the
# layers it shares with the new one, e.g. the dependencies, stay), so repeated runs do not fill the disk.
if [ -n "$previous" ] && [ "$previous" != "$(podman image inspect --format '{{.Id}}' "$tag")" ] \
  && [ "$(podman image inspect --format '{{len .RepoTags}}' "$previous" 2>/dev/null)" = 0 ]; then
  podman rmi "$previous" >/dev/null 2>&1 || true
fi
size=$(podman image inspect --format '{{.Size}}' "$tag")
base_size=$(podman image inspect --format '{{.Size}}' "$BASE")
echo "$PREFIX: built in $(( $(date +%s) - started )) s ($(grep -c -- '--> Using cache' "$LOG") steps from cache);" \
  "size $(( size / 1000000 )) MB: $(( (size - base_size) / 1000000 )) MB above the base ($(( base_size / 1000000 )) MB)"
echo "$tag"
