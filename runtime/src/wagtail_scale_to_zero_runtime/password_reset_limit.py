"""Rate limits of the anonymous password-reset form, shared by every instance and
Lambda environment (counted in the database, which the form needs anyway).

Within PASSWORD_RESET_WINDOW_SECONDS (contract.json: one hour), at most
PASSWORD_RESET_REQUESTS_PER_CLIENT reset requests (10) per client and at most
PASSWORD_RESET_EMAILS_PER_ADDRESS reset emails (3) per address. The client is
REMOTE_ADDR: behind CloudFront the verified viewer's address (cdn_origin.py),
on a Function URL the caller's. Only keyed hashes of the address and the client
are stored; rows older than the window are deleted as new ones come.

``install()`` (from the app's ready()) wraps Django's PasswordResetForm.save,
which Wagtail's admin reset view and Django's own call (Wagtail's form is a
subclass). Over a limit the form sends nothing and the view answers as it always
does (the same "email sent" page: nobody learns whether an address has an
account, nor that a limit was hit), and one warning line says which limit, with
the client but never the email address.
"""

from __future__ import annotations

import functools
import logging
from datetime import timedelta
from typing import Any

from django.contrib.auth.forms import PasswordResetForm
from django.db import connection, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .contract import (PASSWORD_RESET_EMAILS_PER_ADDRESS, PASSWORD_RESET_REQUESTS_PER_CLIENT,
                       PASSWORD_RESET_WINDOW_SECONDS)

logger = logging.getLogger(__name__)
_INSTALLED = "_wagtail_scale_to_zero_runtime_limit"


def _key(scope: str, value: str) -> str:
    """A keyed hash of ``value`` (an address or a client), so that neither is stored."""
    return salted_hmac(f"{__name__}.{scope}", value, algorithm="sha256").hexdigest()


def _count(scope: str, key: str, limit: int, since: Any) -> bool:
    """Records one attempt for ``key`` unless it has ``limit`` within the window; whether it did."""
    from .models import PasswordResetAttempt

    with connection.cursor() as cursor:  # one at a time per key, across every process
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int(key[:15], 16)])
    if PasswordResetAttempt.objects.filter(scope=scope, key=key, created_at__gte=since).count() >= limit:
        return False
    PasswordResetAttempt.objects.create(scope=scope, key=key, created_at=timezone.now())
    return True


def window_start() -> Any:
    """The oldest moment an attempt still counts from."""
    return timezone.now() - timedelta(seconds=PASSWORD_RESET_WINDOW_SECONDS)


def delete_spent(since: Any) -> int:
    """Deletes the attempts from before ``since``, which count no more; how many."""
    from .models import PasswordResetAttempt

    return PasswordResetAttempt.objects.filter(created_at__lt=since).delete()[0]


def allowed(client: str, address: str) -> bool:
    """Whether a reset request from ``client`` for ``address`` may send its email (counts it)."""
    since = window_start()
    with transaction.atomic():
        delete_spent(since)
        if not _count("client", _key("client", client), PASSWORD_RESET_REQUESTS_PER_CLIENT, since):
            logger.warning("password reset: client %s is over %d requests per %d s: nothing sent",
                           client, PASSWORD_RESET_REQUESTS_PER_CLIENT, PASSWORD_RESET_WINDOW_SECONDS)
            return False
        if not _count("address", _key("address", address.strip().lower()), PASSWORD_RESET_EMAILS_PER_ADDRESS,
                      since):
            logger.warning("password reset: the address asked for by client %s is over %d emails per %d s: "
                           "nothing sent", client, PASSWORD_RESET_EMAILS_PER_ADDRESS, PASSWORD_RESET_WINDOW_SECONDS)
            return False
    return True


def install() -> None:
    """Puts the limits in front of PasswordResetForm.save (idempotent)."""
    save = PasswordResetForm.save
    if getattr(save, _INSTALLED, False):
        return

    @functools.wraps(save)
    def limited_save(self: PasswordResetForm, *args: Any, request: Any = None, **kwargs: Any) -> Any:
        client = request.META.get("REMOTE_ADDR", "") if request is not None else ""
        if not allowed(client, self.cleaned_data["email"]):
            return None
        return save(self, *args, request=request, **kwargs)

    setattr(limited_save, _INSTALLED, True)
    PasswordResetForm.save = limited_save  # type: ignore[method-assign]
