"""The real image as an AWS Lambda function: run under the AWS Lambda Runtime
Interface Emulator (RIE), against a real PostgreSQL (through a TCP proxy that can
refuse or hold new connections) and moto's S3, driven with Function URL events
(payload format 2.0) POSTed to the RIE's invoke endpoint.

Run by scripts/lambda-test.sh (which builds the image and the RIE), from runtime/:

    LAMBDA_TEST_IMAGE=... LAMBDA_TEST_RIE=... python -m pytest tests/lambda_check.py

Not collected by the package's suite (the file name does not start with test_).
The container gets the environment the construct gives the function
(src/wagtail-scale-to-zero.ts, src/compute/lambda-function.ts): the runtime
defaults, the hosts and origins of a Function URL, the media and outbox buckets,
the secrets as plain variables, plus what Lambda itself sets (AWS_LAMBDA_*,
credentials, region), and runs as Lambda runs an image: an arbitrary non-root
user, a read-only file system except /tmp. The tests run in file order and share
one function container (the first event it gets is the deployment's management
event); tests 2, 10 and 12 start their own, cold. Test 14 runs the npm package's
operator CLI (node, lib/cli/main.js) with its CloudFormation calls sent to moto
and its Lambda Invoke calls to the RIE.

Measurements go to test-output/lambda-metrics.json.
"""

import base64
import gzip
import http.cookies
import io
import json
import os
import re
import secrets
import statistics
import subprocess
import time
import uuid
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from urllib3 import encode_multipart_formdata

from wagtail_scale_to_zero_runtime.lambda_settings import MAX_REQUEST_BODY, MAX_UPLOAD_SIZE
from wagtail_scale_to_zero_runtime.secret_key import secret_key

from .conftest import OUTPUT_DIR
from .support import REPO_DIR, TcpProxy, free_port, readiness_headers, spoofed_headers, underscore_variants, wait_until

IMAGE = os.environ.get("LAMBDA_TEST_IMAGE", "localhost/wagtail-scale-to-zero-app:test")
RIE = os.environ.get("LAMBDA_TEST_RIE") or next(
    iter(sorted(Path(__file__).resolve().parents[2].glob(".local/rie/*/aws-lambda-rie"))), "aws-lambda-rie")
PODMAN = ["podman", "--runtime", "runc"]
REGION = "eu-west-3"
# A Function URL's host: <url-id>.lambda-url.<region>.on.aws
HOST = f"{uuid.uuid4().hex}.lambda-url.{REGION}.on.aws"
ORIGIN = f"https://{HOST}"
APPLICATION_NAME = "wagtail"  # DATABASE_APPLICATION_NAME's default: the app's connections
LAMBDA_TIMEOUT = 120  # the construct's default function timeout (2 minutes)
DEFAULTS = json.loads((Path(__file__).resolve().parents[1] / "src/wagtail_scale_to_zero_runtime/defaults.json")
                      .read_text())
METRICS = {}


# ---- the function: one container under the RIE ------------------------------------------


