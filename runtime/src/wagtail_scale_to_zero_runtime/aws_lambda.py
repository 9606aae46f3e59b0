"""The AWS Lambda handler module: ``wagtail_scale_to_zero_runtime.aws_lambda.handler``.

On Lambda (AWS_LAMBDA_RUNTIME_API set), ``wagtail-scale-to-zero-start`` runs the AWS
Lambda Runtime Interface Client (awslambdaric) in its own process, instead of the
locked start-up and gunicorn; the client imports this module once per execution
environment (Lambda's init phase). Importing it sets up Django with the site's
settings, loads the site's WSGI_APPLICATION and its URLconf, and opens no database
connection: a cold start never wakes the database (/healthz answers without it).
The locked start-up (migrations, the first admin) runs only when the deployment's
management invocation asks for it (lambda_adapter.py).

Imported after the client has set up its own logging: Django's LOGGING (configure())
replaces the client's root handler, so every line the site logs goes through the
package's redaction, to stderr (the function's log), as on App Runner.
"""

from __future__ import annotations

import os
import sys


def _initialise():
    # The site's packages are importable from the current directory (the image's
    # WORKDIR, where manage.py is), as with manage.py and gunicorn.
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    import django
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.servers.basehttp import get_internal_wsgi_application
    from django.urls import get_resolver

    django.setup()
    from .settings import CONFIGURED

    if not getattr(settings, CONFIGURED, False):
        raise ImproperlyConfigured(
            f"{os.environ.get('DJANGO_SETTINGS_MODULE')} does not end with configure(globals()) "
            "(from wagtail_scale_to_zero_runtime.settings import configure)")
    application = get_internal_wsgi_application()
    # Import every view module now, during init, rather than in the first request.
    get_resolver().url_patterns  # noqa: B018
    from .lambda_adapter import make_handler

    return make_handler(application)


handler = _initialise()
