"""What changes the public site, and what such a change does to the page cache and the CDN.

Changes:

- Wagtail's signals ``page_published``, ``page_unpublished`` (also sent when a live
  page is deleted), ``post_page_move``, and for snippets with drafts ``published``
  and ``unpublished`` (which Wagtail also sends for pages, after the page signal:
  ignored then);
- a view restriction (PageViewRestriction, CollectionViewRestriction) saved, deleted,
  or its groups changed: always, in the admin or not;
- in an admin write (PageCacheMiddleware: a POST, PUT, PATCH or DELETE under an admin
  path), a save, delete or many-to-many change of any other model, except those the
  admin writes without a content change (UNCHANGING: sessions, user profiles, editing
  sessions, the form state a preview keeps since Wagtail 8, and this package's
  password-reset attempts, housekeeping record and publishing-schedule record), when the request was handled by a view (not CommonMiddleware's redirect)
  other than signing in or out or resetting a password, for a signed-in user who may
  use the admin (``wagtailadmin.access_admin`` or ``is_staff``). This covers what sends
  no Wagtail signal (a snippet without drafts, an image, a setting, a redirect, page
  re-ordering) whatever the view answers. A draft's save counts too (it changes no
  public page: one needless invalidation). Previews and editing-session pings save
  only UNCHANGING models: they do not count.

Only committed changes count. A request's changes make one flush when the request
ends; outside a request (a management command), each transaction's changes make one
flush once it commits. A flush:

- starts a new page-cache generation (page_cache_store.PageCache.bump): this
  instance serves the new content at once, the others within
  PAGE_CACHE_GENERATION_SECONDS;
- asks for a CDN purge (page_cache_purge.py: at most one object per
  PURGE_BATCH_SECONDS per process, the others left pending, not lost).

A failure is logged, never raised: the change itself has succeeded. Pages are then
stale for at most PAGE_CACHE_MAX_AGE (the cache) and PAGE_CACHE_CDN_SECONDS (the CDN).

The receivers are connected when the package's app is ready (apps.py), so every
process of the site has them: gunicorn, Lambda, management commands.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.http import HttpRequest

from .once_per_commit import OncePerCommit
from .page_cache_purge import throttle

logger = logging.getLogger(__name__)

PAGE_SIGNALS = ("page_published", "page_unpublished", "post_page_move")
# Sent for any model with drafts, pages included (after the page signal).
OBJECT_SIGNALS = ("published", "unpublished")
VIEW_RESTRICTIONS = frozenset({"wagtailcore.pageviewrestriction", "wagtailcore.collectionviewrestriction"})
# Saved by the admin on requests that change no content.
UNCHANGING = frozenset({"sessions.session", "wagtailusers.userprofile", "wagtailadmin.editingsession",
                        "wagtailadmin.formstate", "wagtail_scale_to_zero_runtime.passwordresetattempt",
                        "wagtail_scale_to_zero_runtime.housekeepingrun",
                        "wagtail_scale_to_zero_runtime.publishingschedulerequest"})
# Admin writes that change no content whatever they save (the sign-in saves last_login).
ACCOUNT_VIEWS = frozenset({"wagtailadmin_login", "wagtailadmin_logout", "admin:login", "admin:logout"})
PASSWORD_RESET_VIEWS = ("wagtailadmin_password_reset", "admin_password_reset", "password_reset")
ADMIN_PERMISSION = "wagtailadmin.access_admin"
M2M_DONE = ("post_add", "post_remove", "post_clear")

# Per thread: the current request's changes.
_state = threading.local()


class RequestChanges:
    """The committed changes of one request."""

    def __init__(self, admin_write: bool) -> None:
        self.admin_write = admin_write
        self.public = False  # a change of the public site, whoever made it
        self.admin_saved = False  # another model saved, which counts if the request was an editor's admin save

    def note_public(self) -> None:
        self.public = True

    def note_admin_saved(self) -> None:
        self.admin_saved = True


@contextmanager
def request_changes(admin_write: bool) -> Iterator[RequestChanges]:
    """Collects the changes made while a request is handled (``admin_write``: an admin POST, PUT, PATCH, DELETE)."""
    changes = RequestChanges(admin_write)
    _state.request = changes
    try:
        yield changes
    finally:
        _state.request = None


def finish_request(request: HttpRequest, changes: RequestChanges) -> None:
    """Flushes once when the request changed the public site, or was an editor's admin save."""
    if changes.public or (changes.admin_saved and is_editors_save(request)):
        flush_now()


