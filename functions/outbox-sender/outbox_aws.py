"""boto3 clients for the outbox sender: short timeouts and standard retries.

Endpoints follow the usual boto3 settings (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_SES,
AWS_ENDPOINT_URL_CLOUDFRONT, AWS_ENDPOINT_URL_SCHEDULER), which the tests use to reach moto's server."""

import functools
import logging
import os
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

MAX_ATTEMPTS = 3  # per API call, first try included (botocore's max_attempts would not count it)
CONFIG = Config(connect_timeout=3, read_timeout=5, retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS})

# botocore's DEBUG output quotes request bodies, i.e. whole messages with their links.
logging.getLogger("botocore").setLevel(logging.INFO)


@functools.cache
def s3() -> Any:  # boto3 ships no client types
    """The S3 client for the outbox bucket (in the function's own region)."""
    return boto3.client("s3", config=CONFIG)


@functools.cache
def ses() -> Any:
    """The SES (v1) client, in SES_REGION if set, else the function's region."""
    region = os.environ.get("SES_REGION") or os.environ.get("AWS_REGION") or None
    return boto3.client("ses", region_name=region, config=CONFIG)


@functools.cache
def cloudfront() -> Any:
    """The CloudFront client: a global service, reached through the partition of the function's region."""
    return boto3.client("cloudfront", region_name=os.environ.get("AWS_REGION") or None, config=CONFIG)


@functools.cache
def scheduler() -> Any:
    """The EventBridge Scheduler client for the publishing schedule, in the function's region."""
    return boto3.client("scheduler", region_name=os.environ.get("AWS_REGION") or None, config=CONFIG)


def error_code(exc: BaseException) -> str:
    """The AWS error code of a ClientError, else the exception's class name.
    Never the message: AWS messages may quote addresses."""
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code") or "ClientError")
    return type(exc).__name__
