"""schedule/ objects: one EventBridge Scheduler one-time schedule for the newest publishing request.

The app writes schedule/<UTC stamp>-<32 hex>.json holding {"at": "<UTC time>"} ({"at": null}:
nothing is due) whenever the next due time of its scheduled publishing changes. Key names sort
by the time the app read its database, so the newest (greatest) key is the request in force,
whichever object's event runs. An event applies that request to SCHEDULE_NAME in SCHEDULE_GROUP:
an at() schedule, deleted once it ran, that invokes SCHEDULE_TARGET_ARN with SCHEDULE_TARGET_INPUT
as SCHEDULE_ROLE_ARN, at the requested time but never less than a minute ahead (Scheduler's
handling of a past at() is undocumented; a past request runs within two minutes); for null, no
schedule. It then deletes the older requests, keeping the newest as the record a late event of
an older one finds, and lists again: invocations running at once converge on the newest request.

A newest request whose body cannot be read is kept as that record too, but applied as a run
within two minutes: the command acts only on what is due, so running it early is harmless, and
the runtime's publish_and_reschedule then asks for the next due time afresh. It is reported as
a PermanentError; any newer request supersedes it as usual, so it blocks nothing."""

import json
import logging
import os
import re
from datetime import datetime, timedelta, timezone

from botocore.exceptions import BotoCoreError, ClientError

import outbox_aws
from outbox_message import PermanentError

logger = logging.getLogger("outbox")

PREFIX = "schedule/"  # the contract's schedulePrefix (functions/tests/test_contract.py)
KEY_PATTERN = re.compile(re.escape(PREFIX) + r"\d{8}T\d{6}\.\d{6}Z-[0-9a-f]{32}\.json")
SETTINGS = ("SCHEDULE_GROUP", "SCHEDULE_NAME", "SCHEDULE_TARGET_ARN", "SCHEDULE_ROLE_ARN", "SCHEDULE_TARGET_INPUT")
LEAD = timedelta(seconds=60)  # the least time between applying a request and its run
MAX_ROUNDS = 5  # requests applied per event; a request newer still is left to its own event
MAX_OBJECTS = 1000  # per DeleteObjects call: S3's limit
MAX_BODY = 4096  # bytes read of a request; {"at": ...} is some thirty


def schedule(bucket: str, key: str) -> None:
    """Handle the event of one schedule/ object: apply the newest request (whichever it is) and delete
    the older ones. Raises if Scheduler fails (the requests stay) or a request applied was invalid."""
    settings = schedule_settings()
    if not KEY_PATTERN.fullmatch(key):
        raise PermanentError("not a schedule request key (schedule/<stamp>-<32 hex>.json)")
    invalid: list[str] = []
    applied: str | None = None
    for _ in range(MAX_ROUNDS):
        keys = listed(bucket)
        if not keys:
            if applied is None:
                logger.info("skipped key=%s: no schedule request left", key)
            break
        newest, older = keys[-1], keys[:-1]
        if newest == applied:
            break
        raw = read(bucket, newest)
        if raw is None:
            continue  # deleted by an invocation that saw a newer request: list again
        try:
            at = requested_time(raw)
        except PermanentError as exc:
            when = soonest()
            put_schedule(settings, when, f"Outbox request {newest} (unreadable: run as soon as possible)")
            report(logging.ERROR, f"invalid key={newest}: {exc}; scheduled at={iso(when)} instead", older,
                   delete(bucket, older))
            invalid.append(f"{newest}: {exc}")
        else:
            if at is None:
                unschedule(settings)
                outcome = f"unscheduled key={newest}"
            else:
                when = max(at, soonest())
                put_schedule(settings, when, f"Outbox request {newest}")
                outcome = f"scheduled key={newest} at={iso(when)} requested={iso(at)}"
            report(logging.INFO, outcome, older, delete(bucket, older))
        applied = newest
    if invalid:
        raise PermanentError("invalid schedule request " + "; ".join(invalid))


def schedule_settings() -> dict[str, str]:
    """The SCHEDULE_* environment variables; a missing one is a PermanentError naming it."""
    settings = {name: os.environ.get(name, "").strip() for name in SETTINGS}
    for name, value in settings.items():
        if not value:
            raise PermanentError(f"{name} is not set")
    return settings


def listed(bucket: str) -> list[str]:
    """The keys of every request under schedule/, oldest first (other keys there are no requests)."""
    pages = outbox_aws.s3().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=PREFIX)
    return sorted(obj["Key"] for page in pages for obj in page.get("Contents", [])
                  if KEY_PATTERN.fullmatch(obj["Key"]))


