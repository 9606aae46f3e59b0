"""Where the page cache keeps rendered pages, and its generation.

Store: with PAGE_CACHE_BUCKET, that S3 bucket (shared by every instance and Lambda
execution environment, and surviving cold starts); otherwise a directory of this
instance (local runs), made when the app loads and removed when the process that
made it exits (gunicorn's master: its workers share it).

Layout (the same in both; in S3 under the prefix ``page-cache/``):
  page-cache/generation               the current generation, a random token
  page-cache/<generation>/<sha256>    one rendered page (page_cache.Entry)

Invalidation: a publish (page_cache_invalidation.py) writes a new generation.
Every process re-reads the generation at most every PAGE_CACHE_GENERATION_SECONDS;
the process that wrote it also writes it to a hint file in the instance's
directory, which every process of the instance checks (one stat) on each request,
so the whole instance switches at once. Pages of older generations are never read
again; in S3 a lifecycle rule on ``page-cache/`` deletes them.

Failures: any S3 error other than a missing object makes the cache step aside for
UNAVAILABLE_SECONDS (pages are rendered meanwhile); S3 calls of the request path
make one attempt with short timeouts, so an outage costs a page view at most
about a second, never a 500.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Protocol

from django.conf import settings

from .contract import PAGE_CACHE_PREFIX

logger = logging.getLogger(__name__)

GENERATION = "generation"
# After an S3 error, pages are rendered without the cache for this long.
UNAVAILABLE_SECONDS = 30.0
# S3 on a page view: one attempt, short timeouts (S3 answers in milliseconds from the VPC).
CONNECT_TIMEOUT = 1
READ_TIMEOUT = 3
MISSING = ("NoSuchKey", "404", "NotFound")


class Store(Protocol):
    """Objects by name (``generation``, ``<generation>/<digest>``)."""

    def get(self, name: str) -> bytes | None:
        """The object's bytes, None when there is none; raises on any other failure."""

    def put(self, name: str, data: bytes) -> None:
        """Writes the object; raises on failure."""

    def put_reliably(self, name: str, data: bytes) -> None:
        """Writes the object with retries (a generation: a lost write leaves pages stale)."""


