"""Imports a site's database file and media from a transfer (site_import.py); the
operator CLI's ``import`` uploads them and runs this through the operator path."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ... import database_dump, site_import, site_transfer


class Command(BaseCommand):
    help = ("Replace the database by the transfer's pg_dump (custom format) or dumpdata fixture, and copy its media "
            "into the media bucket. Refuses a database that holds content unless --replace.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("transfer_id", help="the transfer the files were uploaded to (32 hexadecimal digits)")
        parser.add_argument("--replace", action="store_true",
                            help="replace a database that holds content, and media objects of the same keys")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            site_import.import_site(options["transfer_id"], replace=options["replace"],
                                    log=lambda line: self.stdout.write(f"import: {line}"))
        except (site_import.ImportRefused, site_transfer.TransferError, database_dump.DumpError) as exc:
            raise CommandError(str(exc)) from None
