"""What of a Function URL event (payload format 2.0) may reach the WSGI application.

- Header names are lower-cased, and a name with ``_`` is dropped, as gunicorn does
  (gunicorn_conf.py): apig-wsgi would map ``x_forwarded_proto`` onto the same WSGI
  key as ``x-forwarded-proto``, whichever came last winning.
- X-Forwarded-Proto and -Port are https and 443: a Function URL serves HTTPS on
  443 only (Django's is_secure(), the HTTPS redirect; Wagtail finds the Site by
  host and port).
- A request that cannot be valid WSGI is refused: a character outside Latin-1 in
  the path, query string, a cookie or a header (WSGI strings are Latin-1), or a
  ``%`` in the path not followed by two hex digits. ``refusal`` names the part;
  the handler answers 400.
"""

from __future__ import annotations

import re
from typing import Any

MALFORMED_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _latin1(text: str) -> bool:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def wsgi_headers(event: dict[str, Any]) -> dict[str, str]:
    """The event's headers for the WSGI application (module docstring)."""
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items() if "_" not in k}
    headers.update({"x-forwarded-proto": "https", "x-forwarded-port": "443"})
    return headers


def refusal(event: dict[str, Any]) -> str | None:
    """The part of the request that is not valid WSGI, or None."""
    path = event.get("rawPath") or ""
    if not _latin1(path) or MALFORMED_PERCENT.search(path):
        return "path"
    if not _latin1(event.get("rawQueryString") or ""):
        return "query string"
    if not all(_latin1(c) for c in event.get("cookies") or ()):
        return "cookie"
    if not all(_latin1(k) and _latin1(v) for k, v in (event.get("headers") or {}).items()):
        return "header"
    return None
