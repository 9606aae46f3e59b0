"""Housekeeping (housekeeping.py) rides on sign-ins, whose database is awake anyway: the
first sign-in of a day removes expired sessions and password-reset attempts past their
window, a later one the same day touches nothing, and the `housekeeping` command runs
it whenever asked. What is still live stays."""

import uuid

import requests

from .conftest import ADMIN_PASSWORD, app_env
from .support import log_in, manage_shell


def plant(pg, db):
    """An expired session and an old reset attempt, which housekeeping removes, and live ones, which stay."""
    with pg.connect(db) as conn:
        for age in ("-1 day", "+1 day"):
            conn.execute("INSERT INTO django_session (session_key, session_data, expire_date) "
                         "VALUES (%s, 'e30', now() + %s::interval)", [uuid.uuid4().hex, age])
        for age in ("-2 hours", "-1 minute"):
            conn.execute("INSERT INTO wagtail_scale_to_zero_runtime_passwordresetattempt (scope, key, created_at) "
                         "VALUES ('client', %s, now() + %s::interval)", [uuid.uuid4().hex * 2, age])


def leftovers(pg, db):
    """(expired sessions, live sessions, old attempts, fresh attempts)."""
    with pg.connect(db) as conn:
        return conn.execute(
            "SELECT (SELECT count(*) FROM django_session WHERE expire_date < now()),"
            " (SELECT count(*) FROM django_session WHERE expire_date >= now()),"
            " (SELECT count(*) FROM wagtail_scale_to_zero_runtime_passwordresetattempt"
            "  WHERE created_at < now() - interval '1 hour'),"
            " (SELECT count(*) FROM wagtail_scale_to_zero_runtime_passwordresetattempt"
            "  WHERE created_at >= now() - interval '1 hour')").fetchone()


def test_the_first_sign_in_of_a_day_clears_what_only_grows_and_a_later_one_does_not(pg, fresh_db, start_app):
    env = app_env(pg.url(fresh_db))
    plant(pg, fresh_db)
    app = start_app(env)
    app.wait_healthy()
    log_in(requests.Session(), app.base, "admin", ADMIN_PASSWORD)
    # The live planted session stays, and the sign-in made one of its own.
    assert leftovers(pg, fresh_db) == (0, 2, 0, 1)
    assert "housekeeping: expired sessions removed: 1" in app.output()

    plant(pg, fresh_db)
    log_in(requests.Session(), app.base, "admin", ADMIN_PASSWORD)
    assert leftovers(pg, fresh_db) == (1, 4, 1, 2)
    assert app.output().count("housekeeping: expired sessions removed") == 1

    out = manage_shell(env, "from django.core.management import call_command; call_command('housekeeping')")
    assert "expired sessions removed: 1" in out and "password-reset attempts past their window removed: 1" in out
    assert leftovers(pg, fresh_db) == (0, 4, 0, 2)
