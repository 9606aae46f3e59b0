"""Helpers for the outbox sender tests: the app's moto server helper, messages and
metadata as the app writes them, and the outbox bucket in moto."""

import base64
import importlib.util
import json
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote_plus

import boto3
import requests

REPO_DIR = Path(__file__).resolve().parents[2]
FUNCTION_DIR = REPO_DIR / "functions" / "outbox-sender"
sys.path.insert(0, str(FUNCTION_DIR))  # as Lambda does with the code directory


def _load_app_support():
    """runtime/tests/support.py under its own name (`tests` would be ambiguous here)."""
    spec = importlib.util.spec_from_file_location("runtime_test_support", REPO_DIR / "runtime/tests/support.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


support = _load_app_support()

REGION = "us-east-1"
BUCKET = "site-outbox"
SENDER = "noreply@example.com"


def encode_recipients(addresses, padded=False):
    """The `recipients` user metadata as the app writes it."""
    text = base64.urlsafe_b64encode(json.dumps(addresses).encode()).decode()
    return text if padded else text.rstrip("=")


def app_message(subject, body, from_email, to=(), cc=(), bcc=()):
    """A message as the app stores it: Django's EmailMessage.message().as_bytes() (no Bcc header)."""
    from django.conf import settings

    if not settings.configured:
        settings.configure(DEFAULT_CHARSET="utf-8", EMAIL_USE_LOCALTIME=False)
    from django.core.mail import EmailMessage

    message = EmailMessage(subject, body, from_email, list(to), list(bcc), cc=list(cc))
    return message.message().as_bytes()


class Outbox:
    """The outbox bucket in moto, and what moto's SES accepted."""

    def __init__(self, endpoint):
        self.endpoint = endpoint
        self.s3 = self.client("s3")
        self.s3.create_bucket(Bucket=BUCKET)

    def client(self, service, region=REGION):
        return boto3.client(service, endpoint_url=self.endpoint, region_name=region,
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    def verify_sender(self, region=REGION):
        self.client("ses", region).verify_email_identity(EmailAddress=SENDER)

    def put(self, raw, recipients=None, key=None, metadata=None):
        """Store a message the way the app does; returns its key."""
        key = key or f"email/{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{uuid.uuid4().hex}.eml"
        if metadata is None:
            metadata = {"recipients": encode_recipients(recipients)}
        self.s3.put_object(Bucket=BUCKET, Key=key, Body=raw, Metadata=metadata, ContentType="message/rfc822")
        return key

    def exists(self, key):
        return any(o["Key"] == key for o in self.s3.list_objects_v2(Bucket=BUCKET).get("Contents", []))

    @staticmethod
    def event(*keys, safe="/"):
        """An S3 ObjectCreated event; keys URL-encoded as S3 does (space as +)."""
        return {"Records": [{
            "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": REGION,
            "eventName": "ObjectCreated:Put",
            "s3": {"s3SchemaVersion": "1.0", "configurationId": "outbox",
                   "bucket": {"name": BUCKET, "arn": f"arn:aws:s3:::{BUCKET}"},
                   "object": {"key": quote_plus(key, safe=safe), "size": 1}},
        } for key in keys]}

    def sent(self):
        """Raw messages moto's SES accepted: id, source, destinations, raw_data.
        moto appends the To/Cc/Bcc header addresses to the destinations it was given."""
        data = requests.get(self.endpoint + "/moto-api/data.json", timeout=5).json()
        return data.get("ses", {}).get("RawMessage", [])
