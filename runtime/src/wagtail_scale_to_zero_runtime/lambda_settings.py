"""What configure() changes when the site runs on AWS Lambda (the function's
environment has AWS_LAMBDA_FUNCTION_NAME, set by Lambda itself).

Database: no pool. A Lambda execution environment serves one request at a time,
and nothing runs while it is frozen between requests: a pooled connection (or a
persistent one) would stay open on the server for as long as the environment
lives (up to hours) and keep Aurora Serverless v2 from pausing. Each request opens
its connection (CONN_MAX_AGE = 0) and the handler (aws_lambda.py) closes every
connection at the end of each invocation.

Uploads: Lambda takes a request of at most 6 MB (the whole invocation event: the
body, base64-encoded when binary, so 4/3 larger, plus the headers and the request
context). The function accepts bodies up to MAX_REQUEST_BODY (a larger one that
still reaches it is answered 413 by the handler) and Wagtail refuses files over
MAX_UPLOAD_SIZE with its own message, in the browser before uploading (the
multiple-upload page checks the size) and in the form.
"""

from __future__ import annotations

import os
from typing import Any

# Lambda's limit on a synchronous invocation's request event.
LAMBDA_REQUEST_LIMIT = 6 * 1024 * 1024
# The largest request body the function accepts: 4.25 MiB, i.e. 5 941 931 bytes once
# base64-encoded, leaving about 340 KB of the 6 MiB event (58 KB of a decimal 6 MB)
# for the headers, cookies and request context.
MAX_REQUEST_BODY = 4_456_448
# The largest file Wagtail accepts (images; documents too from Wagtail 8.0, which has
# the setting): 4 MiB ("4.0 MB" in Wagtail's messages), leaving 256 KiB of the body
# for the upload form's other fields.
MAX_UPLOAD_SIZE = 4 * 1024 * 1024


def on_aws_lambda() -> bool:
    """True in a Lambda function (and under the Runtime Interface Emulator)."""
    return bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "").strip())


def _at_most(value: Any, limit: int) -> int:
    """``value`` capped at ``limit``; ``limit`` when unset or None (no limit)."""
    return limit if value is None else min(int(value), limit)


def configure_for_lambda(settings: dict[str, Any]) -> None:
    """Adapts the upload limits configure() leaves to Lambda; does nothing elsewhere. Idempotent.
    (The database is decided in configure() itself: database.unpooled_database.)"""
    if not on_aws_lambda():
        return
    # Wagtail's defaults: 10 MB for images, no limit for documents. A site's lower value stays.
    settings["WAGTAILIMAGES_MAX_UPLOAD_SIZE"] = _at_most(
        settings.get("WAGTAILIMAGES_MAX_UPLOAD_SIZE", 10 * 1024 * 1024), MAX_UPLOAD_SIZE)
    settings["WAGTAILDOCS_MAX_UPLOAD_SIZE"] = _at_most(settings.get("WAGTAILDOCS_MAX_UPLOAD_SIZE"), MAX_UPLOAD_SIZE)
