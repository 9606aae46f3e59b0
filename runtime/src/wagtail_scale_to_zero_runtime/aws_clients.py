"""The app's own AWS clients, one place for all of them: S3 with the media storage's
settings (region, emulator endpoint, timeouts, standard retries), for the outbox
(email, purge and schedule requests) and the page cache's writes, and the page
cache's fast S3 client (one attempt, short timeouts: a slow S3 renders the page
without the cache instead of holding the request)."""

from __future__ import annotations

import threading
from typing import Any

import boto3
from botocore.config import Config
from django.conf import settings

_s3: Any = None
_s3_lock = threading.Lock()


def _new_s3(config: Config) -> Any:
    return boto3.session.Session().client(
        "s3", region_name=settings.AWS_S3_REGION_NAME, endpoint_url=settings.AWS_S3_ENDPOINT_URL, config=config)


def s3() -> Any:
    """One S3 client per process with the media storage's settings. boto3 clients are
    thread-safe; creating one is not, hence the lock."""
    global _s3
    with _s3_lock:
        if _s3 is None:
            _s3 = _new_s3(settings.AWS_S3_CLIENT_CONFIG)
        return _s3


def fast_s3(connect_timeout: float, read_timeout: float) -> Any:
    """A new S3 client that tries once, within the given timeouts."""
    return _new_s3(settings.AWS_S3_CLIENT_CONFIG.merge(Config(
        connect_timeout=connect_timeout, read_timeout=read_timeout,
        retries={"total_max_attempts": 1, "mode": "standard"},
    )))
