"""operator_password.py on the bundled site and a real PostgreSQL: a new random password
for the first admin or a named user, answered to the caller and never printed; the old
one stops working; an unknown user or a malformed request gets an error. Startup without
DJANGO_SUPERUSER_PASSWORD (as the construct deploys) creates a first admin who cannot sign
in until the operator path gives it a password."""

import json
import uuid

from .conftest import ADMIN_PASSWORD, app_env
from .support import manage_shell


def password_for(env, request):
    """run_password(request) in the site's process: (its answer, what the process printed besides)."""
    out = manage_shell(env, "import json; from wagtail_scale_to_zero_runtime.operator_password import run_password; "
                            f"print('ANSWER', json.dumps(run_password({request!r})))")
    *printed, answer = out.splitlines()
    return json.loads(answer.removeprefix("ANSWER ")), "\n".join(printed)


def authenticates(env, username, password):
    return manage_shell(env, "from django.contrib.auth import authenticate; "
                             f"print(authenticate(username={username!r}, password={password!r}) is not None)") == "True"


def test_the_first_admin_gets_a_new_password_shown_once(pg, fresh_db):
    env = app_env(pg.url(fresh_db))
    answer, printed = password_for(env, {})
    assert answer["username"] == "admin" and len(answer["password"]) == 24, answer
    assert answer["password"] not in printed and "a new password was set for 'admin'" in printed, printed
    assert authenticates(env, "admin", answer["password"]) and not authenticates(env, "admin", ADMIN_PASSWORD)
    again, _ = password_for(env, {"username": "admin"})
    assert again["password"] != answer["password"]
    assert authenticates(env, "admin", again["password"]) and not authenticates(env, "admin", answer["password"])


def test_a_named_user_and_the_requests_it_refuses(pg, fresh_db):
    env = app_env(pg.url(fresh_db))
    manage_shell(env, "from django.contrib.auth.models import User; User.objects.create_user('editor')")
    answer, _ = password_for(env, {"username": "editor"})
    assert answer["username"] == "editor" and authenticates(env, "editor", answer["password"])
    assert password_for(env, {"username": "nobody"})[0]["error"].startswith("no user 'nobody': create one first")
    assert "password takes" in password_for(env, {"username": 3})[0]["error"]
    assert "password takes" in password_for(env, ["admin"])[0]["error"]
    assert "no first admin" in password_for({**env, "DJANGO_SUPERUSER_USERNAME": ""}, {})[0]["error"]


def test_startup_without_a_configured_password_creates_a_first_admin_who_cannot_sign_in_yet(pg, start_app):
    env = {k: v for k, v in app_env(pg.url(pg.create_database("t_" + uuid.uuid4().hex[:12]))).items()
           if k != "DJANGO_SUPERUSER_PASSWORD"}
    app = start_app(env)
    app.wait_healthy()
    assert "startup: admin 'admin' created without a password: npx wagtail-scale-to-zero password" in app.output()
    assert manage_shell(env, "from django.contrib.auth.models import User; "
                             "print(User.objects.get(username='admin').has_usable_password())") == "False"
    answer, _ = password_for(env, {})
    assert authenticates(env, "admin", answer["password"])
