"""The outbox sender's handler against moto's server: S3 objects in, SES sends out."""

import base64
import logging
import secrets
import socket
import threading
from email import message_from_string, policy
from http.server import ThreadingHTTPServer

import pytest
from outbox_support import SENDER, S3Proxy, app_message, encode_recipients

import index
import outbox_aws

TO = "alice@example.org"
CC = "bob@example.org"
BCC = "carol@example.net"


def reset_mail(from_email=SENDER):
    """A password-reset-like message whose subject and link token must never be logged."""
    token = "tok-" + secrets.token_hex(12)
    subject = "Réinitialisation du mot de passe " + secrets.token_hex(4)
    body = f"Follow https://site.example/reset/{token}/ to choose a new password.\n"
    raw = app_message(subject, body, from_email, to=[TO], cc=[CC], bcc=[BCC])
    as_sent = base64.b64encode(raw).decode()[:60]  # how botocore's DEBUG lines would quote it
    return raw, [subject, token, TO, CC, BCC, as_sent]


def parsed(sent_message):
    return message_from_string(sent_message["raw_data"], policy=policy.default)


def outbox_lines(caplog):
    return [r.getMessage() for r in caplog.records if r.name == "outbox"]


def assert_no_content(caplog, secret_texts, *texts):
    logged = [r.getMessage() for r in caplog.records] + [caplog.text, *texts]
    for secret in secret_texts:
        assert not any(secret in line for line in logged), f"{secret!r} leaked"
    assert all(r.exc_info is None for r in caplog.records if r.name == "outbox")


def test_sends_to_all_envelope_recipients_then_deletes(outbox, caplog):
    caplog.set_level(logging.DEBUG)
    raw, secret_texts = reset_mail()
    assert b"Bcc" not in raw and BCC.encode() not in raw
    key = outbox.put(raw, [TO, CC, BCC])

    index.handler(outbox.event(key), None)

    [sent] = outbox.sent()
    assert sent["source"] == SENDER
    assert sent["destinations"][:3] == [TO, CC, BCC]  # moto appends the To/Cc header addresses
    assert sent["raw_data"].encode() == raw  # From already the sender: sent as stored
    assert not outbox.exists(key)
    assert outbox_lines(caplog) == [f"sent key={key} message_id={sent['id']} recipients=3"]
    assert_no_content(caplog, secret_texts)


def test_padded_metadata_is_read_too(outbox):
    raw, _ = reset_mail()
    padded = encode_recipients([TO, CC], padded=True)
    assert padded.endswith("==")
    key = outbox.put(raw, metadata={"recipients": padded})

    index.handler(outbox.event(key), None)

    [sent] = outbox.sent()
    assert sent["destinations"][:2] == [TO, CC]
    assert not outbox.exists(key)


def test_other_from_is_rewritten_with_reply_to(outbox):
    raw, _ = reset_mail(from_email="Équipe Éditoriale <editors@other.example>")
    key = outbox.put(raw, [TO, CC, BCC])

    index.handler(outbox.event(key), None)

    [sent] = outbox.sent()
    message = parsed(sent)
    assert sent["source"] == SENDER
    [sender] = message["From"].addresses
    assert (sender.display_name, sender.addr_spec) == ("Équipe Éditoriale", SENDER)
    [reply_to] = message["Reply-To"].addresses
    assert (reply_to.display_name, reply_to.addr_spec) == ("Équipe Éditoriale", "editors@other.example")
    assert message["Subject"].startswith("Réinitialisation du mot de passe")
    assert "/reset/tok-" in message.get_body(("plain",)).get_content()
    assert not outbox.exists(key)


