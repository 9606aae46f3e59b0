"""Settings come from the environment (configure() at the end of the site's
production settings); the start command refuses a missing secret key and
settings that do not call configure(); gunicorn's sizes come from the
environment, else from the package's defaults.json."""

import json
import os
import secrets
import subprocess
import sys

from wagtail_scale_to_zero_runtime.defaults import DEFAULTS_FILE

from .support import APP_DIR, SITE_ENV, START

DEFAULTS = json.loads(DEFAULTS_FILE.read_text())


def run(args, env_extra, cwd=APP_DIR):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "AWS_", "WEB_", "GUNICORN_", "PORT"))}
    env.update(SITE_ENV)
    env.update(env_extra)
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


def test_settings_refuse_missing_secret_key():
    result = run([sys.executable, "manage.py", "check"], {})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_start_command_refuses_missing_secret_key_or_database():
    result = run([str(START)], {"DATABASE_URL": "postgres://u:p@127.0.0.1:1/x"})
    assert result.returncode == 2
    assert "DJANGO_SECRET_KEY is not set" in result.stderr
    result = run([str(START)], {"DJANGO_SECRET_KEY": "k" * 60})
    assert result.returncode == 2
    assert "neither DATABASE_SECRET nor DATABASE_URL is set" in result.stderr


def test_start_command_refuses_settings_without_configure():
    """The site's dev settings (DEBUG, a fixed key, SQLite) never serve: they do not call configure()."""
    result = run([str(START)], {"DJANGO_SETTINGS_MODULE": "cms.settings.dev", "DJANGO_SECRET_KEY": "k" * 60,
                                "DATABASE_URL": "postgres://u:p@127.0.0.1:1/x"})
    assert result.returncode == 2
    assert "cms.settings.dev does not end with configure(globals())" in result.stderr


