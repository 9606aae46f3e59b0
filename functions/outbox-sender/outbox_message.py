"""Reading an email/ outbox object: its envelope recipients and its MIME message."""

import base64
import binascii
import json
from collections.abc import Mapping
from email import message_from_bytes, policy
from email.headerregistry import Address

MAX_RECIPIENTS = 50  # SES's limit per message, the app splits larger sends: the contract's emailRecipientsPerObject


class PermanentError(Exception):
    """A problem that retrying cannot fix. Its message never quotes message content."""


def recipients(metadata: Mapping[str, str]) -> list[str]:
    """The envelope recipients from the `recipients` user metadata: base64url
    (padded or not) of a JSON list of address strings, 1 to MAX_RECIPIENTS of them."""
    value = metadata.get("recipients") or ""
    try:
        decoded = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
    except (ValueError, binascii.Error):
        raise PermanentError("recipients metadata is missing or not base64url JSON") from None
    if not isinstance(decoded, list) or not all(isinstance(r, str) and "@" in r for r in decoded):
        raise PermanentError("recipients metadata is not a list of addresses")
    if not 1 <= len(decoded) <= MAX_RECIPIENTS:
        raise PermanentError(f"{len(decoded)} recipients; 1 to {MAX_RECIPIENTS} allowed")
    return decoded


def send_as(raw: bytes, from_address: str) -> bytes:
    """The message with From set to from_address (keeping the original display
    name) and, unless it has one, Reply-To set to the original From. The bytes
    are returned unchanged when From is already from_address."""
    msg = message_from_bytes(raw, policy=policy.default)
    header = msg["From"]
    original = tuple(header.addresses) if header is not None else ()
    if len(original) == 1 and original[0].addr_spec.lower() == from_address.lower():
        return raw
    new_from = Address(display_name=original[0].display_name if original else "", addr_spec=from_address)
    if header is None:
        msg["From"] = new_from
    else:
        msg.replace_header("From", new_from)
    if original and msg["Reply-To"] is None:
        msg["Reply-To"] = original
    del msg["Sender"]  # SES would check it too; only from_address may appear
    return msg.as_bytes()
