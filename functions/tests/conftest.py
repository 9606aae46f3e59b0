"""Fixtures for the outbox sender tests: moto's server (it serves S3, SES, CloudFront and
Scheduler on one port) for the session, and a fresh outbox bucket and function environment per test."""

import os

import pytest
import requests
from outbox_support import PURGE_BATCH_SECONDS, REGION, SCHEDULE_GROUP, SCHEDULE_SETTINGS, SENDER, Outbox, support

import outbox_aws

FUNCTION_SETTINGS = ("SES_REGION", "EMAIL_FROM_ADDRESS", "DISTRIBUTION_ID", "PURGE_BATCH_SECONDS", *SCHEDULE_SETTINGS)


@pytest.fixture(scope="session")
def moto_server():
    server = support.MotoS3().start()
    yield server
    server.stop()


@pytest.fixture
def outbox(moto_server, monkeypatch):
    """A fresh moto state, the function's environment, and a verified sender."""
    requests.post(moto_server.endpoint + "/moto-api/reset", timeout=5).raise_for_status()
    for name in list(os.environ):
        if name.startswith("AWS_") or name in FUNCTION_SETTINGS:
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server.endpoint)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("EMAIL_FROM_ADDRESS", SENDER)
    clear_clients()  # the function's clients are made once per container
    box = Outbox(moto_server.endpoint)
    box.verify_sender()
    yield box
    clear_clients()


@pytest.fixture
def distribution(outbox, monkeypatch):
    """A CloudFront distribution in moto, the function's DISTRIBUTION_ID, and a short batch window."""
    distribution_id = outbox.create_distribution()
    monkeypatch.setenv("DISTRIBUTION_ID", distribution_id)
    monkeypatch.setenv("PURGE_BATCH_SECONDS", str(PURGE_BATCH_SECONDS))
    return distribution_id


@pytest.fixture
def schedule_group(outbox, monkeypatch):
    """A schedule group in moto and the function's SCHEDULE_* settings; returns the group's name."""
    outbox.client("scheduler").create_schedule_group(Name=SCHEDULE_GROUP)
    for name, value in SCHEDULE_SETTINGS.items():
        monkeypatch.setenv(name, value)
    return SCHEDULE_GROUP


def clear_clients():
    for client in (outbox_aws.s3, outbox_aws.ses, outbox_aws.cloudfront, outbox_aws.scheduler):
        client.cache_clear()
