"""Media on local disk (no AWS_STORAGE_BUCKET_NAME: local runs) served by the app
under MEDIA_URL, since production settings have no DEBUG static serving. A missing
file is passed on to file_not_found.py's plain 404. With a bucket, media URLs are
presigned S3 URLs and this middleware is not used."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.http import Http404, HttpRequest, HttpResponse
from django.views.static import serve

from .health import GetResponse


class LocalMediaMiddleware:
    """Serves MEDIA_ROOT under MEDIA_URL when media are on local disk."""

    def __init__(self, get_response: GetResponse) -> None:
        if getattr(settings, "AWS_STORAGE_BUCKET_NAME", "") or not settings.MEDIA_URL.startswith("/"):
            raise MiddlewareNotUsed
        self.get_response = get_response
        self.prefix = settings.MEDIA_URL

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(self.prefix) and request.method in ("GET", "HEAD"):
            try:
                return serve(request, request.path_info[len(self.prefix):], document_root=settings.MEDIA_ROOT)
            except Http404:
                pass  # file_not_found.py answers it without the database
        return self.get_response(request)
