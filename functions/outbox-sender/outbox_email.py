"""email/ objects: send the stored message with SES as EMAIL_FROM_ADDRESS, then delete it."""

import logging
import os

from botocore.exceptions import BotoCoreError, ClientError

import outbox_aws
from outbox_message import PermanentError, recipients, send_as

logger = logging.getLogger("outbox")

PREFIX = "email/"  # the contract's emailPrefix (functions/tests/test_contract.py)


def send(bucket: str, key: str) -> None:
    """Send one outbox object. A missing object was sent by an earlier attempt.
    Raises on any failure before SES accepted the message (the object stays)."""
    from_address = os.environ.get("EMAIL_FROM_ADDRESS", "").strip()
    if not from_address:
        raise PermanentError("EMAIL_FROM_ADDRESS is not set")
    s3 = outbox_aws.s3()
    try:
        obj = s3.get_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if outbox_aws.error_code(exc) in ("NoSuchKey", "404"):
            logger.info("skipped key=%s: object gone (already sent)", key)
            return
        raise
    with obj["Body"] as body:
        raw = body.read()
    destinations = recipients(obj.get("Metadata") or {})
    sent = outbox_aws.ses().send_raw_email(
        Source=from_address, Destinations=destinations, RawMessage={"Data": send_as(raw, from_address)}
    )
    try:
        s3.delete_object(Bucket=bucket, Key=key)
    except (ClientError, BotoCoreError) as exc:
        # Not raised: a retry would send the message a second time.
        logger.error("sent key=%s message_id=%s recipients=%d but not deleted: error=%s",
                     key, sent["MessageId"], len(destinations), outbox_aws.error_code(exc))
        return
    logger.info("sent key=%s message_id=%s recipients=%d", key, sent["MessageId"], len(destinations))