def is_editors_save(request: HttpRequest) -> bool:
    """Whether an admin write was handled by a view other than the account's, for a user who may use the admin."""
    match = getattr(request, "resolver_match", None)
    if match is None:  # no view: CommonMiddleware's redirect, a 404
        return False
    if match.view_name in ACCOUNT_VIEWS or match.view_name.startswith(PASSWORD_RESET_VIEWS):
        return False
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return bool(user.is_staff or user.has_perm(ADMIN_PERMISSION))


def connect() -> None:
    """Connects the receivers (idempotent): Wagtail's signals, and the model signals of every model but UNCHANGING."""
    from django.apps import apps
    from django.db.models import signals as model_signals
    from wagtail import signals

    for name in PAGE_SIGNALS:
        getattr(signals, name).connect(changed, dispatch_uid=f"{__name__}.{name}")
    for name in OBJECT_SIGNALS:
        getattr(signals, name).connect(object_changed, dispatch_uid=f"{__name__}.{name}")
    # Per model, not for all senders: a model with no receiver keeps Django's fast delete (clearsessions).
    for model in apps.get_models(include_auto_created=True):
        if _label(model) not in UNCHANGING:
            model_signals.post_save.connect(model_saved, sender=model, dispatch_uid=f"{__name__}.save")
            model_signals.post_delete.connect(model_saved, sender=model, dispatch_uid=f"{__name__}.delete")
    model_signals.m2m_changed.connect(relation_changed, dispatch_uid=f"{__name__}.m2m")


def _label(model: Any) -> str:
    """app_label.model_name of a model, or of the model that owns an automatic many-to-many table."""
    owner = model._meta.auto_created or model
    return owner._meta.label_lower


def model_saved(sender: Any, **kwargs: Any) -> None:
    """Receiver of post_save and post_delete."""
    _model_changed(_label(sender))


def relation_changed(sender: Any, instance: Any = None, action: str = "", model: Any = None, **kwargs: Any) -> None:
    """Receiver of m2m_changed: a change of both sides' models."""
    if action in M2M_DONE:
        for side in (type(instance), model):
            _model_changed(_label(side))


def _model_changed(label: str) -> None:
    if label in VIEW_RESTRICTIONS:
        changed()
        return
    changes: RequestChanges | None = getattr(_state, "request", None)
    if changes is not None and changes.admin_write and label not in UNCHANGING:
        from django.db import transaction

        transaction.on_commit(changes.note_admin_saved)


def object_changed(instance: Any = None, **kwargs: Any) -> None:
    """Receiver of the signals of any model with drafts: a snippet's change, not a page's."""
    from wagtail.models import Page

    if not isinstance(instance, Page):
        changed()


def changed(**kwargs: Any) -> None:
    """A change of the public site: noted for the request's end, or flushed when the current transaction commits
    (at once outside a transaction)."""
    changes: RequestChanges | None = getattr(_state, "request", None)
    if changes is not None:
        from django.db import transaction

        transaction.on_commit(changes.note_public)
        return
    _flush_on_commit.request()


def flush_now() -> None:
    """Bumps the generation and asks for a CDN purge."""
    from .page_cache_store import page_cache

    try:
        page_cache().bump()
    except Exception:  # after the commit: the change stands, whatever happens here
        logger.exception("page cache: starting a new generation failed")
    throttle.request()


# Outside a request: one flush per committed transaction, whatever it changed.
_flush_on_commit = OncePerCommit(flush_now)
