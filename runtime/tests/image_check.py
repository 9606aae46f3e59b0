"""Run a built container image of a `wagtail start` site against real PostgreSQL (behind a
TCP proxy that can hold or refuse new connections) and moto S3 (used by
scripts/image-test.sh for the bundled site and scripts/fresh-site-test.sh for fresh
sites, from runtime/; not collected by pytest).

    python -m tests.image_check IMAGE [--site NAME] [--wagtail X.Y]

--site names the site in container names, saved logs and screenshots (test-output/);
--wagtail is the Wagtail release the image must run (e.g. 8.0).

Checks: the Wagtail version in the image; `manage.py check --deploy` inside it; three
instances started at once on an empty database all become healthy, one applies the
migrations and creates the first admin, the others find nothing to do; on one of them:
/healthz (any Host), /readyz (with the readiness token), the home page, the admin login
page and a static file answer 200 and the app runs as a non-root user; without an email
outbox, password reset is off and no reset token reaches the container's log; behind
CloudFront (a container with CDN_ORIGIN_SECRET) verified requests are https, only the
custom domain and the distribution's domain are served, and no underscore or case
variant of a trusted header counts; an editor logs in with Chromium
(scripts/browser-test.mjs --url), uploads an image that lands in the S3 emulator and is
shown through a presigned URL, and publishes the home page; after a burst of requests
the app holds no database connection within 60 s, and /readyz without the token is 403
without opening one; the first request while the database
takes 15 s to accept a connection (Aurora resuming) is a 200; with the database stopped
/healthz is 200, /readyz 503 and the home page 200 from the page cache (in the S3
emulator), and /readyz is 200 again once it is back; a restart with
nothing to migrate is quick and does not bring back a deleted admin.
Prints measurements as JSON and a final "image: N passed, N failed" line."""

import argparse
import json
import logging
import os
import re
import secrets
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from .support import (REPO_DIR, MotoS3, PostgresServer, TcpProxy, free_port, readiness_headers, spoofed_headers,
                      underscore_variants, wait_until)

