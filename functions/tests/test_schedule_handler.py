"""The outbox sender's schedule/ job against moto's server: publishing-schedule requests in S3 in,
one EventBridge Scheduler one-time schedule out."""

import copy
import json
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest
from outbox_support import BUCKET, SCHEDULE_SETTINGS

import index
import outbox_aws
import outbox_schedule

EXPECTED_TARGET = {
    "Arn": SCHEDULE_SETTINGS["SCHEDULE_TARGET_ARN"],
    "RoleArn": SCHEDULE_SETTINGS["SCHEDULE_ROLE_ARN"],
    "Input": SCHEDULE_SETTINGS["SCHEDULE_TARGET_INPUT"],
}


def outbox_lines(caplog):
    return [r.getMessage() for r in caplog.records if r.name == "outbox"]


def minute_in(delta):
    """A whole UTC minute `delta` from now (rounded down)."""
    return (datetime.now(timezone.utc) + delta).replace(second=0, microsecond=0)


def expression(moment):
    return f"at({moment:%Y-%m-%dT%H:%M:%S})"


def scheduled_time(schedule):
    """The time of a schedule's at() expression (a UTC datetime)."""
    found = re.fullmatch(r"at\((\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\)", schedule["ScheduleExpression"])
    assert found, schedule["ScheduleExpression"]
    return datetime.fromisoformat(found[1]).replace(tzinfo=timezone.utc)


def iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def schedule_keys(outbox):
    return outbox.keys(outbox_schedule.PREFIX)


@pytest.fixture
def scheduler_calls(schedule_group):
    """The sender's Scheduler calls as it makes them: (operation name, parameters). moto's UpdateSchedule
    ignores some parameters (ActionAfterCompletion), so what was asked is checked here."""
    calls = []

    def record(params, model, **kwargs):
        calls.append((model.name, copy.deepcopy(params)))

    outbox_aws.scheduler().meta.events.register("provide-client-params.scheduler", record)
    return calls


def test_a_request_creates_one_schedule_that_invokes_the_operator_function(outbox, schedule_group, caplog):
    caplog.set_level(logging.INFO)
    at = minute_in(timedelta(days=1))
    key = outbox.put_schedule(at)

    index.handler(outbox.event(key), None)

    [schedule] = outbox.schedules()
    assert schedule["Name"] == SCHEDULE_SETTINGS["SCHEDULE_NAME"]
    assert schedule["GroupName"] == schedule_group
    assert schedule["ScheduleExpression"] == expression(at)
    assert schedule["ScheduleExpressionTimezone"] == "UTC"
    assert schedule["FlexibleTimeWindow"] == {"Mode": "OFF"}
    assert schedule["ActionAfterCompletion"] == "DELETE"
    assert schedule["State"] == "ENABLED"
    assert key in schedule["Description"]
    assert {name: schedule["Target"][name] for name in EXPECTED_TARGET} == EXPECTED_TARGET
    assert json.loads(schedule["Target"]["Input"]) == {"manage": ["publish_and_reschedule"]}
    assert schedule_keys(outbox) == [key]  # kept: the record a late event compares itself with
    assert outbox_lines(caplog) == [f"scheduled key={key} at={iso(at)} requested={iso(at)} superseded=0"]


def test_the_handler_dispatches_schedule_keys():
    assert index.JOBS[outbox_schedule.PREFIX] is outbox_schedule.schedule


def test_a_newer_request_replaces_the_schedule_with_every_setting(outbox, scheduler_calls, caplog):
    caplog.set_level(logging.INFO)
    first = outbox.put_schedule(minute_in(timedelta(days=1)))
    index.handler(outbox.event(first), None)
    later = minute_in(timedelta(days=2))
    second = outbox.put_schedule(later)

    index.handler(outbox.event(second), None)

    [schedule] = outbox.schedules()
    assert schedule["ScheduleExpression"] == expression(later)
    assert schedule["ActionAfterCompletion"] == "DELETE"  # moto keeps the created value whatever UpdateSchedule says
    assert second in schedule["Description"] and first not in schedule["Description"]
    assert {name: schedule["Target"][name] for name in EXPECTED_TARGET} == EXPECTED_TARGET
    assert schedule_keys(outbox) == [second]
    assert outbox_lines(caplog)[-1] == f"scheduled key={second} at={iso(later)} requested={iso(later)} superseded=1"
    # UpdateSchedule replaces every field: it was asked for the same full set as CreateSchedule.
    assert [name for name, _ in scheduler_calls] == ["CreateSchedule", "CreateSchedule", "UpdateSchedule"]
    created, update = scheduler_calls[0][1], scheduler_calls[2][1]
    assert update["ActionAfterCompletion"] == "DELETE"
    assert update.keys() == created.keys()
    assert {k: v for k, v in update.items() if k not in ("ScheduleExpression", "Description")} == \
        {k: v for k, v in created.items() if k not in ("ScheduleExpression", "Description")}


