"""gunicorn configuration; sizes come from the environment with
runtime-defaults.json as fallback (cms.runtime), never from numbers written here."""

from cms import runtime

wsgi_app = "cms.wsgi:application"
bind = f"0.0.0.0:{runtime.get_int('PORT')}"
workers = runtime.get_int("WEB_CONCURRENCY")
worker_class = "gthread"
# One thread per pooled database connection: a thread never waits for the pool.
threads = runtime.get_int("GUNICORN_THREADS")
# A request may wait for Aurora to resume (connect timeout) before doing work; the
# worker timeout must be well above that. App Runner's own request timeout is 120 s.
timeout = runtime.get_int("DATABASE_CONNECT_TIMEOUT") + 60
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
# No password-reset token in the access or error log (cms/log_redaction.py).
logger_class = "cms.log_redaction.GunicornLogger"
