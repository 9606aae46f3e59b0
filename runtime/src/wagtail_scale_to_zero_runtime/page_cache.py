"""Anonymous page views without the database: PageCacheMiddleware.

configure() puts it right after the health check (and the CDN origin check), before
the HTTPS redirect, sessions, authentication or anything else that may touch the
database. It runs the same under gunicorn and the Lambda adapter.

A request may be answered from the cache when it is a GET or HEAD without an
Authorization header, without a session cookie this site made (no signed-in user, no
session: with session_store.py's SESSION_ENGINE, a cookie whose key fails its HMAC
check is no session, and is served as anonymous; with a site's own engine, any session
cookie) and without Django's ``messages`` cookie, to a path outside the admin (Wagtail's
and Django's: ``/admin/``, ``/django-admin/`` and wherever the URLconf puts them;
previews and drafts are there), on an allowed host. A hit opens no database
connection.

Its response is stored (GET only) when it is 200, 301 (permanent redirects: the
trailing slash, Wagtail's redirects) or 404 (crawlers probe for paths that do not
exist; each probe would wake the database), not streamed (files, WhiteNoise), sets
no cookie (a form's CSRF token, a session), is not marked private, no-store or
no-cache, varies on nothing but Cookie and Accept-Encoding, is not encoded, and is
at most MAX_ENTRY_BYTES. Other statuses are never stored: 302/307 redirects are
temporary (a login redirect), errors are transient (a database resuming).

Key: scheme, host (lower case, without the scheme's default port) and path. The
query string is not in the key: a page whose rendering read no query parameter
(neither ``request.GET`` nor the raw query string) is the same page with any query
string (``?utm_source=...``, a crawler's random one), so it is served from the one
entry; a page that reads its query string (search, pagination) is stored for the
bare path only and rendered for every query string. Random query strings thus never
fill the store, and random paths cost one small object each.

An entry lives until the generation changes (any publish, a view restriction's change,
or any other change an editor saves in the admin, whatever the view answers; not a
sign-in, a preview or an editing-session ping; see page_cache_invalidation.py, which
gets each request's changes when it ends) or PAGE_CACHE_MAX_AGE seconds pass; less when the page
holds presigned media URLs, which must still work when the page is last served
(see ``presigned_lifetime``).

Cache-Control (the CDN follows it):
  stored or storable anonymous response  public, max-age=0, s-maxage=PAGE_CACHE_CDN_SECONDS
  anything else it sees                  private, no-store (a site's own private or
                                         no-store value stays, e.g. never_cache's)
  static files and local media           untouched (WhiteNoise's immutable headers;
                                         a missing one: file_not_found.py's no-store 404)
``X-Page-Cache`` says ``hit``, ``miss`` (rendered, storable) or ``bypass``.

Every request first writes the CDN purge a change left pending, once its window has
ended (page_cache_purge.py).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse

from . import page_cache_invalidation, session_store
from .contract import ADMIN_PATHS
from .file_not_found import file_prefixes
from .health import GetResponse
from .page_cache_purge import throttle
from .page_cache_store import PageCache, page_cache

# Separates the items of Cache-Control and Vary.
COMMA = re.compile(r"\s*,\s*")
STORED_STATUSES = frozenset({200, 301, 404})
# Responses may vary on these: the cache serves only requests without a session.
ALLOWED_VARY = frozenset({"cookie", "accept-encoding"})
UNCACHEABLE_DIRECTIVES = frozenset({"private", "no-store", "no-cache"})
# Cookies that make a page personal: the session's (settings) and Django's message storage's.
MESSAGES_COOKIE = "messages"
READ_METHODS = ("GET", "HEAD", "OPTIONS")
MAX_ENTRY_BYTES = 4 * 1024 * 1024
# Headers not kept with an entry: recomputed, or the server's own.
UNSTORED_HEADERS = frozenset({"cache-control", "content-length", "x-page-cache", "set-cookie", "date", "server",
                              "connection", "transfer-encoding"})
# Marks a presigned S3 URL in a page (also HTML-escaped, the parameter name stays).
PRESIGNED_MARK = b"X-Amz-Signature="
# Seconds a viewer may take between receiving a page and loading its images.
PRESIGNED_MARGIN = 60
ENTRY_VERSION = 1
PRIVATE = "private, no-store"


@dataclass(frozen=True)
class Entry:
    """A stored response: one line of JSON (status, headers, expiry), a newline, the body."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    expires: float
    reads_query: bool

    def to_bytes(self) -> bytes:
        meta = {"v": ENTRY_VERSION, "status": self.status, "headers": self.headers, "expires": self.expires,
                "reads_query": self.reads_query}
        return json.dumps(meta, separators=(",", ":")).encode() + b"\n" + self.body

    @classmethod
    def from_bytes(cls, data: bytes) -> Entry | None:
        """The entry, None when it is not one of this version."""
        head, _, body = data.partition(b"\n")
        try:
            meta = json.loads(head)
            if meta.get("v") != ENTRY_VERSION:
                return None
            return cls(int(meta["status"]), [(str(k), str(v)) for k, v in meta["headers"]], body,
                       float(meta["expires"]), bool(meta["reads_query"]))
        except (ValueError, KeyError, TypeError):
            return None

    def response(self) -> HttpResponse:
        response = HttpResponse(self.body, status=self.status)
        for name, value in self.headers:
            response[name] = value
        response["Content-Length"] = str(len(self.body))
        return response


