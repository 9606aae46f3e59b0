"""Email backends. The VPC has no route to an SMTP server, so email leaves
through an S3 "outbox" bucket (reached through the S3 gateway endpoint): a sender
function outside the VPC sends each object and deletes it.

EMAIL_OUTBOX_BUCKET set: S3OutboxBackend writes each message as one object (or
several, see below):
  key       email/<UTC YYYYmmddTHHMMSSZ>-<uuid4 hex>.eml
  body      the raw MIME message (message.message().as_bytes(); no Bcc header)
  metadata  recipients = base64url, without padding, of the UTF-8 JSON list of
            all envelope recipients (to + cc + bcc)
A message with more than MAX_RECIPIENTS recipients, or whose recipient list does
not fit in S3's 2 KB of user metadata, is written as several objects with the
same MIME body and disjoint recipient lists.

Unset: NoOutboxBackend sends nothing and logs one warning per call with the
number of messages only (never a subject, body or address).
"""

from __future__ import annotations

import base64
import json
import logging
import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timezone
from typing import Any

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage

from . import aws_clients
from .contract import EMAIL_PREFIX, EMAIL_RECIPIENTS_PER_OBJECT

logger = logging.getLogger(__name__)

# Recipients per object: the most one send by the sender function may address.
MAX_RECIPIENTS = EMAIL_RECIPIENTS_PER_OBJECT
# S3 allows 2 KB of user metadata, counted as the UTF-8 bytes of keys plus values.
METADATA_KEY = "recipients"
MAX_METADATA_VALUE = 2048 - len(METADATA_KEY)


def encode_recipients(recipients: Iterable[str]) -> str:
    """The `recipients` metadata value: unpadded base64url of the JSON list."""
    raw = json.dumps(list(recipients)).encode("utf-8")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def recipient_batches(recipients: Iterable[str]) -> Iterator[list[str]]:
    """Split recipients into lists of at most MAX_RECIPIENTS whose encoding fits
    in the metadata, keeping their order."""
    batch: list[str] = []
    for address in recipients:
        if batch and (len(batch) == MAX_RECIPIENTS
                      or len(encode_recipients(batch + [address])) > MAX_METADATA_VALUE):
            yield batch
            batch: list[str] = []
        batch.append(address)
    if batch:
        yield batch


class _Backend(BaseEmailBackend):
    """Keeps fail_silently itself (Django 6.1 deprecates the base class's)."""

    def __init__(self, fail_silently: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fail_silently = fail_silently


class S3OutboxBackend(_Backend):
    """Writes each message to the EMAIL_OUTBOX_BUCKET (format: module docstring)."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = 0
        for message in email_messages:
            recipients = message.recipients()
            if not recipients:
                continue
            try:
                self._write(message.message().as_bytes(), recipients)
            except Exception:
                if not self.fail_silently:
                    raise
            else:
                sent += 1
        return sent

    def _write(self, mime: bytes, recipients: list[str]) -> None:
        client = aws_clients.s3()
        for batch in recipient_batches(recipients):
            stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
            client.put_object(
                Bucket=settings.EMAIL_OUTBOX_BUCKET,
                Key=f"{EMAIL_PREFIX}{stamp}-{uuid.uuid4().hex}.eml",
                Body=mime,
                ContentType="message/rfc822",
                Metadata={METADATA_KEY: encode_recipients(batch)},
            )


class NoOutboxBackend(_Backend):
    """No outbox configured: sends nothing, says how many messages were dropped."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        if email_messages:
            logger.warning("EMAIL_OUTBOX_BUCKET is not set: %d email message(s) not sent", len(email_messages))
        return 0
