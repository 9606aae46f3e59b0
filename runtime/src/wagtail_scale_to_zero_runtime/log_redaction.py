"""Password-reset links never reach a log.

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

import logging
import re

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
