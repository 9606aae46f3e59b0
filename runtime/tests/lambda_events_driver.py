"""Runs the site's Lambda handler (wagtail_scale_to_zero_runtime.aws_lambda) as a Lambda
execution environment does, driven by test_lambda_site.py: each line read from stdin
is one JSON event, each result is written to stdout as one line of JSON ({"error":
...} when the invocation raised, which Lambda reports as a function error). What the
function logs (its stdout, as on Lambda) goes to stderr, so that it never mixes with
the results."""

import json
import os
import sys

results = os.fdopen(os.dup(sys.stdout.fileno()), "w")
os.dup2(sys.stderr.fileno(), sys.stdout.fileno())

from wagtail_scale_to_zero_runtime.aws_lambda import handler  # noqa: E402 (after stdout is the log)

for line in sys.stdin:
    try:
        result = handler(json.loads(line), None)
    except Exception as exc:  # the invocation error Lambda would report
        result = {"error": f"{type(exc).__name__}: {exc}"}
    print(json.dumps(result), file=results, flush=True)
