#!/usr/bin/env bash
# Proves Python and Java users can use the library: builds the jsii packages fresh from the current source, then
# runs a tiny consumer app with tests in each language against exactly those artifacts.
#
#   scripts/bindings-test.sh
#
# Steps: jsii compile -> package python (dist/python) -> package java (dist/java) -> pytest in
# test/python-consumer -> JUnit in test/java-consumer. Exits non-zero on the first failure.
#
# Cached under .local/bindings-test/ (gitignored; BINDINGS_TEST_CACHE=<dir> moves it), never this library's own
# artifacts:
#   pip-cache/          pip's download cache
#   python-venv/        the consumer venv; the library's wheel is uninstalled and reinstalled from dist/python each run
#   m2/                 Maven's local repository; this library's coordinates are deleted from it before each use
#   cdk-ecr-deployment-<version>/java
#                       the Java binding of cdk-ecr-deployment, built once per version from node_modules with
#                       jsii-pacmak: Maven Central does not serve io.github.cdklabs:cdk-ecr-deployment, so neither
#                       this library's Java build nor a Java consumer can resolve it from there.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

CACHE="$(mkdir -p "${BINDINGS_TEST_CACHE:-$ROOT/.local/bindings-test}" && cd "${BINDINGS_TEST_CACHE:-$ROOT/.local/bindings-test}" && pwd)"
M2="$CACHE/m2"
VENV="$CACHE/python-venv"
export PIP_CACHE_DIR="$CACHE/pip-cache"
export PIP_DISABLE_PIP_VERSION_CHECK=1
# The jsii kernel prints a banner about this machine's Node version each time it starts; it says nothing about the
# library, and would repeat in every consumer test process.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="$(node -p 'process.versions.node.split(".")[0]')"
mkdir -p "$CACHE" "$M2" "$PIP_CACHE_DIR"

if [[ ! -x node_modules/.bin/jsii-pacmak ]]; then
  echo "node_modules is missing jsii-pacmak: install the project's npm dependencies first" >&2
  exit 1
fi