def test_rejected_send_keeps_the_object_logs_no_content_and_the_retry_sends(outbox, caplog):
    caplog.set_level(logging.DEBUG)
    outbox.client("ses").delete_identity(Identity=SENDER)  # SES rejects unverified senders
    raw, secret_texts = reset_mail()
    key = outbox.put(raw, [TO, CC, BCC])
    event = outbox.event(key)

    with pytest.raises(index.OutboxFailure) as failure:
        index.handler(event, None)

    assert outbox.sent() == []
    assert outbox.exists(key)
    assert outbox_lines(caplog) == [f"failed key={key} error=MessageRejected"]
    assert str(failure.value) == f"1 of 1 record(s) failed: {key}: MessageRejected"
    assert_no_content(caplog, [*secret_texts, SENDER], str(failure.value))

    caplog.clear()
    outbox.verify_sender()
    index.handler(event, None)  # what Lambda's asynchronous retry does

    [sent] = outbox.sent()
    assert sent["destinations"][:3] == [TO, CC, BCC]
    assert not outbox.exists(key)
    assert outbox_lines(caplog) == [f"sent key={key} message_id={sent['id']} recipients=3"]
    assert_no_content(caplog, secret_texts)


def test_retry_after_success_does_not_send_again(outbox, caplog):
    caplog.set_level(logging.INFO)
    raw, _ = reset_mail()
    key = outbox.put(raw, [TO])
    event = outbox.event(key)
    index.handler(event, None)

    index.handler(event, None)

    assert len(outbox.sent()) == 1
    assert outbox_lines(caplog)[-1] == f"skipped key={key}: object gone (already sent)"


NOT_BASE64_JSON = "recipients metadata is missing or not base64url JSON"
NOT_A_LIST = "recipients metadata is not a list of addresses"


@pytest.mark.parametrize("metadata, reason", [
    ({}, NOT_BASE64_JSON),
    ({"recipients": ""}, NOT_BASE64_JSON),
    ({"recipients": "not base64 json!"}, NOT_BASE64_JSON),
    ({"recipients": encode_recipients({"to": TO})}, NOT_A_LIST),
    ({"recipients": encode_recipients([TO, 7])}, NOT_A_LIST),
    ({"recipients": encode_recipients([])}, "0 recipients; 1 to 50 allowed"),
    ({"recipients": encode_recipients([f"r{i}@example.org" for i in range(51)])}, "51 recipients; 1 to 50 allowed"),
], ids=["missing", "empty", "not-base64", "not-a-list", "not-strings", "no-recipients", "51-recipients"])
def test_bad_recipients_metadata_is_a_failure_and_keeps_the_object(outbox, caplog, metadata, reason):
    raw, secret_texts = reset_mail()
    key = outbox.put(raw, metadata=metadata)

    with pytest.raises(index.OutboxFailure, match="PermanentError"):
        index.handler(outbox.event(key), None)

    assert outbox.sent() == []
    assert outbox.exists(key)
    assert outbox_lines(caplog) == [f"failed key={key} error=PermanentError ({reason})"]
    assert_no_content(caplog, secret_texts)


def test_fifty_recipients_is_allowed(outbox):
    recipients = [f"r{i}@example.org" for i in range(50)]
    key = outbox.put(app_message("Newsletter", "Hello\n", SENDER, bcc=recipients), recipients)

    index.handler(outbox.event(key), None)

    [sent] = outbox.sent()
    assert sent["destinations"] == recipients
    assert not outbox.exists(key)


@pytest.mark.parametrize("safe", ["/", ""], ids=["slash-kept", "slash-encoded"])
def test_keys_with_spaces_and_special_characters(outbox, safe):
    key = "email/2025-01-02 10:00:00 réponse+1 (copy) 50%.eml"
    raw, _ = reset_mail()
    outbox.put(raw, [TO], key=key)
    event = outbox.event(key, safe=safe)
    assert " " not in event["Records"][0]["s3"]["object"]["key"]

    index.handler(event, None)

    assert len(outbox.sent()) == 1
    assert not outbox.exists(key)


