"""Content in and out through S3: the transfer area of the media bucket.

A site's content travels between the operator's machine and the site through
``<transferPrefix><id>/`` of the media bucket (contract.json), whose objects the
bucket's lifecycle rule removes after ``transferDays`` (src/media-bucket.ts). The
operator CLI (src/cli/site-transfer.ts) moves the files with presigned URLs that
it asks for by a direct invocation of the operator function (never through the
function's URL); the answer goes to the caller only, never to a log, since each
URL lets its holder read or write that object for ``transferUrlSeconds``. The
import_site and export_site commands, run through the operator path, read and
write the same area (site_import.py, site_export.py).

``{"transfer": <request>}``:

- ``{"start": true}``: a new transfer id and a presigned POST that uploads any
  key under ``transfer/<id>/`` (form field ``key``), each file up to
  MAX_UPLOAD_BYTES: ``{"id", "keyPrefix", "url", "fields", "maxBytes"}``.
- ``{"download": "<id>"}``: presigned GET URLs of what export_site wrote for that
  transfer: ``{"files": [{"name", "bytes", "url"}]}``, names relative to
  ``transfer/<id>/out/``.
- ``{"media": true, "after": "<key>"?}``: presigned GET URLs of up to MEDIA_PAGE
  media objects (every key outside the transfer area), after ``after``:
  ``{"files": [...], "next": "<key>" | null}``.

Anything else answers ``{"error": "..."}``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

from django.conf import settings

from .aws_clients import s3
from .contract import TRANSFER_PREFIX, TRANSFER_URL_SECONDS

TRANSFER_KEY = "transfer"
# S3's largest single upload, which a presigned POST is.
MAX_UPLOAD_BYTES = 5 * 1024**3
# Media URLs per answer: far under Lambda's 6 MB response, whatever the URLs' length.
MEDIA_PAGE = 200
DATABASE_NAME = "database"  # the uploaded database file: transfer/<id>/database
MEDIA_DIRECTORY = "media/"  # uploaded media: transfer/<id>/media/<media key>
OUT_DIRECTORY = "out/"  # what export_site writes: transfer/<id>/out/<name>
_ID = re.compile(r"^[0-9a-f]{32}$")


class TransferError(Exception):
    """A transfer request or area that cannot be used; the message says why."""


def bucket() -> str:
    name = getattr(settings, "AWS_STORAGE_BUCKET_NAME", "")
    if not name:
        raise TransferError("no media bucket (AWS_STORAGE_BUCKET_NAME): content travels through S3")
    return name


def area(transfer_id: str) -> str:
    """The prefix of one transfer: ``transfer/<id>/``; an id that is not one this module made is refused."""
    if not isinstance(transfer_id, str) or not _ID.match(transfer_id):
        raise TransferError(f"{transfer_id!r} is not a transfer id (32 hexadecimal digits, from a start request)")
    return f"{TRANSFER_PREFIX}{transfer_id}/"


def objects(prefix: str) -> Iterator[dict[str, Any]]:
    """Every object under ``prefix`` (S3's listing entries: Key, Size, ETag)."""
    for page in s3().get_paginator("list_objects_v2").paginate(Bucket=bucket(), Prefix=prefix):
        yield from page.get("Contents", [])


def _get_url(key: str) -> str:
    return s3().generate_presigned_url("get_object", Params={"Bucket": bucket(), "Key": key},
                                       ExpiresIn=TRANSFER_URL_SECONDS)


def start() -> dict[str, Any]:
    transfer_id = uuid.uuid4().hex
    prefix = area(transfer_id)
    post = s3().generate_presigned_post(
        Bucket=bucket(), Key=prefix + "${filename}", ExpiresIn=TRANSFER_URL_SECONDS,
        Conditions=[["starts-with", "$key", prefix], ["content-length-range", 0, MAX_UPLOAD_BYTES]])
    fields = {k: v for k, v in post["fields"].items() if k != "key"}
    return {"id": transfer_id, "keyPrefix": prefix, "url": post["url"], "fields": fields, "maxBytes": MAX_UPLOAD_BYTES}


def download(transfer_id: str) -> dict[str, Any]:
    out = area(transfer_id) + OUT_DIRECTORY
    return {"files": [{"name": o["Key"][len(out):], "bytes": o["Size"], "url": _get_url(o["Key"])}
                      for o in objects(out)]}


def media(after: str | None) -> dict[str, Any]:
    """One page of media objects, in key order, the transfer area left out."""
    files: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"Bucket": bucket(), "MaxKeys": MEDIA_PAGE}
    if after:
        kwargs["StartAfter"] = after
    while len(files) < MEDIA_PAGE:
        page = s3().list_objects_v2(**kwargs)
        for o in page.get("Contents", []):
            kwargs["StartAfter"] = o["Key"]
            if not o["Key"].startswith(TRANSFER_PREFIX):
                files.append({"name": o["Key"], "bytes": o["Size"], "url": _get_url(o["Key"])})
        if not page.get("IsTruncated"):
            return {"files": files, "next": None}
    return {"files": files, "next": kwargs["StartAfter"]}


def run_transfer(request: Any) -> dict[str, Any]:
    """The operator function's answer to ``{"transfer": request}``."""
    try:
        if isinstance(request, dict) and request.get("start") is True:
            return start()
        if isinstance(request, dict) and "download" in request:
            return download(request["download"])
        if isinstance(request, dict) and request.get("media") is True:
            after = request.get("after")
            if after is not None and not isinstance(after, str):
                raise TransferError("after is a media key (a string)")
            return media(after)
        raise TransferError('transfer takes {"start": true}, {"download": "<id>"} or {"media": true, "after": "<key>"}')
    except TransferError as exc:
        return {"error": str(exc)}
