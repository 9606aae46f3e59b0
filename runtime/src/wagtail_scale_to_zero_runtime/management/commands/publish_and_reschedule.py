"""What the publishing schedule runs (scheduled_publishing.py): Wagtail's publish_scheduled, then a request for the
schedule of the next due time, whatever the last request was."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from ... import scheduled_publishing


class Command(BaseCommand):
    help = "Publish and expire what is due (publish_scheduled), then ask for the schedule of the next due time."

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("publish_scheduled", stdout=self.stdout, stderr=self.stderr)
        due = scheduled_publishing.request_schedule(force=True)
        self.stdout.write(f"next scheduled publishing: {'none' if due is None else due.isoformat()}")
