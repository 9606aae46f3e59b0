"""Password-reset links never reach a log.

Wagtail's reset link is /admin/password_reset/confirm/<uidb64>/<token>/ (Django
then redirects to .../confirm/<uidb64>/set-password/). Whoever reads a log line
holding it could set the user's password, and such lines are common: gunicorn's
access log prints every request line, Django's `django.request` logger prints
the path of every 404 and 500. `redact` blanks what follows ".../confirm/" in a
text; RedactingFilter applies it to every record of Django's log handler
(settings.LOGGING) and of gunicorn's access and error logs (GunicornLogger,
gunicorn.conf.py's logger_class).
"""

import logging
import re

from gunicorn.glogging import Logger

# The path segments after password_reset/confirm/, also when URL-encoded (%2F).
_RESET_CONFIRM = re.compile(r"(password_reset(?:/|%2F)confirm(?:/|%2F))[^\s\"'?#&]+", re.IGNORECASE)


def redact(text):
    return _RESET_CONFIRM.sub(r"\1[redacted]", text)


class RedactingFilter(logging.Filter):
    """Redacts a record's message, exception text and stack before any handler formats it."""

    def filter(self, record):
        record.msg, record.args = redact(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class GunicornLogger(Logger):
    """gunicorn's logger with RedactingFilter on its access and error log handlers."""

    redacting_filter = RedactingFilter()

    def setup(self, cfg):
        super().setup(cfg)  # (re)creates the handlers
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.addFilter(self.redacting_filter)
