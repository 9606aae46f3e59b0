"""A database that takes 15 s to accept a connection (Aurora Serverless v2 resuming
from auto-pause): the first request waits and returns 200, not a 5xx."""

import time

import requests

from .conftest import app_env
from .support import TcpProxy


def test_request_succeeds_while_database_resumes(pg, fresh_db, start_app, metrics):
    proxy = TcpProxy(pg.port).start_listening()
    try:
        app = start_app(app_env(pg.url(fresh_db, port=proxy.port)))
        app.wait_healthy()
        # The start-up connection is closed and no request has run: the pool is empty.
        assert pg.app_connections(fresh_db) == 0
        proxy.hold_seconds = 15
        accepted = proxy.accepted
        started = time.monotonic()
        r = requests.get(app.base + "/", timeout=90)
        elapsed = time.monotonic() - started
        metrics["first_request_seconds_with_15s_resume"] = round(elapsed, 1)
        assert r.status_code == 200
        assert "<html" in r.text.lower()
        assert elapsed >= 15, "the request did not go through the held connection"
        assert proxy.accepted > accepted
        # Resumed: new connections are fast again, so are requests on any worker.
        proxy.hold_seconds = 0
        started = time.monotonic()
        assert requests.get(app.base + "/", timeout=30).status_code == 200
        assert time.monotonic() - started < 5
        # The server closes the pooled connections (idle_session_timeout, failover):
        # the pool's check replaces them before use, so the next request is a 200.
        with pg.connect() as conn:
            killed = conn.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = %s AND backend_type = 'client backend'", [fresh_db]).fetchone()[0]
        assert killed >= 1
        for _ in range(4):  # reach both workers
            assert requests.get(app.base + "/", timeout=60).status_code == 200
    finally:
        proxy.close()
