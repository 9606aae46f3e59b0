"""Runs the site's Lambda handler (wagtail_scale_to_zero_runtime.aws_lambda) as a Lambda
execution environment does, driven by test_lambda_site.py: each line read from stdin
is one JSON event, each result is written to stdout as one line of JSON ({"error":
...} when the invocation raised, which Lambda reports as a function error)."""

import json
import sys

from wagtail_scale_to_zero_runtime.aws_lambda import handler

for line in sys.stdin:
    try:
        result = handler(json.loads(line), None)
    except Exception as exc:  # the invocation error Lambda would report
        result = {"error": f"{type(exc).__name__}: {exc}"}
    print(json.dumps(result), flush=True)
