"""With the production default (DJANGO_HTTPS unset = secure), App Runner's health
checker still gets 200 from /healthz over plain HTTP with any Host, while pages
redirect to HTTPS and, behind App Runner's TLS proxy, are served with HSTS.
/readyz answers before host validation and the redirect too, but only a caller with
the readiness token gets its checks: anyone else gets 403 and the database is not
touched (the app reaches it through a proxy that counts connections)."""

import pytest
import requests

from .conftest import app_env
from .support import TcpProxy, readiness_headers


@pytest.fixture
def proxy(pg):
    p = TcpProxy(pg.port).start_listening()
    yield p
    p.close()


def test_production_defaults_behind_a_tls_proxy(pg, fresh_db, proxy, start_app):
    env = app_env(pg.url(fresh_db, port=proxy.port))
    del env["DJANGO_HTTPS"]
    app = start_app(env)
    app.wait_healthy()
    for host in ("10.0.1.23:8080", "anything.invalid"):
        r = requests.get(app.base + "/healthz", headers={"Host": host}, allow_redirects=False, timeout=5)
        assert r.status_code == 200, (host, r.status_code, r.headers)

    # /readyz without the token: 403 on any host and scheme, no database connection.
    ready = readiness_headers(env["DJANGO_SECRET_KEY"])
    token = next(iter(ready.values()))
    accepted = proxy.accepted
    refused = [{}, {"X-Forwarded-Proto": "https"}, {"Host": "evil.example"},
               {next(iter(ready)): token[:-1] + ("0" if token[-1] != "0" else "1")},
               {next(iter(ready)): token.upper()}, {next(iter(ready)).replace("-", "_"): token}]
    for headers in refused:
        r = requests.get(app.base + "/readyz", headers=headers, allow_redirects=False, timeout=30)
        assert r.status_code == 403 and r.headers["Cache-Control"] == "no-store", (headers, r.status_code)
        assert r.headers["Content-Type"].startswith("text/plain") and "readiness token" in r.text, r.text
    assert proxy.accepted == accepted and pg.app_connections(fresh_db) == 0
    # With it: the checks, on any host (the compute's own URL), over plain HTTP too.
    for host in ("127.0.0.1", "abc123.eu-west-3.awsapprunner.com"):
        r = requests.get(app.base + "/readyz", headers={**ready, "Host": host}, allow_redirects=False,
                         timeout=30)
        assert r.status_code == 200 and r.json() == {"database": "ok", "storage": "ok"}, r.text
    assert proxy.accepted > accepted

    r = requests.get(app.base + "/", allow_redirects=False, timeout=30)
    assert r.status_code == 301 and r.headers["Location"].startswith("https://")
    r = requests.get(app.base + "/", headers={"X-Forwarded-Proto": "https"}, allow_redirects=False, timeout=30)
    assert r.status_code == 200
    assert "max-age=" in r.headers["Strict-Transport-Security"]
    r = requests.get(app.base + "/", headers={"X-Forwarded-Proto": "https", "Host": "evil.example"},
                     allow_redirects=False, timeout=30)
    assert r.status_code == 400  # host validation still applies to pages
