"""Container start-up work, run by the start command (start.py) before gunicorn.

Several instances may start at the same moment (App Runner scaling out, a
deployment). A PostgreSQL session-level advisory lock serialises them: exactly
one applies the pending migrations, the others wait for the lock, then find
nothing to migrate. The first admin is set up under the same lock, once for the
life of the database: the AdminBootstrap record (models.py) says it was done, so an admin
deleted or renamed later is not created again. A database whose admin exists but
has no record yet (made before the record existed) gets the record, nothing else.

Log lines (stdout, one per event, prefixed "startup:") are stable: the tests
count "startup: applying N migrations" to prove migrations ran exactly once.
"""

from __future__ import annotations

import os
import time
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.executor import MigrationExecutor

from ...models import AdminBootstrap

# Arbitrary constant shared by every instance of this app ("wagtail" in ASCII).
MIGRATION_LOCK_KEY = 0x77616774_61696C


class Command(BaseCommand):
    help = "Apply migrations under an advisory lock and create the first admin once."

    def log(self, message: str) -> None:
        self.stdout.write(f"startup: {message} (pid {os.getpid()})")
        self.stdout.flush()

    def handle(self, *args: Any, **options: Any) -> None:
        connection = connections[DEFAULT_DB_ALIAS]
        if connection.vendor != "postgresql":
            raise CommandError("no PostgreSQL database configured (DATABASE_SECRET or DATABASE_URL)")

        started = time.monotonic()
        # Use a dedicated, unpooled connection so the session that holds the lock is
        # the one that runs the migrations, and nothing stays open afterwards.
        connection.settings_dict["OPTIONS"].pop("pool", None)
        connection.close()
        with connection.cursor() as cursor:
            self.log("waiting for migration lock")
            cursor.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK_KEY])
            self.log(f"got migration lock after {time.monotonic() - started:.1f}s")
        try:
            executor = MigrationExecutor(connection)
            plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
            if plan:
                self.log(f"applying {len(plan)} migrations")
                call_command("migrate", interactive=False, verbosity=0)
                self.log("migrations applied")
            else:
                self.log("no migrations to apply")
            self.ensure_superuser()
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK_KEY])
            connection.close()
        self.log(f"done in {time.monotonic() - started:.1f}s")

    def ensure_superuser(self) -> None:
        record = AdminBootstrap.objects.first()
        if record:
            self.log(f"first admin {record.username!r} was set up on {record.recorded_at:%Y-%m-%d}: not creating one")
            return
        username = os.environ.get("DJANGO_SUPERUSER_USERNAME", "").strip()
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD", "")
        email = os.environ.get("DJANGO_SUPERUSER_EMAIL", "").strip()
        if not username:
            self.log("no DJANGO_SUPERUSER_USERNAME set: not creating an admin")
            return
        User = get_user_model()
        with transaction.atomic():
            if User.objects.filter(**{User.USERNAME_FIELD: username}).exists():
                AdminBootstrap.objects.create(username=username, created=False)
                self.log(f"admin {username!r} exists: recorded as the first admin")
                return
            # Without a password the admin cannot sign in until the operator path gives it one (operator_password.py).
            User.objects.create_superuser(username=username, email=email, password=password or None)
            AdminBootstrap.objects.create(username=username, created=True)
        if password:
            self.log(f"admin {username!r} created")
        else:
            self.log(f"admin {username!r} created without a password: npx wagtail-scale-to-zero password --stack <stack> "
                     "gives it one")
