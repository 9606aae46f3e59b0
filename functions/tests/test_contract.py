"""The sender reads exactly the environment the contract (the runtime's contract.json)
names for it, and its prefixes are the contract's: the sender is its own asset and
cannot read the runtime's file, so these tests tie its copies (the construct's side:
test/contract.test.ts)."""

import importlib.util
import json

from outbox_support import FUNCTION_DIR, REPO_DIR

import outbox_email
import outbox_message
import outbox_purge
import outbox_schedule

CONTRACT = json.loads((REPO_DIR / "runtime/src/wagtail_scale_to_zero_runtime/contract.json").read_text("utf-8"))


def _names_read():
    spec = importlib.util.spec_from_file_location("environment_reads", REPO_DIR / "runtime/tests/environment_reads.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return set(module.names_read(FUNCTION_DIR))


def test_the_sender_reads_exactly_its_variables_of_the_contract():
    # The schedule's settings are read through one loop over SETTINGS.
    read = _names_read() | set(outbox_schedule.SETTINGS)
    assert sorted(read - set(CONTRACT["platformEnvironment"])) == sorted(CONTRACT["senderEnvironment"])


def test_the_prefixes_are_the_contracts():
    assert (outbox_email.PREFIX, outbox_purge.PREFIX, outbox_schedule.PREFIX) == (
        CONTRACT["emailPrefix"], CONTRACT["purgePrefix"], CONTRACT["schedulePrefix"])


def test_the_recipient_limit_is_the_contracts():
    assert outbox_message.MAX_RECIPIENTS == CONTRACT["emailRecipientsPerObject"]