def test_a_null_request_deletes_the_schedule_and_a_second_one_is_fine(outbox, schedule_group, caplog):
    caplog.set_level(logging.INFO)
    index.handler(outbox.event(outbox.put_schedule(minute_in(timedelta(days=1)))), None)
    assert len(outbox.schedules()) == 1
    nothing = outbox.put_schedule(None)

    index.handler(outbox.event(nothing), None)

    assert outbox.schedules() == []
    again = outbox.put_schedule(None)
    index.handler(outbox.event(again), None)  # no schedule left to delete
    assert outbox.schedules() == []
    assert schedule_keys(outbox) == [again]
    assert outbox_lines(caplog)[-2:] == [f"unscheduled key={nothing} superseded=1", f"unscheduled key={again} superseded=1"]


def test_a_stale_request_after_a_newer_one_leaves_the_newer_time(outbox, schedule_group, caplog):
    caplog.set_level(logging.INFO)
    now = datetime.now(timezone.utc)
    newer_at = minute_in(timedelta(days=2))
    newer = outbox.put_schedule(newer_at, stamp=now)
    index.handler(outbox.event(newer), None)
    stale = outbox.put_schedule(minute_in(timedelta(days=1)), stamp=now - timedelta(seconds=1))  # arrived late

    index.handler(outbox.event(stale), None)

    [schedule] = outbox.schedules()
    assert schedule["ScheduleExpression"] == expression(newer_at)
    assert newer in schedule["Description"]
    assert schedule_keys(outbox) == [newer]
    assert outbox_lines(caplog)[-1] == f"scheduled key={newer} at={iso(newer_at)} requested={iso(newer_at)} superseded=1"

    index.handler(outbox.event(stale), None)  # a duplicate delivery: its object is gone, the newest applies again
    assert [s["ScheduleExpression"] for s in outbox.schedules()] == [expression(newer_at)]
    assert schedule_keys(outbox) == [newer]


@pytest.mark.parametrize("requested", [
    timedelta(days=-1), timedelta(0), timedelta(seconds=30), timedelta(seconds=61, microseconds=1),
], ids=["a-day-ago", "this-minute", "in-30-seconds", "in-61-seconds"])
def test_a_past_or_imminent_time_runs_at_least_a_minute_ahead_on_a_whole_minute(outbox, schedule_group, requested):
    started = datetime.now(timezone.utc)
    key = outbox.put_schedule(started + requested)  # seconds included: the sender rounds up too

    index.handler(outbox.event(key), None)

    [schedule] = outbox.schedules()
    when = scheduled_time(schedule)
    assert when.second == 0
    assert when >= started + timedelta(seconds=60)
    assert when <= datetime.now(timezone.utc) + timedelta(seconds=120)
    assert when >= (started + requested).replace(microsecond=0)  # the app writes whole seconds


@pytest.mark.parametrize("at", ["2030-12-03T09:01:00+00:00", "2030-12-03T09:00:01Z", "2030-12-03 09:01Z"],
                         ids=["offset-zero", "seconds", "space-no-seconds"])
def test_other_iso_forms_of_a_utc_time_are_read(outbox, schedule_group, monkeypatch, at):
    monkeypatch.setattr(outbox_schedule, "soonest", lambda: datetime(2026, 1, 1, tzinfo=timezone.utc))
    key = outbox.put_schedule(at)

    index.handler(outbox.event(key), None)

    assert [s["ScheduleExpression"] for s in outbox.schedules()] == ["at(2030-12-03T09:01:00)"]


INVALID_BODIES = [
    b"not json", b"[]", b"{}", b'{"when": "2026-12-03T09:01:00Z"}', b'{"at": 1796288460}',
    b'{"at": "tomorrow secret-text"}', b'{"at": "2026-12-03T09:01:00"}', b'{"at": "2026-12-03T09:01:00+02:00"}',
    b'{"at": "2026-12-03"}', b'{"at": "9999-12-31T23:59:30Z"}', b'{"at": "' + b"9" * outbox_schedule.MAX_BODY + b'"}',
]
INVALID_IDS = ["not-json", "not-an-object", "no-at", "other-field", "a-number", "not-a-time", "no-zone", "not-utc",
               "a-date", "too-late", "too-long"]