class _QueryStringWatch(dict):
    """request.META that notes whether the raw query string was read (get_full_path,
    build_absolute_uri, a redirect keeping the query string)."""

    read = False

    def __getitem__(self, key: str) -> Any:
        if key == "QUERY_STRING":
            self.read = True
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        if key == "QUERY_STRING":
            self.read = True
        return super().get(key, default)


def cache_key(request: HttpRequest) -> str:
    """sha256 of scheme://host/path (host lower case, default port dropped); raises DisallowedHost."""
    scheme = request.scheme
    host = request.get_host().lower()
    default_port = {"http": ":80", "https": ":443"}.get(scheme, "")
    if default_port and host.endswith(default_port):
        host = host[:-len(default_port)]
    url = f"{scheme}://{host}{request.path}"
    return hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()


def cache_control_directives(response: HttpResponse) -> set[str]:
    """The directive names of the response's Cache-Control, lower case."""
    return {d.split("=", 1)[0].strip().lower() for d in COMMA.split(response.get("Cache-Control", "")) if d}


def storable(response: HttpResponse) -> bool:
    """Whether a response to an anonymous request may be stored and shared."""
    if response.status_code not in STORED_STATUSES or response.streaming:
        return False
    if response.cookies or response.has_header("Set-Cookie") or response.has_header("Content-Encoding"):
        return False
    if cache_control_directives(response) & UNCACHEABLE_DIRECTIVES:
        return False
    vary = {v.strip().lower() for v in COMMA.split(response.get("Vary", "")) if v.strip()}
    if not vary <= ALLOWED_VARY:
        return False
    return len(response.content) <= MAX_ENTRY_BYTES


def presigned_lifetime() -> int | None:
    """Seconds a presigned media URL is valid (the media storage's querystring_expire),
    None when media URLs are not presigned."""
    from django.core.files.storage import default_storage

    if getattr(default_storage, "querystring_auth", False):
        return int(getattr(default_storage, "querystring_expire", 3600))
    return None


