"""Turns files of identical content under a directory into hard links to one of them, so that an image layer stores
that content once. Every path stays, with the same bytes. Collected static files are the main case: a
`CompressedManifestStaticFilesStorage` STATIC_ROOT holds each file under its plain and its hashed name, and a .gz
copy of each; both names are served (a file referenced by its plain name, e.g. from JavaScript, must not 404).
Run last in the build stage, after compileall; the image's code and files are never written at run time.
Prints the bytes saved.

    python link-duplicates.py /app /venv
"""
import hashlib
import os
import sys
from collections import defaultdict


def link(root):
    """Links the duplicates within root (each root is a layer of its own in the image); returns the bytes saved."""
    by_size = defaultdict(list)
    for directory, _, files in os.walk(root):
        for name in files:
            path = os.path.join(directory, name)
            if os.path.isfile(path) and not os.path.islink(path):
                by_size[os.path.getsize(path)].append(path)
    saved = 0
    for size, paths in by_size.items():
        if size == 0 or len(paths) < 2:
            continue
        by_content = defaultdict(list)
        for path in paths:
            with open(path, "rb") as f:
                by_content[hashlib.sha256(f.read()).digest()].append(path)
        for same in by_content.values():
            same.sort()
            first = os.stat(same[0])
            for path in same[1:]:
                st = os.stat(path)
                if (st.st_dev, st.st_ino) == (first.st_dev, first.st_ino) or st.st_dev != first.st_dev:
                    continue
                if (st.st_mode, st.st_uid, st.st_gid) != (first.st_mode, first.st_uid, first.st_gid):
                    continue  # a link shares its mode and owner: keep files that differ in those apart
                temporary = path + ".link"
                os.link(same[0], temporary)
                os.replace(temporary, path)
                saved += size
    return saved


def main(roots):
    print("link-duplicates: " + ", ".join(f"{root} {link(root)} bytes saved" for root in roots))


if __name__ == "__main__":
    main(sys.argv[1:])
