"""Purge requests through the bundled site on gunicorn, real PostgreSQL and moto's S3:
re-ordering pages (answered 200) invalidates; the changes of one PURGE_BATCH_SECONDS
window write one purge request at once and one trailing."""

import time

import requests

from .conftest import ADMIN_PASSWORD
from .page_cache_helpers import add_pages, cache_env, generation, get, new_bucket, purges
from .support import ADMIN_USERNAME, log_in, manage_shell


def admin_post(editor, app, path, **kwargs):
    """A POST from the admin's JavaScript: the CSRF token in its header."""
    return editor.post(app.base + path, timeout=60, allow_redirects=False,
                       headers={"X-CSRFToken": editor.cookies["csrftoken"]}, **kwargs)


def page_id(env, slug):
    return int(manage_shell(env, f"from wagtail.models import Page; print(Page.objects.get(slug='{slug}').id)"))


def test_reordering_invalidates_and_one_window_of_changes_writes_one_purge_at_once_and_one_trailing(
        pg, fresh_db, s3, start_app):
    window = 10
    bucket, outbox = new_bucket(s3), new_bucket(s3)
    # One process: the bound is per process.
    env = cache_env(pg, fresh_db, s3, bucket, CDN_PURGE_OUTBOX_BUCKET=outbox, PURGE_BATCH_SECONDS=window,
                    WEB_CONCURRENCY=1)
    add_pages(env)
    about = page_id(env, "about")
    app = start_app(env)
    app.wait_healthy()
    editor = log_in(requests.Session(), app.base, ADMIN_USERNAME, ADMIN_PASSWORD)
    get(app, "/")
    assert get(app, "/").headers["X-Page-Cache"] == "hit"

    generations = {generation(s3, bucket)}
    changes = 5
    started = time.monotonic()
    for i in range(changes):
        # About (second of two children) first, then last again: answered 200 with an empty body.
        r = admin_post(editor, app, f"/admin/pages/{about}/set_position/?position={i % 2}")
        assert r.status_code == 200, r.status_code
        assert get(app, "/").headers["X-Page-Cache"] == "miss", "the generation changes at once, every time"
        generations.add(generation(s3, bucket))
    assert len(generations) == changes + 1
    assert len(purges(s3, outbox)) == 1
    assert time.monotonic() - started < window, "the changes took longer than one window: the test proves nothing"

    time.sleep(max(0.0, started + window + 0.5 - time.monotonic()))
    get(app, "/")  # the first request after the window writes the pending purge
    assert len(purges(s3, outbox)) == 2
    time.sleep(window + 0.5)
    get(app, "/")
    assert len(purges(s3, outbox)) == 2  # nothing was pending any more
