"""Behind CloudFront (CDN_ORIGIN_SECRET set): requests reach the app with the origin's
Host, the viewer's host in X-Viewer-Host and the secret in X-Origin-Verify. Admin
login and its CSRF checks work for https://<viewer host>; anything without the
secret gets 403 but the health endpoints; the secret is never logged."""

import secrets

import requests

from .conftest import ADMIN_PASSWORD, app_env
from .support import ADMIN_USERNAME, log_in, readiness_headers

VIEWER_HOST = "www.example.org"


def cloudfront_session(secret):
    """A browser on https://www.example.org as CloudFront forwards it to the origin."""
    session = requests.Session()
    session.headers.update({
        "X-Origin-Verify": secret, "X-Viewer-Host": VIEWER_HOST, "X-Forwarded-Proto": "https",
        "Origin": f"https://{VIEWER_HOST}", "Referer": f"https://{VIEWER_HOST}/admin/login/",
    })
    return session


def test_only_cloudfront_is_served_with_the_viewers_host(pg, fresh_db, start_app):
    secret = secrets.token_urlsafe(36)
    # Only the viewer's host is allowed and trusted: the origin's (127.0.0.1:port) is not.
    env = app_env(pg.url(fresh_db), CDN_ORIGIN_SECRET=secret, DJANGO_ALLOWED_HOSTS=VIEWER_HOST,
                  DJANGO_CSRF_TRUSTED_ORIGINS="")
    app = start_app(env)
    app.wait_healthy()

    editor = log_in(cloudfront_session(secret), app.base, ADMIN_USERNAME, ADMIN_PASSWORD)
    r = editor.get(app.base + "/admin/", timeout=30)
    assert r.status_code == 200 and "/admin/logout/" in r.text
    assert r.headers["Cache-Control"].startswith("private") or "no-store" in r.headers["Cache-Control"]

    reader = cloudfront_session(secret)
    for state in ("miss", "hit"):
        r = reader.get(app.base + "/", timeout=30, allow_redirects=False)
        assert r.status_code == 200 and r.headers["X-Page-Cache"] == state, (r.status_code, r.headers)

    refused = [
        {},
        {"X-Viewer-Host": VIEWER_HOST},
        {"X-Viewer-Host": VIEWER_HOST, "X-Origin-Verify": secret[:-1] + "x"},
        {"Host": VIEWER_HOST, "X-Origin-Verify": ""},
    ]
    for headers in refused:
        for path in ("/", "/admin/login/", "/no-such-page/"):
            r = requests.get(app.base + path, headers=headers, timeout=30, allow_redirects=False)
            assert r.status_code == 403 and r.headers["Cache-Control"] == "no-store", (headers, path, r.status_code)
    r = requests.post(app.base + "/admin/login/", timeout=30, allow_redirects=False)
    assert r.status_code == 403

    # App Runner's health checker calls the origin directly.
    assert requests.get(app.base + "/healthz", timeout=30).status_code == 200
    r = requests.get(app.base + "/readyz", headers=readiness_headers(env["DJANGO_SECRET_KEY"]), timeout=30)
    assert r.status_code == 200 and r.json()["database"] == "ok", r.text

    assert secret not in app.output()