class PageCacheMiddleware:
    """Serves anonymous pages from the page cache, stores them, and sets Cache-Control."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        # Made now: in gunicorn's master, so that its workers share the instance's directory.
        self.cache: PageCache = page_cache()
        self.untouched = file_prefixes()
        # Session cookies this site made can be told from made-up ones without the database.
        self.checks_sessions = settings.SESSION_ENGINE == session_store.ENGINE
        self.max_age = settings.PAGE_CACHE_MAX_AGE
        self.public = f"public, max-age=0, s-maxage={settings.PAGE_CACHE_CDN_SECONDS}"
        self.admin_paths: tuple[str, ...] | None = None  # from the URLconf, on the first request
        self.presigned_ttl: int | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        throttle.send_pending()
        if request.path_info.startswith(self.untouched):
            return self.get_response(request)
        if request.method not in READ_METHODS and request.path.startswith(self.admin_prefixes()):
            return self.private(self.render(request, admin_write=True), "bypass")
        key = self.eligible_key(request)
        if key is None:
            return self.private(self.render(request), "bypass")
        generation = self.cache.generation()
        has_query = bool(request.META.get("QUERY_STRING"))
        if generation is not None:
            data = self.cache.get(generation, key)
            entry = Entry.from_bytes(data) if data else None
            if entry and entry.expires > time.time() and not (has_query and entry.reads_query):
                response = entry.response()
                response["Cache-Control"] = self.public
                response["X-Page-Cache"] = "hit"
                return response

        meta = _QueryStringWatch(request.META)
        request.META = meta
        response = self.render(request)
        if not storable(response):
            return self.private(response, "bypass")
        reads_query = meta.read or "GET" in request.__dict__  # WSGIRequest.GET is a cached_property
        if generation is not None and request.method == "GET" and not (has_query and reads_query):
            self.store(generation, key, response, reads_query)
        response["Cache-Control"] = self.public
        response["X-Page-Cache"] = "miss"
        return response

    def eligible_key(self, request: HttpRequest) -> str | None:
        """The cache key when the request may be answered from the cache, else None."""
        if request.method not in ("GET", "HEAD") or "HTTP_AUTHORIZATION" in request.META:
            return None
        cookies = request.COOKIES
        session = cookies.get(settings.SESSION_COOKIE_NAME)
        if session is not None and (not self.checks_sessions or session_store.verified(session)):
            return None
        if MESSAGES_COOKIE in cookies:
            return None
        if request.path.startswith(self.admin_prefixes()):
            return None
        try:
            return cache_key(request)
        except DisallowedHost:
            return None  # CommonMiddleware answers 400

    def render(self, request: HttpRequest, admin_write: bool = False) -> HttpResponse:
        """The site's response; the changes made meanwhile are flushed once it is done (page_cache_invalidation.py)."""
        with page_cache_invalidation.request_changes(admin_write) as changes:
            response = self.get_response(request)
        page_cache_invalidation.finish_request(request, changes)
        return response

    def admin_prefixes(self) -> tuple[str, ...]:
        """/admin/, /django-admin/ and where the URLconf puts Wagtail's and Django's admin."""
        if self.admin_paths is None:
            found = set(ADMIN_PATHS)
            for name in ("wagtailadmin_home", "admin:index"):
                try:
                    found.add(reverse(name))
                except NoReverseMatch:
                    pass
            self.admin_paths = tuple(sorted(found))
        return self.admin_paths

    def store(self, generation: str, key: str, response: HttpResponse, reads_query: bool) -> None:
        body = response.content
        ttl = self.max_age
        if PRESIGNED_MARK in body:
            if self.presigned_ttl is None:
                lifetime = presigned_lifetime() or 0
                self.presigned_ttl = lifetime - settings.PAGE_CACHE_CDN_SECONDS - PRESIGNED_MARGIN
            ttl = min(ttl, self.presigned_ttl)
            if ttl <= 0:
                return
        headers = [(name, value) for name, value in response.items() if name.lower() not in UNSTORED_HEADERS]
        entry = Entry(response.status_code, headers, body, time.time() + ttl, reads_query)
        self.cache.put(generation, key, entry.to_bytes())

    @staticmethod
    def private(response: HttpResponse, state: str) -> HttpResponse:
        """Marks a response no shared cache may keep (a site's private or no-store value stays)."""
        if not cache_control_directives(response) & {"private", "no-store"}:
            response["Cache-Control"] = PRIVATE
        response["X-Page-Cache"] = state
        return response
