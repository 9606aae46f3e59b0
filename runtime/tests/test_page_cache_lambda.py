"""On Lambda the same middleware serves anonymous pages from the shared store: after a
warm-up, Function URL events for cached pages open no database connection."""

import json
import subprocess
import sys
import time
import uuid

from .conftest import app_env
from .page_cache_helpers import FIXTURE_ENV, ConnectionSampler, add_pages
from .support import APP_DIR, SITE_ENV, base_environ


def test_lambda_hits_open_no_database_connection(pg, fresh_db, s3):
    bucket = "page-cache-" + uuid.uuid4().hex[:10]
    s3.client().create_bucket(Bucket=bucket)
    env = app_env(pg.url(fresh_db), **FIXTURE_ENV, **s3.site_env(), PAGE_CACHE_BUCKET=bucket,
                  AWS_LAMBDA_FUNCTION_NAME="wagtail-cms-Function", DJANGO_HTTPS="true")
    add_pages(env)
    driver = subprocess.Popen(
        [sys.executable, "-m", "tests.page_cache_lambda_driver"], cwd=APP_DIR, text=True,
        env={**base_environ(), **SITE_ENV, **env}, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
    )

    def invoke(path):
        driver.stdin.write(path + "\n")
        driver.stdin.flush()
        return json.loads(driver.stdout.readline())

    try:
        paths = ["/", "/about/", "/no-such-page/", "/?utm_source=x"]
        warm = [invoke(p) for p in paths]
        assert [r["status"] for r in warm] == [200, 200, 404, 200], warm
        time.sleep(1.5)  # the statistics of the warm-up's sessions are flushed within a second
        with ConnectionSampler(pg, fresh_db) as sampler:
            before = sampler.sessions()
            for _ in range(5):
                for path in paths:
                    r = invoke(path)
                    assert r["cache"] == "hit" and r["cache_control"].startswith("public"), (path, r)
            time.sleep(1.5)
            after = sampler.sessions()
        assert sampler.seen == [] and after == before, (sampler.seen[:5], before, after)
        r = invoke("/contact/")
        assert r["cache"] == "bypass" and r["cache_control"] == "private, no-store"
    finally:
        driver.stdin.close()
        driver.wait(30)
