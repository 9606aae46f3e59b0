"""The sender rewrite on its own: what SES gets when From is not the configured sender."""

from email import message_from_bytes, policy
from email.message import EmailMessage

from outbox_support import SENDER

from outbox_message import send_as


def message(**headers):
    msg = EmailMessage()
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content("Body with https://site.example/reset/tok-123/\n")
    return msg.as_bytes()


def headers(raw):
    msg = message_from_bytes(raw, policy=policy.default)
    return {name: [str(v) for v in msg.get_all(name, [])] for name in ("From", "Reply-To", "Sender")}


def test_same_sender_any_case_leaves_the_bytes_alone():
    raw = message(From=f"Site <{SENDER.upper()}>", To="a@example.org")
    assert send_as(raw, SENDER) is raw


def test_other_sender_becomes_reply_to_and_keeps_the_display_name():
    raw = message(From='"Doe, Jane" <jane@other.example>', To="a@example.org", Sender="jane@other.example")
    assert headers(send_as(raw, SENDER)) == {
        "From": [f'"Doe, Jane" <{SENDER}>'], "Reply-To": ['"Doe, Jane" <jane@other.example>'], "Sender": [],
    }


def test_an_existing_reply_to_is_kept():
    raw = message(From="jane@other.example", Reply_To="help@other.example", To="a@example.org")
    assert headers(send_as(raw, SENDER)) == {"From": [SENDER], "Reply-To": ["help@other.example"], "Sender": []}


def test_a_missing_from_is_added():
    raw = message(To="a@example.org")
    assert headers(send_as(raw, SENDER)) == {"From": [SENDER], "Reply-To": [], "Sender": []}


def test_the_rest_of_the_message_is_kept():
    raw = message(From="jane@other.example", To="a@example.org", Subject="Hello ✓")
    before, after = (message_from_bytes(r, policy=policy.default) for r in (raw, send_as(raw, SENDER)))
    assert after["Subject"] == "Hello ✓" and after["To"] == "a@example.org"
    assert after.get_content() == before.get_content()
