"""The outbox sender's purge/ job against moto's server: purge requests in S3 in, CloudFront invalidations out."""

import json
import logging
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import ThreadingHTTPServer

import pytest
from outbox_support import PURGE_BATCH_SECONDS, S3Proxy

import index
import outbox_aws
import outbox_purge


def outbox_lines(caplog):
    return [r.getMessage() for r in caplog.records if r.name == "outbox"]


def test_one_request_waits_for_the_window_then_invalidates_everything(outbox, distribution, caplog):
    caplog.set_level(logging.INFO)
    key = outbox.put_purge()
    started = time.monotonic()

    index.handler(outbox.event(key), None)

    assert time.monotonic() - started >= PURGE_BATCH_SECONDS - 1  # S3 times have whole seconds
    [invalidation] = outbox.invalidations(distribution)
    assert invalidation["paths"] == ["/*"]
    assert invalidation["caller_reference"] == outbox_purge.caller_reference([key])
    assert not outbox.exists(key)
    assert outbox_lines(caplog) == [f"purged key={key} invalidation_id={invalidation['id']} objects=1"]


def test_a_storm_of_requests_within_the_window_is_one_invalidation(outbox, distribution, caplog):
    caplog.set_level(logging.INFO)
    with ThreadPoolExecutor(max_workers=8) as lambda_service:  # one invocation per event, running at once
        keys, invocations = [], []
        for _ in range(8):
            keys.append(outbox.put_purge())
            invocations.append(lambda_service.submit(index.handler, outbox.event(keys[-1]), None))
            time.sleep(0.1)
        for invocation in invocations:
            invocation.result()

    [invalidation] = outbox.invalidations(distribution)
    assert invalidation["paths"] == ["/*"]
    assert invalidation["caller_reference"] == outbox_purge.caller_reference(keys)
    assert not any(outbox.exists(key) for key in keys)
    lines = outbox_lines(caplog)
    [purged] = [line for line in lines if line.startswith("purged ")]
    assert re.fullmatch(f"purged key=purge/\\S+ invalidation_id={invalidation['id']} objects=8", purged)
    assert len([line for line in lines if line.startswith("skipped ")]) == 7


def test_a_request_after_the_batch_gets_its_own_invalidation(outbox, distribution):
    first = outbox.put_purge()
    index.handler(outbox.event(first), None)
    second = outbox.put_purge()

    index.handler(outbox.event(second), None)

    assert [i["paths"] for i in outbox.invalidations(distribution)] == [["/*"], ["/*"]]
    assert not outbox.exists(first) and not outbox.exists(second)


def test_an_event_for_a_purged_request_does_nothing(outbox, distribution, caplog):
    caplog.set_level(logging.INFO)
    key = outbox.put_purge()
    index.handler(outbox.event(key), None)
    caplog.clear()
    started = time.monotonic()

    index.handler(outbox.event(key), None)  # a duplicate delivery, or the event of a request purged with the batch

    assert time.monotonic() - started < 1
    assert len(outbox.invalidations(distribution)) == 1
    assert outbox_lines(caplog) == [f"skipped key={key}: object gone (already purged)"]


def test_a_cloudfront_failure_raises_keeps_the_requests_and_the_retry_purges(outbox, distribution, monkeypatch, caplog):
    monkeypatch.setenv("DISTRIBUTION_ID", "EUNKNOWN0000")
    keys = [outbox.put_purge(), outbox.put_purge()]
    event = outbox.event(keys[0])

    with pytest.raises(index.OutboxFailure) as failure:
        index.handler(event, None)

    assert str(failure.value) == f"1 of 1 record(s) failed: {keys[0]}: NoSuchDistribution"
    assert all(outbox.exists(key) for key in keys)
    assert outbox_lines(caplog) == [f"failed key={keys[0]} error=NoSuchDistribution"]

    monkeypatch.setenv("DISTRIBUTION_ID", distribution)
    index.handler(event, None)  # what Lambda's asynchronous retry does

    assert len(outbox.invalidations(distribution)) == 1
    assert not any(outbox.exists(key) for key in keys)


def test_explicit_paths_are_invalidated_together_and_never_logged(outbox, distribution, caplog):
    caplog.set_level(logging.INFO)
    first = outbox.put_purge(["/blog/", "/news/*"])
    second = outbox.put_purge(["/news/*", "/"])

    index.handler(outbox.event(first, second), None)

    [invalidation] = outbox.invalidations(distribution)
    assert invalidation["paths"] == ["/", "/blog/", "/news/*"]
    assert not outbox.exists(first) and not outbox.exists(second)
    assert not any(path in caplog.text for path in ("/blog/", "/news/"))


