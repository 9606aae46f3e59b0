"""Links in admin emails (notifications, password reset) use the URL the editor's
browser used, unless WAGTAILADMIN_BASE_URL is set.

Wagtail reads the base URL from settings.WAGTAILADMIN_BASE_URL only, so this
middleware records the scheme and host of each request there. It sits after
CommonMiddleware, which has refused any host not in ALLOWED_HOSTS, and after the
HTTPS redirect, so behind App Runner the recorded URL is https://<allowed host>.
With CDN_ORIGIN_SECRET set every request that reaches it came through the CDN
(cdn_origin.py refuses the others; /healthz and /readyz are answered before it), so
it never records the compute's own URL.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpRequest, HttpResponse

from .health import GetResponse


class AdminBaseUrlMiddleware:
    """Records ``scheme://host`` of each request in settings.WAGTAILADMIN_BASE_URL."""

    def __init__(self, get_response: GetResponse) -> None:
        if settings.WAGTAILADMIN_BASE_URL:  # set in the environment: keep it
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        url = f"{request.scheme}://{request.get_host()}"
        # The threads of a worker share this setting. Assigning it is one attribute
        # store, atomic under the GIL, so a reader sees the old or the new URL, never
        # a mix. Two concurrent requests on different allowed hosts (the App Runner
        # domain and a custom domain) may interleave, and an email sent by one may
        # carry the other's URL: both are this site over the same scheme.
        if settings.WAGTAILADMIN_BASE_URL != url:
            settings.WAGTAILADMIN_BASE_URL = url
        return self.get_response(request)
