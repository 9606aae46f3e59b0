"""Health endpoints, answered by middleware so a site needs no URL change.

/healthz  liveness for App Runner's health checker: HealthCheckMiddleware, the
          first middleware, answers before host validation, the HTTPS redirect,
          sessions or any database access. 200 for any Host header over plain HTTP.
/readyz   readiness for operators and integration tests, answered by the same
          middleware (so on the compute's own URL too, whatever its host), and
          only for a caller with the readiness token in X-Readiness-Token (the
          hex HMAC-SHA256 of contract.json's readinessTokenMessage keyed with
          SECRET_KEY; compared in constant time): anyone else gets 403 and no
          database connection is made, so nobody can keep the database awake.
          200 when the database and the media storage are reachable, else 503
          with a JSON body naming the check that failed, e.g.
          {"database": "ok", "storage": "error: ..."}.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse

from .contract import READINESS_TOKEN_HEADER, READINESS_TOKEN_MESSAGE, meta_key

GetResponse = Callable[[HttpRequest], HttpResponse]

READINESS_TOKEN_META = meta_key(READINESS_TOKEN_HEADER)


def readiness_token(secret_key: str) -> str:
    """The value /readyz requires in X-Readiness-Token."""
    return hmac.new(secret_key.encode(), READINESS_TOKEN_MESSAGE.encode(), hashlib.sha256).hexdigest()


def plain(status: int, text: str) -> HttpResponse:
    """A short text/plain response that no cache keeps."""
    response = HttpResponse(text.encode(), status=status, content_type="text/plain")
    response["Cache-Control"] = "no-store"
    return response


class HealthCheckMiddleware:
    """Answers /healthz with ``200 ok`` (never touching the database), and /readyz."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        self.token = readiness_token(settings.SECRET_KEY).encode()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == "/healthz":
            return plain(200, "ok\n")
        if request.path_info == "/readyz":
            given = request.META.get(READINESS_TOKEN_META, "").encode("utf-8", "surrogateescape")
            if not hmac.compare_digest(given, self.token):
                return plain(403, f"Forbidden: /readyz needs the readiness token in {READINESS_TOKEN_HEADER}.\n")
            return readyz()
        return self.get_response(request)


def _error(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"error: {type(exc).__name__}{': ' + text if text else ''}"


def check_database() -> str:
    """"ok", or "error: ..." when no connection can be had within READYZ_DATABASE_TIMEOUT."""
    connection = connections["default"]
    try:
        pool = getattr(connection, "pool", None)
        if pool is not None:
            # Borrow from the pool with a short wait so a down database is reported
            # quickly; the pool keeps trying to connect in the background.
            pool.open()  # idempotent; Django opens it lazily on first use
            with pool.connection(timeout=settings.READYZ_DATABASE_TIMEOUT) as conn:
                conn.execute("SELECT 1").fetchone()
        else:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        return "ok"
    except Exception as exc:  # report any failure, never raise
        return _error(exc)


def check_storage() -> str:
    """"ok", or "error: ..." when the media bucket (or directory) cannot be used."""
    from django.core.files.storage import default_storage

    try:
        if getattr(settings, "AWS_STORAGE_BUCKET_NAME", ""):
            default_storage.connection.meta.client.head_bucket(Bucket=default_storage.bucket_name)
        else:
            root = settings.MEDIA_ROOT
            os.makedirs(root, exist_ok=True)
            if not os.access(root, os.W_OK):
                raise PermissionError(f"{root} is not writable")
        return "ok"
    except Exception as exc:
        return _error(exc)


def readyz() -> JsonResponse:
    """The /readyz response: 200 when every check is "ok", else 503."""
    result = {"database": check_database(), "storage": check_storage()}
    status = 200 if all(v == "ok" for v in result.values()) else 503
    response = JsonResponse(result, status=status)
    response["Cache-Control"] = "no-store"
    return response
