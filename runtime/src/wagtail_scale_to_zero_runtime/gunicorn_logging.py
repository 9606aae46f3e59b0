"""gunicorn's logger with the password-reset redaction (log_redaction.py) on its
access and error logs; gunicorn_conf.py names it as ``logger_class``."""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from .log_redaction import RedactingFilter


class GunicornLogger(Logger):
    """gunicorn's logger with RedactingFilter on its access and error log handlers."""

    redacting_filter = RedactingFilter()

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)  # (re)creates the handlers
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.addFilter(self.redacting_filter)
