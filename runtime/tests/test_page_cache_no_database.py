"""Requests anyone can make that must not wake the database, through the bundled site on
gunicorn, real PostgreSQL and moto's S3: missing static and media files (media in a
bucket, or on local disk) get a plain 404, and a made-up session cookie is served from
the page cache, without a database connection; the site's own session cookies still
work, and a session made before signed keys is signed out."""

import secrets
import string
import time

import pytest
import requests

from wagtail_scale_to_zero_runtime.session_store import KEY_CHARS

from .conftest import ADMIN_PASSWORD
from .page_cache_helpers import ConnectionSampler, add_pages, cache_env, get, new_bucket
from .support import ADMIN_USERNAME, log_in, manage_shell

MISSING_FILES = ["/static/no-such.css", "/static/css/welcome_page.0123456789ab.css", "/static/",
                 "/media/images/missing.png", "/media/original_images/x.jpg", "/media/"]
KEY_ALPHABET = string.ascii_lowercase + string.digits


def made_up_key(length):
    return "".join(secrets.choice(KEY_ALPHABET) for _ in range(length))


@pytest.mark.parametrize("media", ["bucket", "local disk"])
def test_missing_files_and_made_up_session_cookies_open_no_database_connection(pg, fresh_db, s3, start_app, media):
    extra = {"AWS_STORAGE_BUCKET_NAME": new_bucket(s3)} if media == "bucket" else {}
    # The pool closes idle connections after 1 s, so the warm-up's are gone quickly.
    env = cache_env(pg, fresh_db, s3, new_bucket(s3), DATABASE_POOL_MAX_IDLE=1, **extra)
    add_pages(env)
    app = start_app(env)
    app.wait_healthy()
    get(app, "/")
    assert get(app, "/").headers["X-Page-Cache"] == "hit"
    pg.seconds_until_no_connections(fresh_db, limit=30)

    cookies = [made_up_key(32), made_up_key(KEY_CHARS), "x"]  # Django's length, ours, any
    with ConnectionSampler(pg, fresh_db) as sampler:
        sessions_before = sampler.sessions()
        for _ in range(5):
            for path in MISSING_FILES:
                for method in ("GET", "HEAD", "POST"):
                    r = requests.request(method, app.base + path, timeout=30, allow_redirects=False)
                    assert r.status_code == 404 and r.headers["Cache-Control"] == "no-store", (method, path, r.headers)
            for value in cookies:
                r = get(app, "/", cookies={"sessionid": value})
                assert r.status_code == 200 and r.headers["X-Page-Cache"] == "hit", (value, r.headers)
        time.sleep(1.5)  # the statistics of a session that ended are flushed within a second
        sessions_after = sampler.sessions()
    assert sampler.samples > 20
    assert sampler.seen == [], f"connections to {fresh_db}: {sampler.seen[:5]}"
    assert sessions_after == sessions_before

    editor = log_in(requests.Session(), app.base, ADMIN_USERNAME, ADMIN_PASSWORD)
    assert len(editor.cookies["sessionid"]) == KEY_CHARS
    assert get(app, "/", session=editor).headers["X-Page-Cache"] == "bypass"
    # A session of Django's own store, as before the upgrade: no session any more.
    old = manage_shell(env, "from django.contrib.sessions.backends.db import SessionStore\n"
                            "s = SessionStore(); s['_auth_user_id'] = '1'; s.create(); print(s.session_key)")
    r = get(app, "/admin/", cookies={"sessionid": old})
    assert r.status_code == 302 and "/admin/login/" in r.headers["Location"]
    assert get(app, "/", cookies={"sessionid": old}).headers["X-Page-Cache"] == "hit"
