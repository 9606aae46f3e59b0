"""configure() in-process on plain dicts: what it replaces, what it adds, and
that it leaves the rest of a site's settings alone."""

import copy

import pytest
from django.core.exceptions import ImproperlyConfigured

from wagtail_scale_to_zero_runtime.settings import (
    ADMIN_BASE_URL_MIDDLEWARE,
    APP,
    CDN_ORIGIN_MIDDLEWARE,
    FILE_NOT_FOUND_MIDDLEWARE,
    HEALTH_MIDDLEWARE,
    LOCAL_MEDIA_MIDDLEWARE,
    PAGE_CACHE_MIDDLEWARE,
    SESSION_ENGINE,
    configure,
)

SECURITY = "django.middleware.security.SecurityMiddleware"
WHITENOISE = "whitenoise.middleware.WhiteNoiseMiddleware"
COMMON = "django.middleware.common.CommonMiddleware"
# The MIDDLEWARE of a `wagtail start` site (SecurityMiddleware near the end).
WAGTAIL_START_MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    COMMON,
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    SECURITY,
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]


@pytest.fixture
def env(contract_env):
    return contract_env


def site(**extra):
    return {
        "BASE_DIR": "/srv/site",
        "INSTALLED_APPS": ["home", "search", "wagtail.embeds", "wagtail.images", "wagtail", "myapp",
                           "django.contrib.staticfiles"],
        "MIDDLEWARE": list(WAGTAIL_START_MIDDLEWARE) + ["myapp.middleware.Custom"],
        "ROOT_URLCONF": "cms.urls",
        "WSGI_APPLICATION": "cms.wsgi.application",
        "TEMPLATES": [{"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": ["/srv/site/t"],
                       "APP_DIRS": True, "OPTIONS": {"context_processors": ["x.y"]}}],
        "STATIC_ROOT": "/srv/site/static",
        "MEDIA_ROOT": "/srv/site/media",
        "MEDIA_URL": "/media/",
        "STORAGES": {"default": {"BACKEND": "x"}, "staticfiles": {"BACKEND": "y"}, "exports": {"BACKEND": "z"}},
        "DATABASES": {"default": {"ENGINE": "django.db.backends.sqlite3"}, "legacy": {"ENGINE": "legacy"}},
        "WAGTAIL_SITE_NAME": "My site",
        "WAGTAILSEARCH_BACKENDS": {"default": {"BACKEND": "wagtail.search.backends.database"}},
        "WAGTAILADMIN_BASE_URL": "http://example.com",
        "LANGUAGE_CODE": "fr",
        "MY_OWN_SETTING": 42,
        **extra,
    }


def test_refuses_to_load_without_a_secret_key(env):
    env.delenv("DJANGO_SECRET_KEY")
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY is not set"):
        configure(site())


