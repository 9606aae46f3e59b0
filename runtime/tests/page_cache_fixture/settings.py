"""The bundled site's production settings (configure() included) plus the fixture app.
Processes using them need runtime/ on PYTHONPATH (tests.page_cache_fixture)."""

from cms.settings.production import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.page_cache_fixture"]  # noqa: F405
