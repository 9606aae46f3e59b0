"""pg_dump and pg_restore on the site's database, for site_import.py and site_export.py.

The image carries both tools of the cluster's PostgreSQL major version
(contract.json ``postgresMajorVersion``; runtime/docker/Dockerfile). They connect
with the ``default`` database's settings; the password goes in the child's
environment (PGPASSWORD), never on a command line, and any failure message is
redacted before it is raised. Django's own connection is closed first, so that
one invocation holds one connection at a time, as the connection budget counts.

A dump is PostgreSQL's custom format (``pg_dump --format=custom``): compressed,
and restored object by object. A restore goes into an empty ``public`` schema:
``replace_public_schema`` sets the current one aside under SET_ASIDE_SCHEMA and
gives it back if what runs inside fails, so a failed import leaves the site as it
was; after a success the old schema is dropped.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, connections

from .log_redaction import redact_secrets

CUSTOM_FORMAT_MAGIC = b"PGDMP"  # the first bytes of a custom-format dump
SET_ASIDE_SCHEMA = "wagtail_scale_to_zero_before_import"


class DumpError(Exception):
    """pg_dump or pg_restore failed; the message holds its redacted output."""


def _environment() -> dict[str, str]:
    database = connections[DEFAULT_DB_ALIAS].settings_dict
    options = database.get("OPTIONS", {})
    env = {**os.environ, "PGHOST": database["HOST"], "PGPORT": str(database["PORT"] or 5432),
           "PGUSER": database["USER"], "PGPASSWORD": database["PASSWORD"], "PGDATABASE": database["NAME"],
           "PGCONNECT_TIMEOUT": str(options.get("connect_timeout", 30)), "PGAPPNAME": "wagtail-operator"}
    if options.get("sslmode"):
        env["PGSSLMODE"] = options["sslmode"]
    return env


def _run(command: list[str]) -> None:
    connections.close_all()
    result = subprocess.run(command, env=_environment(), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise DumpError(redact_secrets(f"{command[0]} exited with {result.returncode}:\n{result.stderr}{result.stdout}"))


def dump(path: Path) -> int:
    """Writes the whole database to ``path`` (custom format, without owners or grants); returns its size."""
    _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={path}"])
    return path.stat().st_size


def is_dump(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(len(CUSTOM_FORMAT_MAGIC)) == CUSTOM_FORMAT_MAGIC


def restore(path: Path) -> None:
    """Restores a custom-format dump into the current (empty) schemas, in one transaction, stopping at the first
    error; objects are owned by the site's database user, whoever owned them where the dump was made."""
    _run(["pg_restore", "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
          f"--dbname={connections[DEFAULT_DB_ALIAS].settings_dict['NAME']}", str(path)])


def _execute(*statements: str) -> None:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


@contextlib.contextmanager
def replace_public_schema() -> Iterator[None]:
    """Runs the body with an empty ``public`` schema; the old one comes back if the body raises, and is dropped
    when it succeeds."""
    _execute(f"DROP SCHEMA IF EXISTS {SET_ASIDE_SCHEMA} CASCADE",
             f"ALTER SCHEMA public RENAME TO {SET_ASIDE_SCHEMA}", "CREATE SCHEMA public")
    try:
        yield
    except BaseException:
        connections.close_all()
        _execute("DROP SCHEMA public CASCADE", f"ALTER SCHEMA {SET_ASIDE_SCHEMA} RENAME TO public")
        raise
    _execute(f"DROP SCHEMA {SET_ASIDE_SCHEMA} CASCADE")