@pytest.mark.parametrize("body", INVALID_BODIES, ids=INVALID_IDS)
def test_an_invalid_newest_request_fails_but_runs_the_command_soon_and_stays_as_the_record(
        outbox, schedule_group, caplog, body):
    caplog.set_level(logging.INFO)
    older = outbox.put_schedule(minute_in(timedelta(days=1)))
    index.handler(outbox.event(older), None)
    invalid = outbox.put_schedule(None, body=body)
    started = datetime.now(timezone.utc)

    with pytest.raises(index.OutboxFailure, match=f"{re.escape(invalid)}: PermanentError") as failure:
        index.handler(outbox.event(invalid), None)

    [schedule] = outbox.schedules()  # publish_and_reschedule soon: it publishes what is due and asks afresh
    when = scheduled_time(schedule)
    assert when.second == 0 and started + timedelta(seconds=60) <= when <= started + timedelta(seconds=121)
    assert invalid in schedule["Description"]
    assert schedule["ActionAfterCompletion"] == "DELETE"
    assert schedule_keys(outbox) == [invalid]  # the older request, superseded all the same, is gone
    [line] = [line for line in outbox_lines(caplog) if line.startswith("invalid ")]
    assert re.fullmatch(f"invalid key={re.escape(invalid)}: .+; scheduled at={iso(when)} instead superseded=1", line)
    assert "secret-text" not in caplog.text and "secret-text" not in str(failure.value)
    assert "999999" not in caplog.text

    # A newer request is not blocked: it supersedes the invalid one as any other.
    newer_at = minute_in(timedelta(days=3))
    newer = outbox.put_schedule(newer_at)
    index.handler(outbox.event(newer), None)
    assert [s["ScheduleExpression"] for s in outbox.schedules()] == [expression(newer_at)]
    assert schedule_keys(outbox) == [newer]


def test_an_older_invalid_request_is_just_superseded(outbox, schedule_group):
    invalid = outbox.put_schedule(None, body=b"not json")
    at = minute_in(timedelta(days=1))
    newer = outbox.put_schedule(at)

    index.handler(outbox.event(invalid, newer), None)  # never read: only the newest request is

    assert [s["ScheduleExpression"] for s in outbox.schedules()] == [expression(at)]
    assert schedule_keys(outbox) == [newer]


def test_a_late_event_of_an_older_request_fails_while_an_invalid_one_is_the_newest(outbox, schedule_group):
    older = outbox.put_schedule(minute_in(timedelta(days=1)))
    invalid = outbox.put_schedule(None, body=b"[]")
    with pytest.raises(index.OutboxFailure):
        index.handler(outbox.event(invalid), None)

    with pytest.raises(index.OutboxFailure, match=f"{re.escape(older)}: PermanentError .*{re.escape(invalid)}"):
        index.handler(outbox.event(older), None)

    [schedule] = outbox.schedules()
    assert invalid in schedule["Description"]
    assert schedule_keys(outbox) == [invalid]


def test_a_key_not_named_like_a_request_is_a_failure_and_no_request(outbox, schedule_group):
    stray = "schedule/zz-notes.json"  # sorts after every request
    outbox.s3.put_object(Bucket=BUCKET, Key=stray, Body=b'{"at": null}')
    at = minute_in(timedelta(days=1))
    key = outbox.put_schedule(at)

    with pytest.raises(index.OutboxFailure, match=f"1 of 2 record\\(s\\) failed: {stray}: PermanentError"):
        index.handler(outbox.event(stray, key), None)

    assert [s["ScheduleExpression"] for s in outbox.schedules()] == [expression(at)]
    assert schedule_keys(outbox) == [key, stray]  # left to the bucket's lifecycle


@pytest.mark.parametrize("setting", outbox_schedule.SETTINGS)
def test_missing_setting_is_a_failure(outbox, schedule_group, monkeypatch, setting):
    monkeypatch.delenv(setting)
    key = outbox.put_schedule(minute_in(timedelta(days=1)))

    with pytest.raises(index.OutboxFailure, match=f"{setting} is not set"):
        index.handler(outbox.event(key), None)
    assert schedule_keys(outbox) == [key]
    assert outbox.schedules() == []


def test_no_request_left_is_skipped(outbox, schedule_group, caplog):
    caplog.set_level(logging.INFO)
    key = outbox.put_schedule(None)
    outbox.s3.delete_object(Bucket=BUCKET, Key=key)  # e.g. expired by the bucket's lifecycle

    index.handler(outbox.event(key), None)

    assert outbox.schedules() == []
    assert outbox_lines(caplog) == [f"skipped key={key}: no schedule request left"]


