"""Django's SECRET_KEY: DJANGO_SECRET_KEY when it is set, else derived from the database secret.

The construct keeps no secret of its own for SECRET_KEY (each Secrets Manager
secret costs $0.40 a month): the app derives the key from the password in
DATABASE_SECRET, which Secrets Manager generated for the database, as the hex
HMAC-SHA256 of contract.json's secretKeyMessage keyed with that password (64
characters). Every
instance, the operator function and every start derive the same key, and the
key does not reveal the password. Whoever can read the database secret can
compute the key, as whoever can read the database can already do anything the
site can. The key changes only when the database password does (the construct
never rotates it), which signs everyone out.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Mapping

from .contract import SECRET_KEY_MESSAGE


def database_password(environ: Mapping[str, str]) -> str:
    """The password of DATABASE_SECRET's JSON, or "" when there is none."""
    try:
        data = json.loads(environ.get("DATABASE_SECRET", "").strip() or "null")
    except ValueError:
        return ""
    return str(data.get("password") or "") if isinstance(data, dict) else ""


def secret_key(environ: Mapping[str, str] | None = None) -> str:
    """DJANGO_SECRET_KEY, else the key derived from the database secret's password; "" when neither is there."""
    environ = os.environ if environ is None else environ
    given = environ.get("DJANGO_SECRET_KEY", "")
    if given.strip():
        return given
    password = database_password(environ)
    return hmac.new(password.encode(), SECRET_KEY_MESSAGE.encode(), hashlib.sha256).hexdigest() if password else ""
