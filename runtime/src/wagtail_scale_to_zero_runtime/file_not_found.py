"""404 for missing static and media files, without the database: FileNotFoundMiddleware.

configure() puts it right after the local-media middleware: a request under STATIC_URL
or MEDIA_URL (when they are paths of this site) that neither WhiteNoise nor local media
answered gets a plain ``404`` here, before the views, Wagtail's redirect middleware and
the site's 404 template, each of which would query the database (a crawler's probes
would keep it awake). With a media bucket, media URLs are presigned S3 URLs: nothing
under MEDIA_URL is the app's.

Cache-Control is ``no-store``: it costs no database visit, and a CDN keeping it would
hide a file that appears with a deployment (a new instance's hashed static name asked
of an old instance).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound

from .health import GetResponse


def file_prefixes() -> tuple[str, ...]:
    """STATIC_URL and MEDIA_URL, those that are paths of this site."""
    return tuple(p for p in (settings.STATIC_URL, settings.MEDIA_URL) if p and p.startswith("/"))


class FileNotFoundMiddleware:
    """Answers ``404`` to any request under STATIC_URL or MEDIA_URL that reaches it."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        self.prefixes = file_prefixes()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(self.prefixes):
            response = HttpResponseNotFound(b"Not Found\n", content_type="text/plain")
            response["Cache-Control"] = "no-store"
            return response
        return self.get_response(request)
