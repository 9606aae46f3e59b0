"""Password reset on the app as the container runs it: off without email; with
the S3 outbox, the reset email is an object in the bucket and its link works.
Either way, no reset token appears in any line the app logged (gunicorn's access
and error logs and Django's logs all go to the app's output)."""

import email
import email.policy
import re
import secrets
import uuid

import requests

from .conftest import app_env
from .support import csrf_token, https_session, log_in, wait_until

RESET_PATHS = ["/admin/password_reset/", "/admin/password_reset/done/", "/admin/password_reset/complete/"]


def fake_token():
    """Shaped like Django's reset tokens: <timestamp base36>-<32 hex>."""
    return "cz3k1x-" + secrets.token_hex(16)


def assert_not_logged(app, *secrets_):
    log = app.output()
    for secret in secrets_:
        assert secret not in log, f"{secret!r} is in the app's log"
    return log


def test_password_reset_is_off_without_email(pg, fresh_db, start_app):
    app = start_app(app_env(pg.url(fresh_db)))
    app.wait_healthy()
    login = requests.get(app.base + "/admin/login/", timeout=30)
    assert login.status_code == 200
    assert "password_reset" not in login.text and "Forgotten password" not in login.text

    token = fake_token()
    confirm = f"/admin/password_reset/confirm/MQ/{token}/"
    for path in RESET_PATHS + [confirm, "/admin/password_reset/confirm/MQ/set-password/"]:
        assert requests.get(app.base + path, timeout=30).status_code == 404, path
    # Each confirm 404 was logged by gunicorn (access log) and Django (django.request), redacted.
    def logged():
        log = app.output()
        return log if log.count("password_reset/confirm/[redacted]") >= 4 else None

    log = wait_until(logged, 10, what="redacted log lines")
    assert re.search(r"WARNING django\.request: Not Found: /admin/password_reset/confirm/\[redacted\]", log)
    assert_not_logged(app, token, "/MQ/")


def test_password_reset_through_the_s3_outbox(pg, fresh_db, s3, start_app):
    outbox = "outbox-" + uuid.uuid4().hex[:8]
    s3.client().create_bucket(Bucket=outbox)
    host = "cms.example.test"
    app = start_app(app_env(pg.url(fresh_db), EMAIL_OUTBOX_BUCKET=outbox, DJANGO_DEFAULT_FROM_EMAIL="cms@example.test",
                            **s3.site_env(),
                            DJANGO_ALLOWED_HOSTS=host, DJANGO_CSRF_TRUSTED_ORIGINS=f"https://{host}"))
    app.wait_healthy()
    browser = https_session(host)
    login = browser.get(app.base + "/admin/login/", timeout=30)
    assert 'href="/admin/password_reset/"' in login.text

    form = browser.get(app.base + "/admin/password_reset/", timeout=30)
    assert form.status_code == 200
    r = browser.post(app.base + "/admin/password_reset/", timeout=60, allow_redirects=False,
                     data={"csrfmiddlewaretoken": csrf_token(form.text), "email": "admin@example.com"})
    assert r.status_code == 302 and r.headers["Location"] == "/admin/password_reset/done/", r.text[-500:]

    # Exactly one message in the outbox, to the admin, from the configured address.
    client = s3.client()
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=outbox).get("Contents", [])]
    assert len(keys) == 1 and re.fullmatch(r"email/\d{8}T\d{6}Z-[0-9a-f]{32}\.eml", keys[0]), keys
    message = email.message_from_bytes(client.get_object(Bucket=outbox, Key=keys[0])["Body"].read(),
                                       policy=email.policy.default)
    assert message["To"] == "admin@example.com" and message["From"] == "cms@example.test"
    body = message.get_body(("plain",)).get_content()
    link = re.search(rf"https://{re.escape(host)}(/admin/password_reset/confirm/([^/]+)/([^/\s]+)/)", body)
    assert link, body
    path, uid, token = link.groups()

    # Follow the link (Django redirects to .../set-password/) and set a new password.
    r = browser.get(app.base + path, timeout=30)
    assert r.status_code == 200 and "new_password1" in r.text, r.text[-500:]
    new_password = "reset-" + secrets.token_hex(8)
    r = browser.post(r.url, timeout=30, allow_redirects=False, data={
        "csrfmiddlewaretoken": csrf_token(r.text), "new_password1": new_password, "new_password2": new_password})
    assert r.status_code == 302 and r.headers["Location"] == "/admin/password_reset/complete/", r.text[-500:]
    log_in(https_session(host), app.base, "admin", new_password)

    # Every request above was logged; none of the lines holds the uid or the token.
    log = assert_not_logged(app, token, f"/{uid}/")
    assert log.count("password_reset/confirm/[redacted]") >= 3  # link, set-password GET and POST