def read(bucket: str, key: str) -> bytes | None:
    """The first MAX_BODY + 1 bytes of a request, or None once it is gone."""
    try:
        obj = outbox_aws.s3().get_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if outbox_aws.error_code(exc) in ("NoSuchKey", "404"):
            return None
        raise
    with obj["Body"] as body:
        return body.read(MAX_BODY + 1)


def requested_time(raw: bytes) -> datetime | None:
    """The requested time of a request body, rounded up to a whole minute (UTC), or None for {"at": null}.
    Raises PermanentError, never quoting the body, unless "at" is null or an ISO-8601 UTC time."""
    if len(raw) > MAX_BODY:
        raise PermanentError(f"body is longer than {MAX_BODY} bytes")
    try:
        request = json.loads(raw)
    except ValueError:
        raise PermanentError("body is not JSON") from None
    if not isinstance(request, dict) or "at" not in request:
        raise PermanentError('body is not {"at": ...}')
    at = request["at"]
    if at is None:
        return None
    try:
        moment = datetime.fromisoformat(at) if isinstance(at, str) else None
        if moment is None or moment.utcoffset() != timedelta(0):
            raise ValueError
        return ceil_minute(moment)
    except (ValueError, OverflowError):
        raise PermanentError('"at" is neither null nor an ISO-8601 UTC time') from None


def ceil_minute(moment: datetime) -> datetime:
    """moment in UTC, rounded up to a whole minute."""
    moment = moment.astimezone(timezone.utc)
    whole = moment.replace(second=0, microsecond=0)
    return whole if whole == moment else whole + timedelta(minutes=1)


def soonest() -> datetime:
    """The earliest time a schedule is set for: LEAD from now, rounded up to a whole minute."""
    return ceil_minute(datetime.now(timezone.utc) + LEAD)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def put_schedule(settings: dict[str, str], when: datetime, description: str) -> None:
    """Create the schedule for `when`, or replace the existing one: UpdateSchedule resets every field it
    is not given (ActionAfterCompletion to NONE), so it gets the same full set of parameters."""
    params = {
        "Name": settings["SCHEDULE_NAME"],
        "GroupName": settings["SCHEDULE_GROUP"],
        "Description": description,
        "ScheduleExpression": f"at({when:%Y-%m-%dT%H:%M:%S})",
        "ScheduleExpressionTimezone": "UTC",
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "ActionAfterCompletion": "DELETE",
        "State": "ENABLED",
        "Target": {
            "Arn": settings["SCHEDULE_TARGET_ARN"],
            "RoleArn": settings["SCHEDULE_ROLE_ARN"],
            "Input": settings["SCHEDULE_TARGET_INPUT"],
        },
    }
    scheduler = outbox_aws.scheduler()
    try:
        scheduler.create_schedule(**params)
    except ClientError as exc:
        if outbox_aws.error_code(exc) != "ConflictException":
            raise
        scheduler.update_schedule(**params)


def unschedule(settings: dict[str, str]) -> None:
    """Delete the schedule; one already gone (it ran, or an earlier attempt deleted it) is fine."""
    try:
        outbox_aws.scheduler().delete_schedule(Name=settings["SCHEDULE_NAME"], GroupName=settings["SCHEDULE_GROUP"])
    except ClientError as exc:
        if outbox_aws.error_code(exc) != "ResourceNotFoundException":
            raise


def delete(bucket: str, keys: list[str]) -> int:
    """Delete the superseded requests; returns how many S3 did not delete. Not raised: a retry would
    only apply the newest request again, and any later invocation deletes what is left."""
    failed = 0
    for start in range(0, len(keys), MAX_OBJECTS):
        chunk = keys[start:start + MAX_OBJECTS]
        try:
            deleted = outbox_aws.s3().delete_objects(
                Bucket=bucket, Delete={"Objects": [{"Key": k} for k in chunk], "Quiet": True})
        except (ClientError, BotoCoreError):
            failed += len(chunk)
            continue
        failed += len(deleted.get("Errors", []))
    return failed


def report(level: int, outcome: str, older: list[str], failed: int) -> None:
    """The one line of an applied request: what was done and how many older requests it superseded."""
    line = f"{outcome} superseded={len(older) - failed}"
    if failed:
        line += f" not_deleted={failed}"
        level = max(level, logging.WARNING)
    logger.log(level, line)
