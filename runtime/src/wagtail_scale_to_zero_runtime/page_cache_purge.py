"""CDN purge requests: objects ``purge/<uuid>.json`` in CDN_PURGE_OUTBOX_BUCKET.

Each holds ``{"paths": ["/*"]}``; the construct's function outside the VPC turns the
objects of each PURGE_BATCH_SECONDS window into one CloudFront invalidation.

Bound: each process writes at most one object per PURGE_BATCH_SECONDS (the sender's
window, from defaults.json). A change within the window after a write is not lost: it
leaves a purge pending, written by the first request or change after the window ends,
or when the process exits. No thread or timer waits for it (a Lambda environment is
frozen between requests): a process that serves nothing more and is killed without
exiting (a Lambda environment reclaimed) drops it, and the CDN then serves the
previous pages for at most PAGE_CACHE_CDN_SECONDS. So N changes in one window write
at most two objects per process: the first at once, one trailing.

A failed write is logged, never raised: the change itself has succeeded.
"""

from __future__ import annotations

import atexit
import json
import logging
import threading
import time
import uuid

from django.conf import settings

from .contract import PURGE_PREFIX

logger = logging.getLogger(__name__)

PURGE_BODY = json.dumps({"paths": ["/*"]}).encode()


class PurgeThrottle:
    """This process's purge requests: one per window, the rest left pending."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.written_at: float | None = None  # time.monotonic() of the last write
        self.pending = False

    def request(self) -> None:
        """Asks for a purge: written now, or left pending within the window of the last one."""
        with self.lock:
            if self.written_at is not None and time.monotonic() - self.written_at < settings.PURGE_BATCH_SECONDS:
                self.pending = True
                return
            self._take()
        write_purge()

    def send_pending(self, *, now: bool = False) -> None:
        """Writes the pending purge once the window has ended (``now``: whatever the window)."""
        if not self.pending:  # every request comes here: no lock unless one is pending
            return
        with self.lock:
            if not self.pending or (not now and time.monotonic() - self.written_at < settings.PURGE_BATCH_SECONDS):
                return
            self._take()
        write_purge()

    def _take(self) -> None:
        self.written_at = time.monotonic()
        self.pending = False


def write_purge() -> None:
    """Writes one purge object to CDN_PURGE_OUTBOX_BUCKET, when it is set."""
    bucket = settings.CDN_PURGE_OUTBOX_BUCKET
    if not bucket:
        return
    from .aws_clients import s3

    key = f"{PURGE_PREFIX}{uuid.uuid4()}.json"
    try:
        s3().put_object(Bucket=bucket, Key=key, Body=PURGE_BODY, ContentType="application/json")
    except Exception as exc:
        logger.error("CDN purge request %s failed (%s: %s): the CDN serves the previous pages for up to %d s",
                     key, type(exc).__name__, exc, settings.PAGE_CACHE_CDN_SECONDS)


throttle = PurgeThrottle()
atexit.register(throttle.send_pending, now=True)
