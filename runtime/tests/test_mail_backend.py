"""The email backends in-process (the package's mail.py), on moto's S3 server,
with the bundled site's production settings (cms.settings.production, which end
with configure(globals())) loaded from a test environment."""

import base64
import email
import json
import logging
import re
import uuid

import pytest
from botocore.exceptions import ClientError
from django.core.mail import EmailMessage
from django.test import override_settings


@pytest.fixture(scope="module")
def outbox(s3):
    bucket = "outbox-" + uuid.uuid4().hex[:8]
    s3.client().create_bucket(Bucket=bucket)
    env = {
        "DJANGO_SECRET_KEY": "unit-test", "EMAIL_OUTBOX_BUCKET": bucket, "DJANGO_DEFAULT_FROM_EMAIL": "cms@example.test",
        **s3.site_env(), "DJANGO_SETTINGS_MODULE": "cms.settings.production",
    }
    with pytest.MonkeyPatch.context() as mp:
        for name, value in env.items():
            mp.setenv(name, value)
        from django.conf import settings

        assert settings.EMAIL_OUTBOX_BUCKET == bucket  # first use: loads the settings from this environment
        yield bucket


def outbox_objects(s3, bucket):
    client = s3.client()
    objects = []
    for item in client.list_objects_v2(Bucket=bucket).get("Contents", []):
        obj = client.get_object(Bucket=bucket, Key=item["Key"])
        objects.append((item["Key"], obj["Body"].read(), obj["Metadata"], obj["ContentType"]))
    for key, *_ in objects:
        client.delete_object(Bucket=bucket, Key=key)
    return objects


def decode_recipients(value):
    assert "=" not in value
    return json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))


def test_large_send_is_split_into_objects_of_at_most_50_recipients(outbox, s3):
    from wagtail_scale_to_zero_runtime.mail import S3OutboxBackend

    to = [f"to{i}@example.test" for i in range(60)]
    cc = [f"cc{i}@example.test" for i in range(40)]
    bcc = [f"bcc{i}@example.test" for i in range(20)]
    message = EmailMessage("Subject", "Body", to=to, cc=cc, bcc=bcc)
    other = EmailMessage("Second", "Body", to=["one@example.test"])
    assert S3OutboxBackend().send_messages([message, other]) == 2

    objects = outbox_objects(s3, outbox)
    assert len(objects) == 4  # 120 recipients: 50 + 50 + 20, plus the other message
    for key, _, _, content_type in objects:
        assert re.fullmatch(r"email/\d{8}T\d{6}Z-[0-9a-f]{32}\.eml", key), key
        assert content_type == "message/rfc822"
    batches = [(decode_recipients(meta["recipients"]), body) for _, body, meta, _ in objects]
    big = [(recipients, body) for recipients, body in batches if recipients != ["one@example.test"]]
    assert sorted(len(r) for r, _ in big) == [20, 50, 50]
    assert sorted(a for r, _ in big for a in r) == sorted(to + cc + bcc)  # every envelope recipient, once
    assert len({body for _, body in big}) == 1  # the same MIME in every object
    mime = email.message_from_bytes(big[0][1])
    assert mime["Subject"] == "Subject" and mime["From"] == "cms@example.test"
    assert "bcc0@example.test" not in big[0][1].decode() and mime["Bcc"] is None
    assert mime["To"].count("@") == 60 and mime["Cc"].count("@") == 40


def test_recipient_lists_too_long_for_s3_metadata_are_split(outbox, s3):
    from wagtail_scale_to_zero_runtime.mail import MAX_METADATA_VALUE, S3OutboxBackend

    to = [f"a-rather-long-mailbox-name-{i:02d}@departments.example.test" for i in range(50)]
    assert S3OutboxBackend().send_messages([EmailMessage("S", "B", to=to)]) == 1
    objects = outbox_objects(s3, outbox)
    assert len(objects) > 1  # 50 addresses, but more than 2 KB of metadata
    assert all(len(meta["recipients"]) <= MAX_METADATA_VALUE for _, _, meta, _ in objects)
    # Keys sort by second, then by a random uuid: objects written within one second
    # list in any order. Each holds an in-order slice of the recipients.
    batches = sorted((decode_recipients(meta["recipients"]) for _, _, meta, _ in objects), key=lambda b: to.index(b[0]))
    assert [a for batch in batches for a in batch] == to


def test_fail_silently(outbox):
    from wagtail_scale_to_zero_runtime.mail import S3OutboxBackend

    message = EmailMessage("S", "B", to=["x@example.test"])
    with override_settings(EMAIL_OUTBOX_BUCKET="no-such-bucket-" + uuid.uuid4().hex[:8]):
        assert S3OutboxBackend(fail_silently=True).send_messages([message]) == 0
        with pytest.raises(ClientError, match="NoSuchBucket"):
            S3OutboxBackend().send_messages([message])


def test_without_outbox_nothing_is_sent_and_one_warning_tells_only_the_count(outbox, caplog):
    from wagtail_scale_to_zero_runtime.mail import NoOutboxBackend

    messages = [EmailMessage("Secret subject", "secret body", to=["alice@example.test"], bcc=["bob@example.test"]),
                EmailMessage("Other", "other body", to=["carol@example.test"])]
    with caplog.at_level(logging.WARNING, logger="wagtail_scale_to_zero_runtime.mail"):
        assert NoOutboxBackend().send_messages(messages) == 0
    assert len(caplog.records) == 1
    line = caplog.records[0].getMessage()
    assert "2 email message(s) not sent" in line
    assert not any(word in line for word in ("Secret", "secret", "alice", "bob", "carol", "Other", "example.test"))
