"""The bundled site is `wagtail start cms` of Wagtail 7.0 plus exactly two
additions: the runtime package in requirements.txt and the configure(globals())
lines at the end of cms/settings/production.py. Checked by making a fresh
project with the installed Wagtail and comparing every file."""

import filecmp
import re
import subprocess
import sys
from pathlib import Path

import pytest
import wagtail

from .support import APP_DIR

REQUIREMENT = "wagtail-scale-to-zero-runtime\n"
CONFIGURE = "\nfrom wagtail_scale_to_zero_runtime.settings import configure\n\nconfigure(globals())\n"
# Made by running the site or its tests, not by `wagtail start`.
IGNORED = {"__pycache__", "static", "media", "db.sqlite3"}


def files(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")
                  if p.is_file() and not IGNORED & set(p.relative_to(root).parts))


@pytest.mark.skipif(wagtail.VERSION[:2] != (7, 0), reason="the bundled site is Wagtail 7.0's project template")
def test_the_bundled_site_is_wagtail_start_plus_two_lines(tmp_path):
    fresh = tmp_path / "cms"
    fresh.mkdir()
    subprocess.run([str(Path(sys.executable).parent / "wagtail"), "start", "cms", str(fresh)], check=True,
                   capture_output=True)
    assert files(APP_DIR) == files(fresh)
    different = [f for f in files(fresh) if not filecmp.cmp(APP_DIR / f, fresh / f, shallow=False)]
    # dev.py differs by its random SECRET_KEY only (each `wagtail start` makes a new one).
    assert sorted(different) in (
        ["cms/settings/dev.py", "cms/settings/production.py", "requirements.txt"],
        ["cms/settings/production.py", "requirements.txt"],
    ), different

    def without_key(text):
        return re.sub(r'^SECRET_KEY = ".*"$', 'SECRET_KEY = "..."', text, flags=re.M)

    assert without_key((APP_DIR / "cms/settings/dev.py").read_text()) == without_key(
        (fresh / "cms/settings/dev.py").read_text())
    assert (APP_DIR / "requirements.txt").read_text() == (fresh / "requirements.txt").read_text() + REQUIREMENT
    assert (APP_DIR / "cms/settings/production.py").read_text() == (
        fresh / "cms/settings/production.py").read_text() + CONFIGURE
