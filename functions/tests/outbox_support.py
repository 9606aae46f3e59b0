"""Helpers for the outbox sender tests: the app's moto server helper, messages,
metadata, purge and publishing-schedule requests as the app writes them, the outbox
bucket, the CloudFront distribution and the Scheduler schedules in moto."""

import base64
import importlib.util
import json
import sys
import time
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler
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
PURGE_BATCH_SECONDS = 2  # the tests' batch window (the construct sets the runtime's defaults.json value, 30)
SCHEDULE_GROUP = "site-publishing"
SCHEDULE_SETTINGS = {  # the function's SCHEDULE_* environment as the construct sets it
    "SCHEDULE_GROUP": SCHEDULE_GROUP,
    "SCHEDULE_NAME": "publish-scheduled",
    "SCHEDULE_TARGET_ARN": f"arn:aws:lambda:{REGION}:123456789012:function:site-operator",
    "SCHEDULE_ROLE_ARN": "arn:aws:iam::123456789012:role/site-publishing-scheduler",
    "SCHEDULE_TARGET_INPUT": json.dumps({"manage": ["publish_and_reschedule"]}),
}


def utc_text(moment):
    """A UTC time as the app writes it in a schedule request: whole seconds, Z suffix."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


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

    def put_purge(self, paths=("/*",), body=None):
        """Store a purge request the way the app does; returns its key."""
        key = f"purge/{uuid.uuid4()}.json"
        body = json.dumps({"paths": list(paths)}).encode() if body is None else body
        self.s3.put_object(Bucket=BUCKET, Key=key, Body=body, ContentType="application/json")
        return key

    def put_schedule(self, at, stamp=None, body=None):
        """Store a publishing-schedule request the way the app does: {"at": at} (a datetime, a string or
        None) under a key stamped with `stamp` (a datetime; now by default). Returns its key."""
        stamp = (stamp or datetime.now(timezone.utc)).astimezone(timezone.utc)
        key = f"schedule/{stamp.strftime('%Y%m%dT%H%M%S.%fZ')}-{uuid.uuid4().hex}.json"
        if body is None:
            body = json.dumps({"at": utc_text(at) if isinstance(at, datetime) else at}).encode()
        self.s3.put_object(Bucket=BUCKET, Key=key, Body=body, ContentType="application/json")
        return key

    def keys(self, prefix=""):
        return sorted(o["Key"] for o in self.s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", []))

    def schedules(self, group=SCHEDULE_GROUP):
        """Every schedule of the group in moto, in full (GetSchedule)."""
        scheduler = self.client("scheduler")
        summaries = scheduler.list_schedules(GroupName=group)["Schedules"]
        return [scheduler.get_schedule(GroupName=group, Name=s["Name"]) for s in summaries]

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

    def create_distribution(self):
        """A CloudFront distribution in moto; returns its id."""
        config = {
            "CallerReference": uuid.uuid4().hex, "Comment": "", "Enabled": True,
            "Origins": {"Quantity": 1, "Items": [{
                "Id": "site", "DomainName": "site.example",
                "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only"},
            }]},
            "DefaultCacheBehavior": {
                "TargetOriginId": "site", "ViewerProtocolPolicy": "redirect-to-https", "MinTTL": 0,
                "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
            },
        }
        return self.client("cloudfront").create_distribution(DistributionConfig=config)["Distribution"]["Id"]

    def invalidations(self, distribution_id):
        """The distribution's invalidations, oldest first: id, paths and caller reference of each."""
        cloudfront = self.client("cloudfront")
        summaries = cloudfront.list_invalidations(DistributionId=distribution_id)["InvalidationList"].get("Items") or []
        found = [cloudfront.get_invalidation(DistributionId=distribution_id, Id=s["Id"])["Invalidation"] for s in summaries]
        return [{"id": i["Id"], "paths": i["InvalidationBatch"]["Paths"].get("Items", []),
                 "caller_reference": i["InvalidationBatch"]["CallerReference"]}
                for i in sorted(found, key=lambda i: i["CreateTime"])]

    def sent(self):
        """Raw messages moto's SES accepted: id, source, destinations, raw_data.
        moto appends the To/Cc/Bcc header addresses to the destinations it was given."""
        data = requests.get(self.endpoint + "/moto-api/data.json", timeout=5).json()
        return data.get("ses", {}).get("RawMessage", [])


class S3Proxy(BaseHTTPRequestHandler):
    """An HTTP proxy to moto's S3 (the server's `target`) that forwards GET and HEAD as they
    are; subclasses answer the requests they stand in for (S3 failing them)."""

    def forward(self):
        upstream = requests.request(self.command, self.server.target + self.path, timeout=5,
                                    headers={k: v for k, v in self.headers.items() if k.lower() != "host"})
        self.send_response(upstream.status_code)
        for name, value in upstream.headers.items():
            if name.lower() not in ("content-length", "content-encoding", "transfer-encoding", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(upstream.content)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(upstream.content)

    do_GET = do_HEAD = forward

    def log_message(self, *args):
        pass
