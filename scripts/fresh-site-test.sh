#!/usr/bin/env bash
# The acceptance test of "deploy your own Wagtail site" (README.md, "Your own Wagtail
# site"), for the newest Wagtail and the 7.0 LTS: for each version,
#   1. `wagtail start mysite` from a throwaway venv (.local/wagtail-start/<version>, cached);
#   2. exactly the README's steps, read from the README (scripts/readme-own-site.py):
#      the requirements line, the two lines at the end of mysite/settings/production.py;
#   3. a stack with WagtailImage.fromWagtailProject(site) synthesized, and the Docker
#      image asset it describes built with podman (scripts/build-project-image.sh);
#   4. the image run against real PostgreSQL and moto S3 (runtime/tests/image_check.py,
#      the image test of the bundled site): three instances at once on an empty database,
#      /healthz with the database stopped, /readyz, the home page, the admin in Chromium
#      with an image uploaded to S3 and shown through a presigned URL, no idle database
#      connection within 60 s, a request during a 15 s database resume.
# Then a site as it looks after years (scripts/grown-site-test.sh): requirement files
# split with -r/-c, a package of its own compiled from C, a Debian package at run time,
# its own loader (which creates its `admin`) run through the operator path.
# Each step's duration is printed; the last line is "fresh-site: N passed, M failed"
# (N and M count the steps above and each check of step 4, over both versions, and the
# grown site).
#
#   scripts/fresh-site-test.sh
#   FRESH_SITE_WAGTAIL="8.0.1" scripts/fresh-site-test.sh      one version only
#
# The 7.0 site's requirements.txt is the bundled app's, byte for byte: its dependency
# layers come from podman's cache when scripts/image-test.sh has built the bundled image.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The newest Wagtail on PyPI and the newest 7.0.x (LTS) when this was written; pinned so
# that a new release changes this line, not the result of a run.
VERSIONS="${FRESH_SITE_WAGTAIL:-8.0.1 7.0.10}"
OUT="${TEST_OUTPUT_DIR:-$ROOT/test-output}"
WORK="$ROOT/.local/fresh-sites"
mkdir -p "$OUT" "$WORK"
passed=0 failed=0

step() {  # step NAME LOG COMMAND...: runs COMMAND with its output in LOG, counts it, prints its duration
  local name="$1" log="$2" started=$(date +%s)
  shift 2
  if "$@" >"$log" 2>&1; then
    passed=$((passed + 1))
    echo "ok   $name ($(( $(date +%s) - started )) s)"
  else
    failed=$((failed + 1))
    echo "FAIL $name ($(( $(date +%s) - started )) s); last lines of ${log#"$ROOT"/}:"
    tail -25 "$log" | sed 's/^/     /'
    return 1
  fi
}

starter_venv() {  # the throwaway venv with wagtail==$1 (kept between runs)
  local venv="$ROOT/.local/wagtail-start/$1"
  if [ "$("$venv/bin/python" -c 'import wagtail; print(wagtail.__version__)' 2>/dev/null)" != "$1" ]; then
    rm -rf "$venv"
    python3 -m venv "$venv" && "$venv/bin/pip" install --disable-pip-version-check -q "wagtail==$1" || return 1
  fi
  echo "wagtail $("$venv/bin/python" -c 'import wagtail; print(wagtail.__version__)') in ${venv#"$ROOT"/}"
}

start_site() (  # a fresh `wagtail start mysite` in $WORK/$1
  rm -rf "${WORK:?}/$1" && mkdir -p "$WORK/$1" && cd "$WORK/$1" \
    && "$ROOT/.local/wagtail-start/$1/bin/wagtail" start mysite && ls -A mysite
)

VENV="$("$ROOT/scripts/app-venv.sh" | tail -n1)" || { echo "fresh-site: 0 passed, 1 failed (test venv)"; exit 1; }
all_started=$(date +%s)
for version in $VERSIONS; do
  release="$(echo "$version" | cut -d. -f1,2)"
  site="$WORK/$version/mysite"
  tag="localhost/wagtail-scale-to-zero-fresh-site:wagtail-$version"
  log="$OUT/fresh-site-$version"
  echo "== fresh-site: Wagtail $version"
  site_started=$(date +%s)
  step "Wagtail $version: throwaway venv" "$log-venv.log" starter_venv "$version" || continue
  step "Wagtail $version: wagtail start mysite" "$log-start.log" start_site "$version" || continue
  step "Wagtail $version: the README's steps applied" "$log-readme.log" \
    python3 "$ROOT/scripts/readme-own-site.py" "$site" || continue
  sed 's/^/     /' "$log-readme.log"
  step "Wagtail $version: synthesized with fromWagtailProject and built with podman" "$log-build.log" \
    env TEST_OUTPUT_DIR="$OUT" BUILD_LOG="$OUT/image-build-fresh-site-$version.log" \
    LOG_PREFIX="fresh-site $version" \
    bash "$ROOT/scripts/build-project-image.sh" "$site" "$tag" || continue
  grep -v "^$tag\$" "$log-build.log" | grep -v '^system packages' | sed 's/^/     /'
  check_started=$(date +%s)
  (cd "$ROOT/runtime" && TEST_OUTPUT_DIR="$OUT" "$VENV/bin/python" -m tests.image_check "$tag" \
    --site "fresh-site-$version" --wagtail "$release") 2>&1 | tee "$log-check.log" | grep -E '^(ok|FAIL|       browser:) '
  counts="$(grep -E '^image: [0-9]+ passed, [0-9]+ failed$' "$log-check.log" | tail -1)"
  if [ -z "$counts" ]; then
    failed=$((failed + 1))
    echo "FAIL Wagtail $version: the image check did not finish; see ${log#"$ROOT"/}-check.log"
    tail -25 "$log-check.log" | sed 's/^/     /'
  else
    passed=$((passed + $(echo "$counts" | sed -E 's/^image: ([0-9]+) passed.*/\1/')))
    failed=$((failed + $(echo "$counts" | sed -E 's/.* ([0-9]+) failed$/\1/')))
  fi
  echo "     image check $(( $(date +%s) - check_started )) s; Wagtail $version in all $(( $(date +%s) - site_started )) s"
done
echo "== fresh-site: a grown site"
step "grown site: split requirements, a compiled package and libmagic, no compiler in the image; its loader through the operator path" \
  "$OUT/fresh-site-grown.log" env TEST_OUTPUT_DIR="$OUT" bash "$ROOT/scripts/grown-site-test.sh" \
  && grep -E '^grown-site|passed' "$OUT/fresh-site-grown.log" | sed 's/^/     /'
echo "fresh-site: all versions and the grown site in $(( $(date +%s) - all_started )) s"
echo "fresh-site: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
