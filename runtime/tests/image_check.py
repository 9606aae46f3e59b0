"""Run the built container image of the bundled site against real PostgreSQL and
moto S3 (used by scripts/image-test.sh, from runtime/; not collected by pytest).

    python -m tests.image_check IMAGE [--podman-arg ARG ...]

Checks: `manage.py check --deploy` inside the image; the container starts
(migrations, admin, gunicorn as a non-root user), /healthz (any Host), /readyz,
/ and a static file answer 200; without an email outbox, password reset is off
and no reset token reaches the container's log; a restart with nothing to
migrate is fast and does not bring back a deleted admin.
Prints measurements as JSON and a final "image: N passed, N failed" line."""

import json
import re
import secrets
import subprocess
import sys
import time
import uuid

import requests

from .support import MotoS3, PostgresServer, free_port, wait_until

PODMAN = ["podman", "--runtime", "runc"]
RUN_ARGS = ["--network", "host", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]


def main():
    image = sys.argv[1]
    results, metrics, failures = [], {}, []

    def check(name, fn):
        try:
            fn()
            results.append(name)
            print(f"ok   {name}", flush=True)
        except Exception as exc:
            failures.append(name)
            print(f"FAIL {name}: {exc!r}", flush=True)

    pg = PostgresServer().start()
    s3 = MotoS3().start()
    containers = []
    try:
        db = pg.create_database("image_" + uuid.uuid4().hex[:8])
        bucket = "media-" + uuid.uuid4().hex[:8]
        s3.client().create_bucket(Bucket=bucket)
        port = free_port()
        env = {
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            # The shape App Runner injects: the whole RDS secret JSON, without dbname.
            "DATABASE_SECRET": json.dumps({"username": pg.user, "password": pg.password, "host": "127.0.0.1",
                                           "port": pg.port, "engine": "postgres", "dbClusterIdentifier": "local"}),
            "DATABASE_NAME": db,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_CSRF_TRUSTED_ORIGINS": "http://127.0.0.1,http://localhost",
            "DJANGO_HTTPS": "false",
            "AWS_STORAGE_BUCKET_NAME": bucket,
            "AWS_S3_ENDPOINT_URL": s3.endpoint,
            "AWS_S3_REGION_NAME": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "DJANGO_SUPERUSER_USERNAME": "admin",
            "DJANGO_SUPERUSER_EMAIL": "admin@example.com",
            "DJANGO_SUPERUSER_PASSWORD": "image-" + secrets.token_hex(8),
            "PORT": str(port),
        }
        env_args = [a for k, v in env.items() for a in ("-e", f"{k}={v}")]

        def deploy_check():
            prod_env = {k: v for k, v in env.items() if k not in ("DJANGO_HTTPS",)}
            prod_env["DJANGO_ALLOWED_HOSTS"] = ".eu-west-3.awsapprunner.com"
            args = [a for k, v in prod_env.items() for a in ("-e", f"{k}={v}")]
            r = subprocess.run(PODMAN + ["run", "--rm"] + RUN_ARGS + args + [image, "python", "manage.py", "check",
                                "--deploy", "--fail-level", "WARNING"], capture_output=True, text=True, timeout=120)
            assert r.returncode == 0 and "no issues" in r.stdout, r.stdout + r.stderr

        check("manage.py check --deploy in the image: no issues", deploy_check)

        def run_container(label):
            name = f"wagtail-image-test-{label}-{uuid.uuid4().hex[:6]}"
            started = time.monotonic()
            subprocess.run(PODMAN + ["run", "-d", "--name", name] + RUN_ARGS + env_args + [image],
                           check=True, capture_output=True, text=True, timeout=120)
            containers.append(name)
            base = f"http://127.0.0.1:{port}"

            def healthy():
                state = subprocess.run(["podman", "inspect", "-f", "{{.State.Running}}", name],
                                       capture_output=True, text=True).stdout.strip()
                if state != "true":
                    logs = subprocess.run(["podman", "logs", name], capture_output=True, text=True)
                    raise RuntimeError(f"container stopped:\n{logs.stdout}{logs.stderr}")
                return requests.get(base + "/healthz", timeout=2).status_code == 200

            wait_until(healthy, 180, what="container /healthz")
            return name, base, time.monotonic() - started

        name, base, first = [None, None, None]

        def first_start():
            nonlocal name, base, first
            name, base, first = run_container("first")
            metrics["first_start_to_healthy_seconds_empty_db"] = round(first, 1)

        check("container starts on an empty database and /healthz answers", first_start)
        if base:
            check("/healthz is 200 for any Host header", lambda: [
                _expect(requests.get(base + "/healthz", headers={"Host": h}, timeout=5), 200)
                for h in ("10.0.0.7:8080", "whatever.invalid")])
            check("/readyz is 200 with database and bucket ok", lambda: _expect(
                requests.get(base + "/readyz", timeout=30), 200, {"database": "ok", "storage": "ok"}))
            check("/ (Wagtail home page) is 200", lambda: _expect(requests.get(base + "/", timeout=30), 200))
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

            def memory():
                for _ in range(3):
                    for path in ("/", "/admin/login/", "/readyz"):
                        requests.get(base + path, timeout=30)
                r = subprocess.run(["podman", "exec", name, "sh", "-c",
                                    "cat /proc/[0-9]*/status | grep VmRSS"], capture_output=True, text=True)
                kib = sum(int(line.split()[1]) for line in r.stdout.splitlines())
                metrics["container_rss_mib_sum_all_processes"] = round(kib / 1024, 1)

            check("measure memory", memory)

            def delete_admin():
                r = subprocess.run(["podman", "exec", name, "python", "manage.py", "shell", "-c",
                                    "from django.contrib.auth import get_user_model; "
                                    "get_user_model().objects.get(username='admin').delete()"],
                                   capture_output=True, text=True, timeout=60)
                assert r.returncode == 0, r.stdout + r.stderr

            check("delete the admin (as an operator would)", delete_admin)
            subprocess.run(["podman", "rm", "-f", "-t", "10", name], capture_output=True)

            def restart():
                restarted, _, seconds = run_container("restart")
                metrics["restart_to_healthy_seconds_nothing_to_migrate"] = round(seconds, 1)
                assert seconds < 20, seconds
                assert "startup: first admin 'admin' was set up on " in _logs(restarted)
                with pg.connect(db) as conn:
                    assert conn.execute("SELECT count(*) FROM auth_user WHERE username = 'admin'").fetchone()[0] == 0

            check("restart with nothing to migrate is quick and does not recreate the deleted admin", restart)
    finally:
        for c in containers:
            subprocess.run(["podman", "rm", "-f", "-t", "5", c], capture_output=True)
        pg.stop()
        s3.stop()
    print(json.dumps(metrics, indent=2))
    print(f"image: {len(results)} passed, {len(failures)} failed")
    return 1 if failures else 0


def _logs(container):
    r = subprocess.run(["podman", "logs", container], capture_output=True, text=True)
    return r.stdout + r.stderr


def _expect(response, status, body=None):
    assert response.status_code == status, f"{response.url}: {response.status_code} {response.text[:300]}"
    if body is not None:
        assert response.json() == body, response.text


if __name__ == "__main__":
    sys.exit(main())
