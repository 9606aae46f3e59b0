"""The CDN origin secret's custom resource handler against moto's Secrets Manager, answering
to a real HTTP server that stands in for CloudFormation's pre-signed response URL."""

import http.server
import importlib.util
import json
import threading
from pathlib import Path

import pytest
from outbox_support import REGION

HANDLER_FILE = Path(__file__).resolve().parents[1] / "cdn-origin-secret" / "cdn_origin_secret.py"
PASSWORD = "generated-database-password-30c"
# What the construct passes as the resource's Message.
MESSAGE = json.loads((HANDLER_FILE.parents[2] / "runtime/src/wagtail_scale_to_zero_runtime/contract.json")
                     .read_text("utf-8"))["cdnOriginMessage"]


def load_handler():
    spec = importlib.util.spec_from_file_location("cdn_origin_secret", HANDLER_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class ResponseUrl:
    """An HTTP server that records the PUTs it receives, as CloudFormation's response bucket would."""

    def __init__(self):
        received = self.received = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_PUT(self):
                received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/response?signature=x"

    def close(self):
        self.server.shutdown()


@pytest.fixture
def response_url():
    server = ResponseUrl()
    yield server
    server.close()


@pytest.fixture
def database_secret(outbox, monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)  # Lambda sets it beside AWS_REGION
    secret = outbox.client("secretsmanager").create_secret(
        Name="cms/database", SecretString=json.dumps({"username": "wagtail", "password": PASSWORD, "host": "db"}))
    return secret["ARN"]


def event(request_type, response_url, arn):
    return {"RequestType": request_type, "ResponseURL": response_url.url, "StackId": "arn:aws:cloudformation:stack/S",
            "RequestId": f"request-{request_type}", "LogicalResourceId": "CmsCdnOriginSecret",
            "PhysicalResourceId": "cdn-origin-secret",
            "ResourceProperties": {"DatabaseSecretArn": arn, "Message": MESSAGE}}


def test_create_and_update_answer_the_same_derived_value_masked_and_unlogged(database_secret, response_url, capsys):
    module = load_handler()
    module.handler(event("Create", response_url, database_secret), None)
    module.handler(event("Update", response_url, database_secret), None)
    created, updated = response_url.received
    value = created["Data"]["Value"]
    assert created["Status"] == "SUCCESS" and created["NoEcho"] is True and len(value) == 64
    assert created["PhysicalResourceId"] == updated["PhysicalResourceId"] == "cdn-origin-secret"
    assert updated["Data"]["Value"] == value == module.origin_secret(PASSWORD, MESSAGE)
    # Neither the password nor SECRET_KEY's derivation (another message) gives it.
    assert PASSWORD not in value and value != module.origin_secret(PASSWORD + "x", MESSAGE)
    printed = capsys.readouterr().out
    assert value not in printed and PASSWORD not in printed and "cdn-origin-secret: Create CmsCdnOriginSecret" in printed


def test_delete_succeeds_and_a_missing_secret_fails_with_a_reason_and_no_value(outbox, database_secret, response_url):
    module = load_handler()
    module.handler(event("Delete", response_url, database_secret), None)
    module.handler(event("Create", response_url, database_secret.replace("database", "nothing")), None)
    outbox.client("secretsmanager").put_secret_value(SecretId=database_secret, SecretString=json.dumps({"user": "x"}))
    module.handler(event("Update", response_url, database_secret), None)
    unnamed = event("Create", response_url, database_secret)
    del unnamed["ResourceProperties"]["Message"]
    module.handler(unnamed, None)
    deleted, missing, malformed, without_message = response_url.received
    assert deleted["Status"] == "SUCCESS" and deleted["Data"] == {}
    assert missing["Status"] == "FAILED" and "reading the database secret failed" in missing["Reason"]
    assert missing["Data"] == {}
    assert malformed["Status"] == "FAILED" and "has no password field (KeyError)" in malformed["Reason"]
    assert without_message["Status"] == "FAILED" and without_message["Reason"] == "the resource has no Message property"
