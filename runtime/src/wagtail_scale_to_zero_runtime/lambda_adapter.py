"""The Lambda handler around the site's WSGI application (no side effect at import;
aws_lambda.py builds the handler when the runtime client loads it).

Two kinds of event:

- a Function URL request (payload format 2.0, has ``requestContext``): through
  apig-wsgi to the WSGI application. Every response body is base64-encoded (so
  any content type comes back byte for byte), each Set-Cookie becomes an entry of
  the v2 ``cookies`` list, the request's cookies list becomes one Cookie header,
  the Host header stays the viewer's; headers are those function_url.py lets
  through (no name with ``_``; X-Forwarded-Proto and -Port https and 443). A
  request that is not valid WSGI (function_url.py) is answered 400, and a body over
  lambda_settings.MAX_REQUEST_BODY 413, with a plain-text message and
  ``Cache-Control: no-store``, before Django sees it.
- ``{"manage": ["<command>", "<arg>", ...]}``, a direct invocation by an operator
  (never through the URL): that management command, run in-process; returns
  ``{"exitCode": N, "output": "..."}`` with every secret blanked
  (management_invocation.py).
- ``{"transfer": {...}}``, also a direct invocation: presigned URLs of the
  transfer area that content travels through (site_transfer.py), answered to the
  caller only.
- ``{"password": {"username": "<name>"}}``, also a direct invocation: a new random
  password for that user (default the first admin), answered to the caller only
  (operator_password.py).
- any other event (the deployment's management invocation sends ``{}``): the
  ``startup`` command (locked migrations, the first admin once); returns its
  output, or raises StartupFailed whose message carries the output and the error,
  with every secret of the environment blanked (CloudFormation shows the message).

Every database connection is closed at the end of every invocation: nothing may
stay open on the server while the execution environment is frozen.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .function_url import refusal, wsgi_headers
from .lambda_settings import MAX_REQUEST_BODY, MAX_UPLOAD_SIZE
from .management_invocation import MANAGE_KEY, run_manage, run_startup
from .operator_password import PASSWORD_KEY, run_password
from .site_transfer import TRANSFER_KEY, run_transfer

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]

def body_size(event: dict[str, Any]) -> int:
    """Bytes of the request body, without decoding it."""
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        return len(body) * 3 // 4 - body[-2:].count("=")
    return len(body.encode())


def plain_response(status: int, message: str) -> dict[str, Any]:
    """A plain-text response (payload format 2.0) that no cache keeps."""
    return {"statusCode": status, "headers": {"content-type": "text/plain; charset=utf-8", "cache-control": "no-store"},
            "cookies": [], "body": message, "isBase64Encoded": False}


def too_large(size: int) -> dict[str, Any]:
    """The 413 response for a body of ``size`` bytes."""
    message = (
        f"413 Request Entity Too Large: the request body is {size} bytes. This site runs on AWS Lambda, "
        f"whose requests are limited to 6 MB: it accepts request bodies of at most {MAX_REQUEST_BODY} bytes "
        f"({MAX_REQUEST_BODY / 1048576:.2f} MiB), so files of at most {MAX_UPLOAD_SIZE / 1048576:.1f} MB "
        "can be uploaded.\n"
    )
    return plain_response(413, message)


def make_handler(application: Callable[..., Any]) -> Handler:
    """The Lambda handler for ``application`` (a WSGI callable)."""
    from apig_wsgi import make_lambda_handler
    from django.db import connections

    # No text/binary guessing: every body goes back base64-encoded, byte for byte
    # (the Function URL decodes it), whatever its content type or charset.
    wsgi_handler = make_lambda_handler(application, binary_support=True, non_binary_content_type_prefixes=())

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        try:
            if isinstance(event, dict) and MANAGE_KEY in event:
                return run_manage(event[MANAGE_KEY])
            if isinstance(event, dict) and TRANSFER_KEY in event:
                return run_transfer(event[TRANSFER_KEY])
            if isinstance(event, dict) and PASSWORD_KEY in event:
                return run_password(event[PASSWORD_KEY])
            if not isinstance(event, dict) or "requestContext" not in event:
                return run_startup()
            part = refusal(event)
            if part:
                return plain_response(400, f"400 Bad Request: the request's {part} is not valid.\n")
            size = body_size(event)
            if size > MAX_REQUEST_BODY:
                return too_large(size)
            response = wsgi_handler({**event, "headers": wsgi_headers(event)}, context)
            if event["requestContext"].get("http", {}).get("method") == "HEAD":
                response.update(body="", isBase64Encoded=False)
            return response
        finally:
            # Nothing open while the environment is frozen (Django closes a request's
            # connection when the response is closed; this also covers the rest).
            connections.close_all()

    return handler
