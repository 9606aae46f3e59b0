"""Three instances started at the same moment on an empty database: all become
healthy, exactly one applies the migrations and creates the first admin
(advisory lock), none fails."""

import re
import uuid

import requests

from .conftest import app_env


def test_three_instances_start_together_and_migrate_once(pg, start_app, metrics):
    db = pg.create_database("t_start_" + uuid.uuid4().hex[:8])  # empty
    env = app_env(pg.url(db))
    apps = [start_app({k: v for k, v in env.items() if k != "PORT"}, name=f"concurrent-{i}") for i in range(3)]
    seconds = [app.wait_healthy(timeout=180) for app in apps]
    metrics["three_instances_first_start_seconds"] = [round(s, 1) for s in seconds]

    logs = [app.output() for app in apps]
    applying = [re.findall(r"^startup: applying (\d+) migrations", log, re.M) for log in logs]
    nothing = [len(re.findall(r"^startup: no migrations to apply", log, re.M)) for log in logs]
    assert sum(len(a) for a in applying) == 1, applying
    assert sum(nothing) == 2, nothing
    n = int([a for a in applying if a][0][0])
    created = sum(len(re.findall(r"^startup: admin 'admin' created", log, re.M)) for log in logs)
    assert created == 1

    with pg.connect(db) as conn:
        rows, distinct = conn.execute(
            "SELECT count(*), count(DISTINCT (app, name)) FROM django_migrations").fetchone()
        admins = conn.execute("SELECT count(*) FROM auth_user WHERE username = 'admin'").fetchone()[0]
        records = conn.execute("SELECT username, created FROM wagtail_scale_to_zero_runtime_adminbootstrap").fetchall()
    # django_migrations has no unique constraint: a second run of any migration
    # would show up as a duplicate row. (Squashed migrations add rows for the
    # migrations they replace, so rows >= the plan length.)
    assert rows == distinct >= n
    assert admins == 1
    assert records == [("admin", True)]  # created once, for the life of the database
    for app in apps:
        assert app.proc.poll() is None
        assert requests.get(app.base + "/", timeout=30).status_code == 200


def test_restart_with_nothing_to_migrate_is_fast(pg, fresh_db, start_app, metrics):
    app = start_app(app_env(pg.url(fresh_db)))
    seconds = app.wait_healthy(timeout=60)
    metrics["start_to_healthy_seconds_nothing_to_migrate"] = round(seconds, 2)
    assert "startup: no migrations to apply" in app.output()
    assert seconds < 15
