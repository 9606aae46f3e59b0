"""Outbound calls fail fast.

The VPC has no NAT: the app reaches PostgreSQL and S3 (gateway endpoint) only.
Any other outbound connection (Wagtail's oEmbed lookup calls urlopen without a
timeout; a site's own calls) has its packets dropped and would hold a worker
thread until the kernel gives up (about 2 minutes). A default socket timeout of
OUTBOUND_CONNECT_TIMEOUT seconds bounds each blocking operation (connect, and
every later read or write) of a Python socket made without an explicit timeout.

What it does not change:
- gunicorn's gthread client sockets: the worker sets each accepted socket to
  blocking mode (no timeout) before reading a request, and listeners are
  non-blocking; slow uploads and downloads behave as before.
- psycopg: libpq (C) opens and drives its own sockets; connect_timeout and the
  pool's timeouts (settings.DATABASES) apply, as before.
- botocore (media storage, email outbox): urllib3 sets explicit timeouts on its
  sockets from settings.AWS_S3_CLIENT_CONFIG (connect OUTBOUND_CONNECT_TIMEOUT,
  read 60 s).
- DNS lookups (getaddrinfo) are not bounded by socket timeouts; the VPC resolver
  answers them.
"""

import socket

from django.conf import settings


def set_default_timeout():
    socket.setdefaulttimeout(settings.OUTBOUND_CONNECT_TIMEOUT)