class FunctionContainer:
    """The image run as Lambda runs it, under the RIE, with its invoke endpoint on loopback."""

    def __init__(self, env, label, log_dir):
        self.env = env
        self.name = f"wagtail-lambda-{label}-{uuid.uuid4().hex[:6]}"
        self.port = free_port()
        self.log_path = log_dir / f"lambda-{label}.log"
        self.started_at = None

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}/2015-03-31/functions/function/invocations"

    def start(self):
        env_args = [a for k, v in self.env.items() for a in ("-e", f"{k}={v}")]
        self.started_at = time.monotonic()
        subprocess.run(
            PODMAN + ["run", "-d", "--name", self.name, "--network", "host",
                      "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
                      # As Lambda runs an image: only /tmp writable, an arbitrary non-root user.
                      "--read-only", "--read-only-tmpfs=false", "--tmpfs", "/tmp:rw,size=512m,mode=1777",
                      "--user", "993:990",
                      "-v", f"{RIE}:/rie:ro", "--entrypoint", "/rie", *env_args, IMAGE,
                      # the RIE's own flags, then the image's command (the function's bootstrap)
                      "--runtime-interface-emulator-address", f"127.0.0.1:{self.port}",
                      "--runtime-api-address", f"127.0.0.1:{free_port()}",
                      "wagtail-scale-to-zero-start"],
            check=True, capture_output=True, text=True, timeout=60)
        return self

    def invoke(self, event, timeout=LAMBDA_TIMEOUT + 10):
        """POSTs an event to the RIE: (HTTP status, the function's result or error as parsed JSON, or text)."""
        r = requests.post(self.endpoint, data=json.dumps(event), timeout=timeout)
        try:
            return r.status_code, r.json()
        except ValueError:
            return r.status_code, r.text

    def first_invoke(self, event, timeout=60):
        """The first event, retried while the RIE is not listening yet; (status, result, seconds since start)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                status, result = self.invoke(event)
                return status, result, time.monotonic() - self.started_at
            except requests.ConnectionError:
                if time.monotonic() > deadline or not self.running():
                    raise AssertionError(f"the RIE never answered:\n{self.logs()}") from None
                time.sleep(0.02)

    def running(self):
        r = subprocess.run(["podman", "inspect", "-f", "{{.State.Running}}", self.name],
                           capture_output=True, text=True)
        return r.stdout.strip() == "true"

    def exec(self, *command, check=True):
        r = subprocess.run(["podman", "exec", self.name, *command], capture_output=True, timeout=60)
        if check:
            assert r.returncode == 0, (r.stdout + r.stderr).decode(errors="replace")
        return r

    def logs(self):
        r = subprocess.run(["podman", "logs", self.name], capture_output=True, text=True)
        return r.stdout + r.stderr

    def stop(self):
        self.log_path.write_text(self.logs())
        subprocess.run(["podman", "rm", "-f", "-t", "2", self.name], capture_output=True)


def is_function_error(result):
    return isinstance(result, dict) and "errorType" in result and "statusCode" not in result


# ---- a browser behind a Function URL ------------------------------------------------------


class Reply:
    def __init__(self, result, seconds):
        assert isinstance(result, dict) and "statusCode" in result, f"not a Function URL response: {result!r}"[:3000]
        self.status = result["statusCode"]
        self.headers = {k.lower(): v for k, v in (result.get("headers") or {}).items()}
        self.cookies = result.get("cookies") or []
        body = result.get("body") or ""
        self.body = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
        self.seconds = seconds

    @property
    def text(self):
        return self.body.decode("utf-8", errors="replace")

    def json(self):
        return json.loads(self.body)


class Browser:
    """Sends Function URL events (payload 2.0) as the Function URL builds them from a
    browser's request on https://HOST, keeps the cookies it is given (the v2 `cookies`
    list: one entry per Set-Cookie) and sends them back (the request's `cookies` list)."""

    def __init__(self, function):
        self.function = function
        self.jar = {}

    def event(self, method, path, headers=None, body=b"", content_type=None):
        path, _, query = path.partition("?")
        h = {"host": HOST, "x-forwarded-proto": "https", "x-forwarded-port": "443",
             "x-forwarded-for": "203.0.113.7", "user-agent": "lambda-check", "accept": "*/*",
             "x-amzn-trace-id": f"Root=1-{uuid.uuid4().hex[:8]}-{uuid.uuid4().hex[:24]}"}
        if content_type:
            h["content-type"] = content_type
        h.update({k.lower(): v for k, v in (headers or {}).items()})
        now = time.time()
        event = {
            "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": query, "headers": h,
            "requestContext": {
                "accountId": "anonymous", "apiId": HOST.split(".")[0], "domainName": HOST,
                "domainPrefix": HOST.split(".")[0], "requestId": str(uuid.uuid4()), "routeKey": "$default",
                "stage": "$default", "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
                "timeEpoch": int(now * 1000),
                "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.7",
                         "userAgent": "lambda-check"},
            },
            "isBase64Encoded": False,
        }
        if query:
            event["queryStringParameters"] = dict(parse_qsl(query))
        if self.jar:
            event["cookies"] = [f"{k}={v}" for k, v in self.jar.items()]
        if body:
            textual = (content_type or "").startswith(
                ("text/", "application/x-www-form-urlencoded", "application/json"))
            event["body"] = body.decode() if textual else base64.b64encode(body).decode()
            event["isBase64Encoded"] = not textual
        return event

    def request(self, method, path, headers=None, body=b"", content_type=None, follow=False):
        started = time.monotonic()
        status, result = self.function.invoke(self.event(method, path, headers, body, content_type))
        assert status == 200, f"RIE answered {status}: {result!r}"[:3000]
        reply = Reply(result, time.monotonic() - started)
        for raw in reply.cookies:
            cookie = http.cookies.SimpleCookie()
            cookie.load(raw)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.jar.pop(name, None)
                else:
                    self.jar[name] = morsel.value
        if follow and reply.status in (301, 302, 303, 307, 308):
            location = urlsplit(reply.headers["location"])
            assert location.netloc in ("", HOST), reply.headers["location"]
            return self.request("GET", location.path + (f"?{location.query}" if location.query else ""), follow=True)
        return reply

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post_form(self, path, fields, follow=False):
        body = "&".join(f"{requests.utils.quote(k)}={requests.utils.quote(v)}" for k, v in fields.items())
        return self.request("POST", path, headers={"referer": ORIGIN + path, "origin": ORIGIN}, body=body.encode(),
                            content_type="application/x-www-form-urlencoded", follow=follow)

    def post_files(self, path, fields, headers=None):
        body, content_type = encode_multipart_formdata(fields)
        return self.request("POST", path, headers={"referer": ORIGIN + path, "origin": ORIGIN, **(headers or {})},
                            body=body, content_type=content_type)