def test_check_deploy_has_no_warnings_with_a_good_key():
    result = run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        {
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": ".eu-west-3.awsapprunner.com,cms.example.com",
            "DJANGO_CSRF_TRUSTED_ORIGINS": "https://*.eu-west-3.awsapprunner.com,https://cms.example.com",
            "DATABASE_SECRET": json.dumps({"username": "u", "password": "p", "host": "db.example", "port": 5432,
                                           "engine": "postgres", "dbClusterIdentifier": "c"}),
            "AWS_STORAGE_BUCKET_NAME": "media",
            "AWS_S3_REGION_NAME": "eu-west-3",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def settings_value(env, expr, imports=""):
    code = "\n".join(["import django, json", "django.setup()", "from django.conf import settings", imports,
                      f"print(json.dumps({expr}, default=str))"])
    result = run([sys.executable, "-c", code], {"DJANGO_SECRET_KEY": "k" * 60, **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_database_from_secret_and_pool_from_runtime_defaults():
    defaults = DEFAULTS
    secret = {"username": "wagtail", "password": "pw", "host": "h", "port": 5433, "engine": "postgres"}
    db = settings_value({"DATABASE_SECRET": json.dumps(secret), "DATABASE_NAME": "cmsdb"}, "settings.DATABASES['default']")
    assert (db["NAME"], db["USER"], db["HOST"], db["PORT"]) == ("cmsdb", "wagtail", "h", "5433")
    pool = db["OPTIONS"]["pool"]
    assert pool["min_size"] == 0
    assert pool["max_size"] == defaults["GUNICORN_THREADS"]
    assert pool["max_idle"] == defaults["DATABASE_POOL_MAX_IDLE"]
    assert db["OPTIONS"]["connect_timeout"] == defaults["DATABASE_CONNECT_TIMEOUT"] >= 30
    assert db["CONN_HEALTH_CHECKS"] is True and db["CONN_MAX_AGE"] == 0
    # The environment wins over the JSON file.
    db = settings_value({"DATABASE_URL": "postgres://a:b@c:5432/d", "GUNICORN_THREADS": "7",
                         "DATABASE_POOL_MAX_IDLE": "3", "DATABASE_CONNECT_TIMEOUT": "45"},
                        "settings.DATABASES['default']")
    assert db["OPTIONS"]["pool"]["max_size"] == 7 and db["OPTIONS"]["pool"]["max_idle"] == 3
    assert db["OPTIONS"]["connect_timeout"] == 45


def test_idle_pool_empties_well_before_aurora_pause():
    """psycopg_pool closes one idle connection per max_idle period: a full pool is
    empty after at most (max_size + 1) x max_idle seconds; that must be < 60 s, far
    below Aurora's minimum auto-pause of 300 s."""
    d = DEFAULTS
    assert (d["GUNICORN_THREADS"] + 1) * d["DATABASE_POOL_MAX_IDLE"] <= 60


def test_gunicorn_reads_env_then_runtime_defaults():
    code = ("import runpy, json; c = runpy.run_module('wagtail_scale_to_zero_runtime.gunicorn_conf'); "
            "print(json.dumps({k: c[k] for k in ('bind', 'workers', 'threads', 'timeout', 'logger_class')}))")
    d = DEFAULTS
    out = json.loads(run([sys.executable, "-c", code], {}).stdout)
    assert out["bind"] == f"0.0.0.0:{d['PORT']}"
    assert out["workers"] == d["WEB_CONCURRENCY"] and out["threads"] == d["GUNICORN_THREADS"]
    assert out["timeout"] > d["DATABASE_CONNECT_TIMEOUT"]
    assert out["logger_class"] == "wagtail_scale_to_zero_runtime.gunicorn_logging.GunicornLogger"
    out = json.loads(run([sys.executable, "-c", code], {"PORT": "9001", "WEB_CONCURRENCY": "3", "GUNICORN_THREADS": "2"}).stdout)
    assert (out["bind"], out["workers"], out["threads"]) == ("0.0.0.0:9001", 3, 2)


def test_https_is_the_default_and_can_be_switched_off_explicitly():
    assert settings_value({}, "[settings.SECURE_SSL_REDIRECT, settings.SESSION_COOKIE_SECURE, settings.SECURE_HSTS_SECONDS > 0]") == [True, True, True]
    assert settings_value({"DJANGO_HTTPS": "false"}, "[settings.SECURE_SSL_REDIRECT, settings.SESSION_COOKIE_SECURE]") == [False, False]


def test_email_goes_through_the_outbox_only_when_configured():
    expr = "[settings.EMAIL_BACKEND, settings.WAGTAIL_PASSWORD_RESET_ENABLED, settings.DEFAULT_FROM_EMAIL, settings.SERVER_EMAIL]"
    assert settings_value({}, expr)[:2] == ["wagtail_scale_to_zero_runtime.mail.NoOutboxBackend", False]
    outbox = {"EMAIL_OUTBOX_BUCKET": "outbox", "DJANGO_DEFAULT_FROM_EMAIL": "cms@example.com"}
    assert settings_value(outbox, expr) == ["wagtail_scale_to_zero_runtime.mail.S3OutboxBackend", True, "cms@example.com", "cms@example.com"]
    result = run([sys.executable, "manage.py", "check"], {"DJANGO_SECRET_KEY": "k" * 60, "EMAIL_OUTBOX_BUCKET": "outbox"})
    assert result.returncode != 0 and "DJANGO_DEFAULT_FROM_EMAIL" in result.stderr


def test_media_storage_and_email_outbox_share_one_s3_client_configuration():
    env = {"AWS_STORAGE_BUCKET_NAME": "media", "AWS_S3_REGION_NAME": "eu-west-3", "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9",
           "EMAIL_OUTBOX_BUCKET": "outbox", "DJANGO_DEFAULT_FROM_EMAIL": "cms@example.com",
           "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"}
    expr = ("[(c.meta.region_name, c.meta.endpoint_url, c.meta.config.connect_timeout, c.meta.config.read_timeout, "
            "c.meta.config.retries['mode'], c.meta.config.s3['addressing_style']) "
            "for c in (default_storage.connection.meta.client, s3())]")
    storage, outbox = settings_value(env, expr, imports="from django.core.files.storage import default_storage; "
                                                        "from wagtail_scale_to_zero_runtime.aws_clients import s3")
    timeout = DEFAULTS["OUTBOUND_CONNECT_TIMEOUT"]
    assert storage == outbox == ["eu-west-3", "http://127.0.0.1:9", timeout, 60, "standard", "path"]
