"""Requests through CloudFront only, with the viewer's host, scheme and address.

CloudFront sends the origin's own Host to the app and adds ``X-Origin-Verify``
holding a secret; a CloudFront Function sets ``X-Viewer-Host`` (the viewer's
Host), ``X-Distribution-Domain`` (the distribution's own domain, e.g.
d111.cloudfront.net) and ``X-Viewer-Address`` (the viewer's IP), and removes
every viewer header that could pass for one of these (contract.json's
trustedHeaders). With CDN_ORIGIN_SECRET set, CdnOriginMiddleware (right after
the health middleware, which answers /healthz and /readyz on the origin directly):

- answers 403 to any request whose X-Origin-Verify is not the secret
  (constant-time comparison);
- makes a verified request's X-Viewer-Host the Host Django uses: ALLOWED_HOSTS,
  CSRF origin checks, Wagtail's site lookup and the page cache's key all see the
  viewer's host; its X-Viewer-Address becomes REMOTE_ADDR;
- marks a verified request https on port 443 (CloudFront speaks only HTTPS to
  the origin and redirects viewers from http), whatever X-Forwarded-Proto said;
- adds a verified X-Distribution-Domain to ALLOWED_HOSTS, once per process. This
  is how the construct avoids a dependency cycle without a custom resource: the
  distribution needs the origin's domain, so the origin's environment cannot
  hold the distribution's; DJANGO_ALLOWED_HOSTS names only the custom domain,
  and the distribution tells each process its own domain with every request.
  Any other viewer host is refused with 400 (Django's DisallowedHost);
- removes the CDN's headers from every request, so that the secret reaches no
  view, error report or log, and an unverified value is never used.

Without CDN_ORIGIN_SECRET the middleware is not used and these headers are
ignored (Django never reads them).
"""

from __future__ import annotations

import hmac
import ipaddress
import re
import threading

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpRequest, HttpResponse

from .contract import (DISTRIBUTION_DOMAIN_HEADER, ORIGIN_VERIFY_HEADER, VIEWER_ADDRESS_HEADER,
                       VIEWER_HOST_HEADER, meta_key)
from .health import GetResponse, plain

VERIFY_META = meta_key(ORIGIN_VERIFY_HEADER)
VIEWER_HOST_META = meta_key(VIEWER_HOST_HEADER)
DISTRIBUTION_DOMAIN_META = meta_key(DISTRIBUTION_DOMAIN_HEADER)
VIEWER_ADDRESS_META = meta_key(VIEWER_ADDRESS_HEADER)
# A plain host name: never a pattern of ALLOWED_HOSTS (".example.org", "*").
HOST_NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+")

_allowed_hosts_lock = threading.Lock()


def allow_host(domain: str) -> None:
    """Adds ``domain`` to this process's ALLOWED_HOSTS unless it is there."""
    if domain in settings.ALLOWED_HOSTS:
        return
    with _allowed_hosts_lock:
        if domain not in settings.ALLOWED_HOSTS:
            settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, domain]


class CdnOriginMiddleware:
    """Refuses requests that did not come through CloudFront; gives the others the viewer's host."""

    def __init__(self, get_response: GetResponse) -> None:
        secret = getattr(settings, "CDN_ORIGIN_SECRET", "")
        if not secret:
            raise MiddlewareNotUsed
        self.get_response = get_response
        self.secret = secret.encode("utf-8", "surrogateescape")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request.META
        given = meta.pop(VERIFY_META, "")
        viewer_host = meta.pop(VIEWER_HOST_META, "").strip()
        domain = meta.pop(DISTRIBUTION_DOMAIN_META, "").strip().lower()
        address = meta.pop(VIEWER_ADDRESS_META, "").strip()
        if not hmac.compare_digest(given.encode("utf-8", "surrogateescape"), self.secret):
            return plain(403, "Forbidden: this site is served through its CDN.\n")
        meta.update({"HTTP_X_FORWARDED_PROTO": "https", "HTTP_X_FORWARDED_PORT": "443", "SERVER_PORT": "443",
                     "wsgi.url_scheme": "https"})
        if viewer_host:
            meta["HTTP_HOST"] = viewer_host
        if HOST_NAME.fullmatch(domain):
            allow_host(domain)
        try:
            meta["REMOTE_ADDR"] = str(ipaddress.ip_address(address))
        except ValueError:
            pass  # none given: the connection's address stays
        return self.get_response(request)
