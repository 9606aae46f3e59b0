"""Without WAGTAILADMIN_BASE_URL, links in admin notification emails use the https
URL the editor's browser used (the package's admin_base_url middleware), never a disallowed host."""

import base64
import email
import email.policy
import json
import secrets
import uuid

from .conftest import app_env
from .support import https_session, log_in, manage_shell

HOST = "cms.example.test"


def test_notification_links_use_the_url_the_browser_used(pg, fresh_db, s3, start_app):
    outbox = "outbox-" + uuid.uuid4().hex[:8]
    s3.client().create_bucket(Bucket=outbox)
    env = app_env(pg.url(fresh_db), DJANGO_DEFAULT_FROM_EMAIL="cms@example.test",
                  **s3.site_env(),
                  DJANGO_ALLOWED_HOSTS=HOST, DJANGO_CSRF_TRUSTED_ORIGINS=f"https://{HOST}")
    assert "WAGTAILADMIN_BASE_URL" not in env
    # An editor submits the home page for moderation (Wagtail's default workflow).
    password = "approver-" + secrets.token_hex(8)
    page_id, task_state_id = manage_shell(env, (
        "from django.contrib.auth import get_user_model; from home.models import HomePage; U = get_user_model(); "
        "editor = U.objects.create_user('editor', 'editor@example.test', 'x'); "
        f"U.objects.create_superuser('approver', 'approver@example.test', '{password}'); "
        "page = HomePage.objects.get(slug='home'); page.save_revision(user=editor); "
        "state = page.get_workflow().start(page, editor); print(page.id, state.current_task_state.id)")).split()

    app = start_app({**env, "EMAIL_OUTBOX_BUCKET": outbox})
    app.wait_healthy()
    browser = log_in(https_session(HOST), app.base, "approver", password)
    # A request on a host that is not allowed is refused and changes nothing.
    assert https_session("attacker.example").get(app.base + "/admin/login/", timeout=30).status_code == 400
    # The approver approves in the browser on https://cms.example.test: the editor is notified.
    browser.get(app.base + "/admin/", timeout=30)
    r = browser.post(f"{app.base}/admin/pages/workflow/action/{page_id}/approve/{task_state_id}/", timeout=60,
                     data={"csrfmiddlewaretoken": browser.cookies["csrftoken"]}, allow_redirects=False)
    assert r.status_code == 302, r.text[-500:]

    client = s3.client()
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=outbox).get("Contents", [])]
    to_editor = []
    for key in keys:
        obj = client.get_object(Bucket=outbox, Key=key)
        value = obj["Metadata"]["recipients"]
        if json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))) == ["editor@example.test"]:
            to_editor.append(email.message_from_bytes(obj["Body"].read(), policy=email.policy.default))
    assert len(to_editor) == 1, keys
    text = to_editor[0].get_body(("plain",)).get_content()
    assert "has been approved" in text
    assert f"https://{HOST}/admin/account/#tab-notifications" in text, text
