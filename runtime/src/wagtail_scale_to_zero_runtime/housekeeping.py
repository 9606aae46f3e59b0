"""Housekeeping that rides on a database wake that happens anyway.

What grows without end in a Wagtail site's database grows with its editors' use:
sessions (one per sign-in, never removed by Django itself), the password-reset
attempts counted against their limits, and, where the site installs
wagtail.contrib.search_promotions, its search query records. A schedule would wake a
paused database every day for nothing while nobody uses the site; instead the
first sign-in to the site each day (``user_logged_in``: the database is awake for
it anyway) runs ``run()`` after the sign-in's own work: a count and a delete on an
indexed column per table. An operator runs the same at any time with the
``housekeeping`` management command (through the operator path).

Steps, each logged with what it removed: expired sessions (the session engine's
clear_expired, as ``clearsessions``), password-reset attempts older than their
window, and ``searchpromotions_garbage_collect`` when that app is installed. A
failure is logged and never fails the sign-in.
"""

from __future__ import annotations

import io
import logging
from datetime import timedelta
from importlib import import_module
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from . import password_reset_limit

logger = logging.getLogger(__name__)
# At most one run per this many seconds from sign-ins (the command runs whenever asked).
INTERVAL_SECONDS = 24 * 3600
# Serialises the runs of every instance ("house" in ASCII).
LOCK_KEY = 0x686F757365
_DISPATCH_UID = "wagtail_scale_to_zero_runtime.housekeeping"


def run() -> list[str]:
    """Runs every step now and records the run; a line per step, as logged."""
    from .models import HousekeepingRun

    store = import_module(settings.SESSION_ENGINE).SessionStore
    sessions = store.get_model_class().objects if hasattr(store, "get_model_class") else None
    expired = sessions.filter(expire_date__lt=timezone.now()).count() if sessions is not None else "all"
    store.clear_expired()
    lines = [f"expired sessions removed: {expired}"]
    spent = password_reset_limit.delete_spent(password_reset_limit.window_start())
    lines.append(f"password-reset attempts past their window removed: {spent}")
    if apps.is_installed("wagtail.contrib.search_promotions"):
        call_command("searchpromotions_garbage_collect", stdout=io.StringIO())
        lines.append("search promotions' query records collected")
    HousekeepingRun.objects.update_or_create(pk=HousekeepingRun.ONLY, defaults={"ran_at": timezone.now()})
    for line in lines:
        logger.info("housekeeping: %s", line)
    return lines


def run_if_due(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    """user_logged_in receiver: runs the housekeeping when the last run is a day old or more."""
    from .models import HousekeepingRun

    try:
        with transaction.atomic():
            with connection.cursor() as cursor:  # one instance at a time; the others skip
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK_KEY])
                if not cursor.fetchone()[0]:
                    return
            last = HousekeepingRun.objects.filter(pk=HousekeepingRun.ONLY).first()
            if last and last.ran_at > timezone.now() - timedelta(seconds=INTERVAL_SECONDS):
                return
            run()
    except Exception:  # never let housekeeping fail a sign-in
        logger.exception("housekeeping: failed; the sign-in goes on, the next one tries again")


def connect() -> None:
    """Connects the sign-in receiver (idempotent)."""
    user_logged_in.connect(run_if_due, dispatch_uid=_DISPATCH_UID)
