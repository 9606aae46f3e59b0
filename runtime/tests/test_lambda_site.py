"""The site behind CloudFront on AWS Lambda: the real handler (aws_lambda.py, the
Function URL adapter) in a process of its own, driven with Function URL events and
operator invocations ({"manage": [...]}) on real PostgreSQL and the S3 emulator. Only a verified request's trusted headers count,
whatever other spellings an event carries (apig-wsgi would map ``x_viewer_host`` onto
the same WSGI key as ``x-viewer-host``), and an event that cannot be valid WSGI is
answered 400, never an invocation error."""

import base64
import email
import email.policy
import json
import re
import secrets
import subprocess
import sys
import time
import uuid
from urllib.parse import quote, urlsplit

import pytest

from .conftest import app_env
from .support import APP_DIR, REPO_DIR, base_environ, csrf_token, spoofed_headers, underscore_variants

CUSTOM_DOMAIN = "www.example.org"
DISTRIBUTION = "d111abcdef8.cloudfront.net"
FUNCTION_URL_HOST = "abc123.lambda-url.eu-west-3.on.aws"
SECRET = secrets.token_urlsafe(36)


def event(method="GET", path="/", query="", headers=None, cookies=None, body=""):
    """A Function URL event (payload format 2.0) as CloudFront's request makes it."""
    e = {"version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": query,
         "headers": {"host": FUNCTION_URL_HOST, "x-forwarded-proto": "https", "x-forwarded-port": "443",
                     **(headers or {})},
         "requestContext": {"domainName": FUNCTION_URL_HOST, "requestId": str(uuid.uuid4()), "stage": "$default",
                            "timeEpoch": int(time.time() * 1000),
                            "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                                     "sourceIp": "130.176.0.1", "userAgent": "lambda-site-test"}},
         "isBase64Encoded": False, "body": body}
    if cookies:
        e["cookies"] = cookies
    return e


VERIFIED = {"x-origin-verify": SECRET, "x-viewer-host": CUSTOM_DOMAIN, "x-distribution-domain": DISTRIBUTION}


@pytest.fixture(scope="module")
def function(pg, s3, migrated_template):
    db = pg.create_database("t_lambda_site", template=migrated_template)
    outbox = "outbox-" + uuid.uuid4().hex[:8]
    s3.client().create_bucket(Bucket=outbox)
    env = app_env(pg.url(db), CDN_ORIGIN_SECRET=SECRET, DJANGO_ALLOWED_HOSTS=CUSTOM_DOMAIN,
                  DJANGO_CSRF_TRUSTED_ORIGINS=f"https://{CUSTOM_DOMAIN}", DJANGO_HTTPS="true",
                  AWS_LAMBDA_FUNCTION_NAME="wagtail-cms-Function", EMAIL_OUTBOX_BUCKET=outbox,
                  DJANGO_DEFAULT_FROM_EMAIL="cms@example.test", **s3.site_env())
    env["PYTHONPATH"] = str(REPO_DIR / "runtime")  # the driver is tests/lambda_events_driver.py
    driver = subprocess.Popen([sys.executable, "-m", "tests.lambda_events_driver"], cwd=APP_DIR, text=True,
                              env={**base_environ(), **env}, stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def invoke(e):
        driver.stdin.write(json.dumps(e) + "\n")
        driver.stdin.flush()
        result = json.loads(driver.stdout.readline())
        assert "error" not in result, result
        return result

    invoke.outbox = outbox
    invoke.env = env
    yield invoke
    driver.stdin.close()
    driver.wait(30)


def test_only_verified_trusted_headers_count(function):
    for extra in ({}, {"x-forwarded-proto": "http"}, spoofed_headers()):
        r = function(event(headers={**VERIFIED, **extra}))
        assert r["statusCode"] == 200 and "location" not in r["headers"], (list(extra)[:3], r["statusCode"])
    for name in underscore_variants("X-Origin-Verify"):
        assert function(event(headers={name: SECRET, "x-viewer-host": CUSTOM_DOMAIN}))["statusCode"] == 403, name
    assert function(event(headers={**VERIFIED, "x-viewer-host": DISTRIBUTION}))["statusCode"] == 200
    for host in ("evil.cloudfront.net", FUNCTION_URL_HOST):
        assert function(event(headers={**VERIFIED, "x-viewer-host": host}))["statusCode"] == 400, host


def test_events_that_are_not_valid_wsgi_are_refused(function):
    invalid = {
        "path": event(path="/caf\u00e9\u20ac/"),
        "query string": event(query="q=\u20ac"),
        "cookie": event(cookies=["a=\u20ac"]),
        "header": event(headers={"x-note": "\u20ac"}),
        "malformed percent-encoding": event(path="/%zz/"),
    }
    for what, e in invalid.items():
        e["headers"].update(VERIFIED)
        r = function(e)
        assert r["statusCode"] == 400, (what, r["statusCode"])
        assert r["headers"]["cache-control"] == "no-store" and r["headers"]["content-type"].startswith("text/plain")
        assert r["body"].startswith("400 Bad Request"), r["body"]
    # The same characters percent-encoded, as browsers send them, are a page like any other.
    r = function(event(path="/caf%C3%A9%E2%82%AC/", query="q=%E2%82%AC", headers=VERIFIED))
    assert r["statusCode"] == 404, r["statusCode"]


def test_reset_email_links_to_the_viewers_host(function, s3):
    spoofed = {**VERIFIED, **spoofed_headers()}
    form = function(event(path="/admin/password_reset/", headers=spoofed))
    assert form["statusCode"] == 200, form["statusCode"]
    html = base64.b64decode(form["body"]).decode()
    cookies = [c.split(";")[0] for c in form["cookies"]]
    body = f"csrfmiddlewaretoken={quote(csrf_token(html))}&email={quote('admin@example.com')}"
    r = function(event("POST", "/admin/password_reset/", cookies=cookies, body=body, headers={
        **spoofed, "content-type": "application/x-www-form-urlencoded",
        "origin": f"https://{CUSTOM_DOMAIN}", "referer": f"https://{CUSTOM_DOMAIN}/admin/password_reset/"}))
    assert r["statusCode"] == 302 and r["headers"]["location"] == "/admin/password_reset/done/", r["statusCode"]
    client = s3.client()
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=function.outbox).get("Contents", [])]
    assert len(keys) == 1, keys
    message = email.message_from_bytes(client.get_object(Bucket=function.outbox, Key=keys[0])["Body"].read(),
                                       policy=email.policy.default)
    links = re.findall(r"https?://[^/\s]+/admin/password_reset/confirm/", message.get_body(("plain",)).get_content())
    assert links == [f"https://{CUSTOM_DOMAIN}/admin/password_reset/confirm/"], links


