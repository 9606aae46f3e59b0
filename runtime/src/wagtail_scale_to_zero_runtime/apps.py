"""The app that configure() adds to INSTALLED_APPS: when Django starts, outbound
calls get their timeout (outbound.py), renditions are made one at a time
(renditions.py), the password-reset form is rate-limited (password_reset_limit.py),
the page cache's receivers are connected (page_cache_invalidation.py), and the first
admin makes way for a namesake in a site's loaded data (first_admin_handover.py), and
the first sign-in of each day runs the housekeeping (housekeeping.py), and a change of a
go-live or expiry time asks for the publishing schedule (scheduled_publishing.py)."""

from __future__ import annotations

from django.apps import AppConfig


class WagtailScaleToZeroRuntimeConfig(AppConfig):
    name = "wagtail_scale_to_zero_runtime"
    verbose_name = "wagtail-scale-to-zero runtime"
    # Explicit, so that the migrations do not depend on the site's DEFAULT_AUTO_FIELD
    # or on Django's default for it (BigAutoField from Django 6.0).
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import (first_admin_handover, housekeeping, outbound, page_cache_invalidation, password_reset_limit,
                       renditions, scheduled_publishing)

        outbound.set_default_timeout()
        renditions.install()
        password_reset_limit.install()
        page_cache_invalidation.connect()
        first_admin_handover.connect()
        housekeeping.connect()
        scheduled_publishing.connect()
