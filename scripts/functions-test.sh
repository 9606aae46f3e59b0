#!/usr/bin/env bash
# Run the Lambda functions' tests (functions/tests: the outbox sender, the CDN origin value's
# custom resource) against moto's server, which serves S3, SES, CloudFront, EventBridge
# Scheduler and Secrets Manager on one port. Uses the app's venv (boto3, moto[server], pytest).
# Extra arguments go to pytest. Exits non-zero on failure.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$("$ROOT/scripts/app-venv.sh" | tail -n1)"
cd "$ROOT/functions"
exec "$VENV/bin/python" -m pytest tests -p no:cacheprovider -q "$@"
