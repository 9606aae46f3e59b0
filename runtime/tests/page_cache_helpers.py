"""Helpers of the page-cache tests: the fixture site's environment (with a page-cache
bucket), pages made in the database, a publish through the Wagtail admin as an editor
does it, the bucket's generation and purge requests, and a sampler of the database's
client connections."""

import os
import threading
import time
import uuid
from html.parser import HTMLParser

import requests

from wagtail_scale_to_zero_runtime.contract import PAGE_CACHE_PREFIX, PURGE_PREFIX
from wagtail_scale_to_zero_runtime.page_cache_store import GENERATION

from .conftest import app_env
from .support import REPO_DIR, csrf_token, manage_shell

# The bundled site plus tests/page_cache_fixture (a page with a form).
FIXTURE_ENV = {
    "DJANGO_SETTINGS_MODULE": "tests.page_cache_fixture.settings",
    "PYTHONPATH": os.pathsep.join(p for p in (str(REPO_DIR / "runtime"), os.environ.get("PYTHONPATH", "")) if p),
}
GENERATION_SECONDS = 3


def cache_env(pg, db, s3, bucket, **extra):
    """The fixture site on database `db`, its page cache in `bucket`, re-reading the generation every few seconds."""
    env = app_env(pg.url(db), **FIXTURE_ENV, **s3.site_env(), PAGE_CACHE_BUCKET=bucket,
                  PAGE_CACHE_GENERATION_SECONDS=GENERATION_SECONDS)
    env.update({k: str(v) for k, v in extra.items()})
    return env


def new_bucket(s3):
    name = "page-cache-" + uuid.uuid4().hex[:10]
    s3.client().create_bucket(Bucket=name)
    return name


def get(app, path, session=None, **kwargs):
    return (session or requests).get(app.base + path, timeout=60, allow_redirects=False, **kwargs)


def generation(s3, bucket):
    """The page cache's current generation in `bucket`."""
    return s3.client().get_object(Bucket=bucket, Key=PAGE_CACHE_PREFIX + GENERATION)["Body"].read().decode()


def purges(s3, outbox):
    """The keys of the purge requests waiting in `outbox`."""
    return [o["Key"] for o in s3.client().list_objects_v2(Bucket=outbox, Prefix=PURGE_PREFIX).get("Contents", [])]


def add_pages(env):
    """Migrates the fixture app, then adds under the home page /contact/ (a FormPage) and
    /about/ (a HomePage); returns the home page's id."""
    code = (
        "from django.core.management import call_command\n"
        "call_command('migrate', verbosity=0)\n"
        "from wagtail.models import Page\n"
        "from home.models import HomePage\n"
        "from tests.page_cache_fixture.models import FormPage\n"
        "home = Page.objects.get(depth=2)\n"
        "home.add_child(instance=FormPage(title='Contact', slug='contact'))\n"
        "home.add_child(instance=HomePage(title='About', slug='about'))\n"
        "print(home.id)\n"
    )
    return int(manage_shell(env, code).splitlines()[-1])


class _FormFields(HTMLParser):
    """The fields a browser would submit from the form with id `form_id`."""

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields = []
        self.textarea = None
        self.select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "file", "image") or (kind in ("checkbox", "radio") and "checked" not in a):
                return
            self.fields.append([a["name"], a.get("value") or ("on" if kind == "checkbox" else "")])
        elif tag == "textarea" and a.get("name"):
            self.textarea = [a["name"], ""]
            self.fields.append(self.textarea)
        elif tag == "select" and a.get("name"):
            self.select = [a["name"], None]
        elif tag == "option" and self.select is not None and ("selected" in a or self.select[1] is None):
            self.select[1] = a.get("value", "")

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select" and self.select is not None:
            self.fields.append([self.select[0], self.select[1] or ""])
            self.select = None


def edit_form(session, base, page_id, title):
    """The page's edit URL and the fields its edit form would submit, with a new title."""
    edit = f"{base}/admin/pages/{page_id}/edit/"
    r = session.get(edit, timeout=30)
    assert r.status_code == 200, r.status_code
    parser = _FormFields("page-edit-form")
    parser.feed(r.text)
    data = [(k, title if k == "title" else v) for k, v in parser.fields]
    if not any(k == "csrfmiddlewaretoken" for k, _ in data):
        data.append(("csrfmiddlewaretoken", csrf_token(r.text)))
    return edit, data


def publish_title(session, base, page_id, title, publish=True):
    """Changes a page's title and publishes it (or saves a draft) through the admin's edit view, as an editor does."""
    edit, data = edit_form(session, base, page_id, title)
    if publish:
        data.append(("action-publish", "action-publish"))
    r = session.post(edit, data=data, timeout=60, allow_redirects=False, headers={"Referer": edit})
    assert r.status_code == 302, (r.status_code, r.text[:2000])


class ConnectionSampler:
    """Samples pg_stat_activity for `dbname`'s client connections every few milliseconds
    from one connection of its own (to another database, so never counted)."""

    def __init__(self, pg, dbname):
        self.conn = pg.connect("postgres")
        self.dbname = dbname
        self.samples = 0
        self.seen = []
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self.stop_event.is_set():
            rows = self.conn.execute(
                "SELECT pid, application_name, state FROM pg_stat_activity "
                "WHERE datname = %s AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
                [self.dbname],
            ).fetchall()
            self.samples += 1
            self.seen.extend(rows)
            time.sleep(0.005)

    def sessions(self):
        """Sessions ever established to the database (pg_stat_database.sessions)."""
        self.conn.execute("SELECT pg_stat_clear_snapshot()")
        return self.conn.execute("SELECT sessions FROM pg_stat_database WHERE datname = %s",
                                 [self.dbname]).fetchone()[0]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        self.thread.join(5)
        self.conn.close()
