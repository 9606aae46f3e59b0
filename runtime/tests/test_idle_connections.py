"""An idle app holds zero database connections (so Aurora can pause), and the
next request after that succeeds."""

from concurrent.futures import ThreadPoolExecutor

import requests

from .conftest import app_env
from .support import readiness_headers


def test_idle_app_closes_all_connections_within_60s(pg, fresh_db, start_app, metrics):
    env = app_env(pg.url(fresh_db))
    app = start_app(env)
    app.wait_healthy()
    ready = readiness_headers(env["DJANGO_SECRET_KEY"])

    def hit(i):
        path = ["/", "/readyz", "/admin/login/", "/search/?query=home"][i % 4]
        return requests.get(app.base + path, headers=ready, timeout=60).status_code

    peak_rss = 0
    with ThreadPoolExecutor(16) as pool:
        for _ in range(5):
            statuses = list(pool.map(hit, range(64)))
            assert set(statuses) == {200}, statuses
            peak_rss = max(peak_rss, app.rss_kib())
    metrics["rss_kib_master_plus_workers_after_load"] = peak_rss
    busy = pg.app_connections(fresh_db)
    metrics["db_connections_right_after_load"] = busy
    assert busy > 0  # the pool really opened connections

    metrics["seconds_until_zero_db_connections"] = pg.seconds_until_no_connections(fresh_db)

    # A search reads the database (the home page would come from the page cache).
    assert requests.get(app.base + "/search/?query=home", timeout=60).status_code == 200
    assert pg.app_connections(fresh_db) >= 1  # and it reconnected
