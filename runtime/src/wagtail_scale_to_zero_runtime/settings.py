"""``configure(globals())``: the last line of a site's production settings.

Everything the container contract needs is read from the environment and
written into the settings module's namespace; the site's other settings stay as
they are. The environment variables are documented in this package's README.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from . import database
from . import lambda_settings  # AWS Lambda: no pool, upload limits
from .defaults import get_int
from .page_cache_settings import configure_page_cache
from .secret_key import secret_key
from .session_store import ENGINE as SESSION_ENGINE

APP = "wagtail_scale_to_zero_runtime"
HEALTH_MIDDLEWARE = f"{APP}.health.HealthCheckMiddleware"
CDN_ORIGIN_MIDDLEWARE = f"{APP}.cdn_origin.CdnOriginMiddleware"
PAGE_CACHE_MIDDLEWARE = f"{APP}.page_cache.PageCacheMiddleware"
ADMIN_BASE_URL_MIDDLEWARE = f"{APP}.admin_base_url.AdminBaseUrlMiddleware"
LOCAL_MEDIA_MIDDLEWARE = f"{APP}.media.LocalMediaMiddleware"
FILE_NOT_FOUND_MIDDLEWARE = f"{APP}.file_not_found.FileNotFoundMiddleware"
SECURITY_MIDDLEWARE = "django.middleware.security.SecurityMiddleware"
WHITENOISE_MIDDLEWARE = "whitenoise.middleware.WhiteNoiseMiddleware"
COMMON_MIDDLEWARE = "django.middleware.common.CommonMiddleware"
POSTGRES_APP = "django.contrib.postgres"
# The marker that `wagtail-scale-to-zero-start` looks for in the settings.
CONFIGURED = "WAGTAIL_SCALE_TO_ZERO_RUNTIME"


def env_list(name: str, default: str = "") -> list[str]:
    """A comma-separated environment variable as a list, blanks dropped."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_bool(name: str, default: bool) -> bool:
    """A true/false environment variable; unset or empty gives ``default``."""
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, got {raw!r}")


