"""The package's own records: the admin bootstrap (management/commands/startup.py), password-reset attempts,
the last housekeeping run and the last publishing-schedule request."""

from __future__ import annotations

from django.db import models


class AdminBootstrap(models.Model):
    """The record that the first admin was set up, written once for the life of the
    database by `manage.py startup` (under its advisory lock). While it exists,
    startup creates no admin, even if that user was deleted or renamed since."""

    username = models.CharField(max_length=150)
    # False: the user already existed when the record was written (a database
    # from before this record, or an admin created by other means).
    created = models.BooleanField()
    recorded_at = models.DateTimeField(auto_now_add=True)


class PasswordResetAttempt(models.Model):
    """One password-reset request counted against a limit (password_reset_limit.py):
    ``scope`` "client" or "address", ``key`` the keyed hash of the client's IP or the
    email address (neither is stored)."""

    scope = models.CharField(max_length=7)
    key = models.CharField(max_length=64)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["scope", "key", "created_at"], name="password_reset_attempt_key")]


class HousekeepingRun(models.Model):
    """When housekeeping.py last ran (one row, primary key ONLY): sign-ins run it again a day later."""

    ONLY = 1
    ran_at = models.DateTimeField()


class PublishingScheduleRequest(models.Model):
    """The publishing time last asked of the outbox (one row, primary key ONLY; scheduled_publishing.py): a change
    that leaves the next due time as it was asks for nothing. ``at`` None: no schedule."""

    ONLY = 1
    at = models.DateTimeField(null=True)
    requested_at = models.DateTimeField()
