"""Scheduled publishing end to end (scheduled_publishing.py), on the fixture site under
gunicorn, real PostgreSQL and moto's server (S3 and EventBridge Scheduler), with the
construct's outbox sender (functions/outbox-sender) handling the outbox's events as S3
would deliver them: an editor's go-live time makes exactly one schedule, a new time
replaces it, cancelling it deletes it; the operator path run at the due time publishes
the page, the page cache serves the new version and the CDN gets a purge, and the
schedule is gone. Between those moments the database holds no connection."""

import importlib
import json
import re
import sys
from datetime import datetime, timedelta, timezone
from urllib.parse import quote_plus

import boto3
import pytest
import requests

from wagtail_scale_to_zero_runtime.contract import PUBLISHING_SCHEDULE_COMMAND, SCHEDULE_PREFIX

from .conftest import ADMIN_PASSWORD
from .page_cache_helpers import GENERATION_SECONDS, add_pages, cache_env, edit_form, get, new_bucket, purges
from .support import ADMIN_USERNAME, REPO_DIR, csrf_token, log_in, manage_shell, wait_until

SENDER_DIR = REPO_DIR / "functions" / "outbox-sender"
GROUP = "site-publishing"
TARGET = "arn:aws:lambda:us-east-1:123456789012:function:site-operator"
ROLE = "arn:aws:iam::123456789012:role/site-scheduler"


class Sender:
    """The outbox sender in this process, its AWS calls sent to moto, and the schedules moto holds."""

    def __init__(self, s3, outbox, monkeypatch):
        self.outbox = outbox
        self.s3 = s3.client()
        self.scheduler = boto3.client("scheduler", endpoint_url=s3.endpoint, region_name="us-east-1",
                                      aws_access_key_id="testing", aws_secret_access_key="testing")
        self.scheduler.create_schedule_group(Name=GROUP)
        for name, value in {**s3.site_env(), "AWS_ENDPOINT_URL": s3.endpoint, "AWS_REGION": "us-east-1",
                            "SCHEDULE_GROUP": GROUP, "SCHEDULE_NAME": "publish-scheduled",
                            "SCHEDULE_TARGET_ARN": TARGET, "SCHEDULE_ROLE_ARN": ROLE,
                            "SCHEDULE_TARGET_INPUT": json.dumps({"manage": [PUBLISHING_SCHEDULE_COMMAND]})}.items():
            monkeypatch.setenv(name, value)
        monkeypatch.syspath_prepend(str(SENDER_DIR))
        self.index = importlib.import_module("index")
        self.aws = importlib.import_module("outbox_aws")
        self._clear_clients()
        self.delivered = set()

    def _clear_clients(self):
        for client in (self.aws.s3, self.aws.scheduler):
            client.cache_clear()

    def deliver(self):
        """Hands each new schedule request to the sender, one event per object as S3 sends them."""
        listed = self.s3.list_objects_v2(Bucket=self.outbox, Prefix=SCHEDULE_PREFIX).get("Contents", [])
        for key in sorted(o["Key"] for o in listed if o["Key"] not in self.delivered):
            self.delivered.add(key)
            self.index.handler({"Records": [{"s3": {"bucket": {"name": self.outbox},
                                                    "object": {"key": quote_plus(key, safe="/")}}}]}, None)

    def schedules(self):
        """(expression, input) of every schedule in the group, after delivering what is waiting."""
        self.deliver()
        found = []
        for summary in self.scheduler.list_schedules(GroupName=GROUP)["Schedules"]:
            schedule = self.scheduler.get_schedule(GroupName=GROUP, Name=summary["Name"])
            found.append((schedule["ScheduleExpression"], json.loads(schedule["Target"]["Input"])))
        return found

    def close(self):
        self._clear_clients()
        for name in ("index", "outbox_aws", "outbox_email", "outbox_purge", "outbox_schedule", "outbox_message"):
            sys.modules.pop(name, None)


@pytest.fixture
def sender(s3, monkeypatch):
    outbox = new_bucket(s3)
    box = Sender(s3, outbox, monkeypatch)
    yield box
    box.close()


def minute_from_now(minutes):
    return (datetime.now(timezone.utc) + timedelta(minutes=minutes)).replace(second=0, microsecond=0)


def at(moment):
    return f"at({moment.strftime('%Y-%m-%dT%H:%M:%S')})"


def schedule_publish(editor, app, page_id, title, go_live):
    """Publish with a go-live time, as an editor does in the admin's schedule dialog (times in the site's UTC)."""
    edit, data = edit_form(editor, app.base, page_id, title)
    data = [(k, v) for k, v in data if k != "go_live_at"]
    data += [("go_live_at", go_live.strftime("%Y-%m-%d %H:%M")), ("action-publish", "action-publish")]
    r = editor.post(edit, data=data, timeout=60, allow_redirects=False, headers={"Referer": edit})
    assert r.status_code == 302, (r.status_code, re.findall(r'error-message[^>]*>(?:\s|<[^>]+>)*([^<]+)', r.text))


