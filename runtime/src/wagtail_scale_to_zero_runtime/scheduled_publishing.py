"""Scheduled publishing without a clock that wakes the database.

Wagtail publishes a revision approved for a later go-live time, and unpublishes a
live page or snippet past its expiry time, only when ``publish_scheduled`` runs. A
cron every few minutes would keep Aurora awake all month; instead, whenever a
transaction that saved or deleted a revision, a page or a model with drafts commits,
the next due time is computed from the database (``next_due``: the earliest
``approved_go_live_at`` of any revision, and the earliest ``expire_at`` of any live
page or model with drafts, rounded up to a whole minute). When it differs from the
time last asked for (the one-row PublishingScheduleRequest), a request
``schedule/<UTC stamp>-<uuid>.json`` holding ``{"at": "<time>Z"}`` (``null``: nothing is
due) goes to SCHEDULE_OUTBOX_BUCKET. The construct's sender, outside the VPC, keeps one
EventBridge Scheduler schedule for the newest request: a one-time ``at()`` schedule,
deleted after it runs, that invokes the operator path with
``publish_and_reschedule``. That command publishes what is due and asks for the
next time, whatever the record says (so a lost request heals at the next run).

The stamp is the wall clock when the database was read: the sender applies the
newest request, so two processes' requests within the same milliseconds can
arrive in either order (the later run of the schedule corrects it).

A failed request is logged, never raised (the change itself has succeeded), and
the record is left as it was, so the next change asks again.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db.models import Min, signals

from .contract import SCHEDULE_PREFIX
from .once_per_commit import OncePerCommit

logger = logging.getLogger(__name__)
_DISPATCH_UID = "wagtail_scale_to_zero_runtime.scheduled_publishing"


def scheduled_models() -> list[Any]:
    """The models whose live rows can expire, as publish_scheduled reads them: Page (all its types in one
    table), then every other model with drafts."""
    from wagtail.models import DraftStateMixin, Page

    return [Page] + [model for model in apps.get_models()
                     if issubclass(model, DraftStateMixin) and not issubclass(model, Page)]


def next_due() -> datetime | None:
    """The next minute publish_scheduled has something to do, or None."""
    from wagtail.models import Revision

    times = [Revision.objects.filter(approved_go_live_at__isnull=False).aggregate(t=Min("approved_go_live_at"))["t"]]
    for model in scheduled_models():
        times.append(model.objects.filter(live=True, expire_at__isnull=False).aggregate(t=Min("expire_at"))["t"])
    due = min((t for t in times if t is not None), default=None)
    return None if due is None else ceil_minute(due)


def ceil_minute(moment: datetime) -> datetime:
    """``moment`` in UTC, rounded up to a whole minute (publish_scheduled acts on times before now)."""
    moment = moment.astimezone(timezone.utc)
    whole = moment.replace(second=0, microsecond=0)
    return whole if whole == moment else whole + timedelta(minutes=1)


def request_schedule(*, force: bool = False) -> datetime | None:
    """Asks the outbox for the schedule of the next due time when it changed (``force``: whatever the record
    says); returns that time. Needs SCHEDULE_OUTBOX_BUCKET, else asks for nothing."""
    from .models import PublishingScheduleRequest

    bucket = settings.SCHEDULE_OUTBOX_BUCKET
    read_at = datetime.now(timezone.utc)
    due = next_due()
    if not bucket:
        return due
    last = PublishingScheduleRequest.objects.filter(pk=PublishingScheduleRequest.ONLY).first()
    if not force and (last.at if last else None) == due:
        return due
    key = f"{SCHEDULE_PREFIX}{read_at.strftime('%Y%m%dT%H%M%S.%fZ')}-{uuid.uuid4().hex}.json"
    body = json.dumps({"at": None if due is None else due.strftime("%Y-%m-%dT%H:%M:%SZ")}).encode()
    from .aws_clients import s3

    try:
        s3().put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json")
    except Exception as exc:
        logger.error("publishing schedule request %s failed (%s: %s): scheduled pages wait for the next change or "
                     "for `manage publish_and_reschedule`", key, type(exc).__name__, exc)
        return due
    PublishingScheduleRequest.objects.update_or_create(
        pk=PublishingScheduleRequest.ONLY, defaults={"at": due, "requested_at": read_at})
    logger.info("publishing schedule requested: %s", "none" if due is None else due.isoformat())
    return due


def _request_if_changed() -> None:
    if not settings.SCHEDULE_OUTBOX_BUCKET:
        return
    try:
        request_schedule()
    except Exception:  # after the commit: the change stands, whatever happens here
        logger.exception("publishing schedule: computing the next due time failed")


_request_on_commit = OncePerCommit(_request_if_changed)


def changed(sender: Any, **kwargs: Any) -> None:
    """Receiver of post_save and post_delete of revisions and of models with drafts."""
    _request_on_commit.request()


def connect() -> None:
    """Connects the receivers (idempotent): per model, so that other models' saves and deletes pay nothing."""
    from wagtail.models import DraftStateMixin, Revision

    for model in apps.get_models():
        if model is Revision or issubclass(model, DraftStateMixin):
            signals.post_save.connect(changed, sender=model, dispatch_uid=f"{_DISPATCH_UID}.save")
            signals.post_delete.connect(changed, sender=model, dispatch_uid=f"{_DISPATCH_UID}.delete")
