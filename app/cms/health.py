"""Health endpoints.

/healthz  liveness for App Runner's health checker: answered by the first
          middleware, before host validation, the HTTPS redirect, sessions or any
          database access. 200 for any Host header over plain HTTP.
/readyz   readiness for operators and integration tests: 200 when the database
          and the media storage are reachable, else 503 with a JSON body naming
          the check that failed, e.g. {"database": "ok", "storage": "error: ..."}.
"""

import json
import os

from django.conf import settings
from django.db import connections
from django.http import HttpResponse, JsonResponse


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/healthz":
            response = HttpResponse(b"ok\n", content_type="text/plain")
            response["Cache-Control"] = "no-store"
            return response
        return self.get_response(request)


def _error(exc):
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"error: {type(exc).__name__}{': ' + text if text else ''}"


def check_database():
    connection = connections["default"]
    try:
        pool = connection.pool
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


def check_storage():
    from django.core.files.storage import default_storage

    try:
        bucket = getattr(settings, "AWS_STORAGE_BUCKET_NAME", "")
        if bucket:
            default_storage.connection.meta.client.head_bucket(Bucket=default_storage.bucket_name)
        else:
            root = settings.MEDIA_ROOT
            os.makedirs(root, exist_ok=True)
            if not os.access(root, os.W_OK):
                raise PermissionError(f"{root} is not writable")
        return "ok"
    except Exception as exc:
        return _error(exc)


def readyz(request):
    result = {"database": check_database(), "storage": check_storage()}
    status = 200 if all(v == "ok" for v in result.values()) else 503
    response = JsonResponse(result, status=status)
    response["Cache-Control"] = "no-store"
    return response
