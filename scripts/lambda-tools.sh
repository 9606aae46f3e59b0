#!/usr/bin/env bash
# What the checks that run an image as a Lambda function need besides the image: the AWS
# Lambda Runtime Interface Emulator (RIE, built from the Go module proxy, cached in
# .local/rie/) and the npm package's operator CLI (lib/cli/main.js, compiled when src/ is
# newer). Used by scripts/lambda-test.sh and scripts/grown-site-test.sh.
#
#   RIE="$(bash scripts/lambda-tools.sh | tail -n1)"
#
# The last line is the RIE's path; on failure, what failed (exit status 1).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${TEST_OUTPUT_DIR:-$ROOT/test-output}"
RIE_VERSION="v0.0.0-20261030222936-bef5c4ba774d"
RIE="$ROOT/.local/rie/$RIE_VERSION/aws-lambda-rie"
mkdir -p "$OUT"

if [ ! -x "$RIE" ]; then
  echo "lambda-tools: building the RIE $RIE_VERSION"
  GOBIN="$(dirname "$RIE")" GOFLAGS=-mod=mod \
    go install "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@$RIE_VERSION" \
    >"$OUT/lambda-rie-build.log" 2>&1 || { cat "$OUT/lambda-rie-build.log"; echo "lambda-tools: go install of the RIE failed"; exit 1; }
fi

cli="$ROOT/lib/cli/main.js"
if [ ! -f "$cli" ] || [ -n "$(find "$ROOT/src" -name '*.ts' -newer "$cli" | head -n1)" ]; then
  echo "lambda-tools: compiling the package for its operator CLI"
  (cd "$ROOT" && npx projen compile) >"$OUT/lambda-compile.log" 2>&1 \
    || { cat "$OUT/lambda-compile.log"; echo "lambda-tools: the compile failed"; exit 1; }
fi
echo "$RIE"