PODMAN = ["podman", "--runtime", "runc"]
RUN_ARGS = ["--network", "host", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]
OUT = Path(os.environ.get("TEST_OUTPUT_DIR") or REPO_DIR / "test-output")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("image")
    parser.add_argument("--site", default="bundled-app", help="name of the site in container names and files")
    parser.add_argument("--wagtail", help="the Wagtail release X.Y the image must run")
    args = parser.parse_args(argv)
    image, site = args.image, re.sub(r"[^A-Za-z0-9_.-]", "-", args.site)
    results, metrics, failures = [], {"site": site, "image": image}, []
    OUT.mkdir(parents=True, exist_ok=True)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's access log: one line per S3 request

    def check(name, fn):
        started = time.monotonic()
        try:
            fn()
            results.append(name)
            print(f"ok   {name} ({time.monotonic() - started:.1f} s)", flush=True)
            return True
        except Exception as exc:
            failures.append(name)
            print(f"FAIL {name}: {exc!r}", flush=True)
            return False

    pg = PostgresServer().start()
    s3 = MotoS3().start()
    # Every container reaches PostgreSQL through this proxy: it can delay new connections
    # (a resume) or refuse them and drop the open ones (a stopped database).
    proxy = TcpProxy(pg.port).start_listening()
    containers = []
    try:
        db = pg.create_database("image_" + uuid.uuid4().hex[:8])
        bucket = "media-" + uuid.uuid4().hex[:8]
        s3.client().create_bucket(Bucket=bucket)
        env = {
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            # The shape App Runner injects: the whole RDS secret JSON, without dbname.
            "DATABASE_SECRET": json.dumps({"username": pg.user, "password": pg.password, "host": "127.0.0.1",
                                           "port": proxy.port, "engine": "postgres",
                                           "dbClusterIdentifier": "local"}),
            "DATABASE_NAME": db,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_CSRF_TRUSTED_ORIGINS": "http://127.0.0.1,http://localhost",
            "DJANGO_HTTPS": "false",
            "AWS_STORAGE_BUCKET_NAME": bucket,
            "PAGE_CACHE_BUCKET": bucket,  # the shared page cache, as on AWS (its own prefix)
            **s3.site_env(),
            "DJANGO_SUPERUSER_USERNAME": "admin",
            "DJANGO_SUPERUSER_EMAIL": "admin@example.com",
            "DJANGO_SUPERUSER_PASSWORD": "image-" + secrets.token_hex(8),
        }

        def env_args(values):
            return [a for k, v in values.items() for a in ("-e", f"{k}={v}")]

        def versions():
            r = subprocess.run(PODMAN + ["run", "--rm"] + RUN_ARGS + [image, "python", "-c",
                               "import django, sys, wagtail; print(wagtail.__version__, django.__version__, "
                               "sys.version.split()[0])"], capture_output=True, text=True, timeout=120)
            assert r.returncode == 0, r.stdout + r.stderr
            metrics["wagtail"], metrics["django"], metrics["python"] = r.stdout.split()
            if args.wagtail:
                assert re.match(re.escape(args.wagtail) + r"(\.|$)", metrics["wagtail"]), metrics["wagtail"]

        check(f"the image runs Wagtail {args.wagtail or '(any)'}", versions)

        def deploy_check():
            prod_env = {k: v for k, v in env.items() if k not in ("DJANGO_HTTPS",)}
            prod_env["DJANGO_ALLOWED_HOSTS"] = ".eu-west-3.awsapprunner.com"
            r = subprocess.run(PODMAN + ["run", "--rm"] + RUN_ARGS + env_args(prod_env) + [
                image, "python", "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                capture_output=True, text=True, timeout=120)
            assert r.returncode == 0 and "no issues" in r.stdout, r.stdout + r.stderr

        check("manage.py check --deploy in the image: no issues", deploy_check)

        def start_container(label, **extra):
            """Starts a container on a port of its own, with `extra` variables; (name, base URL, start time)."""
            name = f"wagtail-image-{site}-{label}-{uuid.uuid4().hex[:6]}"
            port = free_port()
            started = time.monotonic()
            subprocess.run(PODMAN + ["run", "-d", "--name", name] + RUN_ARGS
                           + env_args({**env, **extra, "PORT": port})
                           + [image], check=True, capture_output=True, text=True, timeout=120)
            containers.append((name, label))
            return name, f"http://127.0.0.1:{port}", started

        def wait_healthy(name, base, started, timeout=240):
            def healthy():
                state = subprocess.run(["podman", "inspect", "-f", "{{.State.Running}}", name],
                                       capture_output=True, text=True).stdout.strip()
                if state != "true":
                    raise RuntimeError(f"container stopped:\n{_logs(name)[-3000:]}")
                return requests.get(base + "/healthz", timeout=2).status_code == 200

            wait_until(healthy, timeout, what=f"{name} /healthz")
            return time.monotonic() - started

        def remove(name):
            _save_logs(name, site, containers)
            subprocess.run(["podman", "rm", "-f", "-t", "10", name], capture_output=True)
            containers[:] = [c for c in containers if c[0] != name]

        name = base = None

        def three_at_once():
            nonlocal name, base
            with ThreadPoolExecutor(3) as pool:
                started = list(pool.map(start_container, ["start-1", "start-2", "start-3"]))
            with ThreadPoolExecutor(3) as pool:
                waits = [pool.submit(wait_healthy, *c) for c in started]
                outcomes = []
                for f in waits:
                    try:
                        outcomes.append(f.result())
                    except Exception as exc:  # noqa: BLE001 - reported below
                        outcomes.append(exc)
            healthy = [c for c, o in zip(started, outcomes) if not isinstance(o, Exception)]
            if healthy:  # the other checks go on with one healthy instance
                name, base = healthy[0][0], healthy[0][1]
            errors = [o for o in outcomes if isinstance(o, Exception)]
            assert not errors, errors
            metrics["three_instances_start_to_healthy_seconds_empty_db"] = [round(o, 1) for o in outcomes]
            logs = [_logs(c[0]) for c in started]
            applying = [re.findall(r"^startup: applying (\d+) migrations", log, re.M) for log in logs]
            nothing = [len(re.findall(r"^startup: no migrations to apply", log, re.M)) for log in logs]
            created = [len(re.findall(r"^startup: admin 'admin' created", log, re.M)) for log in logs]
            assert sum(len(a) for a in applying) == 1, f"applying: {applying}"
            assert sum(nothing) == 2, f"no migrations to apply: {nothing}"
            assert sum(created) == 1, f"admin created: {created}"
            metrics["migrations_applied"] = int([a for a in applying if a][0][0])
            with pg.connect(db) as conn:
                rows, distinct = conn.execute(
                    "SELECT count(*), count(DISTINCT (app, name)) FROM django_migrations").fetchone()
                admins = conn.execute("SELECT count(*) FROM auth_user WHERE username = 'admin'").fetchone()[0]
            assert rows == distinct, f"a migration ran twice: {rows} rows, {distinct} distinct"
            assert admins == 1, admins
            for _, url, _ in started:
                _expect(requests.get(url + "/", timeout=30), 200)
            for other, _, _ in started[1:]:
                remove(other)  # one instance is enough for the rest

        check("three instances started at once on an empty database: one migrates, all healthy", three_at_once)
        ready = readiness_headers(env["DJANGO_SECRET_KEY"])
        if base:
            check("/healthz is 200 for any Host header", lambda: [
                _expect(requests.get(base + "/healthz", headers={"Host": h}, timeout=5), 200)
                for h in ("10.0.0.7:8080", "whatever.invalid")])
            check("/readyz is 200 with database and bucket ok", lambda: _expect(
                requests.get(base + "/readyz", headers=ready, timeout=30), 200, {"database": "ok", "storage": "ok"}))

            def home():
                r = requests.get(base + "/", timeout=30)
                _expect(r, 200)
                assert "<html" in r.text.lower(), r.text[:300]

            check("/ (Wagtail home page) is 200", home)
            check("/admin/login/ is 200", lambda: _expect(requests.get(base + "/admin/login/", timeout=30), 200))

            def static():
                html = requests.get(base + "/admin/login/", timeout=30).text
                href = re.search(r'href="(/static/[^"]+\.css)"', html).group(1)
                r = requests.get(base + href, headers={"Accept-Encoding": "gzip"}, timeout=30)
                _expect(r, 200)
                assert "max-age=315360000" in r.headers.get("Cache-Control", ""), r.headers

            check("static files served by WhiteNoise with far-future caching", static)

            def runs_as_non_root():
                r = subprocess.run(["podman", "exec", name, "id", "-u"], capture_output=True, text=True)
                assert r.stdout.strip() not in ("", "0"), r.stdout + r.stderr

            check("the app runs as a non-root user", runs_as_non_root)

            def password_reset_off():
                assert "password_reset" not in requests.get(base + "/admin/login/", timeout=30).text
                token = "cz3k1x-" + secrets.token_hex(16)
                for path in ("/admin/password_reset/", f"/admin/password_reset/confirm/MQ/{token}/"):
                    _expect(requests.get(base + path, timeout=30), 404)

                def redacted_logs():  # the access line and Django's "Not Found" line
                    out = _logs(name)
                    return out if out.count("confirm/[redacted]") >= 2 else None

                logs = wait_until(redacted_logs, 10, what="redacted lines in the container log")
                assert token not in logs and "/MQ/" not in logs

            check("password reset is off without email; no reset token in the log", password_reset_off)

            def behind_cloudfront():
                secret = secrets.token_urlsafe(36)
                custom, distribution = "www.example.org", "d111abcdef8.cloudfront.net"
                cdn, cdn_base, started = start_container("cdn", CDN_ORIGIN_SECRET=secret, DJANGO_HTTPS="true",
                                                         DJANGO_ALLOWED_HOSTS=custom,
                                                         DJANGO_CSRF_TRUSTED_ORIGINS=f"https://{custom}")
                try:
                    wait_healthy(cdn, cdn_base, started, timeout=120)

                    def get(headers):
                        return requests.get(cdn_base + "/", headers=headers, allow_redirects=False, timeout=30)

                    verified = {"X-Origin-Verify": secret, "X-Viewer-Host": custom,
                                "X-Distribution-Domain": distribution}
                    for extra in ({}, {"X-Forwarded-Proto": "http"}, spoofed_headers()):
                        r = get({**verified, **extra})
                        _expect(r, 200)
                        assert "Location" not in r.headers and "max-age=" in r.headers["Strict-Transport-Security"]
                    for name in underscore_variants("X-Origin-Verify"):
                        _expect(get({name: secret, "X-Viewer-Host": custom}), 403)
                    _expect(get({**verified, "X-Viewer-Host": distribution}), 200)
                    for host in ("evil.cloudfront.net", "x.eu-west-3.awsapprunner.com"):
                        _expect(get({**verified, "X-Viewer-Host": host}), 400)
                    _expect(requests.get(cdn_base + "/readyz", headers=ready, timeout=30), 200)
                finally:
                    remove(cdn)

            check("behind CloudFront: verified requests are https on the custom or the distribution's domain only; "
                  "no other spelling of a trusted header counts", behind_cloudfront)

            def memory():
                for _ in range(3):
                    for path in ("/", "/admin/login/", "/readyz"):
                        requests.get(base + path, headers=ready, timeout=30)
                r = subprocess.run(["podman", "exec", name, "sh", "-c",
                                    "cat /proc/[0-9]*/status | grep VmRSS"], capture_output=True, text=True)
                kib = sum(int(line.split()[1]) for line in r.stdout.splitlines())
                metrics["container_rss_mib_sum_all_processes"] = round(kib / 1024, 1)

            check("measure memory", memory)

            def browser():
                started = time.monotonic()
                r = subprocess.run(
                    ["node", str(REPO_DIR / "scripts" / "browser-test.mjs"), "--url", base], cwd=REPO_DIR,
                    env={**os.environ, "TEST_OUTPUT_DIR": str(OUT), "BROWSER_ADMIN_USERNAME": "admin",
                         "BROWSER_ADMIN_PASSWORD": env["DJANGO_SUPERUSER_PASSWORD"],
                         "BROWSER_S3_ENDPOINT": s3.endpoint, "BROWSER_S3_BUCKET": bucket,
                         "BROWSER_SCREENSHOT_PREFIX": f"image-{site}-browser-"},
                    capture_output=True, text=True, timeout=300)
                metrics["browser_seconds"] = round(time.monotonic() - started, 1)
                assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
                for line in r.stdout.splitlines():
                    if line.startswith("browser: ") and "passed" not in line:
                        print(f"       {line}", flush=True)
                keys = [o["Key"] for o in s3.client().list_objects_v2(Bucket=bucket).get("Contents", [])]
                assert any(k.startswith("original_images/stripes") for k in keys), keys

            check("Chromium: admin login, an image uploaded to S3 and shown through a presigned URL, "
                  "the home page published", browser)

            def idle_connections():
                def hit(i):
                    path = ["/", "/readyz", "/admin/login/", "/search/?query=home"][i % 4]
                    return requests.get(base + path, headers=ready, timeout=60).status_code

                with ThreadPoolExecutor(16) as pool:
                    for _ in range(2):
                        statuses = list(pool.map(hit, range(64)))
                        assert set(statuses) == {200}, statuses
                busy = pg.app_connections(db)
                metrics["db_connections_right_after_load"] = busy
                assert busy > 0, "the load opened no database connection"
                metrics["seconds_until_zero_db_connections"] = pg.seconds_until_no_connections(db)

            check("after a burst of requests, 0 idle database connections within 60 s", idle_connections)

            def readyz_needs_the_token():
                accepted = proxy.accepted
                token = ready[next(iter(ready))]
                for headers in ({}, {"Host": "evil.example"}, {next(iter(ready)): token[::-1]},
                                {next(iter(ready)).replace("-", "_"): token}):
                    r = requests.get(base + "/readyz", headers=headers, allow_redirects=False, timeout=30)
                    _expect(r, 403)
                    assert r.headers["Cache-Control"] == "no-store", r.headers
                assert proxy.accepted == accepted and pg.app_connections(db) == 0, "a refused /readyz used the database"
                _expect(requests.get(base + "/readyz", headers={**ready, "Host": "x.eu-west-3.awsapprunner.com"},
                                     timeout=30), 200, {"database": "ok", "storage": "ok"})
                wait_until(lambda: pg.app_connections(db) == 0, 60, what="0 connections after /readyz")

            check("/readyz without the readiness token is 403 and opens no database connection; with it 200 on any "
                  "host", readyz_needs_the_token)

            def resume():
                assert pg.app_connections(db) == 0, "the pool is not empty: the request would not wait"
                proxy.hold_seconds = 15
                accepted = proxy.accepted
                try:
                    started = time.monotonic()
                    # A search reads the database; the home page would come from the page cache.
                    r = requests.get(base + "/search/?query=home", timeout=90)
                    elapsed = time.monotonic() - started
                finally:
                    proxy.hold_seconds = 0
                metrics["first_request_seconds_with_15s_resume"] = round(elapsed, 1)
                _expect(r, 200)
                assert elapsed >= 15, f"{elapsed:.1f} s: the request did not wait for the held connection"
                assert proxy.accepted > accepted
                started = time.monotonic()
                _expect(requests.get(base + "/search/?query=home", timeout=30), 200)
                assert time.monotonic() - started < 5

            check("a request while the database takes 15 s to resume is answered 200", resume)

            def database_stopped():
                proxy.stop_listening()  # refuses new connections, drops the open ones
                try:
                    for h in ("127.0.0.1", "10.0.0.7:8080"):
                        _expect(requests.get(base + "/healthz", headers={"Host": h}, timeout=5), 200)
                    r = requests.get(base + "/readyz", headers=ready, timeout=60)
                    assert r.status_code == 503 and r.json()["database"].startswith("error"), \
                        f"{r.status_code} {r.text[:300]}"
                    assert r.json()["storage"] == "ok", r.text
                    # Readers still get the published home page, from the page cache in the bucket.
                    r = requests.get(base + "/", timeout=30)
                    _expect(r, 200)
                    assert r.headers.get("X-Page-Cache") == "hit", r.headers
                finally:
                    proxy.start_listening()
                wait_until(lambda: requests.get(base + "/readyz", headers=ready, timeout=30).status_code == 200, 60,
                           what="/readyz 200 once the database is back")

            check("with the database stopped /healthz is 200, /readyz 503, the home page 200 from the page cache; "
                  "/readyz 200 once it is back",
                  database_stopped)

            def delete_admin():
                r = subprocess.run(["podman", "exec", name, "python", "manage.py", "shell", "-c",
                                    "from django.contrib.auth import get_user_model; "
                                    "get_user_model().objects.get(username='admin').delete()"],
                                   capture_output=True, text=True, timeout=60)
                assert r.returncode == 0, r.stdout + r.stderr

            check("delete the admin (as an operator would)", delete_admin)
            remove(name)

            def restart():
                restarted, url, started = start_container("restart")
                seconds = wait_healthy(restarted, url, started, timeout=120)
                metrics["restart_to_healthy_seconds_nothing_to_migrate"] = round(seconds, 1)
                assert seconds < 20, seconds
                assert "startup: first admin 'admin' was set up on " in _logs(restarted)
                with pg.connect(db) as conn:
                    assert conn.execute("SELECT count(*) FROM auth_user WHERE username = 'admin'").fetchone()[0] == 0

            check("restart with nothing to migrate is quick and does not recreate the deleted admin", restart)
    finally:
        for c, _ in list(containers):
            _save_logs(c, site, containers)
            subprocess.run(["podman", "rm", "-f", "-t", "5", c], capture_output=True)
        proxy.close()
        pg.stop()
        s3.stop()
    print(json.dumps(metrics, indent=2))
    (OUT / f"image-{site}-metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    print(f"image: {len(results)} passed, {len(failures)} failed")
    return 1 if failures else 0


def _logs(container):
    r = subprocess.run(["podman", "logs", container], capture_output=True, text=True)
    return r.stdout + r.stderr


def _save_logs(container, site, containers):
    """The container's log in test-output/image-<site>-<label>.log, for reading after a failure."""
    label = dict(containers).get(container, "container")
    (OUT / f"image-{site}-{label}.log").write_text(_logs(container))


def _expect(response, status, body=None):
    assert response.status_code == status, f"{response.url}: {response.status_code} {response.text[:300]}"
    if body is not None:
        assert response.json() == body, response.text


if __name__ == "__main__":
    sys.exit(main())