def configure(settings: dict[str, Any]) -> None:
    """Configure a Wagtail site for wagtail-scale-to-zero, from the environment.

    Call it as the last line of the production settings module, with
    ``globals()``. It refuses to load without a secret key (DJANGO_SECRET_KEY, or
    DATABASE_SECRET to derive one from: secret_key.py), and with
    EMAIL_OUTBOX_BUCKET but no DJANGO_DEFAULT_FROM_EMAIL.

    Replaced, whatever the site set: SECRET_KEY, DEBUG (False), ALLOWED_HOSTS,
    CSRF_TRUSTED_ORIGINS, SECURE_PROXY_SSL_HEADER, SECURE_SSL_REDIRECT,
    SESSION_COOKIE_SECURE, CSRF_COOKIE_SECURE, SECURE_HSTS_SECONDS,
    SECURE_HSTS_INCLUDE_SUBDOMAINS, SECURE_HSTS_PRELOAD, DATABASES["default"]
    (all of DATABASES is {} without database variables), STORAGES["default"] and
    STORAGES["staticfiles"], the AWS_* settings of django-storages, EMAIL_BACKEND,
    LOGGING, WAGTAILADMIN_BASE_URL, and the package's own settings
    (DATABASE_CONNECT_TIMEOUT, OUTBOUND_CONNECT_TIMEOUT, DATABASE_POOL_MAX_SIZE,
    DATABASE_POOL_MAX_IDLE, EMAIL_OUTBOX_BUCKET, SCHEDULE_OUTBOX_BUCKET, READYZ_DATABASE_TIMEOUT,
    WAGTAIL_SCALE_TO_ZERO_RUNTIME, and the page cache's and CDN's PAGE_CACHE_BUCKET,
    PAGE_CACHE_MAX_AGE, PAGE_CACHE_CDN_SECONDS, PAGE_CACHE_GENERATION_SECONDS,
    CDN_PURGE_OUTBOX_BUCKET, PURGE_BATCH_SECONDS, CDN_ORIGIN_SECRET). The package's app
    connects the page cache's receivers (page_cache_invalidation.py) when it is ready.

    Replaced only when its variable is set (else the site's value stays):
    STATIC_ROOT (DJANGO_STATIC_ROOT), MEDIA_ROOT (DJANGO_MEDIA_ROOT),
    DEFAULT_FROM_EMAIL and SERVER_EMAIL (DJANGO_DEFAULT_FROM_EMAIL),
    WAGTAIL_SITE_NAME, WAGTAILIMAGES_MAX_IMAGE_PIXELS (50 000 000 if neither).

    Set only when the site has not: STATIC_URL, MEDIA_URL, WAGTAILEMBEDS_FINDERS,
    SESSION_ENGINE (session_store.py: keys checked without the database),
    WAGTAILDOCS_SERVE_METHOD ("redirect", with a media bucket). WAGTAIL_PASSWORD_RESET_ENABLED is False
    without email, the site's value (default True) with it.

    Added: this package's app to INSTALLED_APPS, before "wagtail.embeds", and
    "django.contrib.postgres" at the end if missing.
    MIDDLEWARE keeps every entry of the site, in order, except that
    SecurityMiddleware moves to the top (added if missing); then: the health
    middleware first, the CDN origin check (used only with CDN_ORIGIN_SECRET) and
    the page cache right after it, before SecurityMiddleware (cdn_origin.py,
    page_cache.py: the cache sets Cache-Control on every response but static
    files and local media), WhiteNoise right after SecurityMiddleware, and the
    admin-base-URL, local-media and file-not-found middleware right after
    CommonMiddleware (file_not_found.py: a missing static or media file gets a 404
    without the database).
    """
    key = secret_key()  # secret_key.py: DJANGO_SECRET_KEY, else derived from the database secret
    if not key:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set, and there is no DATABASE_SECRET to derive a key from. Refusing to start "
            "without a secret key: set DJANGO_SECRET_KEY to a long random string (50+ characters)."
        )
    settings["SECRET_KEY"] = key
    settings["DEBUG"] = False
    # /healthz answers before host validation, so App Runner's health checker
    # (which calls the instance IP) needs no entry here.
    settings["ALLOWED_HOSTS"] = env_list("DJANGO_ALLOWED_HOSTS")
    settings["CSRF_TRUSTED_ORIGINS"] = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

    _https(settings)
    _apps_and_middleware(settings)
    _database(settings)
    _files(settings)
    _email(settings)
    # Where a change of a go-live or expiry time asks for the publishing schedule (scheduled_publishing.py).
    settings["SCHEDULE_OUTBOX_BUCKET"] = os.environ.get("SCHEDULE_OUTBOX_BUCKET", "").strip()
    _logging(settings)
    _wagtail(settings)
    settings.setdefault("SESSION_ENGINE", SESSION_ENGINE)  # the page cache tells made-up session cookies
    configure_page_cache(settings)  # page_cache_settings.py: the page cache and the CDN
    # On AWS Lambda (AWS_LAMBDA_FUNCTION_NAME set; lambda_settings.py): upload limits
    # that fit Lambda's 6 MB request (the database without a pool is _database's).
    lambda_settings.configure_for_lambda(settings)
    settings[CONFIGURED] = True


def _https(settings: dict[str, Any]) -> None:
    # App Runner terminates TLS and forwards the scheme in X-Forwarded-Proto.
    # DJANGO_HTTPS=false (local runs, tests over plain HTTP) turns off the redirect,
    # secure cookies and HSTS.
    https = env_bool("DJANGO_HTTPS", True)
    settings["SECURE_PROXY_SSL_HEADER"] = ("HTTP_X_FORWARDED_PROTO", "https")
    settings["SECURE_SSL_REDIRECT"] = https
    settings["SESSION_COOKIE_SECURE"] = https
    settings["CSRF_COOKIE_SECURE"] = https
    settings["SECURE_HSTS_SECONDS"] = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "31536000")) if https else 0
    settings["SECURE_HSTS_INCLUDE_SUBDOMAINS"] = https
    settings["SECURE_HSTS_PRELOAD"] = https


