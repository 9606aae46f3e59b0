"""With the production default (DJANGO_HTTPS unset = secure), App Runner's health
checker still gets 200 from /healthz over plain HTTP with any Host, while pages
redirect to HTTPS and, behind App Runner's TLS proxy, are served with HSTS.
/readyz is a page like any other here: host validation and the redirect apply."""

import requests

from .conftest import app_env


def test_production_defaults_behind_a_tls_proxy(pg, fresh_db, start_app):
    env = app_env(pg.url(fresh_db))
    del env["DJANGO_HTTPS"]
    app = start_app(env)
    app.wait_healthy()
    for host in ("10.0.1.23:8080", "anything.invalid"):
        r = requests.get(app.base + "/healthz", headers={"Host": host}, allow_redirects=False, timeout=5)
        assert r.status_code == 200, (host, r.status_code, r.headers)
    r = requests.get(app.base + "/", allow_redirects=False, timeout=30)
    assert r.status_code == 301 and r.headers["Location"].startswith("https://")
    r = requests.get(app.base + "/", headers={"X-Forwarded-Proto": "https"}, allow_redirects=False, timeout=30)
    assert r.status_code == 200
    assert "max-age=" in r.headers["Strict-Transport-Security"]
    r = requests.get(app.base + "/", headers={"X-Forwarded-Proto": "https", "Host": "evil.example"},
                     allow_redirects=False, timeout=30)
    assert r.status_code == 400  # host validation still applies to pages
    r = requests.get(app.base + "/readyz", allow_redirects=False, timeout=30)
    assert r.status_code == 301 and r.headers["Location"].startswith("https://")
    r = requests.get(app.base + "/readyz", headers={"X-Forwarded-Proto": "https"}, allow_redirects=False, timeout=30)
    assert r.status_code == 200 and r.json()["database"] == "ok", r.text
    r = requests.get(app.base + "/readyz", headers={"X-Forwarded-Proto": "https", "Host": "evil.example"},
                     allow_redirects=False, timeout=30)
    assert r.status_code == 400
