"""The AWS Lambda pieces in-process: configure() on Lambda (no pool, upload limits),
the Function URL handler around a plain WSGI application, and the redaction of
secrets. The image under the Runtime Interface Emulator: tests/lambda_check.py
(scripts/lambda-test.sh)."""

import base64
import json

import pytest

from wagtail_scale_to_zero_runtime import lambda_adapter, log_redaction
from wagtail_scale_to_zero_runtime.lambda_settings import MAX_REQUEST_BODY, MAX_UPLOAD_SIZE
from wagtail_scale_to_zero_runtime.settings import configure

HOST = "abc.lambda-url.eu-west-3.on.aws"


@pytest.fixture
def env(contract_env):
    contract_env.setenv("DATABASE_URL", "postgres://wagtail:pw-123456@db.internal:5432/wagtail")
    return contract_env


def configured(**site):
    settings = {"INSTALLED_APPS": ["wagtail"], "MIDDLEWARE": [], **site}
    configure(settings)
    return settings


def test_elsewhere_the_pool_and_wagtails_limits_stay(env):
    settings = configured()
    assert "pool" in settings["DATABASES"]["default"]["OPTIONS"]
    assert "WAGTAILIMAGES_MAX_UPLOAD_SIZE" not in settings and "WAGTAILDOCS_MAX_UPLOAD_SIZE" not in settings


def test_on_lambda_no_pool_and_uploads_that_fit_a_request(env):
    env.setenv("AWS_LAMBDA_FUNCTION_NAME", "wagtail-cms-Function")
    settings = configured()
    default = settings["DATABASES"]["default"]
    assert "pool" not in default["OPTIONS"] and default["CONN_MAX_AGE"] == 0
    assert default["OPTIONS"]["application_name"] == "wagtail" and default["OPTIONS"]["connect_timeout"] == 30
    assert settings["WAGTAILIMAGES_MAX_UPLOAD_SIZE"] == MAX_UPLOAD_SIZE == 4 * 1024 * 1024
    assert settings["WAGTAILDOCS_MAX_UPLOAD_SIZE"] == MAX_UPLOAD_SIZE
    configure(settings)  # idempotent
    assert settings["DATABASES"]["default"] == default
    # A site's lower limits stay; higher ones (or none) are capped.
    settings = configured(WAGTAILIMAGES_MAX_UPLOAD_SIZE=1_000_000, WAGTAILDOCS_MAX_UPLOAD_SIZE=None)
    assert settings["WAGTAILIMAGES_MAX_UPLOAD_SIZE"] == 1_000_000
    assert settings["WAGTAILDOCS_MAX_UPLOAD_SIZE"] == MAX_UPLOAD_SIZE
    # The largest accepted body still fits Lambda's 6 MB event once base64-encoded.
    assert MAX_REQUEST_BODY * 4 / 3 < 6_000_000 - 50_000


def test_secrets_are_redacted(env):
    env.delenv("DATABASE_URL")
    env.setenv("DATABASE_SECRET", json.dumps({"username": "postgres", "password": "db-pa$$word", "host": "h"}))
    env.setenv("DJANGO_SUPERUSER_PASSWORD", "admin-pass")
    env.setenv("STRIPE_API_TOKEN", "tok_live_123")
    env.setenv("SECRET_ENVIRONMENT_NAMES", "PARTNER_CREDS")
    env.setenv("PARTNER_CREDS", "partner-creds-value")
    text = ("key kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk, db-pa$$word, admin-pass, "
            "tok_live_123, partner-creds-value, user postgres, /admin/password_reset/confirm/MQ/abc-123/")
    assert log_redaction.redact_secrets(text) == (
        "key [redacted], [redacted], [redacted], [redacted], [redacted], user postgres, "
        "/admin/password_reset/confirm/[redacted]")
    env.delenv("DATABASE_SECRET")
    env.setenv("DATABASE_URL", "postgres://u:p%40ss-word@h/db")
    assert log_redaction.redact_secrets("p@ss-word p%40ss-word") == "[redacted] [redacted]"


def event(method="GET", path="/", body=b"", cookies=None, headers=None):
    e = {"version": "2.0", "rawPath": path, "rawQueryString": "a=1&b=%20",
         "headers": {"host": HOST, "x-forwarded-proto": "http", **(headers or {})},
         "requestContext": {"http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "1.2.3.4"}},
         "isBase64Encoded": bool(body), "body": base64.b64encode(body).decode() if body else None}
    if cookies:
        e["cookies"] = cookies
    return e


@pytest.fixture
def handler(monkeypatch):
    from django.db import connections

    closed = []
    monkeypatch.setattr(connections, "close_all", lambda: closed.append(True))
    seen = {}

    def app(environ, start_response):
        seen.update(environ, body=environ["wsgi.input"].read())
        start_response("200 OK", [("Content-Type", "image/png"), ("Set-Cookie", "a=1; Path=/"),
                                  ("Set-Cookie", "b=2; Path=/; Secure")])
        return [b"\x89PNG\x00\xff", b"tail"]

    h = lambda_adapter.make_handler(app)
    h.seen, h.closed = seen, closed
    return h


def test_function_url_request_to_wsgi_and_back(handler):
    response = handler(event("POST", "/admin/x", body=b"\x00\x01binary", cookies=["csrftoken=t", "sessionid=s"]), None)
    assert response["statusCode"] == 200 and response["isBase64Encoded"] is True
    assert base64.b64decode(response["body"]) == b"\x89PNG\x00\xfftail"
    assert response["cookies"] == ["a=1; Path=/", "b=2; Path=/; Secure"]
    seen = handler.seen
    assert seen["body"] == b"\x00\x01binary" and seen["REQUEST_METHOD"] == "POST" and seen["PATH_INFO"] == "/admin/x"
    assert seen["HTTP_HOST"] == HOST and seen["QUERY_STRING"] == "a=1&b=%20"
    assert seen["wsgi.url_scheme"] == "https" and seen["HTTP_X_FORWARDED_PROTO"] == "https"
    assert seen["SERVER_PORT"] == "443" and seen["HTTP_COOKIE"] == "csrftoken=t;sessionid=s"
    assert handler.closed == [True]


def test_head_has_no_body(handler):
    response = handler(event("HEAD"), None)
    assert response["statusCode"] == 200 and response["body"] == ""


def test_a_body_over_the_limit_is_answered_413_without_the_site(handler):
    response = handler(event("POST", body=b"x" * (MAX_REQUEST_BODY + 1)), None)
    assert response["statusCode"] == 413 and handler.seen == {}
    assert response["body"].startswith(
        f"413 Request Entity Too Large: the request body is {MAX_REQUEST_BODY + 1} bytes")
    assert "files of at most 4.0 MB" in response["body"]
    assert handler(event("POST", body=b"x" * MAX_REQUEST_BODY), None)["statusCode"] == 200
    assert handler.closed == [True, True]


def test_body_size_without_decoding():
    for n in range(0, 7):
        e = {"body": base64.b64encode(b"x" * n).decode(), "isBase64Encoded": True}
        assert lambda_adapter.body_size(e) == n
    assert lambda_adapter.body_size({"body": "héllo"}) == 6 and lambda_adapter.body_size({}) == 0
