"""Peak memory of the running app (gunicorn master + workers) under a little load,
including an editor uploading a 12-megapixel photo and its rendition being made.

    python -m tests.measure_memory        (from app/, with the test venv)

Prints peak RSS (sum; counts shared pages once per process, an upper bound) and
peak PSS (shared pages split between processes: what the instance really uses)."""

import io
import json
import random
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from .conftest import ADMIN_PASSWORD, OUTPUT_DIR, app_env
from .support import AppProcess, MotoS3, PostgresServer
from .test_health_media import admin_session, manage_shell, upload


def pss_rss_kib(pids):
    pss = rss = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    pss += int(line.split()[1])
                elif line.startswith("Rss:"):
                    rss += int(line.split()[1])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return pss, rss


def main():
    from PIL import Image

    pg, s3 = PostgresServer().start(), MotoS3().start()
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    app = None
    try:
        db = pg.create_database("mem")
        bucket = "media-" + uuid.uuid4().hex[:6]
        s3.client().create_bucket(Bucket=bucket)
        env = app_env(pg.url(db), bucket=bucket, s3=s3)
        app = AppProcess(env, str(OUTPUT_DIR / "measure-memory-app.log")).start()
        app.wait_healthy(180)
        peak = {"pss": 0, "rss": 0}
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                pss, rss = pss_rss_kib(app.pids())
                peak["pss"], peak["rss"] = max(peak["pss"], pss), max(peak["rss"], rss)
                time.sleep(0.1)

        idle_pss, idle_rss = pss_rss_kib(app.pids())
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()

        def load(seconds):
            def hit(i):
                path = random.choice(["/", "/", "/admin/login/", "/search/?query=home", "/readyz"])
                return requests.get(app.base + path, timeout=60).status_code

            n, deadline = 0, time.monotonic() + seconds
            with ThreadPoolExecutor(32) as pool:
                while time.monotonic() < deadline:
                    codes = list(pool.map(hit, range(64)))
                    n += len(codes)
                    assert set(codes) == {200}, codes
            return n

        # Phase 1: 32 concurrent clients on the stock pages.
        n1 = load(15)
        peak1 = dict(peak)
        # Phase 2: an editor uploads a 12 MP photo (noise does not compress: a realistic
        # upload) and publishes it on the home page; 32 clients hit the page at once,
        # so several threads render the same rendition concurrently.
        img = Image.effect_noise((4000, 3000), 64).convert("RGB")
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=90)
        session = admin_session(app)
        upload(session, app, "images", "photo.jpg", buf.getvalue(), "image/jpeg")
        manage_shell(env, "from wagtail.images import get_image_model; Image = get_image_model(); from home.models import HomePage; "
                          "p = HomePage.objects.get(slug='home'); p.image = Image.objects.get(title='photo.jpg'); "
                          "p.save_revision().publish()")
        n2 = load(15)
        stop.set()
        sampler.join()
        result = {
            "workers": len(app.pids()) - 1,
            "idle_after_start_pss_mib": round(idle_pss / 1024, 1),
            "idle_after_start_rss_sum_mib": round(idle_rss / 1024, 1),
            "load_stock_pages": {"requests": n1, "peak_pss_mib": round(peak1["pss"] / 1024, 1),
                                 "peak_rss_sum_mib": round(peak1["rss"] / 1024, 1)},
            "load_with_12mp_image_upload_and_renditions": {
                "requests": n2, "peak_pss_mib": round(peak["pss"] / 1024, 1),
                "peak_rss_sum_mib": round(peak["rss"] / 1024, 1)},
        }
        print(json.dumps(result, indent=2))
        (OUTPUT_DIR / "app-memory.json").write_text(json.dumps(result, indent=2) + "\n")
    finally:
        if app:
            app.stop()
        pg.stop()
        s3.stop()


if __name__ == "__main__":
    sys.exit(main())
