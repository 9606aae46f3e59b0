"""A site's content in: a database file and media from the transfer area (site_transfer.py).

The database file (``transfer/<id>/database``) is a pg_dump in custom format or a
JSON fixture of ``dumpdata``; either replaces the whole database, inside
``database_dump.replace_public_schema`` (a failure gives the old one back):

- a dump is restored as it is, then ``startup`` migrates it (a dump of an older
  version of the site gets the newer migrations) and sets up the first admin;
- a fixture is loaded into a freshly migrated database whose page tree and sites
  (what Wagtail's migrations create) are removed first, since the fixture brings
  its own; the search index is rebuilt; then ``startup`` sets up the first admin.

The first admin: the imported data decides. If it has a user of the construct's
first-admin name, that user stays as the data has it (its own password); if not,
the first admin is created with the construct's password, as at a first start,
so the operator can always sign in. A record of the first admin in the imported
data (a site exported from this construct) is kept: an admin removed there does
not come back.

A database file is refused when the database holds content (content_found: any
revision, image, document, page beyond the two Wagtail's migrations create, or
user other than the first admin) unless ``replace`` is set; the CLI then
downloads a dump of it first (export_site). Media alone may come to any site.

Media (``transfer/<id>/media/<key>``) are copied to ``<key>`` in the media
bucket, where Wagtail's file fields point. A key that exists already is left as
it is (and counted) unless ``replace`` is set; the bucket keeps the overwritten
version for 30 days (its versioning). The transfer's files are deleted after a
success. Then the page cache starts a new generation and the CDN is purged.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management import call_command

from . import database_dump, site_transfer
from .aws_clients import s3

# The pages Wagtail's migrations create: the tree's root and the welcome page.
MIGRATION_PAGES = 2


class ImportRefused(Exception):
    """The import would replace content without ``replace``."""


def content_found(first_admin: str) -> list[str]:
    """What the database holds beyond what migrations and the first admin make, as phrases; empty if nothing."""
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model
    from wagtail.models import Page, Revision

    User = get_user_model()
    counts = {
        "revisions": Revision.objects.count(),
        "images": get_image_model().objects.count(),
        "documents": get_document_model().objects.count(),
        "pages beyond Wagtail's first two": max(0, Page.objects.count() - MIGRATION_PAGES),
        "users other than the first admin": User.objects.exclude(**{User.USERNAME_FIELD: first_admin}).count(),
    }
    return [f"{n} {what}" for what, n in counts.items() if n]


def _load_fixture(path: Path, log: Callable[[str], None]) -> None:
    from wagtail.models import Page, Site

    call_command("migrate", interactive=False, verbosity=0)
    # The fixture has its own tree and sites; Wagtail's migrations made a root, a welcome page and a site.
    Site.objects.all().delete()
    Page.objects.all().delete()
    log("migrated an empty database; loading the fixture")
    # loaddata tells the format by the file's extension.
    fixture = path.rename(path.with_suffix(".json"))
    call_command("loaddata", str(fixture), verbosity=1)
    # A fixture leaves the search index out (dumpdata -e wagtailsearch, as the README says).
    call_command("update_index", verbosity=0)
    log("search index rebuilt")


def _copy_media(prefix: str, replace: bool, log: Callable[[str], None]) -> tuple[int, int]:
    """Copies every uploaded media file to its key; (copied, kept as they were)."""
    client, bucket = s3(), site_transfer.bucket()
    existing = {o["Key"] for o in site_transfer.objects("") if not o["Key"].startswith(prefix)}
    copied = kept = 0
    for o in site_transfer.objects(prefix):
        key = o["Key"][len(prefix):]
        if key in existing and not replace:
            kept += 1
            continue
        client.copy_object(Bucket=bucket, Key=key, CopySource={"Bucket": bucket, "Key": o["Key"]})
        copied += 1
        if copied % 500 == 0:
            log(f"{copied} media files copied")
    return copied, kept


def import_site(transfer_id: str, *, replace: bool, log: Callable[[str], None]) -> None:
    """Imports the transfer's database file and media; raises ImportRefused or the failure."""
    area = site_transfer.area(transfer_id)
    uploaded = {o["Key"][len(area):]: o for o in site_transfer.objects(area)}
    if not uploaded:
        raise ImportRefused(f"nothing was uploaded to transfer {transfer_id}")
    with_database = site_transfer.DATABASE_NAME in uploaded
    found = content_found(os.environ.get("DJANGO_SUPERUSER_USERNAME", "").strip()) if with_database else []
    if found and not replace:
        raise ImportRefused(f"the database holds content ({', '.join(found)}): import --replace replaces it, "
                            "after downloading a dump of it")
    with tempfile.TemporaryDirectory(prefix="import-") as directory:
        if with_database:
            path = Path(directory) / "database"
            s3().download_file(site_transfer.bucket(), area + site_transfer.DATABASE_NAME, str(path))
            log(f"database file of {path.stat().st_size} bytes downloaded")
            with database_dump.replace_public_schema():
                if database_dump.is_dump(path):
                    database_dump.restore(path)
                    log("dump restored")
                else:
                    _load_fixture(path, log)
                call_command("startup")
    copied, kept = _copy_media(area + site_transfer.MEDIA_DIRECTORY, replace, log)
    log(f"media: {copied} files copied" + (f", {kept} kept as they were (the key existed)" if kept else ""))
    for o in uploaded.values():
        s3().delete_object(Bucket=site_transfer.bucket(), Key=o["Key"])
    from .page_cache_invalidation import flush_now

    flush_now()
    log("page cache: new generation; CDN purge requested")
