"""Exports the site's database to a transfer (site_export.py); the operator CLI's
``export`` runs this through the operator path, then downloads the dump and the media."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ... import database_dump, site_export, site_transfer


class Command(BaseCommand):
    help = "Write a pg_dump (custom format) of the whole database to the transfer's out/database.dump."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("transfer_id", help="the transfer to write to (32 hexadecimal digits)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            site_export.export_database(options["transfer_id"], log=lambda line: self.stdout.write(f"export: {line}"))
        except (site_transfer.TransferError, database_dump.DumpError) as exc:
            raise CommandError(str(exc)) from None