class S3Store:
    """Objects under ``page-cache/`` in ``bucket``."""

    def __init__(self, bucket: str) -> None:
        from . import aws_clients

        self.bucket = bucket
        self.fast = aws_clients.fast_s3(CONNECT_TIMEOUT, READ_TIMEOUT)
        # Region, endpoint, timeouts and standard retries of the media storage.
        self.reliable = aws_clients.s3()

    def get(self, name: str) -> bytes | None:
        from botocore.exceptions import ClientError

        try:
            return self.fast.get_object(Bucket=self.bucket, Key=PAGE_CACHE_PREFIX + name)["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in MISSING:
                return None
            raise

    def put(self, name: str, data: bytes) -> None:
        self.fast.put_object(Bucket=self.bucket, Key=PAGE_CACHE_PREFIX + name, Body=data)

    def put_reliably(self, name: str, data: bytes) -> None:
        self.reliable.put_object(Bucket=self.bucket, Key=PAGE_CACHE_PREFIX + name, Body=data)


class DirectoryStore:
    """Objects as files under ``root``; writing a generation removes the other generations' pages."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def get(self, name: str) -> bytes | None:
        try:
            return (self.root / name).read_bytes()
        except FileNotFoundError:
            return None

    def put(self, name: str, data: bytes) -> None:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(path, data)

    def put_reliably(self, name: str, data: bytes) -> None:
        self.put(name, data)
        if name == GENERATION:
            for old in self.root.iterdir():
                if old.is_dir() and old.name != data.decode():
                    shutil.rmtree(old, ignore_errors=True)


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    tmp.write_bytes(data)
    os.replace(tmp, path)


class PageCache:
    """The store, and the current generation as this process knows it."""

    def __init__(self, store: Store, hint: Path, refresh_seconds: float) -> None:
        self.store = store
        self.hint = hint
        self.refresh_seconds = refresh_seconds
        self.lock = threading.Lock()
        self.current: str | None = None
        self.read_at = 0.0  # time.monotonic() of the last read from the store
        self.hint_seen: tuple[int, int] | None = None
        self.unsaved: str | None = None  # a new generation the store has not taken yet
        self.unavailable_until = 0.0

    def available(self) -> bool:
        """False for UNAVAILABLE_SECONDS after a store error."""
        return time.monotonic() >= self.unavailable_until

    def failed(self, action: str, exc: Exception) -> None:
        """Steps aside for UNAVAILABLE_SECONDS after a store error (logged once per period)."""
        with self.lock:
            first = self.available()
            self.unavailable_until = time.monotonic() + UNAVAILABLE_SECONDS
        if first:
            logger.warning("page cache: %s failed (%s: %s); rendering pages without the cache for %d s",
                           action, type(exc).__name__, exc, UNAVAILABLE_SECONDS)

    def generation(self) -> str | None:
        """The current generation, or None when the store cannot be used now."""
        if not self.available():
            return None
        try:
            return self._generation()
        except Exception as exc:  # the cache steps aside; the page is rendered
            self.failed("reading the generation", exc)
            return None

    def _generation(self) -> str | None:
        with self.lock:
            if not self.available():  # another thread of this process just failed
                return None
            try:
                stat = self.hint.stat()
                seen: tuple[int, int] | None = (stat.st_ino, stat.st_mtime_ns)
            except FileNotFoundError:
                seen = None
            if seen is not None and seen != self.hint_seen:
                self.hint_seen = seen
                self.current = self.hint.read_text().strip() or self.current
            stale = time.monotonic() - self.read_at >= self.refresh_seconds
            if self.current is not None and not stale:
                return self.current
            # On a page view: one quick attempt each (Store.put), never the retries of a bump.
            if self.unsaved is not None:
                self.store.put(GENERATION, self.unsaved.encode())
                self.unsaved = None
            stored = self.store.get(GENERATION)
            if stored is None:  # the first start, or the lifecycle rule removed it
                self.current = uuid.uuid4().hex
                self.store.put(GENERATION, self.current.encode())
            else:
                self.current = stored.decode().strip()
            self.read_at = time.monotonic()
            return self.current

    def get(self, generation: str, digest: str) -> bytes | None:
        """A page of ``generation``, None when absent or the store fails."""
        try:
            return self.store.get(f"{generation}/{digest}")
        except Exception as exc:
            self.failed("reading a page", exc)
            return None

    def put(self, generation: str, digest: str, data: bytes) -> None:
        """Keeps a page of ``generation``; a failure only costs the next view a render."""
        if not self.available():
            return
        try:
            self.store.put(f"{generation}/{digest}", data)
        except Exception as exc:
            self.failed("storing a page", exc)

    def bump(self) -> None:
        """Starts a new generation: every page is rendered again on its next view. This
        instance uses it at once; the others within ``refresh_seconds``. When the store
        refuses it, this process retries at each later refresh."""
        value = uuid.uuid4().hex
        with self.lock:
            try:
                self.store.put_reliably(GENERATION, value.encode())
                self.unsaved = None
            except Exception as exc:
                self.unsaved = value
                logger.error("page cache: writing the new generation failed (%s: %s); other instances serve "
                             "the previous pages until it is written", type(exc).__name__, exc)
            self.current = value
            self.read_at = time.monotonic()
            _write_atomically(self.hint, value.encode())
            stat = self.hint.stat()
            self.hint_seen = (stat.st_ino, stat.st_mtime_ns)


_cache: PageCache | None = None
_cache_lock = threading.Lock()


def _instance_directory() -> Path:
    """A fresh directory for this instance, removed when the process that made it exits."""
    path = Path(tempfile.mkdtemp(prefix="wagtail-page-cache-"))
    owner = os.getpid()

    def remove() -> None:
        if os.getpid() == owner:  # not in forked workers, which share it
            shutil.rmtree(path, ignore_errors=True)

    atexit.register(remove)
    return path


def page_cache() -> PageCache:
    """The process's page cache (made on first use: in gunicorn's master when the app is loaded)."""
    global _cache
    with _cache_lock:
        if _cache is None:
            directory = _instance_directory()
            store: Store
            if settings.PAGE_CACHE_BUCKET:
                store = S3Store(settings.PAGE_CACHE_BUCKET)
                hint = directory / "generation-hint"
            else:
                store = DirectoryStore(directory)
                hint = directory / GENERATION
            _cache = PageCache(store, hint, float(settings.PAGE_CACHE_GENERATION_SECONDS))
        return _cache
