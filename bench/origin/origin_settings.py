"""The origin project's settings, rebuilt on top of the bundled site's production settings.

The origin (v-studios/scale-to-zero, 2023) ran `manage.py runserver` with a
development settings module: DEBUG on, any host allowed, and the database taken
from DATABASE_URL by dj-database-url with persistent connections of 600 s, no
pool and no page cache: every page view was rendered from the database. Everything
else (apps, templates, the other middleware, pages) is the bundled app's, so both
configurations serve the same Wagtail pages from the same database.
"""

import dj_database_url
from wagtail_scale_to_zero_runtime.settings import PAGE_CACHE_MIDDLEWARE

from cms.settings.production import *  # noqa: F401,F403 - same apps, templates and pages as ours

DEBUG = True
ALLOWED_HOSTS = ["*"]
# What the origin did: one persistent connection per thread, kept up to 600 s.
DATABASES = {"default": dj_database_url.config(conn_max_age=600)}
# The origin had no page cache: every anonymous view rendered the page from the database.
MIDDLEWARE = [m for m in MIDDLEWARE if m != PAGE_CACHE_MIDDLEWARE]  # noqa: F405 - from the production settings
