"""A site's own data may bring its own administrator: the first admin makes way.

`manage.py startup` creates the first admin (DJANGO_SUPERUSER_USERNAME, "admin"
by default) on a new database. A site that moves in then loads its own data
(`loaddata` through the operator path, or a loader command of its own), which
often holds a user of that same name under another primary key: the insert
would fail on the unique username ("duplicate key value violates unique
constraint auth_user_username_key") and nothing would load.

When a new user of the same name is saved, by loaddata (``pre_save`` with
``raw``) or by a loader's ORM call (``create_superuser("admin", ...)``: an
instance still being added), a first admin of that name that the construct
created (AdminBootstrap.created) and that has never signed in is deleted first:
it owns nothing yet, and the site's user, with the password the site's data or
loader gives it, takes its name. Saving an existing user never deletes anyone,
and the admin's own forms and ``createsuperuser`` refuse a taken name before
they save. The bootstrap record stays, so no first admin is created again at
the next start. A first admin who has signed in is someone's account and is
kept: the load fails as before, with a log line that says why and what to do.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.signals import pre_save

logger = logging.getLogger(__name__)
_DISPATCH_UID = "wagtail_scale_to_zero_runtime.first_admin_handover"


def make_way_for_loaded_user(sender: Any, instance: Any, raw: bool = False, using: str = "default",
                             **kwargs: Any) -> None:
    """pre_save receiver of the user model: see the module's docstring."""
    from .models import AdminBootstrap

    if not raw and not instance._state.adding:
        return
    username = instance.get_username()
    namesake = sender._default_manager.using(using).filter(**{sender.USERNAME_FIELD: username}).exclude(
        pk=instance.pk).first()
    if namesake is None:
        return
    if not AdminBootstrap.objects.using(using).filter(username=username, created=True).exists():
        return
    if namesake.last_login is not None:
        logger.warning("loaded data has its own user %r, but the first admin of that name has signed in: kept, "
                       "so the load fails; rename that admin in Wagtail first (Settings, Users)", username)
        return
    namesake.delete()
    logger.warning("first admin %r (created by the construct, never signed in) made way for the user %r of the "
                   "loaded data", username, username)


def connect() -> None:
    """Connects the receiver to the user model (idempotent)."""
    pre_save.connect(make_way_for_loaded_user, sender=get_user_model(), dispatch_uid=_DISPATCH_UID)
