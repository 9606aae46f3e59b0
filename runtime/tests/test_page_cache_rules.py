"""The page cache's rules in-process: what may be stored, the key, the entry format,
configure()'s settings and middleware, and the generation of one process."""

import time

import pytest
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory, override_settings

from wagtail_scale_to_zero_runtime import page_cache, page_cache_store, session_store
from wagtail_scale_to_zero_runtime.page_cache import Entry, cache_key, storable
from wagtail_scale_to_zero_runtime.settings import configure


@pytest.fixture(scope="module")
def django_settings():
    """The bundled site's production settings, loaded from a test environment unless an
    earlier in-process test of the session has loaded them already."""
    from django.conf import settings

    if not settings.configured:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("DJANGO_SETTINGS_MODULE", "cms.settings.production")
            mp.setenv("DJANGO_SECRET_KEY", "unit-test")
            settings.INSTALLED_APPS  # noqa: B018  (loads them)
    return settings


def response(status=200, body=b"<p>page</p>", **headers):
    r = HttpResponse(body, status=status)
    for name, value in headers.items():
        r[name.replace("_", "-")] = value
    return r


def test_what_may_be_stored(django_settings):
    assert storable(response())
    assert storable(response(301, b"", Location="/about/"))
    assert storable(response(404))
    assert storable(response(Vary="Cookie, Accept-Encoding"))
    for status in (302, 307, 403, 500, 503):
        assert not storable(response(status)), status
    for cache_control in ("private", "no-store", "no-cache", "max-age=0, no-cache, no-store, must-revalidate, private"):
        assert not storable(response(Cache_Control=cache_control)), cache_control
    assert not storable(response(Vary="Accept-Language"))
    assert not storable(response(Content_Encoding="gzip"))
    with_cookie = response()
    with_cookie.set_cookie("csrftoken", "abc")
    assert not storable(with_cookie)
    assert not storable(StreamingHttpResponse(iter([b"a"])))
    assert not storable(response(body=b"x" * (page_cache.MAX_ENTRY_BYTES + 1)))


@override_settings(ALLOWED_HOSTS=["example.org", "other.example"])
def test_the_key_is_scheme_host_and_path(django_settings):
    factory = RequestFactory()

    def key(path, **extra):
        return cache_key(factory.get(path, **extra))

    base = key("/about/", HTTP_HOST="example.org")
    assert key("/about/", HTTP_HOST="EXAMPLE.org:80") == base
    assert key("/about/?utm_source=x", HTTP_HOST="example.org") == base  # query: see the middleware
    assert key("/about/", HTTP_HOST="example.org", secure=True) != base
    assert key("/about/", HTTP_HOST="other.example") != base
    assert key("/about", HTTP_HOST="example.org") != base
    assert key("/About/", HTTP_HOST="example.org") != base


def test_an_entry_round_trips(django_settings):
    entry = Entry(404, [("Content-Type", "text/html; charset=utf-8"), ("X-Frame-Options", "DENY")], b"a\nb",
                  time.time() + 60, True)
    assert Entry.from_bytes(entry.to_bytes()) == entry
    assert Entry.from_bytes(b"not an entry") is None
    assert Entry.from_bytes(b'{"v": 99}\nbody') is None
    r = entry.response()
    assert r.status_code == 404 and r.content == b"a\nb" and r["Content-Length"] == "3"


def test_configure_adds_the_middleware_and_settings(contract_env):
    contract_env.setenv("PAGE_CACHE_BUCKET", "cache-bucket")
    contract_env.setenv("CDN_ORIGIN_SECRET", "s" * 40)
    settings = {"INSTALLED_APPS": ["wagtail"], "MIDDLEWARE": ["django.contrib.sessions.middleware.SessionMiddleware"]}
    configure(settings)
    app = "wagtail_scale_to_zero_runtime"
    assert settings["MIDDLEWARE"][:4] == [f"{app}.health.HealthCheckMiddleware", f"{app}.cdn_origin.CdnOriginMiddleware",
                                          f"{app}.page_cache.PageCacheMiddleware",
                                          "django.middleware.security.SecurityMiddleware"]
    assert settings["PAGE_CACHE_BUCKET"] == "cache-bucket" and settings["CDN_ORIGIN_SECRET"] == "s" * 40
    assert settings["CDN_PURGE_OUTBOX_BUCKET"] == ""
    assert (settings["PAGE_CACHE_MAX_AGE"], settings["PAGE_CACHE_CDN_SECONDS"],
            settings["PAGE_CACHE_GENERATION_SECONDS"]) == (86400, 300, 10)
    again = dict(settings)
    configure(again)
    assert again["MIDDLEWARE"] == settings["MIDDLEWARE"]


