"""The page cache's and the CDN's settings, from the environment (called by configure()).

PAGE_CACHE_BUCKET               the shared store (else a directory of each instance)
PAGE_CACHE_MAX_AGE              seconds an entry is served at most (defaults.json)
PAGE_CACHE_CDN_SECONDS          s-maxage of cacheable pages (defaults.json)
PAGE_CACHE_GENERATION_SECONDS   how often each process re-reads the generation (defaults.json)
CDN_PURGE_OUTBOX_BUCKET         where a publish asks for a CloudFront purge (else none)
PURGE_BATCH_SECONDS             at most one purge request per process per this window (defaults.json:
                                the outbox sender's batch window)
CDN_ORIGIN_SECRET               the X-Origin-Verify value; set: only CloudFront is served
"""

from __future__ import annotations

import os
from typing import Any

from .defaults import get_int


def configure_page_cache(settings: dict[str, Any]) -> None:
    """Writes the settings above."""
    settings["PAGE_CACHE_BUCKET"] = os.environ.get("PAGE_CACHE_BUCKET", "").strip()
    settings["PAGE_CACHE_MAX_AGE"] = get_int("PAGE_CACHE_MAX_AGE")
    settings["PAGE_CACHE_CDN_SECONDS"] = get_int("PAGE_CACHE_CDN_SECONDS")
    settings["PAGE_CACHE_GENERATION_SECONDS"] = get_int("PAGE_CACHE_GENERATION_SECONDS")
    settings["PURGE_BATCH_SECONDS"] = get_int("PURGE_BATCH_SECONDS")
    settings["CDN_PURGE_OUTBOX_BUCKET"] = os.environ.get("CDN_PURGE_OUTBOX_BUCKET", "").strip()
    # A secret: Django's error reports hide settings whose name contains SECRET.
    settings["CDN_ORIGIN_SECRET"] = os.environ.get("CDN_ORIGIN_SECRET", "").strip()
