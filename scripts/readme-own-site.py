#!/usr/bin/env python3
"""Apply to a site made by `wagtail start` exactly the steps that the top-level README.md
gives in its section "Your own Wagtail site", read from the README at each run, so that
scripts/fresh-site-test.sh tests what the README says and fails when the README changes
in a way it cannot follow.

    python3 scripts/readme-own-site.py SITE_DIR

The section must hold three numbered steps, each with one fenced block:
  1. a step naming `requirements.txt`: the block's lines are appended to it;
  2. a step naming `<package>/settings/production.py` and ending the file: the block's
     lines are appended to the site's own production settings (the README's package
     name stands for the site's);
  3. a step whose block points the construct at the site with
     `WagtailImage.fromWagtailProject(<dir>)`, no options: what the test synthesizes.
Anything else (another step, another block, options in step 3) fails with what changed.
Prints what it did, one line per step."""

import re
import sys
import textwrap
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
SECTION = "## Your own Wagtail site"


class ReadmeChanged(Exception):
    pass


def steps(readme_text):
    """[(number, text before the block, block)] of the section's numbered steps."""
    start = readme_text.find("\n" + SECTION + "\n")
    if start < 0:
        raise ReadmeChanged(f"README.md has no section {SECTION!r}")
    body = readme_text[start + len(SECTION) + 2:]
    end = re.search(r"^## ", body, re.M)
    body = body[:end.start()] if end else body
    found = []
    for m in re.finditer(r"^(\d+)\. (.*?)(?=^\d+\. |\Z)", body, re.M | re.S):
        number, step = int(m.group(1)), m.group(2)
        blocks = re.findall(r"^( *)```[^\n]*\n(.*?)^\1```", step, re.M | re.S)
        if len(blocks) != 1:
            raise ReadmeChanged(f"step {number} has {len(blocks)} fenced blocks, expected 1")
        text = step[:step.index("```")]
        found.append((number, " ".join(text.split()), textwrap.dedent(blocks[0][1]).strip("\n")))
    return found


def apply(site):
    site = Path(site)
    manage = (site / "manage.py").read_text()
    package = re.search(r"DJANGO_SETTINGS_MODULE[\"']\s*,\s*[\"'](\w+)\.", manage).group(1)
    found = steps(README.read_text())
    if [n for n, _, _ in found] != [1, 2, 3]:
        raise ReadmeChanged(f"steps {[n for n, _, _ in found]}, expected 1, 2, 3")
    done = []

    (_, text, block) = found[0]
    if "`requirements.txt`" not in text:
        raise ReadmeChanged(f"step 1 no longer names `requirements.txt`: {text!r}")
    requirements = site / "requirements.txt"
    current = requirements.read_text()
    requirements.write_text(current + ("" if current.endswith("\n") or not current else "\n") + block + "\n")
    done.append(f"step 1: appended to requirements.txt: {block!r}")

    (_, text, block) = found[1]
    m = re.search(r"`(\w+)/settings/production\.py`", text)
    if not m or not re.search(r"\bEnd\b", text):
        raise ReadmeChanged(f"step 2 no longer ends `<package>/settings/production.py`: {text!r}")
    production = site / package / "settings" / "production.py"
    current = production.read_text()
    production.write_text(current.rstrip("\n") + "\n\n" + block + "\n")
    done.append(f"step 2: appended to {package}/settings/production.py (README: {m.group(1)}/...): {block!r}")

    (_, text, block) = found[2]
    m = re.search(r"WagtailImage\.fromWagtailProject\(\s*(['\"])[^'\"]+\1\s*\)", block)
    if not m:
        raise ReadmeChanged(f"step 3 no longer uses WagtailImage.fromWagtailProject(<dir>) without options: {block!r}")
    done.append(f"step 3: the stack uses {m.group(0)} (test/fixtures/synth-project.ts with no options)")
    return done


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} SITE_DIR")
    try:
        for line in apply(sys.argv[1]):
            print(f"readme: {line}")
    except ReadmeChanged as exc:
        sys.exit(f"readme: the section {SECTION!r} of README.md changed: {exc}; update scripts/readme-own-site.py")
