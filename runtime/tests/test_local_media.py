"""Without a media bucket (local runs), media go to DJANGO_MEDIA_ROOT and the site
serves them under /media/ itself (the package's media middleware), although
production settings have DEBUG off."""

import re

import requests

from .conftest import ADMIN_PASSWORD, app_env
from .support import log_in
from .test_health_media import make_png, upload


def test_media_on_local_disk_are_served_by_the_site(pg, fresh_db, start_app):
    app = start_app(app_env(pg.url(fresh_db)))
    app.wait_healthy()
    session = log_in(requests.Session(), app.base, "admin", ADMIN_PASSWORD)
    upload(session, app, "images", "local.png", make_png(), "image/png")
    html = session.get(app.base + "/admin/images/", timeout=60).text
    src = next(u for u in re.findall(r'<img [^>]*src="([^"]+)"', html) if u.startswith("/media/images/"))
    r = requests.get(app.base + src, timeout=30)
    assert r.status_code == 200 and r.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert requests.get(app.base + "/media/../manage.py", timeout=30).status_code == 404
