"""The transfer area's presigned URLs (site_transfer.py) on moto's S3 server: an
upload with the POST the function hands out lands under its transfer only, a
download URL serves what export wrote, and media pages leave the area out. The
whole import and export through the real image: lambda_check.py, tests 15 and 16."""

import uuid

import pytest
import requests
from django.test import override_settings

from wagtail_scale_to_zero_runtime import site_transfer


@pytest.fixture(scope="module")
def site_settings(s3):
    """The bundled site's production settings, unless this process loaded settings before."""
    with pytest.MonkeyPatch.context() as mp:
        for name, value in {"DJANGO_SECRET_KEY": "unit-test", **s3.site_env(),
                            "DJANGO_SETTINGS_MODULE": "cms.settings.production"}.items():
            mp.setenv(name, value)
        from django.conf import settings

        settings.INSTALLED_APPS  # noqa: B018 (first use loads them from this environment)
        yield


@pytest.fixture
def media(s3, monkeypatch, site_settings):
    bucket = "media-" + uuid.uuid4().hex[:8]
    client = s3.client()
    client.create_bucket(Bucket=bucket)
    # The module's client is the app's (aws_clients.s3()), made from whichever settings this process loaded first.
    monkeypatch.setattr(site_transfer, "s3", lambda: client)
    with override_settings(AWS_STORAGE_BUCKET_NAME=bucket):
        yield client, bucket


def post(area, key, body):
    return requests.post(area["url"], data={**area["fields"], "key": key}, files={"file": ("f", body)}, timeout=10)


def test_an_upload_lands_under_its_transfer_and_a_download_url_serves_what_export_wrote(media):
    client, bucket = media
    area = site_transfer.run_transfer({"start": True})
    assert area["keyPrefix"] == f"transfer/{area['id']}/" and area["maxBytes"] == 5 * 1024**3, area
    assert "key" not in area["fields"] and "policy" in area["fields"], area

    r = post(area, area["keyPrefix"] + "media/original_images/a.png", b"png bytes")
    assert r.status_code in (200, 201, 204), r.text
    assert client.get_object(Bucket=bucket, Key=area["keyPrefix"] + "media/original_images/a.png")["Body"].read() \
        == b"png bytes"

    client.put_object(Bucket=bucket, Key=area["keyPrefix"] + "out/database.dump", Body=b"PGDMP...")
    files = site_transfer.run_transfer({"download": area["id"]})["files"]
    assert [(f["name"], f["bytes"]) for f in files] == [("database.dump", 8)], files
    assert requests.get(files[0]["url"], timeout=10).content == b"PGDMP..."


def test_media_pages_leave_the_transfer_area_out(media, monkeypatch):
    client, bucket = media
    keys = [f"original_images/{i:02}.png" for i in range(5)] + ["documents/a.pdf", "transfer/x/database"]
    for key in keys:
        client.put_object(Bucket=bucket, Key=key, Body=key.encode())
    monkeypatch.setattr(site_transfer, "MEDIA_PAGE", 2)
    files, after = [], None
    while True:
        page = site_transfer.run_transfer({"media": True, "after": after})
        assert len(page["files"]) <= 2, page
        files += page["files"]
        after = page["next"]
        if after is None:
            break
    names = [f["name"] for f in files]
    assert names == sorted(k for k in keys if not k.startswith("transfer/")), names
    assert requests.get(files[-1]["url"], timeout=10).content == names[-1].encode()


@pytest.mark.parametrize("request_", [
    {"download": "../../original_images"}, {"download": "ABC"}, {"media": True, "after": 3}, {"delete": True}, [],
])
def test_requests_that_are_not_transfers_are_refused(media, request_):
    assert set(site_transfer.run_transfer(request_)) == {"error"}
