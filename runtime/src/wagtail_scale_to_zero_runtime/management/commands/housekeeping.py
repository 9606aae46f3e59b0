"""Runs the housekeeping now (housekeeping.py), whenever the last run was."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ... import housekeeping


class Command(BaseCommand):
    help = "Remove expired sessions and other rows that only grow (also run by the first sign-in of each day)."

    def handle(self, *args: Any, **options: Any) -> None:
        for line in housekeeping.run():
            self.stdout.write(line)
