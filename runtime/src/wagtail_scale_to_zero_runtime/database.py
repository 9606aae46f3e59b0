"""The ``default`` database from the environment: under gunicorn, PostgreSQL through
a bounded psycopg 3 pool that empties when idle, so Aurora Serverless v2 can pause;
on Lambda, one connection per request and no pool (lambda_settings.py says why).

DATABASE_SECRET: the Secrets Manager JSON of an RDS-generated secret, injected by
App Runner. DATABASE_URL: postgres://user:pass@host:port/name (local run, tests).
"""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured


def connection_params() -> dict[str, str] | None:
    """NAME, USER, PASSWORD, HOST, PORT from DATABASE_SECRET or DATABASE_URL; None if neither is set."""
    secret = os.environ.get("DATABASE_SECRET", "").strip()
    url = os.environ.get("DATABASE_URL", "").strip()
    if secret:
        try:
            data = json.loads(secret)
        except ValueError:
            raise ImproperlyConfigured("DATABASE_SECRET is not valid JSON") from None
        missing = [k for k in ("username", "password", "host") if not data.get(k)]
        if missing:
            raise ImproperlyConfigured(f"DATABASE_SECRET lacks {', '.join(missing)}")
        return {
            "NAME": data.get("dbname") or os.environ.get("DATABASE_NAME", "wagtail"),
            "USER": data["username"],
            "PASSWORD": data["password"],
            "HOST": data["host"],
            "PORT": str(data.get("port") or 5432),
        }
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("postgres", "postgresql"):
            raise ImproperlyConfigured("DATABASE_URL must start with postgres:// or postgresql://")
        return {
            "NAME": unquote(parts.path.lstrip("/")) or os.environ.get("DATABASE_NAME", "wagtail"),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": unquote(parts.hostname or ""),
            "PORT": str(parts.port or 5432),
        }
    return None


def unpooled_database(params: dict[str, str], *, connect_timeout: int) -> dict[str, Any]:
    """A DATABASES entry for ``params`` whose connection lasts one request (CONN_MAX_AGE 0), with no pool."""
    return {
        "ENGINE": "django.db.backends.postgresql",
        **params,
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": False,
        "OPTIONS": {
            # Aurora Serverless v2 resumes from pause in ~15 s (~30 s after a day).
            "connect_timeout": connect_timeout,
            "application_name": os.environ.get("DATABASE_APPLICATION_NAME", "wagtail"),
        },
    }


def pooled_database(params: dict[str, str], *, pool_size: int, max_idle: int, connect_timeout: int) -> dict[str, Any]:
    """A DATABASES entry for ``params`` with a pool of at most ``pool_size`` connections."""
    entry = unpooled_database(params, connect_timeout=connect_timeout)
    return {
        **entry,
        # Pooled connections go back to the pool at the end of each request;
        # persistent connections (CONN_MAX_AGE) are not allowed with a pool.
        # With a pool, Django turns CONN_HEALTH_CHECKS into the pool's check: a
        # connection the server closed (idle_session_timeout, failover) is replaced
        # before use instead of surfacing as a 500.
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {
            **entry["OPTIONS"],
            "pool": {
                "min_size": 0,  # nothing kept open when idle, so Aurora can pause
                "max_size": pool_size,  # per gunicorn worker process: GUNICORN_THREADS
                # psycopg_pool closes ONE idle connection per max_idle period: a full
                # pool is empty (max_size + 1) x max_idle seconds after the last request.
                "max_idle": max_idle,
                "timeout": connect_timeout + 10,  # waiting covers a full connect (resume)
                "name": "django",
            },
        },
    }
