"""Settings of the bundled Wagtail site: production only, configured from the
environment alone (12-factor). Every variable is documented in app/README.md.

There is no DEBUG mode and no development settings module: the local run and the
tests use exactly these settings, with DJANGO_HTTPS=false for plain HTTP.
"""

import json
import os
from urllib.parse import unquote, urlsplit

from botocore.config import Config as BotoConfig
from django.core.exceptions import ImproperlyConfigured

from cms import runtime

PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BASE_DIR = PROJECT_DIR  # app/: manage.py, runtime-defaults.json


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_bool(name, default):
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, got {raw!r}")


# --- Core -----------------------------------------------------------------------

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY.strip():
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is not set. Refusing to start without a secret key: set "
        "DJANGO_SECRET_KEY to a long random string (50+ characters)."
    )

DEBUG = False

# Hosts: App Runner's regional domain (e.g. ".eu-west-3.awsapprunner.com") and the
# custom domain. /healthz answers before host validation (see cms.health), so
# App Runner's health checker, which calls the instance IP, needs no entry here.
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# --- HTTPS ------------------------------------------------------------------------
# App Runner terminates TLS and forwards the scheme in X-Forwarded-Proto.
# DJANGO_HTTPS=false (local run, tests over plain HTTP) turns off the redirect,
# secure cookies and HSTS; the production default is secure.
HTTPS = env_bool("DJANGO_HTTPS", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "31536000")) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"  # Wagtail's preview views override this to SAMEORIGIN themselves
SESSION_COOKIE_HTTPONLY = True

# --- Applications -------------------------------------------------------------------

INSTALLED_APPS = [
    "home",
    "search",
    "cms",  # startup command, admin bootstrap record, email, embeds (before wagtail.embeds: template override)
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "storages",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    # First: answers /healthz before host validation, HTTPS redirect or any DB use.
    "cms.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # After CommonMiddleware's host validation: records the request's URL for links
    # in admin emails when WAGTAILADMIN_BASE_URL is not set.
    "cms.admin_base_url.AdminBaseUrlMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "cms.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],  # cms/templates is found as an app template dir
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "cms.wsgi.application"

# --- Database -------------------------------------------------------------------------
# DATABASE_SECRET: the Secrets Manager JSON of an RDS-generated secret, injected by
# App Runner. DATABASE_URL: postgres://user:pass@host:port/name (local run, tests).


def _database_params():
    secret = os.environ.get("DATABASE_SECRET", "").strip()
    url = os.environ.get("DATABASE_URL", "").strip()
    if secret:
        try:
            data = json.loads(secret)
        except ValueError:
            raise ImproperlyConfigured("DATABASE_SECRET is not valid JSON") from None
        missing = [k for k in ("username", "password", "host") if not data.get(k)]
        if missing:
            raise ImproperlyConfigured(f"DATABASE_SECRET lacks {', '.join(missing)}")
        return {
            "NAME": data.get("dbname") or os.environ.get("DATABASE_NAME", "wagtail"),
            "USER": data["username"],
            "PASSWORD": data["password"],
            "HOST": data["host"],
            "PORT": str(data.get("port") or 5432),
        }
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("postgres", "postgresql"):
            raise ImproperlyConfigured("DATABASE_URL must start with postgres:// or postgresql://")
        return {
            "NAME": unquote(parts.path.lstrip("/")) or os.environ.get("DATABASE_NAME", "wagtail"),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": unquote(parts.hostname or ""),
            "PORT": str(parts.port or 5432),
        }
    return None


DATABASE_CONNECT_TIMEOUT = runtime.get_int("DATABASE_CONNECT_TIMEOUT")
# Seconds any other outbound connection may take (S3 connect; default socket
# timeout of the process, see cms/outbound.py).
OUTBOUND_CONNECT_TIMEOUT = runtime.get_int("OUTBOUND_CONNECT_TIMEOUT")
# One knob: each gunicorn thread has its own pooled connection, so no thread waits.
DATABASE_POOL_MAX_SIZE = runtime.get_int("GUNICORN_THREADS")
DATABASE_POOL_MAX_IDLE = runtime.get_int("DATABASE_POOL_MAX_IDLE")

_db = _database_params()
if _db is None:
    # No database configured (e.g. collectstatic at image build): Django's dummy
    # backend raises a clear error on first use. bin/start refuses to start.
    DATABASES = {}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            **_db,
            # Pooled connections are returned to the pool at the end of each
            # request; persistent connections (CONN_MAX_AGE) are not allowed with a pool.
            "CONN_MAX_AGE": 0,
            # With a pool, Django turns this into the pool's
            # check=ConnectionPool.check_connection: a connection the server closed
            # (idle_session_timeout, failover) is detected and replaced before use
            # instead of surfacing as a 500.
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                # Aurora Serverless v2 resumes from pause in ~15 s (~30 s after a day):
                # a connection attempt must wait for it.
                "connect_timeout": DATABASE_CONNECT_TIMEOUT,
                "application_name": os.environ.get("DATABASE_APPLICATION_NAME", "wagtail"),
                "pool": {
                    # Zero connections kept open when idle, so Aurora can pause.
                    "min_size": 0,
                    # Bounded per process: per instance = WEB_CONCURRENCY x GUNICORN_THREADS.
                    "max_size": DATABASE_POOL_MAX_SIZE,
                    # psycopg_pool closes ONE idle connection per max_idle period, so a
                    # full pool is empty at most (max_size + 1) x max_idle seconds
                    # after the last request.
                    "max_idle": DATABASE_POOL_MAX_IDLE,
                    # Waiting for a connection covers a full connect attempt (resume).
                    "timeout": DATABASE_CONNECT_TIMEOUT + 10,
                    "name": "django",
                },
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files (collected at image build, served by WhiteNoise) ----------------------

STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
STATIC_ROOT = os.environ.get("DJANGO_STATIC_ROOT", os.path.join(BASE_DIR, "staticfiles"))
STATIC_URL = "/static/"

# --- S3: one client configuration for the media storage and the email outbox ---------
# django-storages reads these three settings; cms.mail uses them for its client. (A
# client config replaces django-storages' own signature and addressing options, so
# they are set here.)

AWS_S3_REGION_NAME = os.environ.get("AWS_S3_REGION_NAME") or os.environ.get("AWS_REGION") or None
AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL", "").strip() or None
AWS_S3_CLIENT_CONFIG = BotoConfig(
    signature_version="s3v4",
    # Emulators listen on one host:port, so they need path-style addressing.
    s3={"addressing_style": "path" if AWS_S3_ENDPOINT_URL else "virtual"},
    # Fail fast instead of hanging when S3 is unreachable.
    connect_timeout=OUTBOUND_CONNECT_TIMEOUT,
    read_timeout=60,
    retries={"max_attempts": 3, "mode": "standard"},
)

# --- Media: private S3 bucket with presigned URLs, or local disk ---------------------

AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "").strip()
MEDIA_URL = "/media/"
MEDIA_ROOT = os.environ.get("DJANGO_MEDIA_ROOT", os.path.join(BASE_DIR, "media"))

if AWS_STORAGE_BUCKET_NAME:
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            # The bucket is private and blocks ACLs: no ACL header on upload.
            "default_acl": None,
            # Every media URL is a presigned GET URL.
            "querystring_auth": True,
            "querystring_expire": int(os.environ.get("AWS_QUERYSTRING_EXPIRE", "3600")),
            "file_overwrite": False,
        },
    }
    # Documents are served by redirecting to their presigned URL.
    WAGTAILDOCS_SERVE_METHOD = "redirect"
else:
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "base_url": MEDIA_URL},
    }

STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# --- Email: through an S3 outbox bucket (no SMTP route from the VPC), see cms/mail.py --

EMAIL_OUTBOX_BUCKET = os.environ.get("EMAIL_OUTBOX_BUCKET", "").strip()
EMAIL_BACKEND = "cms.mail.S3OutboxBackend" if EMAIL_OUTBOX_BUCKET else "cms.mail.NoOutboxBackend"
_from_email = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "").strip()
if _from_email:
    DEFAULT_FROM_EMAIL = SERVER_EMAIL = _from_email
elif EMAIL_OUTBOX_BUCKET:
    raise ImproperlyConfigured("EMAIL_OUTBOX_BUCKET is set but DJANGO_DEFAULT_FROM_EMAIL (the From address) is not")
# A reset link nobody can receive is useless: without email the views answer 404.
WAGTAIL_PASSWORD_RESET_ENABLED = bool(EMAIL_OUTBOX_BUCKET)

# --- Logging: everything to stdout/stderr (App Runner ships it to CloudWatch) ----------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # No password-reset token in any log line (cms/log_redaction.py; gunicorn's own
    # logs get the same filter through gunicorn.conf.py's logger_class).
    "filters": {"redact": {"()": "cms.log_redaction.RedactingFilter"}},
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

# --- Wagtail ---------------------------------------------------------------------------

WAGTAIL_SITE_NAME = os.environ.get("WAGTAIL_SITE_NAME", "cms")
# Custom image model: Wagtail's, with at most one rendition generated at a time per
# process (bounded memory, see home/models.py).
WAGTAILIMAGES_IMAGE_MODEL = "home.CmsImage"
# Refuse uploads larger than this many pixels: decoding one costs 3-4 bytes per pixel.
WAGTAILIMAGES_MAX_IMAGE_PIXELS = int(os.environ.get("WAGTAILIMAGES_MAX_IMAGE_PIXELS", "50000000"))
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}


# Base URL of links in admin emails. Unset: the scheme and host of the current
# request, recorded by cms.admin_base_url.AdminBaseUrlMiddleware ("" until then).
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "").strip()
# oEmbed lookups that tell the editor when they fail for lack of internet access.
WAGTAILEMBEDS_FINDERS = [{"class": "cms.embeds.OEmbedFinder"}]
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "key", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]

# /readyz: how long the database check waits for a pooled connection.
READYZ_DATABASE_TIMEOUT = float(os.environ.get("READYZ_DATABASE_TIMEOUT", "5"))
