"""What a publish does to the page cache and the CDN.

Wagtail's signals for a change of the public site: ``page_published``,
``page_unpublished`` (also sent when a live page is deleted), ``post_page_move``,
and for snippets with drafts ``published`` and ``unpublished`` (which Wagtail also
sends for pages, after the page signal: ignored then). Each, once its
transaction commits (so that no instance renders the old content into the new
generation), and once per transaction however many pages it touched:

- starts a new page-cache generation (page_cache_store.PageCache.bump): this
  instance serves the new content at once, the others within
  PAGE_CACHE_GENERATION_SECONDS;
- asks for a CDN purge (page_cache_purge.py: at most one object per
  PURGE_BATCH_SECONDS per process, the others left pending, not lost).

Changes that send none of these signals (a snippet without drafts, an image, a
setting, a redirect) are saved by a write to the admin: PageCacheMiddleware calls
``changed`` after any successful admin write that did not already flush, so they
show as a publish does.

A failure is logged, never raised: the publish itself has succeeded. Pages are
then stale for at most PAGE_CACHE_MAX_AGE (the cache) and PAGE_CACHE_CDN_SECONDS
(the CDN).

The receivers are connected by configure() (page_cache_settings.py), so every
process of the site has them: gunicorn, Lambda, management commands (scheduled
publishing).
"""

from __future__ import annotations

import logging
import threading
from functools import partial
from typing import Any

from .page_cache_purge import throttle

logger = logging.getLogger(__name__)

PAGE_SIGNALS = ("page_published", "page_unpublished", "post_page_move")
# Sent for any model with drafts, pages included (after the page signal).
OBJECT_SIGNALS = ("published", "unpublished")

# Per thread: changes scheduled so far, and the last one a flush covered.
_state = threading.local()


def connect() -> None:
    """Connects the receivers to Wagtail's signals (idempotent)."""
    from wagtail import signals

    for name in PAGE_SIGNALS:
        getattr(signals, name).connect(changed, dispatch_uid=f"{__name__}.{name}")
    for name in OBJECT_SIGNALS:
        getattr(signals, name).connect(object_changed, dispatch_uid=f"{__name__}.{name}")


def object_changed(instance: Any = None, **kwargs: Any) -> None:
    """Receiver of the signals of any model with drafts: a snippet's change, not a page's."""
    from wagtail.models import Page

    if not isinstance(instance, Page):
        changed()


def changed(**kwargs: Any) -> None:
    """Receiver of the page signals (and of a snippet's): schedules one flush for when the
    current transaction commits (at once outside a transaction)."""
    scheduled = getattr(_state, "scheduled", 0) + 1
    _state.scheduled = scheduled
    from django.db import transaction

    transaction.on_commit(partial(flush, scheduled))


def flush_mark() -> int:
    """Grows with every flush of this thread: a caller compares it before and after a request to tell whether
    the request already invalidated."""
    return getattr(_state, "flushed", 0)


def flush(scheduled: int) -> None:
    """Bumps the generation and asks for a CDN purge, unless a flush of this thread has
    already run since this one was scheduled (the same transaction's other changes)."""
    if scheduled <= getattr(_state, "flushed", 0):
        return
    _state.flushed = _state.scheduled
    from .page_cache_store import page_cache

    try:
        page_cache().bump()
    except Exception:  # after the commit: the publish stands, whatever happens here
        logger.exception("page cache: starting a new generation failed")
    throttle.request()

