"""Memory of the running site (the bundled app/ started by the package's start
command: gunicorn master + workers, media in moto S3), per process: idle after
start, under 32 concurrent clients on stock pages, idle again, then while an
editor uploads a 12-megapixel photo and its admin thumbnail is made under the
same load (32 logged-in clients on the image listing, so many threads ask for
the same rendition at once).

    python -m tests.measure_memory        (from runtime/, with the test venv;
                                           WEB_CONCURRENCY / GUNICORN_THREADS apply)

Figures are PSS (shared pages split between the processes that share them, so
the sum is what the instance really uses), sampled every 0.1 s. Per phase:
  master_mib          the gunicorn master (preloads the app; workers share its pages)
  workers_mib         each worker, in pid order (peak: each one's own maximum)
  worker_max_mib      the largest worker
  total_mib           master + workers (peak: the largest sum seen at one instant)
Sizing: an instance needs about master + workers x worker peak.
Also written to test-output/app-memory.json."""

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

from wagtail_scale_to_zero_runtime.defaults import get_int

from .conftest import OUTPUT_DIR, app_env
from .support import AppProcess, MotoS3, PostgresServer, readiness_headers
from .test_health_media import admin_session, upload


def mib(kib):
    return round(kib / 1024, 1)


def pss_kib(pid):
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


class Sampler:
    """Samples each process's PSS in a background thread; keeps per-phase peaks."""

    def __init__(self, app):
        self.app = app
        self.master = app.proc.pid
        self.peaks = {}
        self.lock = threading.Lock()
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def snapshot(self):
        return {pid: pss_kib(pid) for pid in self.app.pids()}

    def _run(self):
        while not self.stop_event.is_set():
            snap = self.snapshot()
            with self.lock:
                for pid, kib in snap.items():
                    self.peaks[pid] = max(self.peaks.get(pid, 0), kib)
                self.peaks["total"] = max(self.peaks.get("total", 0), sum(snap.values()))
            time.sleep(0.1)

    def start_phase(self):
        with self.lock:
            self.peaks = {}
        if not self.thread.is_alive():
            self.thread.start()

    def end_phase(self):
        with self.lock:
            peaks = dict(self.peaks)
        total = peaks.pop("total")
        return self.figures(peaks, total)

    def figures(self, by_pid, total=None):
        workers = [mib(kib) for pid, kib in sorted(by_pid.items()) if pid != self.master]
        return {"master_mib": mib(by_pid.get(self.master, 0)), "workers_mib": workers,
                "worker_max_mib": max(workers), "total_mib": mib(total if total is not None else sum(by_pid.values()))}

    def stop(self):
        self.stop_event.set()
        self.thread.join()


def load(app, seconds, paths=("/", "/", "/admin/login/", "/search/?query=home", "/readyz"), cookies=None):
    """32 concurrent clients on `paths` for `seconds`; the number of requests."""
    def hit(i):
        return requests.get(app.base + random.choice(paths), timeout=60, cookies=cookies,
                            headers=readiness_headers(app.env["DJANGO_SECRET_KEY"])).status_code

    n, deadline = 0, time.monotonic() + seconds
    with ThreadPoolExecutor(32) as pool:
        while time.monotonic() < deadline:
            codes = list(pool.map(hit, range(64)))
            n += len(codes)
            assert set(codes) == {200}, codes
    return n


def main():
    import logging

    from PIL import Image

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's request log

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
        time.sleep(2)
        sampler = Sampler(app)
        result = {"workers": len(app.pids()) - 1, "threads_per_worker": get_int("GUNICORN_THREADS"),
                  "idle_after_start": sampler.figures(sampler.snapshot())}

        # Phase 1: 32 concurrent clients on the stock pages.
        sampler.start_phase()
        n1 = load(app, 15)
        result["load_stock_pages_peak"] = {"requests": n1, **sampler.end_phase()}
        time.sleep(2)
        result["idle_after_load"] = sampler.figures(sampler.snapshot())

        # Phase 2: an editor uploads a 12 MP photo (noise does not compress: a realistic
        # upload); 32 logged-in clients open the image listing at once, so several
        # threads ask for the photo's thumbnail rendition concurrently.
        img = Image.effect_noise((4000, 3000), 64).convert("RGB")
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=90)
        sampler.start_phase()
        session = admin_session(app)
        upload(session, app, "images", "photo.jpg", buf.getvalue(), "image/jpeg")
        n2 = load(app, 15, paths=("/", "/admin/images/"), cookies=session.cookies)
        result["upload_12mp_photo_and_renditions_under_load_peak"] = {"requests": n2, **sampler.end_phase()}
        sampler.stop()
        print(json.dumps(result, indent=2))
        (OUTPUT_DIR / "app-memory.json").write_text(json.dumps(result, indent=2) + "\n")
    finally:
        if app:
            app.stop()
        pg.stop()
        s3.stop()


if __name__ == "__main__":
    sys.exit(main())
