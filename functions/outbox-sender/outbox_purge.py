"""purge/ objects: one CloudFront invalidation of DISTRIBUTION_ID per burst of publishes.

Each object holds {"paths": ["/...", ...]}. The event of an object waits until the
object is PURGE_BATCH_SECONDS old, so that the publishes of that window pile up
behind it; then one invalidation covers every object waiting under purge/, and
those objects are deleted. The events of the others find their object gone and
do nothing. While an older object is still waiting (its own event is handling the
batch), an event waits up to another window for it to go before acting itself, so
that two events rarely invalidate the same burst twice; an object is never left
behind, since only its disappearance ends its event without an invalidation."""

import hashlib
import json
import logging
import os
import time
from datetime import datetime, timezone

from botocore.exceptions import ClientError

import outbox_aws
from outbox_message import PermanentError

logger = logging.getLogger("outbox")

PREFIX = "purge/"  # the contract's purgePrefix (functions/tests/test_contract.py)
EVERYTHING = "/*"
MAX_PATHS = 30  # more distinct paths than this are invalidated as EVERYTHING
MAX_PATH_LENGTH = 4000  # CloudFront's limit per invalidation path
MAX_OBJECTS = 1000  # per batch: S3's DeleteObjects limit; later objects have their own events
POLL_SECONDS = 1.0


class NotDeleted(Exception):
    """The invalidation was made but S3 refused to delete some of the objects it covered."""


def purge(bucket: str, key: str) -> None:
    """Handle the event of one purge/ object; raises if the invalidation or the deletes fail (the objects stay)."""
    distribution = os.environ.get("DISTRIBUTION_ID", "").strip()
    if not distribution:
        raise PermanentError("DISTRIBUTION_ID is not set")
    window = os.environ.get("PURGE_BATCH_SECONDS", "").strip()
    if not window:
        raise PermanentError("PURGE_BATCH_SECONDS is not set")
    window = float(window)
    s3 = outbox_aws.s3()
    try:
        created = s3.head_object(Bucket=bucket, Key=key)["LastModified"]
    except ClientError as exc:
        if outbox_aws.error_code(exc) in ("NoSuchKey", "404"):
            logger.info("skipped key=%s: object gone (already purged)", key)
            return
        raise
    time.sleep(max(0.0, window - age(created)))
    batch = waiting_batch(bucket, key, deadline=time.monotonic() + window)
    if not batch:
        logger.info("skipped key=%s: purged with an earlier batch", key)
        return
    paths = union_of_paths(bucket, batch)
    invalidation = outbox_aws.cloudfront().create_invalidation(DistributionId=distribution, InvalidationBatch={
        "CallerReference": caller_reference(batch),
        "Paths": {"Quantity": len(paths), "Items": paths},
    })["Invalidation"]
    deleted = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True})
    failed = [error["Key"] for error in deleted.get("Errors", [])]
    if failed:
        # Raised so that a retry deletes them; one that finds this same batch gets this invalidation back from CloudFront.
        logger.error("purged key=%s invalidation_id=%s objects=%d but not deleted: keys=%s",
                     key, invalidation["Id"], len(batch), ",".join(failed))
        raise NotDeleted(f"{len(failed)} of {len(batch)} purge object(s) not deleted")
    logger.info("purged key=%s invalidation_id=%s objects=%d", key, invalidation["Id"], len(batch))


def age(created: datetime) -> float:
    """Seconds since an S3 LastModified time."""
    return (datetime.now(timezone.utc) - created).total_seconds()


def waiting_batch(bucket: str, key: str, deadline: float) -> list[str]:
    """The keys key's event purges, oldest first: once key is the oldest object under purge/, or at the deadline,
    the waiting objects (at most MAX_OBJECTS, key always among them); empty once key is gone."""
    while True:
        keys = [o["Key"] for o in sorted(listed(bucket), key=lambda o: (o["LastModified"], o["Key"]))]
        if key not in keys:
            return []
        if keys[0] == key or time.monotonic() >= deadline:
            batch = keys[:MAX_OBJECTS]
            return batch if key in batch else [*batch[:-1], key]
        time.sleep(POLL_SECONDS)


def listed(bucket: str) -> list[dict]:
    """Every object under purge/."""
    pages = outbox_aws.s3().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=PREFIX)
    return [obj for page in pages for obj in page.get("Contents", [])]


def union_of_paths(bucket: str, keys: list[str]) -> list[str]:
    """The sorted union of the objects' paths, or [EVERYTHING] when one asks for it, one cannot be read,
    or there are more than MAX_PATHS (then the remaining objects need not be read)."""
    paths: set[str] = set()
    for key in keys:
        try:
            body = outbox_aws.s3().get_object(Bucket=bucket, Key=key)["Body"]
        except ClientError as exc:
            if outbox_aws.error_code(exc) in ("NoSuchKey", "404"):
                continue  # purged meanwhile by another event's batch; covered again here, harmlessly
            raise
        with body:
            requested = requested_paths(body.read())
        if requested is None:
            logger.warning("unreadable key=%s: invalidating %s", key, EVERYTHING)
            return [EVERYTHING]
        paths.update(requested)
        if EVERYTHING in paths or len(paths) > MAX_PATHS:
            return [EVERYTHING]
    return sorted(paths) or [EVERYTHING]


def requested_paths(raw: bytes) -> list[str] | None:
    """The paths of a purge object, or None unless it is {"paths": [...]} of 1 or more CloudFront paths
    (starting with "/", a "*" only at the end)."""
    try:
        paths = json.loads(raw).get("paths")
    except (ValueError, AttributeError):
        return None
    valid = isinstance(paths, list) and paths and all(
        isinstance(p, str) and p.startswith("/") and len(p) <= MAX_PATH_LENGTH and "*" not in p[:-1] for p in paths
    )
    return paths if valid else None


def caller_reference(keys: list[str]) -> str:
    """The same for the same batch, so that a retry after a made invalidation gets that one back from CloudFront."""
    return "outbox-purge-" + hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()