@pytest.mark.parametrize("requests_paths", [
    [["/a", "/b"], ["/*"]],
    [[f"/page-{i}/" for i in range(20)], [f"/page-{i}/" for i in range(20, outbox_purge.MAX_PATHS + 1)]],
], ids=["one-asks-for-everything", "too-many-paths"])
def test_everything_is_invalidated_instead_of_many_paths(outbox, distribution, requests_paths):
    keys = [outbox.put_purge(paths) for paths in requests_paths]

    index.handler(outbox.event(keys[0]), None)

    assert [i["paths"] for i in outbox.invalidations(distribution)] == [["/*"]]
    assert not any(outbox.exists(key) for key in keys)


def test_exactly_max_paths_are_kept(outbox, distribution):
    paths = [f"/page-{i:02}/" for i in range(outbox_purge.MAX_PATHS)]
    key = outbox.put_purge(paths)

    index.handler(outbox.event(key), None)

    assert [i["paths"] for i in outbox.invalidations(distribution)] == [paths]


@pytest.mark.parametrize("body", [
    b"not json", b"[]", b'{"paths": "/a"}', b'{"paths": []}', b'{"paths": ["a/"]}', b'{"paths": ["/a*b"]}',
    json.dumps({"paths": ["/" + "a" * outbox_purge.MAX_PATH_LENGTH]}).encode(),
], ids=["not-json", "not-an-object", "not-a-list", "no-paths", "relative", "inner-wildcard", "too-long"])
def test_an_unreadable_request_invalidates_everything(outbox, distribution, caplog, body):
    caplog.set_level(logging.INFO)
    explicit = outbox.put_purge(["/a"])
    unreadable = outbox.put_purge(body=body)

    index.handler(outbox.event(explicit, unreadable), None)

    assert [i["paths"] for i in outbox.invalidations(distribution)] == [["/*"]]
    assert not outbox.exists(explicit) and not outbox.exists(unreadable)
    assert f"unreadable key={unreadable}: invalidating /*" in outbox_lines(caplog)


@pytest.mark.parametrize("setting", ["DISTRIBUTION_ID", "PURGE_BATCH_SECONDS"])
def test_missing_setting_is_a_failure(outbox, distribution, monkeypatch, setting):
    monkeypatch.delenv(setting)
    key = outbox.put_purge()

    with pytest.raises(index.OutboxFailure, match=f"{setting} is not set"):
        index.handler(outbox.event(key), None)
    assert outbox.exists(key)
    assert outbox.invalidations(distribution) == []


class DeleteFailingProxy(S3Proxy):
    """Answers every DeleteObjects (a POST) with an error for each key (S3 failing those deletes)."""

    def do_POST(self):
        keys = re.findall(r"<Key>([^<]*)</Key>", self.rfile.read(int(self.headers["Content-Length"])).decode())
        errors = "".join(f"<Error><Key>{key}</Key><Code>InternalError</Code><Message>Try again.</Message></Error>"
                         for key in keys)
        body = f'<?xml version="1.0" encoding="UTF-8"?><DeleteResult>{errors}</DeleteResult>'.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_a_retry_after_a_failed_delete_asks_for_the_same_invalidation(outbox, distribution, monkeypatch, caplog):
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), DeleteFailingProxy)
    proxy.target = outbox.endpoint
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL_S3", f"http://127.0.0.1:{proxy.server_address[1]}")
        key = outbox.put_purge()
        event = outbox.event(key)

        with pytest.raises(index.OutboxFailure, match="NotDeleted"):
            index.handler(event, None)
    finally:
        proxy.shutdown()
        proxy.server_close()

    [made] = outbox.invalidations(distribution)
    assert outbox.exists(key)
    assert outbox_lines(caplog) == [
        f"purged key={key} invalidation_id={made['id']} objects=1 but not deleted: keys={key}",
        f"failed key={key} error=NotDeleted",
    ]

    monkeypatch.delenv("AWS_ENDPOINT_URL_S3")
    outbox_aws.s3.cache_clear()  # a later invocation may run in a new container
    index.handler(event, None)  # what Lambda's asynchronous retry does

    # CloudFront answers a repeated CallerReference with the invalidation already made; moto makes another.
    assert [i["caller_reference"] for i in outbox.invalidations(distribution)] == [made["caller_reference"]] * 2
    assert not outbox.exists(key)