def test_keeps_what_the_contract_does_not_need(env):
    before = site()
    after = copy.deepcopy(before)
    configure(after)
    for key in ("ROOT_URLCONF", "WSGI_APPLICATION", "TEMPLATES", "STATIC_ROOT", "MEDIA_ROOT", "MEDIA_URL",
                "WAGTAIL_SITE_NAME", "WAGTAILSEARCH_BACKENDS", "LANGUAGE_CODE", "MY_OWN_SETTING", "BASE_DIR"):
        assert after[key] == before[key], key
    assert after["STORAGES"]["exports"] == before["STORAGES"]["exports"]
    assert after["STORAGES"]["staticfiles"]["BACKEND"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert after["STORAGES"]["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert after["STORAGES"]["default"]["OPTIONS"]["location"] == "/srv/site/media"
    assert after["DATABASES"] == {}  # no database variables: the dummy backend (start refuses to start)
    assert after["DEBUG"] is False and after["SECRET_KEY"] == "k" * 60
    assert after["WAGTAILADMIN_BASE_URL"] == ""  # the request's URL (admin_base_url), not the placeholder
    assert after["WAGTAIL_PASSWORD_RESET_ENABLED"] is False  # no email
    assert after["WAGTAIL_SCALE_TO_ZERO_RUNTIME"] is True


def test_adds_its_app_before_wagtail_embeds_once(env):
    settings = site()
    configure(settings)
    configure(settings)  # idempotent
    apps = settings["INSTALLED_APPS"]
    assert apps.count(APP) == 1 and apps.count("django.contrib.postgres") == 1
    assert apps.index(APP) == apps.index("wagtail.embeds") - 1
    assert apps[-1] == "django.contrib.postgres"  # the database is PostgreSQL (Django 6.1 checks it)
    assert [a for a in apps if a not in (APP, "django.contrib.postgres")] == site()["INSTALLED_APPS"]


def test_inserts_its_middleware_into_the_sites_own(env):
    settings = site()
    configure(settings)
    configure(settings)  # idempotent
    middleware = settings["MIDDLEWARE"]
    assert middleware[:5] == [HEALTH_MIDDLEWARE, CDN_ORIGIN_MIDDLEWARE, PAGE_CACHE_MIDDLEWARE, SECURITY, WHITENOISE]
    common = middleware.index(COMMON)
    assert middleware[common + 1:common + 4] == [ADMIN_BASE_URL_MIDDLEWARE, LOCAL_MEDIA_MIDDLEWARE, FILE_NOT_FOUND_MIDDLEWARE]
    ours = {HEALTH_MIDDLEWARE, CDN_ORIGIN_MIDDLEWARE, PAGE_CACHE_MIDDLEWARE, WHITENOISE, ADMIN_BASE_URL_MIDDLEWARE,
            LOCAL_MEDIA_MIDDLEWARE, FILE_NOT_FOUND_MIDDLEWARE}
    site_order = [m for m in site()["MIDDLEWARE"] if m != SECURITY]
    assert [m for m in middleware if m not in ours and m != SECURITY] == site_order
    assert len(middleware) == len(site()["MIDDLEWARE"]) + len(ours)


def test_middleware_without_common_or_security(env):
    settings = site(MIDDLEWARE=["myapp.middleware.Custom"])
    configure(settings)
    assert settings["MIDDLEWARE"] == [HEALTH_MIDDLEWARE, CDN_ORIGIN_MIDDLEWARE, PAGE_CACHE_MIDDLEWARE, SECURITY,
                                      WHITENOISE, ADMIN_BASE_URL_MIDDLEWARE, LOCAL_MEDIA_MIDDLEWARE,
                                      FILE_NOT_FOUND_MIDDLEWARE, "myapp.middleware.Custom"]


def test_environment_wins_where_it_is_set(env):
    env.setenv("DATABASE_URL", "postgres://u:p@db:5433/cms")
    env.setenv("DJANGO_STATIC_ROOT", "/app/staticfiles")
    env.setenv("DJANGO_MEDIA_ROOT", "/data/media")
    env.setenv("WAGTAIL_SITE_NAME", "From env")
    env.setenv("WAGTAILIMAGES_MAX_IMAGE_PIXELS", "1000")
    env.setenv("AWS_STORAGE_BUCKET_NAME", "media")
    env.setenv("EMAIL_OUTBOX_BUCKET", "outbox")
    env.setenv("DJANGO_DEFAULT_FROM_EMAIL", "cms@example.com")
    settings = site(WAGTAIL_PASSWORD_RESET_ENABLED=False)
    configure(settings)
    assert settings["DATABASES"]["legacy"] == {"ENGINE": "legacy"}  # the site's other aliases stay
    default = settings["DATABASES"]["default"]
    assert (default["ENGINE"], default["HOST"], default["PORT"], default["NAME"]) == (
        "django.db.backends.postgresql", "db", "5433", "cms")
    assert settings["STATIC_ROOT"] == "/app/staticfiles" and settings["MEDIA_ROOT"] == "/data/media"
    assert settings["WAGTAIL_SITE_NAME"] == "From env" and settings["WAGTAILIMAGES_MAX_IMAGE_PIXELS"] == 1000
    assert settings["STORAGES"]["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert settings["WAGTAILDOCS_SERVE_METHOD"] == "redirect"
    assert settings["EMAIL_BACKEND"] == f"{APP}.mail.S3OutboxBackend"
    assert settings["WAGTAIL_PASSWORD_RESET_ENABLED"] is False  # the site turned it off: it stays off


def test_site_choices_that_do_not_conflict_stay(env):
    finders = [{"class": "myapp.embeds.Finder"}]
    sessions = "django.contrib.sessions.backends.cache"
    settings = site(WAGTAILEMBEDS_FINDERS=finders, WAGTAILIMAGES_MAX_IMAGE_PIXELS=9, SESSION_ENGINE=sessions)
    configure(settings)
    assert settings["WAGTAILEMBEDS_FINDERS"] == finders
    assert settings["WAGTAILIMAGES_MAX_IMAGE_PIXELS"] == 9
    assert settings["SESSION_ENGINE"] == sessions
    settings = site()
    configure(settings)
    assert settings["WAGTAILEMBEDS_FINDERS"] == [{"class": f"{APP}.embeds.OEmbedFinder"}]
    assert settings["SESSION_ENGINE"] == SESSION_ENGINE == f"{APP}.session_store"
    assert settings["WAGTAILIMAGES_MAX_IMAGE_PIXELS"] == 50_000_000