def manage(function, *argv):
    return function({"manage": list(argv)})


def test_operator_runs_a_management_command_and_gets_its_exit_code_and_output(function):
    r = manage(function, "check")
    assert r["exitCode"] == 0 and "System check identified no issues" in r["output"], r
    r = manage(function, "shell", "-c", "from wagtail.models import Page; print('pages:', Page.objects.count())")
    assert r["exitCode"] == 0 and re.search(r"pages: \d+", r["output"]), r
    r = manage(function, "createsuperuser", "--noinput", "--username", "operator", "--email", "op@example.org")
    assert r["exitCode"] == 0, r
    r = manage(function, "createsuperuser", "--noinput", "--username", "operator", "--email", "op@example.org")
    assert r["exitCode"] == 1 and "already taken" in r["output"], r
    r = manage(function, "migrate", "nosuchapp")
    assert r["exitCode"] == 1 and "No installed app with label 'nosuchapp'" in r["output"], r


def test_operator_output_never_carries_a_secret(function):
    r = manage(function, "diffsettings", "--all")
    assert r["exitCode"] == 0 and "SECRET_KEY" in r["output"] and "[redacted]" in r["output"], r["output"][:200]
    password = urlsplit(function.env["DATABASE_URL"]).password
    for secret in (SECRET, function.env["DJANGO_SECRET_KEY"], function.env["DJANGO_SUPERUSER_PASSWORD"], password):
        assert not secret or secret not in r["output"]
    r = manage(function, "shell", "-c", "import os; print(os.environ['CDN_ORIGIN_SECRET'])")
    assert r["exitCode"] == 0 and SECRET not in r["output"] and "[redacted]" in r["output"], r


@pytest.mark.parametrize("argv, says", [
    (["shell"], "pass the code with -c"),
    (["dbshell"], "dbshell needs a terminal"),
    (["changepassword", "admin"], "npx wagtail-scale-to-zero password --stack <stack> --user <name>"),
    (["createsuperuser", "--username", "x"], "run createsuperuser --noinput"),
    (["runserver"], "starts a server"),
    (["nosuchcommand"], "Unknown command: 'nosuchcommand'"),
    ("check", "manage takes a list of strings"),
    ([], "manage takes a list of strings"),
])
def test_operator_commands_that_need_a_terminal_are_refused_with_what_to_run_instead(function, argv, says):
    r = function({"manage": argv})
    assert r["exitCode"] == 2 and says in r["output"], r
