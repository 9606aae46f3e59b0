"""The password-reset form's limits (password_reset_limit.py; contract.json), on the app
as the container runs it with the S3 outbox: per address, per client (behind CloudFront
the verified X-Viewer-Address, else the connection's address), and over a limit the
form answers as always but nothing reaches the outbox."""

import secrets
import uuid

import pytest
import requests

from wagtail_scale_to_zero_runtime.contract import (PASSWORD_RESET_EMAILS_PER_ADDRESS,
                                                    PASSWORD_RESET_REQUESTS_PER_CLIENT)

from .conftest import app_env
from .support import csrf_token, spoofed_headers

VIEWER_HOST = "www.example.org"
ADMIN_EMAIL = "admin@example.com"  # the first admin's: the one address with an account


@pytest.fixture
def outbox(s3):
    bucket = "outbox-" + uuid.uuid4().hex[:8]
    s3.client().create_bucket(Bucket=bucket)
    return bucket


def sent(s3, bucket):
    return len(s3.client().list_objects_v2(Bucket=bucket).get("Contents", []))


def reset_app(pg, db, s3, outbox, start_app, **extra):
    env = app_env(pg.url(db), EMAIL_OUTBOX_BUCKET=outbox, DJANGO_DEFAULT_FROM_EMAIL="cms@example.test",
                  **s3.site_env(), DJANGO_ALLOWED_HOSTS=VIEWER_HOST,
                  DJANGO_CSRF_TRUSTED_ORIGINS=f"https://{VIEWER_HOST}", **extra)
    app = start_app(env)
    app.wait_healthy()
    return app


def browser(headers):
    session = requests.Session()
    session.headers.update({"Host": VIEWER_HOST, "X-Forwarded-Proto": "https",
                            "Referer": f"https://{VIEWER_HOST}/admin/password_reset/", **headers})
    return session


def ask_reset(app, session, address, **headers):
    form = session.get(app.base + "/admin/password_reset/", headers=headers, timeout=30)
    r = session.post(app.base + "/admin/password_reset/", headers=headers, timeout=60, allow_redirects=False,
                     data={"csrfmiddlewaretoken": csrf_token(form.text), "email": address})
    # Over a limit or not, the answer is the same.
    assert r.status_code == 302 and r.headers["Location"] == "/admin/password_reset/done/", r.status_code


def test_limits_behind_cloudfront(pg, fresh_db, s3, outbox, start_app):
    secret = secrets.token_urlsafe(36)
    app = reset_app(pg, fresh_db, s3, outbox, start_app, CDN_ORIGIN_SECRET=secret)
    session = browser({"X-Origin-Verify": secret, "X-Viewer-Host": VIEWER_HOST})

    # One viewer over its limit sends nothing, whatever other spellings of the address header say.
    viewer = {"X-Viewer-Address": "203.0.113.9"}
    for i in range(PASSWORD_RESET_REQUESTS_PER_CLIENT):
        ask_reset(app, session, f"nobody{i}@example.net", **viewer, **spoofed_headers())
    assert "password reset:" not in app.output()
    ask_reset(app, session, ADMIN_EMAIL, **viewer)
    assert sent(s3, outbox) == 0
    log = app.output()
    assert log.count("password reset:") == 1 and "client 203.0.113.9 is over 10 requests" in log, log[-2000:]

    # Ten requests for one address, each from a viewer of its own: the limit is sent.
    for i in range(10):
        ask_reset(app, session, ADMIN_EMAIL, **{"X-Viewer-Address": f"192.0.2.{i + 1}"})
    assert sent(s3, outbox) == PASSWORD_RESET_EMAILS_PER_ADDRESS == 3
    log = app.output()
    assert log.count("password reset:") == 1 + 10 - 3
    assert "@example.net" not in log and ADMIN_EMAIL not in log


def test_limits_per_connection_without_cloudfront(pg, fresh_db, s3, outbox, start_app):
    """Without CDN_ORIGIN_SECRET an X-Viewer-Address is anyone's: the client is REMOTE_ADDR."""
    app = reset_app(pg, fresh_db, s3, outbox, start_app)
    session = browser({})
    for i in range(PASSWORD_RESET_REQUESTS_PER_CLIENT):
        ask_reset(app, session, f"nobody{i}@example.net", **{"X-Viewer-Address": f"192.0.2.{i + 1}"})
    ask_reset(app, session, ADMIN_EMAIL, **{"X-Viewer-Address": "198.51.100.1"})
    assert sent(s3, outbox) == 0
