#!/usr/bin/env bash
# cfn-lint on every template the library synthesizes: the default stack, the stack with every prop set, and the
# integ stacks. cfn-lint comes from PyPI, pinned, in a virtual environment of its own under .local/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.local/cfn-lint-venv"
version=1.58.0
if ! "$venv/bin/cfn-lint" --version 2>/dev/null | grep -q "$version"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --disable-pip-version-check -q "cfn-lint==$version"
fi
out="$root/.local/cfn-lint-templates"
rm -rf "$out"
cd "$root"
JSII_DEPRECATED=quiet npx ts-node -P tsconfig.dev.json test/fixtures/synth-all.ts "$out"
templates=("$out"/*.template.json integ/*.snapshot/*.template.json)
echo "cfn-lint $version on ${#templates[@]} templates"
# Exit status is a bit mask: 2 errors, 4 warnings, 8 informational. Only errors fail; warnings are shown.
# (The warnings seen: W3005, explicit DependsOn that also waits for a role's policy; W3010, the dummy
# Availability Zones of an account-bound stack synthesized without context.)
status=0
"$venv/bin/cfn-lint" --format parseable -- "${templates[@]}" || status=$?
if (( status & 2 )) || (( status & 1 )); then
  echo "cfn-lint: 0 passed, ${#templates[@]} failed (errors above)"
  exit 1
fi
echo "cfn-lint: ${#templates[@]} passed, 0 failed"