def csrf_token(html):
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def png_bytes(width, height, noise=False):
    from PIL import Image

    if noise:
        image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    else:
        image = Image.new("RGB", (width, height))
        image.putdata([((x * 255) // width, (y * 255) // height, 128) for y in range(height) for x in range(width)])
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


# ---- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def metrics():
    yield METRICS
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUTPUT_DIR / "lambda-metrics.json").write_text(json.dumps(METRICS, indent=2) + "\n")


@pytest.fixture(scope="module")
def proxy(pg):
    p = TcpProxy(pg.port).start_listening()
    yield p
    p.close()


@pytest.fixture(scope="module")
def database(pg):
    """An EMPTY database: the first management event migrates it."""
    return pg.create_database("lambda_" + uuid.uuid4().hex[:8])


@pytest.fixture(scope="module")
def buckets(s3):
    media, outbox = "media-" + uuid.uuid4().hex[:8], "outbox-" + uuid.uuid4().hex[:8]
    for bucket in (media, outbox):
        s3.client().create_bucket(Bucket=bucket)
    return media, outbox


@pytest.fixture(scope="module")
def function_env(pg, s3, proxy, database, buckets):
    media, outbox = buckets
    runtime = {k: str(v) for k, v in DEFAULTS.items() if k not in ("PORT", "WEB_CONCURRENCY")}
    return {
        # what the construct sets (context.environment)
        **runtime,
        "EMAIL_OUTBOX_BUCKET": outbox,
        "DJANGO_DEFAULT_FROM_EMAIL": "cms@example.com",
        "DATABASE_NAME": database,
        "DJANGO_ALLOWED_HOSTS": f".lambda-url.{REGION}.on.aws",
        "DJANGO_CSRF_TRUSTED_ORIGINS": f"https://*.lambda-url.{REGION}.on.aws",
        "AWS_STORAGE_BUCKET_NAME": media,
        "AWS_S3_REGION_NAME": REGION,
        "DJANGO_SUPERUSER_USERNAME": "admin",
        "DJANGO_SUPERUSER_EMAIL": "admin@example.com",
        # the secrets, resolved at deployment into plain variables (the RDS secret's JSON,
        # without dbname), the database reached through the proxy; no SECRET_KEY (the app
        # derives it from the database secret: the site_secret_key fixture) and no admin
        # password (the operator CLI's `password` gives the first admin one: admin_password)
        "DATABASE_SECRET": json.dumps({"username": pg.user, "password": pg.password, "host": "127.0.0.1",
                                       "port": proxy.port, "engine": "postgres",
                                       "dbClusterIdentifier": "wagtail-cluster"}),
        # what Lambda sets
        "AWS_LAMBDA_FUNCTION_NAME": "wagtail-cms-Function",
        "AWS_LAMBDA_FUNCTION_VERSION": "1",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024",
        "AWS_LAMBDA_FUNCTION_TIMEOUT": str(LAMBDA_TIMEOUT),  # read by the RIE
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/wagtail-cms-Function",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2026/01/01/[1]0123456789abcdef",
        "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
        "TZ": ":UTC", "LANG": "en_US.UTF-8",
        # this machine only: moto instead of S3
        "AWS_S3_ENDPOINT_URL": s3.endpoint,
    }


@pytest.fixture(scope="module")
def site_secret_key(function_env):
    """The SECRET_KEY the function derives from its database secret (secret_key.py)."""
    key = secret_key({"DATABASE_SECRET": function_env["DATABASE_SECRET"]})
    assert len(key) == 64 and key != secret_key({"DATABASE_SECRET": json.dumps({"password": "another"})})
    return key


@pytest.fixture(scope="module")
def log_dir():
    d = OUTPUT_DIR / "lambda-logs"
    d.mkdir(parents=True, exist_ok=True)
    return d


@pytest.fixture(scope="module")
def start_function(function_env, log_dir):
    started = []

    def start(label, **env):
        f = FunctionContainer({**function_env, **env}, label, log_dir).start()
        started.append(f)
        return f

    yield start
    for f in started:
        f.stop()


@pytest.fixture(scope="module")
def function(start_function):
    """The function's one long-lived execution environment (cold until test 1)."""
    return start_function("main")


@pytest.fixture(scope="module")
def admin(function, metrics):
    """A browser logged in to the admin (test 5 logs in)."""
    return Browser(function)


@pytest.fixture(scope="module")
def admin_password(function, s3):
    """The first admin's password, which the construct keeps nowhere: the operator CLI's `password` sets a new one
    and prints it, once, on stdout alone; the function's log never holds it."""
    code, out, err = operator_cli(function, s3, "password", "--function", "function")
    assert code == 0 and "new password of admin below, shown this once" in err, (code, out, err)
    password = out.strip()
    assert len(password) == 24 and out == password + "\n", out
    assert password not in function.logs() and "a new password was set for 'admin'" in function.logs()
    return password


def app_connections(pg, database):
    with pg.connect() as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name = %s",
            [database, APPLICATION_NAME]).fetchone()[0]


# ---- the tests ------------------------------------------------------------------------------


def test_1_management_event_migrates_once_and_reports_failures(function, pg, database, proxy, metrics, site_secret_key):
    with pg.connect(database) as conn:
        assert conn.execute("SELECT to_regclass('django_migrations')").fetchone()[0] is None, "not empty"

    # The deployment's first invocation of a new version: the Trigger's empty payload.
    status, result, seconds = function.first_invoke({})
    assert status == 200 and not is_function_error(result), result
    output = result["output"]
    migrations = int(re.search(r"startup: applying (\d+) migrations", output).group(1))
    assert migrations > 100 and "startup: migrations applied" in output, output
    assert "startup: admin 'admin' created" in output, output
    metrics["management_event_cold_empty_db_seconds"] = round(seconds, 2)
    metrics["migrations_applied"] = migrations
    with pg.connect(database) as conn:
        assert conn.execute("SELECT count(*) FROM auth_user WHERE username = 'admin' AND is_superuser"
                            ).fetchone()[0] == 1

    status, result = function.invoke({})
    assert status == 200 and not is_function_error(result), result
    assert "startup: no migrations to apply" in result["output"], result
    assert "startup: first admin 'admin' was set up on " in result["output"], result
    metrics["management_event_nothing_to_migrate_seconds"] = result["seconds"]
    assert "startup: no migrations to apply" in function.logs()  # the output is in the function's log too

    def secrets_absent(text):
        for secret in (pg.password, site_secret_key):
            assert secret not in text

    # Database unreachable (stopped): a function error carrying what the command said.
    proxy.stop_listening()
    try:
        status, result = function.invoke({})
    finally:
        proxy.start_listening()
    assert is_function_error(result), result
    assert result["errorType"] == "StartupFailed", result
    message = result["errorMessage"]
    assert message.startswith("startup failed: OperationalError"), message
    assert f'port {proxy.port} failed' in message and "--- output ---" in message, message
    secrets_absent(json.dumps(result))

    # A failure half-way (a table the start-up needs is missing): the output so far is in it.
    table = "wagtail_scale_to_zero_runtime_adminbootstrap"
    with pg.connect(database) as conn:
        conn.execute(f"ALTER TABLE {table} RENAME TO {table}_hidden")
    try:
        status, result = function.invoke({})
    finally:
        with pg.connect(database) as conn:
            conn.execute(f"ALTER TABLE {table}_hidden RENAME TO {table}")
    assert is_function_error(result) and result["errorType"] == "StartupFailed", result
    message = result["errorMessage"]
    assert "startup failed: ProgrammingError" in message and table in message, message
    assert "startup: got migration lock" in message and "startup: no migrations to apply" in message, message
    secrets_absent(json.dumps(result))
    assert app_connections(pg, database) == 0


def test_2_healthz_on_a_cold_start_uses_no_database(start_function, proxy, pg, database, metrics):
    cold = start_function("healthz")
    accepted = proxy.accepted
    status, result, seconds = cold.first_invoke(Browser(cold).event("GET", "/healthz"))
    reply = Reply(result, seconds)
    assert reply.status == 200 and reply.body == b"ok\n", result
    assert proxy.accepted == accepted, "the cold start or /healthz opened a database connection"
    metrics["cold_start_to_first_healthz_seconds"] = round(seconds, 2)

    proxy.stop_listening()  # the database stopped
    try:
        for host in (HOST, "10.0.0.7"):  # any Host: /healthz answers before host validation
            reply = Browser(cold).get("/healthz", headers={"host": host})
            assert reply.status == 200 and reply.body == b"ok\n", (host, reply.status, reply.text)
    finally:
        proxy.start_listening()
    assert proxy.accepted == accepted
    cold.stop()


def test_3_home_page(function):
    reply = Browser(function).get("/")
    assert reply.status == 200, reply.text[:2000]
    assert reply.headers["content-type"].startswith("text/html")
    assert "Welcome to your new Wagtail site!" in reply.text
    assert "max-age=31536000" in reply.headers.get("strict-transport-security", "")


def test_4_static_files_byte_for_byte(function):
    browser = Browser(function)
    manifest = json.loads(function.exec("cat", "/app/staticfiles/staticfiles.json").stdout)["paths"]
    # the welcome page's stylesheet (the site's own cms.css is empty), linked by its hashed name
    css = re.search(r'href="/static/(css/welcome_page\.[0-9a-f]{12}\.css)"', browser.get("/").text).group(1)
    png = next(v for k, v in sorted(manifest.items()) if k.endswith(".png"))
    for name, content_type in ((css, "text/css"), (png, "image/png")):
        expected = function.exec("cat", f"/app/staticfiles/{name}").stdout
        reply = browser.get(f"/static/{name}")
        assert reply.status == 200, (name, reply.status)
        assert reply.headers["content-type"].startswith(content_type), reply.headers
        assert reply.body == expected, f"{name}: {len(reply.body)} bytes served, {len(expected)} in the image"
        assert "max-age=315360000" in reply.headers.get("cache-control", ""), reply.headers
    # The compressed copy for a client that accepts it.
    reply = browser.get(f"/static/{css}", headers={"accept-encoding": "gzip"})
    assert reply.headers.get("content-encoding") == "gzip", reply.headers
    assert gzip.decompress(reply.body) == function.exec("cat", f"/app/staticfiles/{css}").stdout


def test_5_admin_login_with_csrf_and_cookies(admin, admin_password):
    page = admin.get("/admin/login/?next=/admin/")
    assert page.status == 200 and "csrftoken" in admin.jar, (page.status, page.cookies)
    assert "password_reset" in page.text  # email goes through the outbox: reset is on
    reply = admin.post_form("/admin/login/?next=/admin/", {
        "csrfmiddlewaretoken": csrf_token(page.text), "username": "admin", "password": admin_password,
        "next": "/admin/"})
    assert reply.status == 302 and reply.headers["location"] == "/admin/", (reply.status, reply.text[:2000])
    names = sorted(http.cookies.SimpleCookie(c).popitem()[0] for c in reply.cookies)
    assert names == ["csrftoken", "sessionid"], reply.cookies  # two Set-Cookie in one response
    assert all("Secure" in c and "Path=/" in c for c in reply.cookies), reply.cookies
    dashboard = admin.get("/admin/", follow=True)
    assert dashboard.status == 200 and "/admin/logout/" in dashboard.text
    pages = admin.get("/admin/pages/")
    assert pages.status == 200 and "/admin/logout/" in pages.text


def test_6_image_upload_to_s3_shown_through_presigned_url(admin, s3, buckets, function, metrics):
    image = png_bytes(320, 240)
    page = admin.get("/admin/images/multiple/add/")
    assert page.status == 200, page.status
    reply = admin.post_files("/admin/images/multiple/add/", {
        "csrfmiddlewaretoken": csrf_token(page.text), "files[]": ("lambda-upload.png", image, "image/png")},
        headers={"x-requested-with": "XMLHttpRequest"})
    assert reply.status == 200, (reply.status, reply.text[:2000])
    data = reply.json()
    assert data["success"] is True, data
    media = buckets[0]
    keys = [o["Key"] for o in s3.client().list_objects_v2(Bucket=media).get("Contents", [])]
    original = next(k for k in keys if k.startswith("original_images/lambda-upload"))
    assert s3.client().get_object(Bucket=media, Key=original)["Body"].read() == image

    edit = admin.get(f"/admin/images/{data['image_id']}/")
    assert edit.status == 200, edit.status
    urls = [u.replace("&amp;", "&") for u in re.findall(r'src="(http[^"]+/images/[^"]+)"', edit.text)]
    assert urls and all("X-Amz-Signature=" in u for u in urls), urls
    r = requests.get(urls[0], timeout=30)
    assert r.status_code == 200 and r.content[:8] == b"\x89PNG\r\n\x1a\n", (urls[0], r.status_code)
    # Rendered in the function, from /tmp: nothing else is writable there.
    probe = function.exec("sh", "-c", "touch /app/probe", check=False)
    assert probe.returncode != 0 and b"Read-only file system" in probe.stderr, probe


def test_7_uploads_over_the_limit_are_refused_with_a_message(admin, function, metrics):
    # a. In the browser, before uploading: Wagtail's own size check and message.
    page = admin.get("/admin/images/multiple/add/")
    assert f'data-max-file-size="{MAX_UPLOAD_SIZE}"' in page.text, re.findall(r"data-max-file-size=\S+", page.text)
    # (Wagtail's sizes have a no-break space: "4.0\xa0MB")
    assert "This file is too big. Maximum filesize 4.0\xa0MB." in page.text
    assert "Maximum filesize: 4.0\xa0MB." in admin.get("/admin/images/add/").text  # the form's help text
    token = csrf_token(page.text)

    # b. A file over the limit that still fits the function: Wagtail's form refuses it.
    image = png_bytes(1150, 1150, noise=True)
    image += b"\0" * (MAX_UPLOAD_SIZE + 100_000 - len(image))  # PNG readers ignore bytes after IEND
    reply = admin.post_files("/admin/images/multiple/add/", {
        "csrfmiddlewaretoken": token, "files[]": ("big.png", image, "image/png")},
        headers={"x-requested-with": "XMLHttpRequest"})
    assert reply.status == 200 and reply.json() == {
        "success": False, "error_message": "This file is too big (4.1\xa0MB). Maximum filesize 4.0\xa0MB."}, reply.text

    # c. A body over the function's limit (its event still under 6 MB): 413 with a message.
    big = os.urandom(4_600_000)
    reply = admin.post_files("/admin/images/multiple/add/", {
        "csrfmiddlewaretoken": token, "files[]": ("huge.png", big, "image/png")},
        headers={"x-requested-with": "XMLHttpRequest"})
    assert reply.status == 413, (reply.status, reply.text[:500])
    assert reply.text.startswith("413 Request Entity Too Large: the request body is 46") and \
        f"at most {MAX_REQUEST_BODY} bytes" in reply.text, reply.text

    # d. An event over 6 MB: what the RIE does with it (a Function URL answers 413 itself
    #    and never invokes the function).
    event = admin.event("POST", "/admin/images/multiple/add/", body=os.urandom(5_000_000),
                        content_type="application/octet-stream")
    size = len(json.dumps(event))
    status, result = function.invoke(event)
    metrics["rie_event_over_6mb"] = {"event_bytes": size, "rie_status": status,
                                     "result": result if isinstance(result, dict) else str(result)[:300]}
    assert size > 6 * 1024 * 1024
    assert is_function_error(result), (status, str(result)[:500])
    # The function is still there.
    assert Browser(function).get("/healthz").status == 200


def test_8_a_request_while_the_database_resumes(function, proxy, metrics):
    proxy.hold_seconds = 15  # every new connection waits 15 s, as Aurora resuming from pause
    try:
        started = time.monotonic()
        # A search reads the database; the home page would come from the page cache.
        reply = Browser(function).get("/search/?query=home")
        seconds = time.monotonic() - started
    finally:
        proxy.hold_seconds = 0
    assert reply.status == 200, reply.text[:2000]
    assert 15 <= seconds < 45, seconds
    metrics["search_while_database_resumes_15s_seconds"] = round(seconds, 2)


def test_9_no_database_connection_after_the_last_request(function, pg, database, admin, metrics):
    assert admin.get("/admin/pages/").status == 200
    assert Browser(function).get("/").status == 200
    started = time.monotonic()
    wait_until(lambda: app_connections(pg, database) == 0, 5, interval=0.05, what="0 app connections")
    seconds = time.monotonic() - started
    assert seconds < 1, seconds
    metrics["seconds_to_zero_connections_after_last_request"] = round(seconds, 3)


def peak_rss_mib(container):
    """Peak resident memory (VmHWM) of the function's Python process."""
    out = container.exec("sh", "-c", 'for d in /proc/[0-9]*; do echo "$(tr "\\0" " " < $d/cmdline)|'
                                     '$(grep VmHWM $d/status)"; done').stdout.decode()
    kib = [int(line.split("VmHWM:")[1].split()[0]) for line in out.splitlines()
           if "wagtail-scale-to-zero-start" in line.split("|")[0] and "VmHWM:" in line and "/rie" not in line]
    return round(max(kib) / 1024, 1)


def test_10_cold_start_warm_latency_and_idle_connections(start_function, function, pg, database, metrics):
    cold = start_function("cold")
    status, result, seconds = cold.first_invoke(Browser(cold).event("GET", "/"))
    reply = Reply(result, seconds)
    assert reply.status == 200 and "Welcome to your new Wagtail site!" in reply.text, result
    init = re.search(r"INIT REPORT\(durationMs: ([\d.]+)\)", cold.logs())  # the runtime's init phase
    latencies = []
    browser = Browser(cold)
    for _ in range(20):
        reply = browser.get("/")
        assert reply.status == 200
        latencies.append(reply.seconds)
    last = time.monotonic()
    wait_until(lambda: app_connections(pg, database) == 0, 5, interval=0.05, what="0 app connections")
    zero = time.monotonic() - last
    metrics.update({
        "cold_start_to_first_home_page_seconds": round(seconds, 2),
        "init_phase_ms": round(float(init.group(1)), 1) if init else None,
        "warm_home_page_median_ms": round(statistics.median(latencies) * 1000, 1),
        "warm_home_page_max_ms": round(max(latencies) * 1000, 1),
        "warm_requests": len(latencies),
        "seconds_to_zero_connections_after_warm_requests": round(zero, 3),
        "peak_rss_mib_after_21_home_pages": peak_rss_mib(cold),
        # the long-lived environment: migrations, admin, uploads up to 4.6 MB, renditions
        "peak_rss_mib_after_all_tests": peak_rss_mib(function),
    })
    print(f"\nlambda: cold start to first home page {seconds:.2f} s (init phase {metrics['init_phase_ms']} ms), "
          f"warm median {metrics['warm_home_page_median_ms']} ms, 0 connections {zero:.3f} s after the last request")
    assert zero < 1, zero


def test_11_readyz_needs_the_readiness_token(function, proxy, pg, database, site_secret_key):
    ready = readiness_headers(site_secret_key)
    token = next(iter(ready.values()))
    wait_until(lambda: app_connections(pg, database) == 0, 5, interval=0.05, what="0 app connections")
    accepted = proxy.accepted
    for headers in ({}, {"host": "10.0.0.7"}, {next(iter(ready)): token[::-1]},
                    {next(iter(ready)).replace("-", "_"): token}):
        reply = Browser(function).get("/readyz", headers=headers)
        assert reply.status == 403 and reply.headers["cache-control"] == "no-store", (headers, reply.status)
    assert proxy.accepted == accepted, "a refused /readyz opened a database connection"
    for host in (HOST, "10.0.0.7"):  # answered before host validation
        reply = Browser(function).get("/readyz", headers={**ready, "host": host})
        assert reply.status == 200 and reply.json() == {"database": "ok", "storage": "ok"}, (host, reply.text)


def test_12_behind_cloudfront_only_verified_trusted_headers_count(start_function):
    secret = secrets.token_urlsafe(36)
    custom, distribution = "www.example.org", "d111abcdef8.cloudfront.net"
    cdn = start_function("cdn", CDN_ORIGIN_SECRET=secret, DJANGO_ALLOWED_HOSTS=custom,
                         DJANGO_CSRF_TRUSTED_ORIGINS=f"https://{custom}")
    verified = {"x-origin-verify": secret, "x-viewer-host": custom, "x-distribution-domain": distribution}
    status, result, _ = cdn.first_invoke(Browser(cdn).event("GET", "/healthz"))
    assert status == 200 and Reply(result, 0).status == 200, result
    browser = Browser(cdn)
    for extra in ({}, {"x-forwarded-proto": "http"}, spoofed_headers()):
        reply = browser.get("/", headers={**verified, **extra})
        assert reply.status == 200 and "location" not in reply.headers, (list(extra)[:3], reply.status)
    for name in underscore_variants("X-Origin-Verify"):
        assert browser.get("/", headers={name: secret, "x-viewer-host": custom}).status == 403, name
    assert browser.get("/", headers={**verified, "x-viewer-host": distribution}).status == 200
    for host in ("evil.cloudfront.net", HOST):
        assert browser.get("/", headers={**verified, "x-viewer-host": host}).status == 400, host

    # Events that cannot be valid WSGI: 400, never a function error.
    invalid = [browser.event("GET", "/caf\u00e9\u20ac/", headers=verified),
               browser.event("GET", "/?q=\u20ac", headers=verified),
               browser.event("GET", "/%zz/", headers=verified),
               {**browser.event("GET", "/", headers=verified), "cookies": ["a=\u20ac"]}]
    for event in invalid:
        status, result = cdn.invoke(event)
        assert status == 200 and not is_function_error(result), result
        reply = Reply(result, 0)
        assert reply.status == 400 and reply.headers["cache-control"] == "no-store", (event["rawPath"], reply.status)
    assert browser.get("/caf%C3%A9%E2%82%AC/", headers=verified).status == 404


def test_13_operator_path_runs_commands_redacted_and_waits_through_a_resume(function, proxy, pg, database, metrics,
                                                                            admin_password, site_secret_key):
    status, result = function.invoke({"manage": ["check", "--database", "default"]})
    assert status == 200 and result["exitCode"] == 0 and "no issues" in result["output"], result
    status, result = function.invoke({"manage": ["diffsettings", "--all"]})
    assert result["exitCode"] == 0 and "[redacted]" in result["output"], result
    for secret in (pg.password, site_secret_key, admin_password):
        assert secret not in json.dumps(result) and secret not in function.logs()
    status, result = function.invoke({"manage": ["shell"]})
    assert result["exitCode"] == 2 and "pass the code with -c" in result["output"], result
    status, result = function.invoke({"manage": ["migrate", "nosuchapp"]})
    assert result["exitCode"] == 1 and "No installed app with label 'nosuchapp'" in result["output"], result

    proxy.hold_seconds = 15  # a new connection waits 15 s, as Aurora resuming from pause
    try:
        started = time.monotonic()
        status, result = function.invoke({"manage": ["shell", "-c", "from wagtail.models import Page; "
                                                     "print('pages:', Page.objects.count())"]})
        seconds = time.monotonic() - started
    finally:
        proxy.hold_seconds = 0
    assert status == 200 and result["exitCode"] == 0 and "pages: " in result["output"], result
    assert 15 <= seconds < 45, seconds
    metrics["manage_while_database_resumes_15s_seconds"] = round(seconds, 2)
    assert app_connections(pg, database) == 0


def operator_cli(function, s3, *args):
    """The npm package's operator CLI (lib/cli/main.js) with its AWS calls sent to moto (CloudFormation) and to this
    function's RIE (Lambda's Invoke API, where the function is named "function"): (exit code, stdout, stderr)."""
    env = {**os.environ, "AWS_REGION": REGION, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_ENDPOINT_URL_CLOUDFORMATION": s3.endpoint, "AWS_ENDPOINT_URL_LAMBDA": f"http://127.0.0.1:{function.port}"}
    r = subprocess.run(["node", str(REPO_DIR / "lib" / "cli" / "main.js"), *args], env=env,
                       capture_output=True, text=True, timeout=LAMBDA_TIMEOUT + 30)
    return r.returncode, r.stdout, r.stderr


def test_14_operator_cli_finds_the_function_in_the_stack_outputs_and_exits_with_the_command_status(function, s3, pg,
                                                                                                   proxy, metrics,
                                                                                                   site_secret_key):
    import boto3

    cloudformation = boto3.client("cloudformation", endpoint_url=s3.endpoint, region_name=REGION,
                                  aws_access_key_id="testing", aws_secret_access_key="testing")
    # The outputs a WagtailScaleToZero stack has, under the keys CDK gives them (path + hash).
    template = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
                "Outputs": {"CmsOperatorFunctionName1F2A3B4C": {"Value": "function"},
                            "CmsServiceUrl5D6E7F80": {"Value": ORIGIN}}}
    cloudformation.create_stack(StackName="OperatedSite", TemplateBody=json.dumps(template))

    code, out, err = operator_cli(function, s3, "manage", "--stack", "OperatedSite", "--", "check")
    assert code == 0 and "no issues" in out and "running check on function" in err, (code, out, err)
    code, out, err = operator_cli(function, s3, "manage", "--function", "function", "--",
                                  "createsuperuser", "--noinput", "--username", "operator", "--email", "ops@example.org")
    assert code == 0 and "Superuser created successfully" in out, (code, out, err)
    # As the README says: the new superuser has no usable password until `password --user` gives it one.
    code, out, err = operator_cli(function, s3, "password", "--function", "function", "--user", "operator")
    assert code == 0 and len(out.strip()) == 24, (code, out, err)
    code, check, err = operator_cli(function, s3, "manage", "--function", "function", "--", "shell", "-c",
                                    "from django.contrib.auth.models import User; "
                                    "u = User.objects.get(username='operator', is_superuser=True); "
                                    f"print(u.check_password({out.strip()!r}))")
    assert code == 0 and check.splitlines()[-1] == "True", (code, check, err)
    code, out, err = operator_cli(function, s3, "password", "--function", "function", "--user", "nobody")
    assert code == 1 and "password: no user 'nobody': create one first" in out, (code, out, err)
    code, out, err = operator_cli(function, s3, "manage", "--function", "function", "--", "changepassword", "admin")
    assert code == 2 and "npx wagtail-scale-to-zero password --stack <stack> --user <name>" in out, (code, out, err)
    code, out, err = operator_cli(function, s3, "manage", "--function", "function", "--", "migrate", "nosuchapp")
    assert code == 1 and "No installed app with label 'nosuchapp'" in out, (code, out, err)
    code, out, err = operator_cli(function, s3, "manage", "--function", "function", "--", "diffsettings", "--all")
    assert code == 0 and "[redacted]" in out and pg.password not in out and site_secret_key not in out, (code, err)

    proxy.hold_seconds = 15  # a new connection waits 15 s, as Aurora resuming from pause
    try:
        started = time.monotonic()
        code, out, err = operator_cli(function, s3, "manage", "--stack", "OperatedSite", "--", "shell", "-c",
                                      "from wagtail.models import Page; print('pages:', Page.objects.count())")
        seconds = time.monotonic() - started
    finally:
        proxy.hold_seconds = 0
    assert code == 0 and "pages: " in out and 15 <= seconds < 45, (code, out, err, seconds)
    metrics["operator_cli_while_database_resumes_15s_seconds"] = round(seconds, 2)

    code, out, err = operator_cli(function, s3, "manage", "--stack", "NoSuchStack", "--", "check")
    assert code == 125 and "could not read the outputs of stack NoSuchStack" in err and "--region" in err, (code, err)
    code, out, err = operator_cli(function, s3, "manage", "--stack", "OperatedSite", "--function", "function", "--", "check")
    assert code == 2 and "pass exactly one of --stack and --function" in err, (code, err)


# ---- content in and out: the operator CLI's import and export -------------------------------

IMPORT_ROLE_PASSWORD = "import-" + secrets.token_hex(8)


@pytest.fixture(scope="module")
def import_role(pg):
    """A database user that owns its databases and is no superuser, as the cluster's master user is on Aurora."""
    role = "importer_" + uuid.uuid4().hex[:6]
    with pg.connect() as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{IMPORT_ROLE_PASSWORD}'")
    return role


def empty_site(start_function, s3, pg, proxy, import_role, label):
    """A new function on a new, migrated database (owned by `import_role`) and a new media bucket."""
    database, media = f"{label}_{uuid.uuid4().hex[:6]}", f"media-{label}-{uuid.uuid4().hex[:6]}"
    with pg.connect() as conn:
        conn.execute(f'CREATE DATABASE "{database}" OWNER {import_role}')
    s3.client().create_bucket(Bucket=media)
    secret = {"username": import_role, "password": IMPORT_ROLE_PASSWORD, "host": "127.0.0.1", "port": proxy.port,
              "engine": "postgres"}
    site = start_function(label, DATABASE_NAME=database, AWS_STORAGE_BUCKET_NAME=media, DATABASE_SECRET=json.dumps(secret))
    status, result, _ = site.first_invoke({})
    assert status == 200 and not is_function_error(result), result
    return site, database, media


def site_pages(function):
    """The page tree, the images (title and SHA-256 of the original file) and the users, as the site has them."""
    code = ("import hashlib, json; from wagtail.models import Page; from wagtail.images.models import Image; "
            "from django.contrib.auth.models import User; print(json.dumps({"
            "'pages': sorted((p.url_path, p.title, p.live) for p in Page.objects.all()), "
            "'images': sorted((i.title, hashlib.sha256(i.file.read()).hexdigest()) for i in Image.objects.all()), "
            "'users': sorted(User.objects.values_list('username', flat=True))}))")
    status, result = function.invoke({"manage": ["shell", "-c", code]})
    assert status == 200 and result["exitCode"] == 0, result
    return json.loads(result["output"].splitlines()[-1])


def image_shown(function, browser, title):
    """The admin's page of image `title` shows a rendition, served from S3 through a presigned URL."""
    status, result = function.invoke({"manage": ["shell", "-c", "from wagtail.images.models import Image; "
                                                 f"print(Image.objects.get(title={title!r}).pk)"]})
    assert status == 200 and result["exitCode"] == 0, result
    edit = browser.get(f"/admin/images/{result['output'].split()[-1]}/")
    urls = [u.replace("&amp;", "&") for u in re.findall(r'src="(http[^"]+/images/[^"]+)"', edit.text)]
    assert urls, edit.text[:2000]
    r = requests.get(urls[0], timeout=30)
    return r.status_code == 200 and r.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_15_export_then_import_into_an_empty_database_gives_the_same_site(function, start_function, s3, pg, proxy,
                                                                           import_role, admin, admin_password, tmp_path,
                                                                           metrics):
    source = site_pages(function)
    assert source["images"] and len(source["pages"]) >= 2, source
    exported = tmp_path / "export"
    started = time.monotonic()
    code, out, err = operator_cli(function, s3, "export", "--function", "function", "--to", str(exported))
    metrics["export_seconds"] = round(time.monotonic() - started, 2)
    assert code == 0 and "export: database.dump:" in out, (code, out, err)
    assert (exported / "database.dump").read_bytes()[:5] == b"PGDMP"
    media_files = sorted(str(p.relative_to(exported / "media")) for p in (exported / "media").rglob("*") if p.is_file())
    assert any(f.startswith("original_images/lambda-upload") for f in media_files), media_files
    assert not any(f.startswith("transfer/") for f in media_files), media_files
    code, out, err = operator_cli(function, s3, "export", "--function", "function", "--to", str(exported))
    assert code == 125 and "is not empty" in err, (code, err)

    site, database, media = empty_site(start_function, s3, pg, proxy, import_role, "imported")
    started = time.monotonic()
    code, out, err = operator_cli(site, s3, "import", "--function", "function",
                                  "--database", str(exported / "database.dump"), "--media", str(exported / "media"))
    metrics["import_dump_seconds"] = round(time.monotonic() - started, 2)
    assert code == 0 and "import: dump restored" in out and f"media: {len(media_files)} files copied" in out, \
        (code, out, err)
    assert site_pages(site) == source
    # The transfer's files are gone; the media are where Wagtail's rows point.
    keys = [o["Key"] for o in s3.client().list_objects_v2(Bucket=media).get("Contents", [])]
    assert not any(k.startswith("transfer/") for k in keys) and set(media_files) <= set(keys), keys
    browser = Browser(site)
    login = browser.get("/admin/login/")
    browser.post_form("/admin/login/", {"csrfmiddlewaretoken": csrf_token(login.text), "username": "admin",
                                        "password": admin_password}, follow=True)
    assert browser.get("/").status == 200
    assert image_shown(site, browser, source["images"][0][0])
    with pg.connect(database) as conn:
        schemas = [r[0] for r in conn.execute("SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg_%'")]
    assert sorted(schemas) == ["information_schema", "public"], schemas

    # A second import is refused: the database holds content now; --replace downloads a dump of it first.
    code, out, err = operator_cli(site, s3, "import", "--function", "function", "--database",
                                  str(exported / "database.dump"))
    assert code == 1 and "the database holds content" in out and "--replace" in out, (code, out, err)
    backups = tmp_path / "backups"
    code, out, err = operator_cli(site, s3, "import", "--function", "function", "--database",
                                  str(exported / "database.dump"), "--replace", "--backup-to", str(backups))
    assert code == 0 and "the database as it was is in" in err, (code, out, err)
    backup = next(backups.glob("before-import-*.dump"))
    assert backup.read_bytes()[:5] == b"PGDMP"
    assert site_pages(site) == source

    # Media alone may come to a site with content; what is there already stays.
    code, out, err = operator_cli(site, s3, "import", "--function", "function", "--media", str(exported / "media"))
    assert code == 0 and f"media: 0 files copied, {len(media_files)} kept as they were" in out, (code, out, err)

    # A dump that breaks half-way leaves the site as it was.
    broken = tmp_path / "broken.dump"
    broken.write_bytes((exported / "database.dump").read_bytes()[:4096])
    code, out, err = operator_cli(site, s3, "import", "--function", "function", "--database", str(broken),
                                  "--replace", "--backup-to", str(backups))
    assert code == 1 and "pg_restore exited with" in out, (code, out, err)
    assert site_pages(site) == source
    assert IMPORT_ROLE_PASSWORD not in out + err + site.logs()
    assert app_connections(pg, database) == 0


SQLITE_SITE_SETUP = """
import io
from django.contrib.auth.models import User
from django.core.files.images import ImageFile
from wagtail.images.models import Image
from wagtail.models import Page
from home.models import HomePage

User.objects.create_superuser("admin", "owner@example.org", {password!r})
User.objects.create_user("editor", "editor@example.org", "editor-password")
Image.objects.create(title="From SQLite", file=ImageFile(io.BytesIO({png!r}), name="from-sqlite.png"))
home = Page.objects.get(depth=2).specific
home.title = "Home from SQLite"
home.save_revision().publish()
home.add_child(instance=HomePage(title="About us", slug="about-us")).save_revision().publish()
"""


def sqlite_site_fixture(tmp_path, password):
    """A `wagtail start` site (the bundled app) on SQLite, with its own admin, an editor, an image and two pages,
    dumped as the README says: (fixture path, media directory)."""
    import shutil
    import sys

    site = tmp_path / "sqlite-site"
    shutil.copytree(REPO_DIR / "app", site, ignore=shutil.ignore_patterns("media", "staticfiles", "db.sqlite3"))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cms.settings.dev"}
    for k in [k for k in env if k.startswith(("DATABASE_", "AWS_", "DJANGO_"))]:
        if k != "DJANGO_SETTINGS_MODULE":
            env.pop(k)

    def manage(*args, **kw):
        r = subprocess.run([sys.executable, "manage.py", *args], cwd=site, env=env, capture_output=True, text=True,
                           timeout=300, **kw)
        assert r.returncode == 0, r.stdout + r.stderr
        return r.stdout

    manage("migrate", "--noinput", "-v0")
    manage("shell", "-c", SQLITE_SITE_SETUP.format(password=password, png=png_bytes(64, 48)))
    fixture = tmp_path / "site.json"
    fixture.write_text(manage("dumpdata", "--natural-foreign", "--natural-primary", "--indent", "2",
                              "-e", "contenttypes", "-e", "auth.permission", "-e", "sessions",
                              "-e", "wagtailsearch"))
    return fixture, site / "media"


def test_16_a_dumpdata_fixture_of_a_sqlite_site_with_its_own_admin_and_media(start_function, s3, pg, proxy,
                                                                            import_role, tmp_path, metrics):
    owner_password = "owner-" + secrets.token_hex(8)
    fixture, media_dir = sqlite_site_fixture(tmp_path, owner_password)
    site, database, media = empty_site(start_function, s3, pg, proxy, import_role, "fixture")
    started = time.monotonic()
    code, out, err = operator_cli(site, s3, "import", "--function", "function", "--database", str(fixture),
                                  "--media", str(media_dir))
    metrics["import_fixture_seconds"] = round(time.monotonic() - started, 2)
    assert code == 0 and "loading the fixture" in out and "media: 1 files copied" in out, (code, out, err)
    imported = site_pages(site)
    assert [title for _, title, _ in imported["pages"]] == ["Root", "Home from SQLite", "About us"], imported
    assert imported["users"] == ["admin", "editor"], imported
    assert [title for title, _ in imported["images"]] == ["From SQLite"], imported

    # The site's own admin, with its own password: the construct's first admin made way for it.
    browser = Browser(site)
    login = browser.get("/admin/login/")
    reply = browser.post_form("/admin/login/", {"csrfmiddlewaretoken": csrf_token(login.text), "username": "admin",
                                                "password": owner_password}, follow=True)
    assert reply.status == 200 and "/admin/logout/" in reply.text, reply.text[:1000]
    home = browser.get("/")
    about = browser.get("/about-us/")
    assert home.status == 200 and "Home from SQLite" in home.text and about.status == 200, (home.status, about.status)
    assert image_shown(site, browser, "From SQLite")
    assert app_connections(pg, database) == 0
