"""Lambda entry point for the outbox bucket's S3 ObjectCreated events.

Each record is dispatched by its key prefix: email/, purge/ or schedule/. Every
record is tried; if any failed, the invocation raises at the end, so Lambda's
asynchronous retries run again and then the on-failure destination gets the
event. Objects are deleted only once handled, so a retry redoes only what is left."""

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_plus

import outbox_aws
import outbox_email
import outbox_purge
import outbox_schedule
from outbox_message import PermanentError

logger = logging.getLogger("outbox")
logger.setLevel(logging.INFO)

JOBS: dict[str, Callable[[str, str], None]] = {
    outbox_email.PREFIX: outbox_email.send,
    outbox_purge.PREFIX: outbox_purge.purge,
    outbox_schedule.PREFIX: outbox_schedule.schedule,
}


class OutboxFailure(Exception):
    """Some records failed; the message names their keys and error codes only."""


def describe(exc: BaseException) -> str:
    """What may be logged about a failure: the AWS code or class name (plus our own safe text)."""
    if isinstance(exc, PermanentError):
        return f"{type(exc).__name__} ({exc})"
    return outbox_aws.error_code(exc)


def handler(event: dict[str, Any], context: Any) -> None:
    """Handle every record of the event; raise OutboxFailure at the end if any failed."""
    records = event.get("Records") or []
    failures: list[str] = []
    for record in records:
        bucket = record["s3"]["bucket"]["name"]
        key = unquote_plus(record["s3"]["object"]["key"])  # S3 event keys are URL-encoded
        job = next((job for prefix, job in JOBS.items() if key.startswith(prefix)), None)
        if job is None:
            logger.warning("ignored key=%s: no job for this prefix", key)
            continue
        try:
            job(bucket, key)
        except Exception as exc:
            logger.error("failed key=%s error=%s", key, describe(exc))
            failures.append(f"{key}: {describe(exc)}")
    if failures:
        raise OutboxFailure(f"{len(failures)} of {len(records)} record(s) failed: " + "; ".join(failures))
