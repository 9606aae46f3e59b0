"""The first admin (DJANGO_SUPERUSER_*) is created once for the life of the
database: `manage.py startup` records it (the package's AdminBootstrap) and, once
recorded, never creates it again; a namesake in a site's loaded data or created by its
own loader takes the place of a first admin who never signed in. Each test restarts the site (the start command) on a database
cloned from one that a first start set up."""

import json
import uuid

import pytest

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


def site_fixture(env, tmp_path, username, pk):
    """A site's own data as `dumpdata` writes it: its administrator (under another primary key than the first
    admin's) and the password that user signs in with."""
    password = "site-own-" + uuid.uuid4().hex[:8]
    hashed = manage_shell(env, f"from django.contrib.auth.hashers import make_password; print(make_password({password!r}))")
    path = tmp_path / "site.json"
    path.write_text(json.dumps([{"model": "auth.user", "pk": pk, "fields": {
        "username": username, "password": hashed, "email": "owner@example.org", "is_superuser": True,
        "is_staff": True, "is_active": True, "date_joined": "2019-04-01T09:00:00Z", "last_login": "2026-11-30T17:00:00Z",
        "first_name": "", "last_name": "", "groups": [], "user_permissions": []}}]))
    return path, password


def load(env, path):
    return manage_shell(env, f"from django.core.management import call_command; call_command('loaddata', {str(path)!r})")


def test_a_sites_own_admin_in_loaded_data_takes_the_untouched_first_admins_place(pg, fresh_db, start_app, tmp_path):
    env = app_env(pg.url(fresh_db))
    path, password = site_fixture(env, tmp_path, "admin", pk=4242)
    assert "Installed 1 object(s)" in load(env, path)
    with pg.connect(fresh_db) as conn:
        assert conn.execute("SELECT id, email FROM auth_user WHERE username = 'admin'").fetchall() == [(4242, "owner@example.org")]
    assert manage_shell(env, "from django.contrib.auth import authenticate; "
                             f"print(authenticate(username='admin', password={password!r}) is not None)") == "True"
    log = restart(start_app, env)  # the record stays: no first admin again
    assert "startup: first admin 'admin' was set up on " in log and users(pg, fresh_db, "admin") == 1


def create_in_a_loader(env, username):
    """What a site's own loader command does: the ORM's create_superuser; the password that user signs in with."""
    password = "loader-" + uuid.uuid4().hex[:8]
    manage_shell(env, "from django.contrib.auth import get_user_model; "
                      f"get_user_model().objects.create_superuser({username!r}, 'owner@example.org', {password!r})")
    return password


def test_a_sites_own_loader_creating_its_admin_takes_the_untouched_first_admins_place(pg, fresh_db, start_app):
    env = app_env(pg.url(fresh_db))
    with pg.connect(fresh_db) as conn:
        first_id = conn.execute("SELECT id FROM auth_user WHERE username = 'admin'").fetchone()[0]
    password = create_in_a_loader(env, "admin")
    with pg.connect(fresh_db) as conn:
        rows = conn.execute("SELECT id, email FROM auth_user WHERE username = 'admin'").fetchall()
    assert len(rows) == 1 and rows[0][0] != first_id and rows[0][1] == "owner@example.org", rows
    assert manage_shell(env, "from django.contrib.auth import authenticate; "
                             f"print(authenticate(username='admin', password={password!r}) is not None)") == "True"
    # Saving that user again (a loader that then sets its name) deletes nobody.
    manage_shell(env, "from django.contrib.auth import get_user_model; "
                      "u = get_user_model().objects.get(username='admin'); u.first_name = 'Owner'; u.save()")
    assert users(pg, fresh_db, "admin") == 1
    log = restart(start_app, env)
    assert "startup: first admin 'admin' was set up on " in log and users(pg, fresh_db, "admin") == 1


def test_a_first_admin_who_signed_in_is_kept_and_a_loader_creating_its_namesake_fails(pg, fresh_db):
    env = app_env(pg.url(fresh_db))
    with pg.connect(fresh_db) as conn:
        conn.execute("UPDATE auth_user SET last_login = now() WHERE username = 'admin'")
        before = conn.execute("SELECT id, password FROM auth_user WHERE username = 'admin'").fetchall()
    with pytest.raises(AssertionError, match="auth_user_username_key"):
        create_in_a_loader(env, "admin")
    with pg.connect(fresh_db) as conn:
        assert conn.execute("SELECT id, password FROM auth_user WHERE username = 'admin'").fetchall() == before


def test_a_first_admin_who_signed_in_is_kept_and_the_load_fails(pg, fresh_db, tmp_path):
    env = app_env(pg.url(fresh_db))
    with pg.connect(fresh_db) as conn:
        conn.execute("UPDATE auth_user SET last_login = now() WHERE username = 'admin'")
        before = conn.execute("SELECT id, password FROM auth_user WHERE username = 'admin'").fetchall()
    path, _ = site_fixture(env, tmp_path, "admin", pk=4242)
    with pytest.raises(AssertionError, match="auth_user_username_key"):
        load(env, path)
    with pg.connect(fresh_db) as conn:
        assert conn.execute("SELECT id, password FROM auth_user WHERE username = 'admin'").fetchall() == before