TIMINGS=()
STEP_NAME=""
STEP_START=0
step() {
  STEP_NAME="$1"
  STEP_START=$(date +%s.%N)
  echo
  echo "==> $STEP_NAME"
}
step_done() {
  local seconds
  seconds=$(awk -v a="$STEP_START" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  TIMINGS+=("$(printf '%-28s %7ss' "$STEP_NAME" "$seconds")")
  echo "<== $STEP_NAME: ${seconds}s"
}
report() {
  local status=$?
  echo
  echo "Step timings:"
  local line
  for line in "${TIMINGS[@]}"; do echo "  $line"; done
  if [[ $status -ne 0 ]]; then
    echo "bindings-test FAILED in step: $STEP_NAME (exit $status)"
  fi
}
trap report EXIT

# Runs a task's one jsii-pacmak step as .projen/tasks.json defines it (exec or execArgs), with extra arguments.
projen_pacmak() {
  local task="$1"; shift
  local -a command
  mapfile -t command < <(node -e '
    const task = require("./.projen/tasks.json").tasks[process.argv[1]];
    const steps = (task && task.steps) || [];
    const args = steps.length === 1 ? (steps[0].execArgs || (steps[0].exec || "").split(/\s+/).filter(Boolean)) : [];
    if (args[0] !== "jsii-pacmak") {
      console.error(`task ${process.argv[1]} is no longer one jsii-pacmak step; update scripts/bindings-test.sh`);
      process.exit(1);
    }
    console.log(args.join("\n"));' "$task")
  [[ ${#command[@]} -gt 0 ]] || exit 1
  echo "+ npx ${command[*]} $*"
  npx "${command[@]}" "$@"
}

# --- 1. compile ---------------------------------------------------------------------------------------------------
step "compile"
before=$(date +%s)
npx projen compile
if [[ ! -f .jsii ]] || (( $(stat -c %Y .jsii) < before )); then
  echo ".jsii was not rewritten by the compile" >&2
  exit 1
fi
# jsii overwrites what it emits but never deletes output of removed sources; drop those so no stale module ships.
while IFS= read -r -d '' emitted; do
  source_file="src/${emitted#lib/}"
  source_file="${source_file%.d.ts}"; source_file="${source_file%.js}.ts"
  if [[ ! -f "$source_file" ]]; then
    echo "removing $emitted: no $source_file"
    rm -f "$emitted"
  fi
done < <(find lib -type f \( -name '*.js' -o -name '*.d.ts' \) -print0)
step_done

# --- 2. package python -------------------------------------------------------------------------------------------
step "package python"
rm -rf dist/python
npx projen package:python
WHEEL=$(ls dist/python/*.whl)
echo "built $WHEEL"
step_done

# --- 3. package java ---------------------------------------------------------------------------------------------
step "package java"
ECR_VERSION=$(node -p 'require("./node_modules/cdk-ecr-deployment/package.json").version')
PACMAK_VERSION=$(node -p 'require("./node_modules/jsii-pacmak/package.json").version')
ECR_REPO="$CACHE/cdk-ecr-deployment-$ECR_VERSION/java"
ECR_STAMP="$CACHE/cdk-ecr-deployment-$ECR_VERSION/built-with-jsii-pacmak"
ECR_JAR="io/github/cdklabs/cdk-ecr-deployment/$ECR_VERSION/cdk-ecr-deployment-$ECR_VERSION.jar"
if [[ -f "$ECR_REPO/$ECR_JAR" && -f "$M2/$ECR_JAR" && "$(cat "$ECR_STAMP" 2>/dev/null)" == "$PACMAK_VERSION" ]]; then
  echo "cdk-ecr-deployment $ECR_VERSION Java binding: cached in $ECR_REPO"
else
  echo "cdk-ecr-deployment $ECR_VERSION Java binding: building it from node_modules (once per version)"
  rm -rf "$CACHE/cdk-ecr-deployment-$ECR_VERSION" "$M2/io/github/cdklabs/cdk-ecr-deployment"
  # Its Maven build also installs it into $M2, where this library's Java build resolves it.
  npx jsii-pacmak -v --target java --no-npmignore --outdir "$CACHE/cdk-ecr-deployment-$ECR_VERSION" \
    --maven-local-repository "$M2" node_modules/cdk-ecr-deployment
  echo "$PACMAK_VERSION" > "$ECR_STAMP"
fi
rm -rf dist/java "$M2/io/github/wagtail-scale-to-zero"
# projen's package:java with a persistent Maven repository (the default is a new empty one per run).
projen_pacmak package:java --maven-local-repository "$M2"
JAR_DIR=dist/java/io/github/wagtail-scale-to-zero/wagtail-scale-to-zero
LIB_VERSION=$(node -p 'require("./package.json").version')
JAR="$JAR_DIR/$LIB_VERSION/wagtail-scale-to-zero-$LIB_VERSION.jar"
[[ -f "$JAR" ]] || { echo "no $JAR after packaging" >&2; exit 1; }
echo "built $JAR"
step_done

# --- 4. python consumer ------------------------------------------------------------------------------------------
step "python consumer test"
if ! "$VENV/bin/python" -c 'import sys' 2>/dev/null \
  || [[ "$("$VENV/bin/python" -c 'import sys; print(sys.version)')" != "$(python3 -c 'import sys; print(sys.version)')" ]]; then
  rm -rf "$VENV"
  python3 -m venv "$VENV"
fi
"$VENV/bin/pip" uninstall -q -y wagtail-scale-to-zero 2>/dev/null || true
# The wheel's declared dependencies resolve through the consumer's pins; pip check proves they agree.
"$VENV/bin/pip" install -q -r test/python-consumer/requirements.txt "$WHEEL"
"$VENV/bin/pip" check
"$VENV/bin/python" - "$WHEEL" <<'EOF'
import hashlib, importlib.util, pathlib, sys, zipfile
wheel = zipfile.ZipFile(sys.argv[1])
[member] = [n for n in wheel.namelist() if n.endswith(".jsii.tgz")]
installed = pathlib.Path(importlib.util.find_spec("wagtail_scale_to_zero").origin).parent.parent / member
same = hashlib.sha256(wheel.read(member)).digest() == hashlib.sha256(installed.read_bytes()).digest()
print(f"installed {member}: {'same as' if same else 'DIFFERENT from'} the fresh wheel's")
sys.exit(0 if same else 1)
EOF
(cd test/python-consumer && "$VENV/bin/python" -m pytest)
step_done

# --- 5. java consumer --------------------------------------------------------------------------------------------
step "java consumer test"
# Maven keeps whatever it once copied into its local repository; delete this library's copy so the test can only get
# the jar just built in dist/java.
rm -rf "$M2/io/github/wagtail-scale-to-zero"
(cd test/java-consumer && mvn -B -ntp -Dmaven.repo.local="$M2" -Dwagtail.version="$LIB_VERSION" \
  -Dcdk-ecr-deployment.version="$ECR_VERSION" -Dcdk-ecr-deployment.repo="$ECR_REPO" clean test)
used="$M2/io/github/wagtail-scale-to-zero/wagtail-scale-to-zero/$LIB_VERSION/wagtail-scale-to-zero-$LIB_VERSION.jar"
if cmp -s "$used" "$JAR"; then
  echo "the test ran against $JAR"
else
  echo "the jar Maven used ($used) is not the fresh $JAR" >&2
  exit 1
fi
step_done

echo
echo "bindings-test: Python and Java consumers passed against the freshly built packages"
