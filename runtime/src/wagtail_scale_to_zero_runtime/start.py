"""``wagtail-scale-to-zero-start``: the container's command, run in the site's
directory (where manage.py is) with DJANGO_SETTINGS_MODULE set.

1. refuses to start (exit 2) without a secret key (DJANGO_SECRET_KEY, or
   DATABASE_SECRET to derive one from: secret_key.py), without DATABASE_SECRET
   or DATABASE_URL, or with settings that do not call configure(globals());
2. runs the ``startup`` management command in this process: migrations under a
   PostgreSQL advisory lock, the first admin once;
3. replaces itself (exec: same PID, so the platform's signals reach the server)
   with the server: gunicorn with this package's configuration
   (gunicorn_conf.py) serving the site's WSGI_APPLICATION.

On AWS Lambda (AWS_LAMBDA_RUNTIME_API set), after the checks of step 1 that need
no Django, this process becomes the AWS Lambda Runtime Interface Client serving
aws_lambda.handler instead of steps 2 and 3: the start-up runs only when the
deployment's management invocation asks for it.
"""

from __future__ import annotations

import os
import sys

from .secret_key import secret_key

GUNICORN_CONFIG = "python:wagtail_scale_to_zero_runtime.gunicorn_conf"
# The handler the Lambda runtime interface client serves (module.function).
LAMBDA_HANDLER = "wagtail_scale_to_zero_runtime.aws_lambda.handler"


def refuse(message: str) -> int:
    """Prints why the container does not start; the exit status."""
    print(f"start: {message}; refusing to start", file=sys.stderr, flush=True)
    return 2


def gunicorn_command(wsgi_application: str) -> list[str]:
    """gunicorn serving ``wsgi_application`` (Django's dotted path, e.g. "cms.wsgi.application")."""
    module, _, attribute = wsgi_application.rpartition(".")
    return [sys.executable, "-m", "gunicorn", "--config", GUNICORN_CONFIG, f"{module}:{attribute}"]


def server_command(wsgi_application: str) -> list[str]:
    """The command that serves the site after start-up."""
    # On AWS Lambda, main() has handed over to the runtime interface client before
    # the locked start-up (see "AWS Lambda" in main()): never reached there.
    return gunicorn_command(wsgi_application)


def main() -> int:
    """The console script; returns an exit status only when it refuses to start."""
    if not secret_key():
        return refuse("DJANGO_SECRET_KEY is not set, and there is no DATABASE_SECRET to derive a key from")
    if not os.environ.get("DATABASE_SECRET", "").strip() and not os.environ.get("DATABASE_URL", "").strip():
        return refuse("neither DATABASE_SECRET nor DATABASE_URL is set")
    settings_module = os.environ.get("DJANGO_SETTINGS_MODULE", "").strip()
    if not settings_module:
        return refuse("DJANGO_SETTINGS_MODULE is not set (e.g. cms.settings.production)")

    # ---- AWS Lambda (aws_lambda.py) ---------------------------------------------------
    # Lambda sets AWS_LAMBDA_RUNTIME_API: this process becomes the AWS Lambda Runtime
    # Interface Client (same PID), serving LAMBDA_HANDLER, instead of gunicorn; and
    # WITHOUT the locked start-up, which the deployment's management invocation runs
    # (an event without requestContext), so that a cold start never wakes the
    # database. Django is set up when the client imports the handler module (after
    # the client's own logging set-up, which Django's LOGGING then replaces).
    if os.environ.get("AWS_LAMBDA_RUNTIME_API", "").strip():
        sys.path.insert(0, os.getcwd())
        from awslambdaric.__main__ import main as runtime_interface_client

        runtime_interface_client([sys.argv[0], LAMBDA_HANDLER])
        return 1  # not reached: the client serves invocations until Lambda stops it
    # -------------------------------------------------------------------------------------

    # The site's packages are importable from the current directory, as with manage.py.
    sys.path.insert(0, os.getcwd())
    import django
    from django.conf import settings

    django.setup()
    from .settings import CONFIGURED

    if not getattr(settings, CONFIGURED, False):
        return refuse(f"{settings_module} does not end with configure(globals()) "
                      "(from wagtail_scale_to_zero_runtime.settings import configure)")
    wsgi_application = getattr(settings, "WSGI_APPLICATION", None)
    if not wsgi_application:
        return refuse(f"{settings_module} has no WSGI_APPLICATION")

    from django.core.management import call_command
    from django.db import connections

    call_command("startup")
    connections.close_all()
    command = server_command(wsgi_application)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(command[0], command)
    return 1  # not reached


if __name__ == "__main__":
    sys.exit(main())
