"""Behind CloudFront on gunicorn (CDN_ORIGIN_SECRET set, production https): only a
request with the secret is served, always as https on 443; the hosts allowed are the
custom domain and the distribution's own domain, which a verified request names; no
other spelling of a trusted header (underscores, any case) changes anything. Raw
UTF-8 in a request (a client that does not percent-encode) is Latin-1 octets to
gunicorn, so Django answers it as any request, never with an error."""

import secrets
import socket

import requests

from .conftest import ADMIN_PASSWORD, app_env
from .support import ADMIN_USERNAME, log_in, spoofed_headers, underscore_variants

CUSTOM_DOMAIN = "www.example.org"
DISTRIBUTION = "d111abcdef8.cloudfront.net"


def cdn_app(pg, db, start_app, secret, **extra):
    env = app_env(pg.url(db), CDN_ORIGIN_SECRET=secret, DJANGO_ALLOWED_HOSTS=CUSTOM_DOMAIN,
                  DJANGO_CSRF_TRUSTED_ORIGINS=f"https://{CUSTOM_DOMAIN}", **extra)
    return start_app(env)


def test_only_verified_headers_count(pg, fresh_db, start_app):
    secret = secrets.token_urlsafe(36)
    app = cdn_app(pg, fresh_db, start_app, secret, DJANGO_HTTPS="true")
    app.wait_healthy()

    def get(headers, path="/"):
        return requests.get(app.base + path, headers=headers, allow_redirects=False, timeout=30)

    verified = {"X-Origin-Verify": secret, "X-Viewer-Host": CUSTOM_DOMAIN, "X-Distribution-Domain": DISTRIBUTION}
    # https whatever X-Forwarded-Proto says (the redirect would send the viewer elsewhere).
    for proto in ({}, {"X-Forwarded-Proto": "http"}):
        r = get({**verified, **proto})
        assert r.status_code == 200 and "max-age=" in r.headers["Strict-Transport-Security"], (proto, r.status_code)
    # Every other spelling of a trusted header, with an attacker's value: ignored.
    r = get({**verified, **spoofed_headers()})
    assert r.status_code == 200 and "Location" not in r.headers, (r.status_code, r.headers)
    # The secret under another spelling verifies nothing.
    for name in underscore_variants("X-Origin-Verify"):
        assert get({name: secret, "X-Viewer-Host": CUSTOM_DOMAIN}).status_code == 403, name

    # Exact hosts: the custom domain and the distribution's domain (named by a verified request).
    assert get({**verified, "X-Viewer-Host": DISTRIBUTION}).status_code == 200
    for host in ("evil.cloudfront.net", "x.eu-west-3.awsapprunner.com", "attacker.example"):
        r = get({**verified, "X-Viewer-Host": host})
        assert r.status_code == 400 and host not in r.headers.get("Location", ""), (host, r.status_code)
    # An unverified distribution domain is never allowed.
    assert get({"X-Origin-Verify": "forged", "X-Distribution-Domain": "evil2.cloudfront.net"}).status_code == 403
    assert get({**verified, "X-Viewer-Host": "evil2.cloudfront.net"}).status_code == 400
    # Nor a pattern: a verified ".cloudfront.net" is not a wildcard.
    assert get({**verified, "X-Distribution-Domain": ".cloudfront.net"}).status_code == 200
    assert get({**verified, "X-Viewer-Host": "evil3.cloudfront.net"}).status_code == 400


def test_admin_login_on_the_distribution_domain(pg, fresh_db, start_app):
    """DJANGO_ALLOWED_HOSTS names only the custom domain: the distribution's domain, told by
    CloudFront, passes host validation and CSRF's same-origin check."""
    secret = secrets.token_urlsafe(36)
    app = cdn_app(pg, fresh_db, start_app, secret)  # DJANGO_HTTPS=false: the client keeps its cookies on http
    app.wait_healthy()
    session = requests.Session()
    session.headers.update({"X-Origin-Verify": secret, "X-Viewer-Host": DISTRIBUTION,
                            "X-Distribution-Domain": DISTRIBUTION, "Origin": f"https://{DISTRIBUTION}",
                            "Referer": f"https://{DISTRIBUTION}/admin/login/"})
    log_in(session, app.base, ADMIN_USERNAME, ADMIN_PASSWORD)


def raw_request(app, request_line, *header_lines):
    """The status gunicorn answers to raw bytes (a client that does not percent-encode)."""
    with socket.create_connection(("127.0.0.1", app.port), timeout=30) as s:
        s.sendall(b"\r\n".join([request_line, b"Host: 127.0.0.1", *header_lines, b"Connection: close", b"", b""]))
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    return int(data.split(b" ", 2)[1])


def test_gunicorn_and_raw_utf8(pg, fresh_db, start_app):
    app = start_app(app_env(pg.url(fresh_db)))
    app.wait_healthy()
    statuses = {
        "raw UTF-8 in the path": raw_request(app, "GET /caf\u00e9\u20ac/ HTTP/1.1".encode()),
        "raw UTF-8 in the query": raw_request(app, "GET /?q=\u20ac HTTP/1.1".encode()),
        "raw UTF-8 in a cookie": raw_request(app, b"GET / HTTP/1.1", "Cookie: a=\u20ac".encode()),
        "malformed percent-encoding": raw_request(app, b"GET /%zz/ HTTP/1.1"),
    }
    assert statuses == {"raw UTF-8 in the path": 404, "raw UTF-8 in the query": 200, "raw UTF-8 in a cookie": 200,
                        "malformed percent-encoding": 404}, statuses
