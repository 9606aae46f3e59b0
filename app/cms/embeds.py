"""oEmbed lookups on a site without internet access (see cms.outbound).

Wagtail's embed chooser answers "Cannot find an embed for this URL." whatever
went wrong. OEmbedFinder (WAGTAILEMBEDS_FINDERS) notes, per thread, the URL of
a lookup that failed for network reasons (no connection, timeout; not an HTTP
error from the provider), and the chooser template
(templates/wagtailembeds/chooser/chooser.html) adds that the site has no
internet access when the URL it shows again is that one.
"""

import threading
from urllib.error import HTTPError

from wagtail.embeds.exceptions import EmbedNotFoundException
from wagtail.embeds.finders import oembed

_last_lookup = threading.local()


def _is_network_error(exc):
    # urlopen wraps connection errors in URLError (an OSError); HTTPError is a
    # URLError too, but means the provider answered.
    return isinstance(exc, OSError) and not isinstance(exc, HTTPError)


class OEmbedFinder(oembed.OEmbedFinder):
    def find_embed(self, url, max_width=None, max_height=None):
        _last_lookup.offline_url = None
        try:
            return super().find_embed(url, max_width, max_height)
        except EmbedNotFoundException as exc:
            # Wagtail raises it inside its `except URLError`, which Python keeps as the context.
            if _is_network_error(exc.__context__):
                _last_lookup.offline_url = url
            raise
        except OSError as exc:  # a read timeout escapes Wagtail's `except URLError`
            _last_lookup.offline_url = url
            raise EmbedNotFoundException from exc


def failed_offline(url):
    """Whether this thread's last lookup, of this URL, failed for network reasons."""
    return bool(url) and getattr(_last_lookup, "offline_url", None) == url
