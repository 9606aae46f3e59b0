"""The first admin (DJANGO_SUPERUSER_*) is created once for the life of the
database: `manage.py startup` records it (the package's AdminBootstrap) and, once
recorded, never creates it again. Each test restarts the site (the start command) on a database
cloned from one that a first start set up."""

from .conftest import app_env
from .support import manage_shell


def restart(start_app, env):
    app = start_app(env)
    app.wait_healthy()
    return app.output()


def users(pg, db, username):
    with pg.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM auth_user WHERE username = %s", [username]).fetchone()[0]


def bootstrap_records(pg, db):
    with pg.connect(db) as conn:
        return conn.execute("SELECT username, created FROM wagtail_scale_to_zero_runtime_adminbootstrap").fetchall()


def test_deleted_admin_is_not_recreated(pg, fresh_db, start_app):
    env = app_env(pg.url(fresh_db))
    assert bootstrap_records(pg, fresh_db) == [("admin", True)]
    manage_shell(env, "from django.contrib.auth import get_user_model; get_user_model().objects.get(username='admin').delete()")
    log = restart(start_app, env)
    assert "startup: first admin 'admin' was set up on " in log
    assert users(pg, fresh_db, "admin") == 0


def test_renamed_admin_is_not_recreated(pg, fresh_db, start_app):
    env = app_env(pg.url(fresh_db))
    manage_shell(env, "from django.contrib.auth import get_user_model; "
                      "u = get_user_model().objects.get(username='admin'); u.username = 'boss'; u.save()")
    restart(start_app, env)
    assert users(pg, fresh_db, "admin") == 0 and users(pg, fresh_db, "boss") == 1


def test_existing_admin_without_record_is_recorded_not_created(pg, fresh_db, start_app):
    """A database set up before the record existed (an upgrade): record, create nothing."""
    with pg.connect(fresh_db) as conn:
        conn.execute("DELETE FROM wagtail_scale_to_zero_runtime_adminbootstrap")
        before = conn.execute("SELECT count(*), max(id) FROM auth_user").fetchone()
    log = restart(start_app, app_env(pg.url(fresh_db)))
    assert "startup: admin 'admin' exists: recorded as the first admin" in log
    assert bootstrap_records(pg, fresh_db) == [("admin", False)]
    with pg.connect(fresh_db) as conn:
        assert conn.execute("SELECT count(*), max(id) FROM auth_user").fetchone() == before
