"""Secrets and password-reset links never reach a log or a command's result.

``redact_secrets`` blanks every secret value of the environment (and every reset
link) in a text: the output of management commands run on Lambda
(management_invocation.py), which their caller and the function's log receive.

Wagtail's reset link is /admin/password_reset/confirm/<uidb64>/<token>/ (Django
then redirects to .../confirm/<uidb64>/set-password/). Whoever reads a log line
holding it could set the user's password, and such lines are common: gunicorn's
access log prints every request line, Django's `django.request` logger prints
the path of every 404 and 500. `redact` blanks what follows ".../confirm/" in a
text; RedactingFilter applies it to every record of Django's log handler
(settings.LOGGING, set by configure()) and of gunicorn's access and error logs
(gunicorn_logging.GunicornLogger).
"""

from __future__ import annotations

import json
import logging
import os
import re
from urllib.parse import quote, unquote, urlsplit

from .secret_key import secret_key

# Environment variables whose values are secrets wherever they come from (on Lambda
# the construct passes DATABASE_SECRET and CDN_ORIGIN_SECRET as plain variables
# resolved at deployment; a site may set the others), plus any name that looks like one.
SECRET_NAMES = ("DATABASE_SECRET", "DATABASE_URL", "DJANGO_SECRET_KEY", "DJANGO_SUPERUSER_PASSWORD",
                "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
SECRET_NAME_PATTERN = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|CREDENTIAL|PRIVATE|_KEY$", re.IGNORECASE)
REDACTED = "[redacted]"


def secret_values(environ: dict[str, str] | None = None) -> list[str]:
    """Every secret value of the environment, longest first (so that none is left half-blanked)."""
    environ = os.environ if environ is None else environ
    names = set(SECRET_NAMES)
    names.update(name for name in environ if SECRET_NAME_PATTERN.search(name))
    # SECRET_ENVIRONMENT_NAMES (optional, comma-separated): further variables holding secrets.
    names.update(n.strip() for n in environ.get("SECRET_ENVIRONMENT_NAMES", "").split(",") if n.strip())
    values: set[str] = set()
    for name in names:
        value = environ.get(name, "")
        values.add(value)
        if name == "DATABASE_SECRET":
            try:
                data = json.loads(value)
            except ValueError:
                data = None
            if isinstance(data, dict):
                values.update(str(v) for k, v in data.items() if k == "password" or "secret" in k.lower())
        elif name == "DATABASE_URL" and value:
            password = urlsplit(value).password or ""
            values.update((password, unquote(password), quote(unquote(password), safe="")))
    # SECRET_KEY, also when it is derived from the database secret (secret_key.py).
    values.add(secret_key(environ))
    # Very short values would blank ordinary words: a secret is never that short here.
    return sorted((v for v in values if len(v) >= 4), key=len, reverse=True)


def redact_secrets(text: str, environ: dict[str, str] | None = None, values: list[str] | None = None) -> str:
    """``text`` with every secret of the environment (or ``values``, from secret_values) and every password-reset
    link blanked."""
    for value in secret_values(environ) if values is None else values:
        text = text.replace(value, REDACTED)
    return redact(text)


# The path segments after password_reset/confirm/, also when URL-encoded (%2F).
_RESET_CONFIRM = re.compile(r"(password_reset(?:/|%2F)confirm(?:/|%2F))[^\s\"'?#&]+", re.IGNORECASE)


def redact(text: str) -> str:
    """``text`` with everything after ``password_reset/confirm/`` replaced by ``[redacted]``."""
    return _RESET_CONFIRM.sub(r"\1[redacted]", text)


class RedactingFilter(logging.Filter):
    """Redacts a record's message, exception text and stack before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
