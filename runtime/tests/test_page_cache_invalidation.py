"""Who may invalidate the page cache, through the bundled site on gunicorn, real
PostgreSQL and moto's S3: anonymous posts to the admin (a missing trailing slash, a
password reset, a failed sign-in), signing in and an editor's editing-session ping
change no generation and ask for no purge, an editor's save does; a view restriction
(login, password, groups), set in the admin's privacy dialog (which answers 200) or
outside the admin, is what the next anonymous reader gets, with exactly one purge
request; re-ordering pages (200 too) invalidates; the changes of one
PURGE_BATCH_SECONDS window write one purge request at once and one trailing."""

import re
import time

import requests

from .conftest import ADMIN_PASSWORD
from .page_cache_helpers import GENERATION_SECONDS, add_pages, cache_env, generation, get, new_bucket, publish_title, purges
from .support import ADMIN_USERNAME, csrf_token, log_in, manage_shell

FROM = "cms@example.test"


def admin_post(editor, app, path, **kwargs):
    """A POST from the admin's JavaScript: the CSRF token in its header."""
    return editor.post(app.base + path, timeout=60, allow_redirects=False,
                       headers={"X-CSRFToken": editor.cookies["csrftoken"]}, **kwargs)


def page_id(env, slug):
    return int(manage_shell(env, f"from wagtail.models import Page; print(Page.objects.get(slug='{slug}').id)"))


def test_anonymous_admin_posts_and_signing_in_change_nothing_and_an_editors_save_does(pg, fresh_db, s3, start_app):
    bucket, outbox = new_bucket(s3), new_bucket(s3)
    env = cache_env(pg, fresh_db, s3, bucket, CDN_PURGE_OUTBOX_BUCKET=outbox, EMAIL_OUTBOX_BUCKET=outbox,
                    DJANGO_DEFAULT_FROM_EMAIL=FROM)
    home_id = add_pages(env)
    app = start_app(env)
    app.wait_healthy()
    get(app, "/")
    assert get(app, "/").headers["X-Page-Cache"] == "hit"
    before = generation(s3, bucket)

    anonymous = requests.Session()
    token = csrf_token(anonymous.get(app.base + "/admin/password_reset/", timeout=30).text)
    attacks = [
        ("/admin/pages", {}, 301),  # CommonMiddleware's APPEND_SLASH, before any view or CSRF check
        ("/admin/password_reset/", {"csrfmiddlewaretoken": token, "email": "admin@example.com"}, 302),
        ("/admin/password_reset/", {"csrfmiddlewaretoken": token, "email": "nobody@example.org"}, 302),
        ("/admin/login/", {"csrfmiddlewaretoken": token, "username": ADMIN_USERNAME, "password": "wrong"}, 200),
        (f"/admin/pages/{home_id}/edit/", {"csrfmiddlewaretoken": token, "title": "Defaced"}, 302),  # to sign-in
    ]
    for path, data, status in attacks:
        r = anonymous.post(app.base + path, data=data, timeout=60, allow_redirects=False)
        assert r.status_code == status, (path, r.status_code)
    editor = log_in(requests.Session(), app.base, ADMIN_USERNAME, ADMIN_PASSWORD)  # saves last_login and a session
    edit_page = editor.get(app.base + f"/admin/pages/{home_id}/edit/", timeout=30).text
    ping = re.search(r'/admin/editing-sessions/ping/[^"]+/', edit_page).group(0)
    r = admin_post(editor, app, ping)  # saves the editing session
    assert r.status_code == 200, (ping, r.status_code)
    assert generation(s3, bucket) == before
    assert get(app, "/").headers["X-Page-Cache"] == "hit"
    assert purges(s3, outbox) == []

    publish_title(editor, app.base, home_id, "Home, draft", publish=False)  # a save without a publish signal
    saved = generation(s3, bucket)
    assert saved != before and get(app, "/").headers["X-Page-Cache"] == "miss"
    assert len(purges(s3, outbox)) == 1
    r = editor.post(app.base + "/admin/logout/", data={"csrfmiddlewaretoken": editor.cookies["csrftoken"]},
                    timeout=30, allow_redirects=False)
    assert r.status_code == 302
    assert generation(s3, bucket) == saved


def test_a_view_restriction_is_what_the_next_anonymous_reader_gets(pg, fresh_db, s3, start_app):
    window = 2
    bucket, outbox = new_bucket(s3), new_bucket(s3)
    env = cache_env(pg, fresh_db, s3, bucket, CDN_PURGE_OUTBOX_BUCKET=outbox, PURGE_BATCH_SECONDS=window)
    add_pages(env)
    about = page_id(env, "about")
    group = int(manage_shell(env, "from django.contrib.auth.models import Group; print(Group.objects.first().id)"))
    app = start_app(env)
    app.wait_healthy()
    editor = log_in(requests.Session(), app.base, ADMIN_USERNAME, ADMIN_PASSWORD)

    def restricted_to_login(r):
        return r.status_code == 302 and "login" in r.headers["Location"]

    def asks_for_the_password(r):
        return r.status_code == 200 and 'name="password"' in r.text

    cases = [
        ({"restriction_type": "login"}, restricted_to_login),
        ({"restriction_type": "password", "password": "s3cret-words"}, asks_for_the_password),
        ({"restriction_type": "groups", "groups": group}, restricted_to_login),
    ]
    for data, restricted in cases:
        get(app, "/about/")
        public = get(app, "/about/")
        assert public.status_code == 200 and public.headers["X-Page-Cache"] == "hit"
        time.sleep(window + 0.2)  # the previous change's window has ended: this one's purge is written at once
        count = len(purges(s3, outbox))
        r = admin_post(editor, app, f"/admin/pages/{about}/privacy/", data=data)
        assert r.status_code == 200 and r.json()["step"] == "set_privacy_done", (data, r.status_code, r.text[:300])
        r = get(app, "/about/")
        assert restricted(r) and r.headers["X-Page-Cache"] == "bypass", (data, r.status_code, r.headers)
        assert len(purges(s3, outbox)) == count + 1, data
        time.sleep(window + 0.2)
        r = admin_post(editor, app, f"/admin/pages/{about}/privacy/", data={"restriction_type": "none"})
        assert r.status_code == 200 and r.json()["is_public"] is True
        assert get(app, "/about/").status_code == 200
        assert len(purges(s3, outbox)) == count + 2, data

    # Outside the admin (a management command, a site's own view) too.
    time.sleep(window + 0.2)
    get(app, "/about/")
    assert get(app, "/about/").headers["X-Page-Cache"] == "hit"
    count = len(purges(s3, outbox))
    manage_shell(env, "from wagtail.models import Page, PageViewRestriction\n"
                      f"PageViewRestriction.objects.create(page=Page.objects.get(id={about}), restriction_type='login')")
    time.sleep(GENERATION_SECONDS + 0.5)  # another process's generation: re-read within PAGE_CACHE_GENERATION_SECONDS
    assert restricted_to_login(get(app, "/about/"))
    assert len(purges(s3, outbox)) == count + 1


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