def test_a_scheduler_failure_raises_keeps_the_requests_and_the_retry_applies(outbox, schedule_group, monkeypatch,
                                                                              caplog):
    older = outbox.put_schedule(None)
    at = minute_in(timedelta(days=1))
    key = outbox.put_schedule(at)
    event = outbox.event(key)
    monkeypatch.setenv("SCHEDULE_GROUP", "no-such-group")  # moto answers CreateSchedule with a server error

    with pytest.raises(index.OutboxFailure, match=f"1 of 1 record\\(s\\) failed: {re.escape(key)}: 500"):
        index.handler(event, None)

    assert outbox.schedules() == []
    assert schedule_keys(outbox) == [older, key]
    assert outbox_lines(caplog) == [f"failed key={key} error=500"]

    monkeypatch.setenv("SCHEDULE_GROUP", schedule_group)
    index.handler(event, None)  # what Lambda's asynchronous retry does

    assert [s["ScheduleExpression"] for s in outbox.schedules()] == [expression(at)]
    assert schedule_keys(outbox) == [key]


def test_a_request_written_while_applying_is_applied_too(outbox, schedule_group, caplog):
    caplog.set_level(logging.INFO)
    first_at, newer_at = minute_in(timedelta(days=1)), minute_in(timedelta(days=2))
    first = outbox.put_schedule(first_at)
    written = []

    def app_writes_meanwhile(**kwargs):
        if not written:
            written.append(outbox.put_schedule(newer_at))

    outbox_aws.scheduler().meta.events.register("before-call.scheduler.CreateSchedule", app_writes_meanwhile)

    index.handler(outbox.event(first), None)

    [newer] = written
    [schedule] = outbox.schedules()
    assert schedule["ScheduleExpression"] == expression(newer_at)
    assert newer in schedule["Description"]
    assert schedule_keys(outbox) == [newer]
    assert outbox_lines(caplog) == [
        f"scheduled key={first} at={iso(first_at)} requested={iso(first_at)} superseded=0",
        f"scheduled key={newer} at={iso(newer_at)} requested={iso(newer_at)} superseded=1",
    ]


def test_an_event_applies_at_most_max_rounds_requests(outbox, schedule_group, caplog):
    caplog.set_level(logging.INFO)
    first = outbox.put_schedule(minute_in(timedelta(days=1)))
    written = []

    def app_keeps_writing(**kwargs):
        written.append(outbox.put_schedule(minute_in(timedelta(days=2 + len(written)))))

    outbox_aws.scheduler().meta.events.register("before-call.scheduler.CreateSchedule", app_keeps_writing)

    index.handler(outbox.event(first), None)

    assert len(written) == outbox_schedule.MAX_ROUNDS
    applied = written[outbox_schedule.MAX_ROUNDS - 2]
    [schedule] = outbox.schedules()
    assert applied in schedule["Description"]
    assert schedule_keys(outbox) == [applied, written[-1]]  # the newest is left to its own event
    assert len([line for line in outbox_lines(caplog) if line.startswith("scheduled ")]) == outbox_schedule.MAX_ROUNDS

    outbox_aws.scheduler().meta.events.unregister("before-call.scheduler.CreateSchedule", app_keeps_writing)
    index.handler(outbox.event(written[-1]), None)
    [schedule] = outbox.schedules()
    assert written[-1] in schedule["Description"]
    assert schedule_keys(outbox) == [written[-1]]


def test_many_superseded_requests_take_several_deletes(outbox, schedule_group, monkeypatch, caplog):
    caplog.set_level(logging.INFO)
    monkeypatch.setattr(outbox_schedule, "MAX_OBJECTS", 2)
    base = datetime.now(timezone.utc)
    older = [outbox.put_schedule(None, stamp=base - timedelta(seconds=10 - i)) for i in range(5)]
    newest = outbox.put_schedule(None, stamp=base)

    index.handler(outbox.event(older[0]), None)

    assert schedule_keys(outbox) == [newest]
    assert outbox_lines(caplog) == [f"unscheduled key={newest} superseded=5"]


def test_concurrent_events_converge_on_the_newest_request(outbox, schedule_group):
    base = datetime.now(timezone.utc)
    times = [minute_in(timedelta(days=1 + i)) for i in range(6)]
    with ThreadPoolExecutor(max_workers=6) as lambda_service:  # one invocation per event, running at once
        keys, invocations = [], []
        for i, at in enumerate(times):
            keys.append(outbox.put_schedule(at, stamp=base + timedelta(seconds=i)))
            invocations.append(lambda_service.submit(index.handler, outbox.event(keys[-1]), None))
        for invocation in invocations:
            invocation.result()

    [schedule] = outbox.schedules()
    assert schedule["ScheduleExpression"] == expression(times[-1])
    assert keys[-1] in schedule["Description"]
    assert schedule_keys(outbox) == [keys[-1]]