def test_every_record_is_tried_before_raising(outbox):
    raw, _ = reset_mail()
    bad = outbox.put(raw, metadata={})
    good = outbox.put(raw, [TO])

    with pytest.raises(index.OutboxFailure) as failure:
        index.handler(outbox.event(bad, good), None)

    assert str(failure.value).startswith(f"1 of 2 record(s) failed: {bad}: PermanentError")
    assert len(outbox.sent()) == 1
    assert outbox.exists(bad) and not outbox.exists(good)


def test_unknown_prefix_is_logged_and_ignored(outbox, caplog):
    raw, _ = reset_mail()
    key = outbox.put(raw, [TO], key="drafts/2025-01-02-abc.eml")

    index.handler(outbox.event(key), None)

    assert outbox.sent() == []
    assert outbox.exists(key)
    assert outbox_lines(caplog) == [f"ignored key={key}: no job for this prefix"]


def test_missing_sender_setting_is_a_failure(outbox, monkeypatch):
    monkeypatch.delenv("EMAIL_FROM_ADDRESS")
    raw, _ = reset_mail()
    key = outbox.put(raw, [TO])

    with pytest.raises(index.OutboxFailure, match="EMAIL_FROM_ADDRESS is not set"):
        index.handler(outbox.event(key), None)
    assert outbox.exists(key)


def test_ses_region_selects_the_ses_endpoint_region(outbox, monkeypatch):
    monkeypatch.setenv("SES_REGION", "eu-west-1")  # the sender is verified in us-east-1 only
    raw, _ = reset_mail()
    key = outbox.put(raw, [TO])
    event = outbox.event(key)

    with pytest.raises(index.OutboxFailure, match="MessageRejected"):
        index.handler(event, None)
    outbox.verify_sender(region="eu-west-1")
    index.handler(event, None)

    assert len(outbox.sent()) == 1
    assert not outbox.exists(key)


class DroppingServer:
    """A TCP server that reads each request and closes the connection without an
    answer (an endpoint dropping requests); counts the connections."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.connections += 1
            with conn:
                conn.settimeout(2)
                try:
                    conn.recv(65536)
                except OSError:
                    pass

    def close(self):
        self.running = False
        self.thread.join(5)
        self.sock.close()


def test_transient_ses_failures_are_retried_then_raised_with_the_object_kept(outbox, monkeypatch, caplog):
    server = DroppingServer()
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL_SES", f"http://127.0.0.1:{server.port}")
        raw, secret_texts = reset_mail()
        key = outbox.put(raw, [TO, CC, BCC])

        with pytest.raises(index.OutboxFailure, match="ConnectionClosedError"):
            index.handler(outbox.event(key), None)

        assert server.connections == outbox_aws.MAX_ATTEMPTS
        assert outbox.exists(key)
        assert outbox_lines(caplog) == [f"failed key={key} error=ConnectionClosedError"]
        assert_no_content(caplog, secret_texts)
    finally:
        server.close()


class DeleteRefusingProxy(S3Proxy):
    """Answers every DELETE with 503 (S3 failing deletes); the server counts the refused deletes."""

    def do_DELETE(self):
        self.server.deletes += 1
        self.send_response(503)
        self.send_header("Content-Length", "0")
        self.end_headers()


def test_a_failed_delete_after_sending_is_logged_not_raised(outbox, monkeypatch, caplog):
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), DeleteRefusingProxy)
    proxy.target, proxy.deletes = outbox.endpoint, 0
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL_S3", f"http://127.0.0.1:{proxy.server_address[1]}")
        raw, secret_texts = reset_mail()
        key = outbox.put(raw, [TO, CC, BCC])

        index.handler(outbox.event(key), None)  # raising would make Lambda send it again

        [sent] = outbox.sent()
        assert proxy.deletes == outbox_aws.MAX_ATTEMPTS
        assert outbox.exists(key)  # left for the bucket's lifecycle rule
        [line] = outbox_lines(caplog)
        assert line.startswith(f"sent key={key} message_id={sent['id']} recipients=3 but not deleted: error=")
        assert_no_content(caplog, secret_texts)
    finally:
        proxy.shutdown()
        proxy.server_close()