def _apps_and_middleware(settings: dict[str, Any]) -> None:
    apps = [app for app in settings.get("INSTALLED_APPS", []) if app != APP]
    # Before wagtail.embeds, so that this app's chooser template wins.
    anchor = next((a for a in ("wagtail.embeds", "wagtail") if a in apps), None)
    apps.insert(apps.index(anchor) if anchor else len(apps), APP)
    # The database is PostgreSQL: Django >= 6.1 requires this app for the
    # SearchVectorField and GIN indexes of Wagtail's database search backend.
    if POSTGRES_APP not in apps:
        apps.append(POSTGRES_APP)
    settings["INSTALLED_APPS"] = apps

    ours = {HEALTH_MIDDLEWARE, CDN_ORIGIN_MIDDLEWARE, PAGE_CACHE_MIDDLEWARE, ADMIN_BASE_URL_MIDDLEWARE,
            LOCAL_MEDIA_MIDDLEWARE, FILE_NOT_FOUND_MIDDLEWARE, WHITENOISE_MIDDLEWARE, SECURITY_MIDDLEWARE}
    site = [m for m in settings.get("MIDDLEWARE", []) if m not in ours]
    # Health first (/healthz and /readyz, before host validation and the HTTPS redirect), then the
    # HTTPS redirect and static files before sessions or any other work. Between
    # them: only CloudFront's requests (with the viewer's host), then the page cache,
    # which answers anonymous views without the database.
    middleware = [HEALTH_MIDDLEWARE, CDN_ORIGIN_MIDDLEWARE, PAGE_CACHE_MIDDLEWARE, SECURITY_MIDDLEWARE,
                  WHITENOISE_MIDDLEWARE, *site]
    # After CommonMiddleware's host validation (or the redirect, without it).
    after = middleware.index(COMMON_MIDDLEWARE if COMMON_MIDDLEWARE in middleware else WHITENOISE_MIDDLEWARE)
    middleware[after + 1:after + 1] = [ADMIN_BASE_URL_MIDDLEWARE, LOCAL_MEDIA_MIDDLEWARE, FILE_NOT_FOUND_MIDDLEWARE]
    settings["MIDDLEWARE"] = middleware


def _database(settings: dict[str, Any]) -> None:
    settings["DATABASE_CONNECT_TIMEOUT"] = get_int("DATABASE_CONNECT_TIMEOUT")
    # One pooled connection per gunicorn thread, so no thread waits for one.
    settings["DATABASE_POOL_MAX_SIZE"] = get_int("GUNICORN_THREADS")
    settings["DATABASE_POOL_MAX_IDLE"] = get_int("DATABASE_POOL_MAX_IDLE")
    # /readyz: how long the database check waits for a pooled connection.
    settings["READYZ_DATABASE_TIMEOUT"] = float(os.environ.get("READYZ_DATABASE_TIMEOUT", "5"))
    params = database.connection_params()
    if params is None:
        # No database configured (e.g. collectstatic at image build): Django's dummy
        # backend raises a clear error on first use; the start command refuses to start.
        settings["DATABASES"] = {}
        return
    # Decided once, here: one connection per request on Lambda, a pool under gunicorn.
    default = database.unpooled_database(params, connect_timeout=settings["DATABASE_CONNECT_TIMEOUT"]) \
        if lambda_settings.on_aws_lambda() else database.pooled_database(
            params,
            pool_size=settings["DATABASE_POOL_MAX_SIZE"],
            max_idle=settings["DATABASE_POOL_MAX_IDLE"],
            connect_timeout=settings["DATABASE_CONNECT_TIMEOUT"],
        )
    settings["DATABASES"] = {**settings.get("DATABASES", {}), "default": default}


