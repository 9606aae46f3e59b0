"""gunicorn configuration (``--config python:wagtail_scale_to_zero_runtime.gunicorn_conf``).

Sizes come from the environment with defaults.json as fallback, never from
numbers written here. The WSGI application is given on the command line by the
start command (the site's WSGI_APPLICATION).
"""

from wagtail_scale_to_zero_runtime.defaults import get_int

bind = f"0.0.0.0:{get_int('PORT')}"
workers = get_int("WEB_CONCURRENCY")
worker_class = "gthread"
# One thread per pooled database connection: a thread never waits for the pool.
threads = get_int("GUNICORN_THREADS")
# A request may wait for Aurora to resume (connect timeout) before doing work; the
# worker timeout must be well above that. App Runner's own request timeout is 120 s.
timeout = get_int("DATABASE_CONNECT_TIMEOUT") + 60
graceful_timeout = 20
keepalive = 5
# Load Django once in the master: faster worker boot, memory shared copy-on-write.
# No database connection is opened at import time, so nothing leaks into workers.
preload_app = True
# Logs to stdout/stderr (App Runner ships them to CloudWatch).
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
forwarded_allow_ips = "*"  # App Runner's proxy is the only client that reaches us
# A header whose name has "_" is dropped (gunicorn's default, pinned): "X_Forwarded_Proto"
# would otherwise reach the WSGI environ under the same key as "X-Forwarded-Proto".
header_map = "drop"
# No password-reset token in the access or error log.
logger_class = "wagtail_scale_to_zero_runtime.gunicorn_logging.GunicornLogger"
