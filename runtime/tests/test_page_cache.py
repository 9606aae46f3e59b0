"""The page cache through the bundled site (plus a page with a form) on gunicorn, real
PostgreSQL and moto's S3: anonymous views open no database connection after a
warm-up; an editor's views, previews and form pages are never served from it; a
publish is seen at once by the instance that did it and within
PAGE_CACHE_GENERATION_SECONDS by another, and asks the CDN for a purge; an S3 outage
still serves pages; Cache-Control per kind of response."""

import json
import time
import uuid

import requests

from .conftest import ADMIN_PASSWORD, app_env
from .page_cache_helpers import (
    GENERATION_SECONDS,
    ConnectionSampler,
    add_pages,
    cache_env,
    edit_form,
    get,
    new_bucket,
    publish_title,
    purges,
)
from .support import ADMIN_USERNAME, MotoS3, log_in, manage_shell, wait_until

PUBLIC = "public, max-age=0, s-maxage=300"
SITE = {"Host": "localhost"}


def test_anonymous_views_after_a_warm_up_open_no_database_connection(pg, fresh_db, s3, start_app):
    bucket = new_bucket(s3)
    # The pool closes idle connections after 1 s, so the warm-up's are gone quickly.
    env = cache_env(pg, fresh_db, s3, bucket, DATABASE_POOL_MAX_IDLE=1)
    add_pages(env)
    app = start_app(env)
    app.wait_healthy()

    views = ["/", "/about/", "/no-such-page/", "/about", "/?utm_source=newsletter"]
    expected = {"/": 200, "/about/": 200, "/no-such-page/": 404, "/about": 301, "/?utm_source=newsletter": 200}
    for path in views:  # warm-up: rendered and stored
        r = get(app, path)
        assert r.status_code == expected[path], (path, r.status_code)
        assert r.headers["X-Page-Cache"] in ("miss", "hit"), (path, r.headers)
        assert r.headers["Cache-Control"] == PUBLIC, (path, r.headers)
    pg.seconds_until_no_connections(fresh_db, limit=30)

    with ConnectionSampler(pg, fresh_db) as sampler:
        sessions_before = sampler.sessions()
        for i in range(10):
            for path in views + [f"/?r={uuid.uuid4().hex}", f"/about/?fbclid={i}"]:
                r = get(app, path)
                assert r.headers["X-Page-Cache"] == "hit", (path, r.status_code, r.headers)
                assert r.headers["Cache-Control"] == PUBLIC
            r = requests.head(app.base + "/", timeout=60)
            assert r.status_code == 200 and r.headers["X-Page-Cache"] == "hit"
        time.sleep(1.5)  # the statistics of a session that ended are flushed within a second
        sessions_after = sampler.sessions()
    assert sampler.samples > 20
    assert sampler.seen == [], f"connections to {fresh_db} while serving from the cache: {sampler.seen[:5]}"
    assert sessions_after == sessions_before

    r = get(app, "/")
    assert "Welcome to your new Wagtail site" in r.text and r.headers["Content-Type"].startswith("text/html")
    assert get(app, "/about").headers["Location"] == "/about/"
    # The search page reads its query string: stored for the bare path only, rendered for every query.
    assert get(app, "/search/?query=about").headers["X-Page-Cache"] == "miss"
    assert get(app, "/search/?query=about").headers["X-Page-Cache"] == "miss"
    # X-Viewer-Host means nothing without CDN_ORIGIN_SECRET.
    r = get(app, "/", headers={"X-Viewer-Host": "evil.example"})
    assert r.status_code == 200
    # The pages live in the bucket, one object each under page-cache/<generation>/, plus the generation.
    keys = [o["Key"] for o in s3.client().list_objects_v2(Bucket=bucket, Prefix="page-cache/").get("Contents", [])]
    assert "page-cache/generation" in keys and len(keys) >= 5, keys


