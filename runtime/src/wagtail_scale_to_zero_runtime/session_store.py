"""Session keys the app checks without the database: the SESSION_ENGINE configure() sets.

Django's database sessions, but a new key is RANDOM_CHARS random characters (124 bits)
followed by MAC_CHARS characters of their HMAC-SHA256 (82 bits), keyed from SECRET_KEY
(or one of SECRET_KEY_FALLBACKS): KEY_CHARS in all, the size of the session_key
column. A key that fails the check is no session, without a query; the page cache
serves its request as an anonymous one (``verified``). So a made-up ``sessionid``
cookie neither bypasses the page cache nor wakes the database.

Keys made before (Django's 32 random characters) fail the check: after the upgrade
their users are signed out once. Rotating SECRET_KEY without keeping the old one in
SECRET_KEY_FALLBACKS signs everyone out, as it does for Django's own session hashes.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.utils.crypto import constant_time_compare, get_random_string, salted_hmac

ENGINE = __name__
SALT = f"{__name__}.key"
RANDOM_CHARS = 24
MAC_CHARS = 16
KEY_CHARS = RANDOM_CHARS + MAC_CHARS  # the session_key column is 40 characters


def _mac(random_part: str, secret: str) -> str:
    digest = salted_hmac(SALT, random_part, secret, algorithm="sha256").digest()
    number = int.from_bytes(digest, "big") % len(VALID_KEY_CHARS) ** MAC_CHARS
    chars = []
    for _ in range(MAC_CHARS):
        number, digit = divmod(number, len(VALID_KEY_CHARS))
        chars.append(VALID_KEY_CHARS[digit])
    return "".join(chars)


def new_key() -> str:
    """A random key carrying its HMAC."""
    random_part = get_random_string(RANDOM_CHARS, VALID_KEY_CHARS)
    return random_part + _mac(random_part, settings.SECRET_KEY)


def verified(key: object) -> bool:
    """Whether a session key was made by this site (its current or a fallback secret key)."""
    if not isinstance(key, str) or len(key) != KEY_CHARS:
        return False
    random_part, mac = key[:RANDOM_CHARS], key[RANDOM_CHARS:]
    return any(constant_time_compare(mac, _mac(random_part, secret))
               for secret in (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS))


class SessionStore(db.SessionStore):
    """Database sessions whose keys carry their HMAC; a key without a valid one is no session (no query)."""

    def _validate_session_key(self, key: str | None) -> bool:
        return verified(key)

    def _get_new_session_key(self) -> str:
        while True:
            key = new_key()
            if not self.exists(key):
                return key

    async def _aget_new_session_key(self) -> str:
        while True:
            key = new_key()
            if not await self.aexists(key):
                return key

    def exists(self, session_key: str | None) -> bool:
        return verified(session_key) and super().exists(session_key)

    async def aexists(self, session_key: str | None) -> bool:
        return verified(session_key) and await super().aexists(session_key)
