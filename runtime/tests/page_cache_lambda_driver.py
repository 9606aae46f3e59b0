"""Runs the site's Lambda handler (wagtail_scale_to_zero_runtime.aws_lambda) as a Lambda
execution environment does, driven by test_page_cache_lambda.py: each line read from
stdin is a path, sent as a Function URL GET event from a CloudFront-less reader; each
result is written to stdout as one line of JSON (status, X-Page-Cache, Cache-Control)."""

import json
import sys
import time
import uuid

from wagtail_scale_to_zero_runtime.aws_lambda import handler

HOST = "localhost"


def event(path):
    path, _, query = path.partition("?")
    now = time.time()
    return {
        "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": query,
        "headers": {"host": HOST, "user-agent": "page-cache-test", "accept": "*/*"},
        "requestContext": {
            "accountId": "anonymous", "apiId": "abc", "domainName": HOST, "domainPrefix": "abc",
            "requestId": str(uuid.uuid4()), "routeKey": "$default", "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)), "timeEpoch": int(now * 1000),
            "http": {"method": "GET", "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.7",
                     "userAgent": "page-cache-test"},
        },
        "isBase64Encoded": False,
    }


for line in sys.stdin:
    result = handler(event(line.strip()), None)
    headers = {k.lower(): v for k, v in result.get("headers", {}).items()}
    print(json.dumps({"status": result["statusCode"], "cache": headers.get("x-page-cache"),
                      "cache_control": headers.get("cache-control")}), flush=True)
