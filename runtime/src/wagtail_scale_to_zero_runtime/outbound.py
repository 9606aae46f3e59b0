"""Outbound calls fail fast.

The VPC has no NAT: the app reaches PostgreSQL and S3 (gateway endpoint) only.
Any other outbound connection (an oEmbed lookup; a site's own calls) has its
packets dropped and would hold a worker thread until the kernel gives up (about
2 minutes). A default socket timeout of OUTBOUND_CONNECT_TIMEOUT seconds bounds
each blocking operation (connect, and every later read or write) of a Python
socket made without an explicit timeout. Set by the app's ready().

What it does not change:
- gunicorn's gthread client sockets: the worker sets each accepted socket to
  blocking mode (no timeout) before reading a request; slow clients are not cut.
- psycopg: libpq (C) opens and drives its own sockets; connect_timeout and the
  pool's timeouts (settings.DATABASES) apply.
- botocore (media storage, email outbox): explicit timeouts from
  settings.AWS_S3_CLIENT_CONFIG (connect OUTBOUND_CONNECT_TIMEOUT, read 60 s).
- calls with their own timeout, e.g. Wagtail 8's oEmbed finder (10 s).
- DNS lookups (getaddrinfo); the VPC resolver answers them.
"""

from __future__ import annotations

import socket

from django.conf import settings


def set_default_timeout() -> None:
    """Sets Python's default socket timeout to settings.OUTBOUND_CONNECT_TIMEOUT."""
    socket.setdefaulttimeout(settings.OUTBOUND_CONNECT_TIMEOUT)
