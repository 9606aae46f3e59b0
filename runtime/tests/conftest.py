"""Session-wide real parts: one PostgreSQL cluster, one moto S3 server, and a
database migrated once that tests clone (CREATE DATABASE ... TEMPLATE).

The suite tests the runtime package's contract through the bundled site, app/
(`wagtail start cms` plus the package), run as the container runs it."""

import json
import os
import secrets
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from .support import APP_DIR, REPO_DIR, SITE_ENV, STATIC_ROOT, AppProcess, MotoS3, PostgresServer

# In-process Django (test_mail_backend) imports the site's settings, as manage.py would.
sys.path.insert(0, str(APP_DIR))

OUTPUT_DIR = Path(os.environ.get("TEST_OUTPUT_DIR", REPO_DIR / "test-output"))
METRICS = {}
ADMIN_PASSWORD = "test-" + secrets.token_hex(8)  # same for every app and the template DB


def pytest_sessionfinish(session, exitstatus):
    if METRICS:
        OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
        (OUTPUT_DIR / "app-metrics.json").write_text(json.dumps(METRICS, indent=2) + "\n")


@pytest.fixture(scope="session")
def metrics():
    return METRICS


@pytest.fixture(scope="session")
def log_dir():
    d = OUTPUT_DIR / "app-logs"
    d.mkdir(parents=True, exist_ok=True)
    return d


@pytest.fixture(scope="session", autouse=True)
def static_collected():
    """The image collects static files at build; tests run from the source tree, so
    collect them once here if scripts/app-test.sh has not (WhiteNoise's manifest
    storage needs the manifest)."""
    manifest = STATIC_ROOT / "staticfiles.json"
    if not manifest.exists():
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=APP_DIR, check=True, env={**os.environ, **SITE_ENV, "DJANGO_SECRET_KEY": "collectstatic-only"},
        )


@pytest.fixture(scope="session")
def pg():
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def s3():
    server = MotoS3().start()
    yield server
    server.stop()


@pytest.fixture
def contract_env(monkeypatch):
    """An in-process environment with none of the contract's variables but a secret key: tests set what they need."""
    for name in list(os.environ):
        if name.startswith(("DJANGO_", "DATABASE_", "AWS_", "EMAIL_", "WAGTAIL", "GUNICORN_", "WEB_", "READYZ_", "SECRET_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DJANGO_SECRET_KEY", "k" * 60)
    return monkeypatch


def app_env(db_url, bucket=None, s3=None, **extra):
    env = {
        **SITE_ENV,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": db_url,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_CSRF_TRUSTED_ORIGINS": "http://127.0.0.1,http://localhost",
        "DJANGO_HTTPS": "false",
        "DJANGO_SUPERUSER_USERNAME": "admin",
        "DJANGO_SUPERUSER_EMAIL": "admin@example.com",
        "DJANGO_SUPERUSER_PASSWORD": ADMIN_PASSWORD,
    }
    if bucket:
        env.update({"AWS_STORAGE_BUCKET_NAME": bucket, **s3.site_env()})
    else:
        env["DJANGO_MEDIA_ROOT"] = str(OUTPUT_DIR / "media")
    env.update({k: str(v) for k, v in extra.items()})
    return env


@pytest.fixture(scope="session")
def migrated_template(pg):
    """A database migrated once by `manage.py startup`; tests clone it."""
    name = pg.create_database("template_migrated")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "AWS_"))}
    env.update(app_env(pg.url(name)))
    subprocess.run([sys.executable, "manage.py", "startup"], cwd=APP_DIR, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return name


@pytest.fixture
def fresh_db(pg, migrated_template):
    return pg.create_database("t_" + uuid.uuid4().hex[:12], template=migrated_template)


@pytest.fixture
def start_app(log_dir, request):
    apps = []

    def start(env, name=None):
        name = name or request.node.name
        app = AppProcess(env, str(log_dir / f"{name}-{len(apps)}.log")).start()
        apps.append(app)
        return app

    yield start
    for app in apps:
        app.stop()
