"""A user's password, set through the operator path and shown once.

``{"password": {"username": "<name>"}}``, sent by a direct invocation of the
function as ``manage`` is (``username`` defaults to the first admin,
DJANGO_SUPERUSER_USERNAME), gives that user a new random password and answers
``{"username": "...", "password": "..."}`` to the caller only: the password is
never logged and stored nowhere else (the construct keeps no copy of it). The
first admin is created without a usable password when none is configured
(management/commands/startup.py), so this is how an operator signs in the first
time, and how a lost password is replaced on a site that sends no email. The
user's other sessions end (Django's session hash follows the password). A
request that cannot be served is answered ``{"error": "..."}``.
"""

from __future__ import annotations

import os
import secrets
from typing import Any

PASSWORD_KEY = "password"
# 24 URL-safe characters: 144 random bits.
PASSWORD_BYTES = 18


def run_password(request: Any) -> dict[str, Any]:
    """The operator function's answer to ``{"password": request}``."""
    from django.contrib.auth import get_user_model

    if not isinstance(request, dict) or not isinstance(request.get("username", ""), str):
        return {"error": 'password takes {"username": "<name>"} (default: the first admin)'}
    username = (request.get("username") or os.environ.get("DJANGO_SUPERUSER_USERNAME", "")).strip()
    if not username:
        return {"error": "no username given, and no first admin (DJANGO_SUPERUSER_USERNAME) is configured"}
    User = get_user_model()
    user = User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()
    if user is None:
        return {"error": f"no user {username!r}: create one first with manage -- createsuperuser --noinput "
                         f"--username {username} --email <address>"}
    password = secrets.token_urlsafe(PASSWORD_BYTES)
    user.set_password(password)
    user.save(update_fields=["password"])
    print(f"password: a new password was set for {username!r} through the operator path", flush=True)
    return {"username": username, "password": password}