def test_cache_control_per_kind_of_response(pg, fresh_db, s3, start_app):
    env = cache_env(pg, fresh_db, s3, new_bucket(s3))
    add_pages(env)
    app = start_app(env)
    app.wait_healthy()

    r = get(app, "/healthz")
    assert r.headers["Cache-Control"] == "no-store" and "X-Page-Cache" not in r.headers
    r = get(app, "/readyz")
    assert r.headers["Cache-Control"] == "no-store"
    page = get(app, "/").text
    css = next(part.split('"')[0] for part in page.split('href="')[1:] if part.startswith("/static/"))
    r = get(app, css)
    assert r.status_code == 200 and "immutable" in r.headers["Cache-Control"], r.headers  # WhiteNoise's own
    assert "X-Page-Cache" not in r.headers
    r = get(app, "/admin/login/")
    assert "no-store" in r.headers["Cache-Control"] and r.headers["X-Page-Cache"] == "bypass"
    r = get(app, "/admin/")
    assert r.status_code == 302 and "no-store" in r.headers["Cache-Control"]
    r = get(app, "/", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert r.headers["X-Page-Cache"] == "bypass" and r.headers["Cache-Control"] == "private, no-store"
    r = requests.post(app.base + "/", timeout=30, allow_redirects=False)
    assert r.headers["Cache-Control"] == "private, no-store"


def test_editors_previews_and_forms_are_never_cached_and_a_publish_is_seen(pg, fresh_db, s3, start_app):
    bucket = new_bucket(s3)
    outbox = new_bucket(s3)
    env = cache_env(pg, fresh_db, s3, bucket, CDN_PURGE_OUTBOX_BUCKET=outbox)
    home_id = add_pages(env)
    first = start_app(env, "first")
    second = start_app(env, "second")
    first.wait_healthy()
    second.wait_healthy()

    # Both instances behind one name, as behind the platform's load balancer or the CDN.
    assert get(first, "/", headers=SITE).headers["X-Page-Cache"] == "miss"
    assert get(first, "/", headers=SITE).headers["X-Page-Cache"] == "hit"
    assert get(second, "/", headers=SITE).headers["X-Page-Cache"] == "hit"  # one store for every instance

    # A page with a form sets the CSRF cookie: never stored, never shared.
    for _ in range(3):
        r = get(first, "/contact/")
        assert r.status_code == 200 and 'name="csrfmiddlewaretoken"' in r.text
        assert "csrftoken" in r.cookies
        assert r.headers["X-Page-Cache"] == "bypass" and r.headers["Cache-Control"] == "private, no-store"

    editor = log_in(requests.Session(), first.base, ADMIN_USERNAME, ADMIN_PASSWORD)
    for _ in range(2):
        r = get(first, "/", session=editor)
        assert r.status_code == 200 and r.headers["X-Page-Cache"] == "bypass", r.headers
        assert r.headers["Cache-Control"] == "private, no-store"
        assert "wagtail-userbar" in r.text or "w-userbar" in r.text  # the editor's own page, not the cached one
    for path in (f"/admin/pages/{home_id}/view_draft/", f"/admin/pages/{home_id}/edit/preview/?mode="):
        for _ in range(2):
            r = get(first, path, session=editor)
            assert r.headers["X-Page-Cache"] == "bypass" and "no-store" in r.headers["Cache-Control"], (path, r.headers)

    publish_title(editor, first.base, home_id, "Home, republished")
    published = time.monotonic()
    r = get(first, "/", headers=SITE)
    assert "Home, republished" in r.text, "the instance that published serves the new page at once"
    seen = wait_until(lambda: "Home, republished" in get(second, "/", headers=SITE).text, GENERATION_SECONDS + 5, interval=0.1,
                      what="the second instance to serve the new page")
    assert seen and time.monotonic() - published <= GENERATION_SECONDS + 1.5
    assert get(second, "/", headers=SITE).headers["X-Page-Cache"] == "hit"

    objects = s3.client().list_objects_v2(Bucket=outbox, Prefix="purge/").get("Contents", [])
    assert len(objects) == 1, objects  # one publish, one purge request
    body = s3.client().get_object(Bucket=outbox, Key=objects[0]["Key"])["Body"].read()
    assert json.loads(body) == {"paths": ["/*"]} and objects[0]["Key"].endswith(".json")


def test_an_admin_save_without_a_publish_signal_starts_a_generation_and_a_preview_does_not(pg, fresh_db, s3, start_app):
    outbox = new_bucket(s3)
    env = cache_env(pg, fresh_db, s3, new_bucket(s3), CDN_PURGE_OUTBOX_BUCKET=outbox)
    home_id = add_pages(env)
    app = start_app(env)
    app.wait_healthy()
    get(app, "/")
    assert get(app, "/").headers["X-Page-Cache"] == "hit"

    editor = log_in(requests.Session(), app.base, ADMIN_USERNAME, ADMIN_PASSWORD)
    edit, data = edit_form(editor, app.base, home_id, "Home, previewed")
    r = editor.post(edit + "preview/", data=data, timeout=60, headers={"Referer": edit})
    assert r.status_code == 200, (r.status_code, r.text[:500])  # the live preview answers 200 with JSON
    assert get(app, "/").headers["X-Page-Cache"] == "hit" and purges(s3, outbox) == [], "a preview changed the generation"

    publish_title(editor, app.base, home_id, "Home, draft", publish=False)  # saved, redirected, no publish signal
    assert get(app, "/").headers["X-Page-Cache"] == "miss"
    assert len(purges(s3, outbox)) == 1


def test_an_s3_outage_still_serves_pages(pg, fresh_db, start_app):
    s3 = MotoS3().start()  # its own emulator: stopped below
    try:
        env = cache_env(pg, fresh_db, s3, new_bucket(s3))
        add_pages(env)
        app = start_app(env)
        app.wait_healthy()
        get(app, "/")
        assert get(app, "/").headers["X-Page-Cache"] == "hit"
    finally:
        s3.stop()
    for path, status in (("/", 200), ("/about/", 200), ("/no-such-page/", 404), ("/contact/", 200)):
        started = time.monotonic()
        r = get(app, path)
        assert r.status_code == status, (path, r.status_code, r.text[:500])
        assert r.headers["X-Page-Cache"] != "hit"
        assert time.monotonic() - started < 5
    assert "page cache:" in app.output() and "Traceback" not in app.output()


def test_without_a_bucket_each_instance_keeps_its_own_pages(pg, fresh_db, start_app):
    env = app_env(pg.url(fresh_db))
    app = start_app(env)
    app.wait_healthy()
    assert get(app, "/").headers["X-Page-Cache"] == "miss"
    assert get(app, "/").headers["X-Page-Cache"] == "hit"


def test_every_change_of_the_public_site_starts_a_generation_and_asks_for_a_purge(pg, fresh_db, s3):
    bucket, outbox = new_bucket(s3), new_bucket(s3)
    env = cache_env(pg, fresh_db, s3, bucket, CDN_PURGE_OUTBOX_BUCKET=outbox)
    add_pages(env)
    # In a management process (as scheduled publishing would run): the receivers are connected there too.
    code = (
        "import boto3\n"
        "from django.conf import settings\n"
        "from wagtail.models import Page\n"
        "s3 = boto3.client('s3', endpoint_url=settings.AWS_S3_ENDPOINT_URL, region_name='us-east-1')\n"
        "def generation():\n"
        "    key = 'page-cache/generation'\n"
        "    print(s3.get_object(Bucket=settings.PAGE_CACHE_BUCKET, Key=key)['Body'].read().decode())\n"
        "about = Page.objects.get(slug='about').specific\n"
        "contact = Page.objects.get(slug='contact').specific\n"
        "about.save_revision().publish(); generation()\n"
        "about.unpublish(); generation()\n"
        "contact.move(about, pos='last-child'); generation()\n"
        "Page.objects.get(slug='contact').delete(); generation()\n"
    )
    generations = manage_shell(env, code).splitlines()
    assert len(generations) == 4 and len(set(generations)) == 4, generations
    # One at once, and the three of the same PURGE_BATCH_SECONDS window in one when the process exits.
    assert len(purges(s3, outbox)) == 2, purges(s3, outbox)
