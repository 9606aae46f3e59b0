"""Requests through CloudFront only, with the viewer's host.

CloudFront sends the origin's own Host to the app, so a CloudFront Function copies
the viewer's host into ``X-Viewer-Host``, and CloudFront adds ``X-Origin-Verify``
holding a secret. With CDN_ORIGIN_SECRET set, CdnOriginMiddleware (right after
the health middleware, which answers /healthz and /readyz on the origin directly):

- answers 403 to any request whose X-Origin-Verify is not the secret (constant-time
  comparison);
- makes a verified request's X-Viewer-Host the Host Django uses: ALLOWED_HOSTS,
  CSRF origin checks, Wagtail's site lookup and the page cache's key all see the
  viewer's host;
- removes both headers from the request, so that the secret reaches no view, error
  report or log.

Without CDN_ORIGIN_SECRET the middleware is not used and X-Viewer-Host is ignored
(Django never reads it).
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpRequest, HttpResponse

from .health import GetResponse, plain

VERIFY_META = "HTTP_X_ORIGIN_VERIFY"
VIEWER_HOST_META = "HTTP_X_VIEWER_HOST"


class CdnOriginMiddleware:
    """Refuses requests that did not come through CloudFront; gives the others the viewer's host."""

    def __init__(self, get_response: GetResponse) -> None:
        secret = getattr(settings, "CDN_ORIGIN_SECRET", "")
        if not secret:
            raise MiddlewareNotUsed
        self.get_response = get_response
        self.secret = secret.encode("utf-8", "surrogateescape")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.META.pop(VERIFY_META, "")
        viewer_host = request.META.pop(VIEWER_HOST_META, "").strip()
        if hmac.compare_digest(given.encode("utf-8", "surrogateescape"), self.secret):
            if viewer_host:
                request.META["HTTP_HOST"] = viewer_host
        else:
            return plain(403, "Forbidden: this site is served through its CDN.\n")
        return self.get_response(request)
