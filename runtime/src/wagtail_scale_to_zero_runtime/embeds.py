"""oEmbed lookups on a site without internet access (see outbound.py).

Wagtail's embed chooser answers "Cannot find an embed for this URL." whatever
went wrong. OEmbedFinder (WAGTAILEMBEDS_FINDERS) notes, per thread, the URL of
a lookup that failed for network reasons (no connection, timeout; not an HTTP
error from the provider), and the chooser template
(templates/wagtailembeds/chooser/chooser.html) adds that the site has no
internet access when the URL it shows again is that one. Wagtail 7 fetches with
urllib, Wagtail 8 with requests: both kinds of network error count.
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.error import HTTPError

from wagtail.embeds.exceptions import EmbedNotFoundException
from wagtail.embeds.finders import oembed

_last_lookup = threading.local()


def is_network_error(exc: BaseException | None) -> bool:
    """Whether ``exc`` means the provider could not be reached (or did not answer in time)."""
    try:
        import requests
    except ImportError:  # pragma: no cover - Wagtail depends on requests
        requests = None
    if requests is not None and isinstance(exc, requests.RequestException):
        # ConnectionError covers refused, unreachable, proxy and TLS failures and
        # connect timeouts; Timeout covers read timeouts. HTTPError: the provider answered.
        return isinstance(exc, (requests.ConnectionError, requests.Timeout))
    # urlopen wraps connection errors in URLError (an OSError); HTTPError is a
    # URLError too, but means the provider answered. A bare socket timeout is an OSError.
    return isinstance(exc, OSError) and not isinstance(exc, HTTPError)


class OEmbedFinder(oembed.OEmbedFinder):
    """Wagtail's oEmbed finder that remembers lookups that failed for network reasons."""

    def find_embed(self, url: str, max_width: int | None = None, max_height: int | None = None) -> Any:
        _last_lookup.offline_url = None
        try:
            return super().find_embed(url, max_width, max_height)
        except EmbedNotFoundException as exc:
            # Wagtail raises it from (or while handling) the network error.
            if is_network_error(exc.__cause__ or exc.__context__):
                _last_lookup.offline_url = url
            raise
        except OSError as exc:  # a read timeout escapes Wagtail 7's `except URLError`
            _last_lookup.offline_url = url
            raise EmbedNotFoundException from exc


def failed_offline(url: str | None) -> bool:
    """Whether this thread's last lookup, of this URL, failed for network reasons."""
    return bool(url) and getattr(_last_lookup, "offline_url", None) == url
