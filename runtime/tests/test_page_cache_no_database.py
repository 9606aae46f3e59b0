"""Requests anyone can make that must not wake the database, through the bundled site on
gunicorn, real PostgreSQL and moto's S3: missing static and media files (media in a
bucket, or on local disk) get a plain 404 without a database connection."""

import time

import pytest
import requests

from .page_cache_helpers import ConnectionSampler, add_pages, cache_env, get, new_bucket

MISSING_FILES = ["/static/no-such.css", "/static/css/welcome_page.0123456789ab.css", "/static/",
                 "/media/images/missing.png", "/media/original_images/x.jpg", "/media/"]


@pytest.mark.parametrize("media", ["bucket", "local disk"])
def test_missing_files_open_no_database_connection(pg, fresh_db, s3, start_app, media):
    extra = {"AWS_STORAGE_BUCKET_NAME": new_bucket(s3)} if media == "bucket" else {}
    # The pool closes idle connections after 1 s, so the warm-up's are gone quickly.
    env = cache_env(pg, fresh_db, s3, new_bucket(s3), DATABASE_POOL_MAX_IDLE=1, **extra)
    add_pages(env)
    app = start_app(env)
    app.wait_healthy()
    get(app, "/")
    assert get(app, "/").headers["X-Page-Cache"] == "hit"
    pg.seconds_until_no_connections(fresh_db, limit=30)

    with ConnectionSampler(pg, fresh_db) as sampler:
        sessions_before = sampler.sessions()
        for _ in range(5):
            for path in MISSING_FILES:
                for method in ("GET", "HEAD", "POST"):
                    r = requests.request(method, app.base + path, timeout=30, allow_redirects=False)
                    assert r.status_code == 404 and r.headers["Cache-Control"] == "no-store", (method, path, r.headers)
        time.sleep(1.5)  # the statistics of a session that ended are flushed within a second
        sessions_after = sampler.sessions()
    assert sampler.samples > 20
    assert sampler.seen == [], f"connections to {fresh_db}: {sampler.seen[:5]}"
    assert sessions_after == sessions_before