def cancel_schedule(editor, app, env, page_id):
    """Cancel a page's scheduled publish, as the admin's "Cancel scheduled publish" does (Wagtail locks a scheduled
    page: a new time takes a cancel first)."""
    code = ("from wagtail.models import Page\n"
            f"r = Page.objects.get(id={page_id}).revisions.filter(approved_go_live_at__isnull=False).get()\n"
            "print(r.id)")
    unschedule = f"{app.base}/admin/pages/{page_id}/revisions/{int(manage_shell(env, code))}/unschedule/"
    token = csrf_token(editor.get(unschedule, timeout=30).text)
    r = editor.post(unschedule, data={"csrfmiddlewaretoken": token}, timeout=60, allow_redirects=False,
                    headers={"Referer": unschedule})
    assert r.status_code == 302, r.status_code


def page_id(env, slug):
    return int(manage_shell(env, f"from wagtail.models import Page; print(Page.objects.get(slug='{slug}').id)"))


def test_the_next_go_live_time_is_one_schedule_and_its_run_publishes(pg, fresh_db, s3, start_app, sender):
    cache = new_bucket(s3)
    env = cache_env(pg, fresh_db, s3, cache, SCHEDULE_OUTBOX_BUCKET=sender.outbox,
                    CDN_PURGE_OUTBOX_BUCKET=sender.outbox, PURGE_BATCH_SECONDS=1)
    home = add_pages(env)
    about = page_id(env, "about")
    app = start_app(env)
    app.wait_healthy()
    get(app, "/about/")
    assert get(app, "/about/").headers["X-Page-Cache"] == "hit"
    editor = log_in(requests.Session(), app.base, ADMIN_USERNAME, ADMIN_PASSWORD)
    assert sender.schedules() == []  # pages saved without a time ask for nothing

    command = {"manage": [PUBLISHING_SCHEDULE_COMMAND]}
    # Times minutes ahead: the sender moves any time less than a minute ahead to a later minute.
    about_time = minute_from_now(8)
    schedule_publish(editor, app, about, "About, scheduled", about_time)
    assert sender.schedules() == [(at(about_time), command)]
    assert "About, scheduled" not in get(app, "/about/").text

    # An earlier time elsewhere is the next due time: the one schedule moves to it, and back when it is cancelled.
    home_time = about_time - timedelta(minutes=3)
    schedule_publish(editor, app, home, "Home, scheduled", home_time)
    assert sender.schedules() == [(at(home_time), command)]
    cancel_schedule(editor, app, env, home)
    assert sender.schedules() == [(at(about_time), command)]

    # Until the schedule runs, the site's idle pool lets go of the database and nothing else holds it.
    pg.seconds_until_no_connections(fresh_db)
    assert sender.schedules() == [(at(about_time), command)]
    assert pg.app_connections(fresh_db) == 0
    purged = len(purges(s3, sender.outbox))

    # The time comes (the revision's go-live time moved to a second ago, rather than waiting for it), and the
    # schedule invokes the operator path.
    with pg.connect(fresh_db) as conn:
        conn.execute("UPDATE wagtailcore_revision SET approved_go_live_at = now() - interval '1 second',"
                     " content = jsonb_set(content, '{go_live_at}', to_jsonb(to_char("
                     "(now() - interval '1 second') AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')))"
                     " WHERE approved_go_live_at IS NOT NULL")
    result = json.loads(manage_shell(env, (
        "import json\n"
        "from wagtail_scale_to_zero_runtime.management_invocation import run_manage\n"
        f"print(json.dumps(run_manage({json.dumps(command['manage'])})))")).splitlines()[-1])
    assert result["exitCode"] == 0, result
    assert "next scheduled publishing: none" in result["output"]
    assert sender.schedules() == []
    wait_until(lambda: "About, scheduled" in get(app, "/about/").text, GENERATION_SECONDS + 5, what="new version")
    assert len(purges(s3, sender.outbox)) > purged
    assert "Home, scheduled" not in get(app, "/").text


def test_an_expiry_time_is_scheduled_and_cancelling_the_last_time_deletes_the_schedule(pg, fresh_db, s3, start_app,
                                                                                        sender):
    env = cache_env(pg, fresh_db, s3, new_bucket(s3), SCHEDULE_OUTBOX_BUCKET=sender.outbox)
    add_pages(env)
    about = page_id(env, "about")
    app = start_app(env)
    app.wait_healthy()
    editor = log_in(requests.Session(), app.base, ADMIN_USERNAME, ADMIN_PASSWORD)
    expiry = minute_from_now(30)
    edit, data = edit_form(editor, app.base, about, "About, until further notice")
    data = [(k, v) for k, v in data if k != "expire_at"]
    data += [("expire_at", expiry.strftime("%Y-%m-%d %H:%M")), ("action-publish", "action-publish")]
    r = editor.post(edit, data=data, timeout=60, allow_redirects=False, headers={"Referer": edit})
    assert r.status_code == 302, r.status_code
    assert [expression for expression, _ in sender.schedules()] == [at(expiry)]

    go_live = minute_from_now(5)
    schedule_publish(editor, app, about, "About, later", go_live)
    assert [expression for expression, _ in sender.schedules()] == [at(go_live)]
    cancel_schedule(editor, app, env, about)
    assert [expression for expression, _ in sender.schedules()] == [at(expiry)]
    assert "About, later" not in get(app, "/about/").text

    with pg.connect(fresh_db) as conn:  # the page's expiry is cleared outside the admin: nothing is due any more
        conn.execute("UPDATE wagtailcore_page SET expire_at = NULL")
    manage_shell(env, "from django.core.management import call_command; call_command('publish_and_reschedule')")
    assert sender.schedules() == []