def test_a_bump_is_seen_by_the_whole_instance_at_once(tmp_path):
    store = page_cache_store.DirectoryStore(tmp_path / "shared")
    (tmp_path / "shared").mkdir()
    hint = tmp_path / "hint"
    one = page_cache_store.PageCache(store, hint, refresh_seconds=3600)
    other = page_cache_store.PageCache(store, hint, refresh_seconds=3600)  # another worker of the instance
    first = one.generation()
    assert other.generation() == first
    one.bump()
    assert one.generation() != first
    assert other.generation() == one.generation()
    elsewhere = page_cache_store.PageCache(store, tmp_path / "elsewhere-hint", refresh_seconds=0)
    assert elsewhere.generation() == one.generation()  # another instance, once it re-reads


class RecordingCache:
    """Stands in for the process's PageCache: one fixed generation, records what is stored."""

    def __init__(self):
        self.stored = {}

    def generation(self):
        return "g1"

    def get(self, generation, digest):
        return self.stored.get((generation, digest))

    def put(self, generation, digest, data):
        self.stored[(generation, digest)] = data


def middleware_around(view):
    m = page_cache.PageCacheMiddleware(view)
    m.cache = RecordingCache()
    m.admin_paths = page_cache.ADMIN_PATHS  # no URLconf in-process (the apps are not loaded)
    return m


@override_settings(ALLOWED_HOSTS=["testserver"])
def test_pages_that_read_their_query_string_are_stored_for_the_bare_path_only(django_settings):
    factory = RequestFactory()
    for reads in (lambda r: r.GET.get("page"), lambda r: r.get_full_path()):
        m = middleware_around(lambda request, reads=reads: response(body=str(reads(request)).encode()))
        r = m(factory.get("/list/?page=2"))
        assert r["X-Page-Cache"] == "miss" and r["Cache-Control"].startswith("public") and not m.cache.stored
        m(factory.get("/list/"))
        assert m(factory.get("/list/"))["X-Page-Cache"] == "hit"
        assert m(factory.get("/list/?page=3"))["X-Page-Cache"] == "miss"  # rendered: it reads the query
    m = middleware_around(lambda request: response())
    assert m(factory.get("/plain/?utm_source=a"))["X-Page-Cache"] == "miss"
    assert m(factory.get("/plain/?anything=else"))["X-Page-Cache"] == "hit"
    assert m(factory.get("/plain/"))["X-Page-Cache"] == "hit"
    assert len(m.cache.stored) == 1


@override_settings(ALLOWED_HOSTS=["testserver"])
def test_pages_with_presigned_media_urls_expire_before_the_urls(django_settings, monkeypatch):
    monkeypatch.setattr(page_cache, "presigned_lifetime", lambda: 3600)
    factory = RequestFactory()
    signed = b'<img src="https://b.s3.amazonaws.com/i.jpg?X-Amz-Expires=3600&amp;X-Amz-Signature=abc">'
    m = middleware_around(lambda request: response(body=signed if request.path == "/img/" else b"<p>text</p>"))
    now = time.time()
    m(factory.get("/img/"))
    m(factory.get("/text/"))
    expiries = sorted(Entry.from_bytes(data).expires - now for data in m.cache.stored.values())
    cdn = django_settings.PAGE_CACHE_CDN_SECONDS
    assert abs(expiries[0] - (3600 - cdn - page_cache.PRESIGNED_MARGIN)) < 5
    assert abs(expiries[1] - django_settings.PAGE_CACHE_MAX_AGE) < 5


@override_settings(ALLOWED_HOSTS=["testserver"])
def test_requests_that_are_never_served_from_the_cache(django_settings):
    factory = RequestFactory()
    m = middleware_around(lambda request: response())
    m(factory.get("/page/"))
    assert m(factory.get("/page/"))["X-Page-Cache"] == "hit"
    session = django_settings.SESSION_COOKIE_NAME
    for request in (
        factory.get("/page/", HTTP_COOKIE=f"{session}={session_store.new_key()}"),
        factory.get("/page/", HTTP_COOKIE="messages=abc"),
        factory.get("/page/", HTTP_AUTHORIZATION="Bearer x"),
        factory.post("/page/"),
        factory.get("/admin/pages/3/edit/preview/"),
        factory.get("/django-admin/"),
        factory.get("/page/", HTTP_HOST="not-allowed.example"),
    ):
        r = m(request)
        assert r["X-Page-Cache"] == "bypass" and r["Cache-Control"] == "private, no-store", request
    assert m(factory.get("/page/", HTTP_COOKIE="csrftoken=abc; _ga=1"))["X-Page-Cache"] == "hit"
    # A session cookie the site did not make is no session.
    key = session_store.new_key()
    made_up = key[:-1] + ("0" if key[-1] != "0" else "1")  # a valid key with its MAC changed
    for value in ("abc", "x" * session_store.KEY_CHARS, made_up):
        assert m(factory.get("/page/", HTTP_COOKIE=f"{session}={value}"))["X-Page-Cache"] == "hit", value