def _files(settings: dict[str, Any]) -> None:
    from botocore.config import Config

    base_dir = str(settings.get("BASE_DIR") or os.getcwd())
    settings["STATIC_ROOT"] = (os.environ.get("DJANGO_STATIC_ROOT", "").strip() or settings.get("STATIC_ROOT")
                               or os.path.join(base_dir, "staticfiles"))
    settings.setdefault("STATIC_URL", "/static/")
    settings["MEDIA_ROOT"] = (os.environ.get("DJANGO_MEDIA_ROOT", "").strip() or settings.get("MEDIA_ROOT")
                              or os.path.join(base_dir, "media"))
    settings.setdefault("MEDIA_URL", "/media/")

    # One S3 client configuration for the media storage and the email outbox:
    # django-storages reads these settings, the outbox backend builds its client from them.
    outbound_timeout = get_int("OUTBOUND_CONNECT_TIMEOUT")
    settings["OUTBOUND_CONNECT_TIMEOUT"] = outbound_timeout
    settings["AWS_S3_REGION_NAME"] = os.environ.get("AWS_S3_REGION_NAME") or os.environ.get("AWS_REGION") or None
    endpoint = os.environ.get("AWS_S3_ENDPOINT_URL", "").strip() or None
    settings["AWS_S3_ENDPOINT_URL"] = endpoint
    settings["AWS_S3_CLIENT_CONFIG"] = Config(
        signature_version="s3v4",
        s3={"addressing_style": "path" if endpoint else "virtual"},  # emulators listen on one host:port
        connect_timeout=outbound_timeout,  # fail fast when S3 is unreachable
        read_timeout=60,
        retries={"max_attempts": 3, "mode": "standard"},
    )
    bucket = os.environ.get("AWS_STORAGE_BUCKET_NAME", "").strip()
    settings["AWS_STORAGE_BUCKET_NAME"] = bucket
    if bucket:
        default_storage = {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "default_acl": None,  # the bucket is private and blocks ACLs
                "querystring_auth": True,  # every media URL is a presigned GET URL
                "querystring_expire": int(os.environ.get("AWS_QUERYSTRING_EXPIRE", "3600")),
                "file_overwrite": False,
            },
        }
        settings.setdefault("WAGTAILDOCS_SERVE_METHOD", "redirect")  # to the presigned URL
    else:
        default_storage = {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": settings["MEDIA_ROOT"], "base_url": settings["MEDIA_URL"]},
        }
    settings["STORAGES"] = {
        **settings.get("STORAGES", {}),
        "default": default_storage,
        # Collected at image build, served by WhiteNoise with far-future caching.
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }


def _email(settings: dict[str, Any]) -> None:
    # No SMTP route from the VPC: email goes through an S3 outbox bucket (mail.py).
    outbox = os.environ.get("EMAIL_OUTBOX_BUCKET", "").strip()
    settings["EMAIL_OUTBOX_BUCKET"] = outbox
    settings["EMAIL_BACKEND"] = f"{APP}.mail.S3OutboxBackend" if outbox else f"{APP}.mail.NoOutboxBackend"
    from_email = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "").strip()
    if from_email:
        settings["DEFAULT_FROM_EMAIL"] = settings["SERVER_EMAIL"] = from_email
    elif outbox:
        raise ImproperlyConfigured("EMAIL_OUTBOX_BUCKET is set but DJANGO_DEFAULT_FROM_EMAIL (the From address) is not")
    # A reset link nobody can receive is useless: without email the views answer 404.
    settings["WAGTAIL_PASSWORD_RESET_ENABLED"] = bool(outbox) and settings.get("WAGTAIL_PASSWORD_RESET_ENABLED", True)


def _logging(settings: dict[str, Any]) -> None:
    # Everything to stdout/stderr (App Runner ships it to CloudWatch), with no
    # password-reset token in any line (log_redaction.py; gunicorn's own logs get
    # the same filter through the package's gunicorn logger class).
    settings["LOGGING"] = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
        "filters": {"redact": {"()": f"{APP}.log_redaction.RedactingFilter"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}},
        "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
        "loggers": {
            "psycopg.pool": {"level": os.environ.get("DATABASE_POOL_LOG_LEVEL", "WARNING")},
            "botocore": {"level": "WARNING"},
            "boto3": {"level": "WARNING"},
            "s3transfer": {"level": "WARNING"},
            "urllib3": {"level": "WARNING"},
        },
    }


def _wagtail(settings: dict[str, Any]) -> None:
    if os.environ.get("WAGTAIL_SITE_NAME", "").strip():
        settings["WAGTAIL_SITE_NAME"] = os.environ["WAGTAIL_SITE_NAME"].strip()
    # Refuse uploads larger than this many pixels: decoding one costs 3-4 bytes per pixel.
    pixels = os.environ.get("WAGTAILIMAGES_MAX_IMAGE_PIXELS", "").strip()
    if pixels:
        settings["WAGTAILIMAGES_MAX_IMAGE_PIXELS"] = int(pixels)
    else:
        settings.setdefault("WAGTAILIMAGES_MAX_IMAGE_PIXELS", 50_000_000)
    # Links in admin emails: the environment's URL, else the URL of the current
    # request, recorded by admin_base_url.AdminBaseUrlMiddleware ("" until then).
    settings["WAGTAILADMIN_BASE_URL"] = os.environ.get("WAGTAILADMIN_BASE_URL", "").strip()
    # oEmbed lookups that tell the editor when they fail for lack of internet access.
    settings.setdefault("WAGTAILEMBEDS_FINDERS", [{"class": f"{APP}.embeds.OEmbedFinder"}])
