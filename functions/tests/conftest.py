"""Fixtures for the outbox sender tests: moto's server (it serves S3 and SES on one
port) for the session, and a fresh outbox bucket and function environment per test."""

import os

import pytest
import requests
from outbox_support import REGION, SENDER, Outbox, support

import outbox_aws


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
        if name.startswith("AWS_") or name in ("SES_REGION", "EMAIL_FROM_ADDRESS"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server.endpoint)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("EMAIL_FROM_ADDRESS", SENDER)
    outbox_aws.s3.cache_clear()  # the function's clients are made once per container
    outbox_aws.ses.cache_clear()
    box = Outbox(moto_server.endpoint)
    box.verify_sender()
    yield box
    outbox_aws.s3.cache_clear()
    outbox_aws.ses.cache_clear()
