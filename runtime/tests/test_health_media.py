"""/healthz, /readyz and media in the S3 emulator, on the app as the container runs it.

The app reaches PostgreSQL through a TCP proxy: stopping the proxy's listener
makes the database refuse connections exactly as a stopped server does."""

import io
import re
import uuid

import pytest
import requests

from .conftest import ADMIN_PASSWORD, app_env
from .support import TcpProxy, csrf_token, log_in, manage_shell, readiness_headers


@pytest.fixture(scope="module")
def setup(pg, s3, migrated_template, log_dir):
    from .support import AppProcess

    db = pg.create_database("t_health", template=migrated_template)
    proxy = TcpProxy(pg.port).start_listening()
    bucket = "media-" + uuid.uuid4().hex[:8]  # NOT created yet: storage check must fail first
    env = app_env(pg.url(db, port=proxy.port), bucket=bucket, s3=s3)
    app = AppProcess(env, str(log_dir / "health-media.log")).start()
    app.wait_healthy()
    yield {"app": app, "proxy": proxy, "bucket": bucket, "env": env, "db": db}
    app.stop()
    proxy.close()


def ready(setup):
    return readiness_headers(setup["env"]["DJANGO_SECRET_KEY"])


def test_readyz_reports_missing_bucket_then_ok(setup, s3):
    app = setup["app"]
    r = requests.get(app.base + "/readyz", headers=ready(setup), timeout=30)
    assert r.status_code == 503
    body = r.json()
    assert body["database"] == "ok"
    assert body["storage"].startswith("error:")
    s3.client().create_bucket(Bucket=setup["bucket"])
    r = requests.get(app.base + "/readyz", headers=ready(setup), timeout=30)
    assert r.status_code == 200, r.text
    assert r.json() == {"database": "ok", "storage": "ok"}


def make_png(width=64, height=48):
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 90)).save(buf, "PNG")
    return buf.getvalue()


def admin_session(app):
    return log_in(requests.Session(), app.base, "admin", ADMIN_PASSWORD)


def upload(session, app, kind, filename, content, content_type):
    r = session.get(f"{app.base}/admin/{kind}/add/", timeout=30)
    r = session.post(
        f"{app.base}/admin/{kind}/add/", timeout=60, allow_redirects=False,
        data={"csrfmiddlewaretoken": csrf_token(r.text), "title": filename},
        files={"file": (filename, content, content_type)},
    )
    assert r.status_code == 302, r.text[-2000:]


def test_image_and_document_uploads_go_to_s3_and_are_served_presigned(setup, s3):
    app, bucket = setup["app"], setup["bucket"]
    if not any(b["Name"] == bucket for b in s3.client().list_buckets()["Buckets"]):
        s3.client().create_bucket(Bucket=bucket)  # when run without the readyz test
    session = admin_session(app)
    png = make_png()
    upload(session, app, "images", "pixel.png", png, "image/png")
    doc = b"hello from the wagtail document store\n"
    upload(session, app, "documents", "notes.txt", doc, "text/plain")

    keys = [o["Key"] for o in s3.client().list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert any(k.startswith("original_images/") and k.endswith(".png") for k in keys), keys
    assert any(k.startswith("documents/") and k.endswith(".txt") for k in keys), keys

    # The admin's image listing shows a rendition made by the running site: its
    # URL is a presigned URL of an object in the bucket.
    r = session.get(app.base + "/admin/images/", timeout=60)
    assert r.status_code == 200
    srcs = [m.replace("&amp;", "&") for m in re.findall(r'<img [^>]*src="([^"]+)"', r.text)]
    src = next((u for u in srcs if u.startswith(s3.endpoint + f"/{bucket}/images/")), None)
    assert src, srcs
    assert "X-Amz-Signature=" in src
    img = requests.get(src, timeout=30)
    assert img.status_code == 200 and img.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert requests.get(app.base + "/", timeout=60).status_code == 200

    doc_id = manage_shell(setup["env"], "from wagtail.documents.models import Document; print(Document.objects.get(title='notes.txt').id)")
    r = requests.get(f"{app.base}/documents/{doc_id}/notes.txt", timeout=30, allow_redirects=False)
    assert r.status_code == 302
    location = r.headers["Location"]
    assert location.startswith(s3.endpoint + f"/{bucket}/documents/") and "X-Amz-Signature=" in location
    got = requests.get(location, timeout=30)
    assert got.status_code == 200 and got.content == doc


def test_healthz_answers_any_host_with_database_stopped(setup):
    app, proxy = setup["app"], setup["proxy"]
    proxy.stop_listening()  # the database now refuses connections
    try:
        for host in ["127.0.0.1", "10.1.2.3:8080", "random-" + uuid.uuid4().hex + ".invalid"]:
            r = requests.get(app.base + "/healthz", headers={"Host": host}, timeout=5)
            assert r.status_code == 200 and r.text == "ok\n"
        r = requests.get(app.base + "/readyz", headers=ready(setup), timeout=30)
        assert r.status_code == 503
        body = r.json()
        assert body["database"].startswith("error:"), body
        assert body["storage"] == "ok", body
    finally:
        proxy.start_listening()
    # Database back: ready again (the pool reconnects by itself).
    from .support import wait_until

    wait_until(lambda: requests.get(app.base + "/readyz", headers=ready(setup), timeout=30).status_code == 200, 60, what="readyz after DB back")
    assert requests.get(app.base + "/", timeout=60).status_code == 200
