"""A site's database out, to the transfer area (site_transfer.py): a pg_dump in
custom format at ``transfer/<id>/out/database.dump``, which the operator CLI
downloads with a presigned URL. The media need no copy: the CLI downloads them
from the media bucket with presigned URLs (site_transfer.media), page by page.
A dump holds every table, users' password hashes and sessions included: it is
as secret as the database."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from . import database_dump, site_transfer
from .aws_clients import s3

DUMP_NAME = "database.dump"


def export_database(transfer_id: str, *, log: Callable[[str], None]) -> None:
    key = site_transfer.area(transfer_id) + site_transfer.OUT_DIRECTORY + DUMP_NAME
    with tempfile.TemporaryDirectory(prefix="export-") as directory:
        path = Path(directory) / DUMP_NAME
        size = database_dump.dump(path)
        s3().upload_file(str(path), site_transfer.bucket(), key)
    log(f"{DUMP_NAME}: {size} bytes")
