"""Strips the symbol tables of the shared libraries under a directory (the image's venv): `strip --strip-unneeded`
keeps the dynamic symbols the loader resolves, and drops the static symbol table and debugging sections that only a
debugger reads. Each library is stripped into a copy beside it; the copy replaces it only if it still loads
(dlopen with every symbol resolved, in a process of its own), so a library that strip would damage stays as it
came. Prints the bytes saved. Run by trim-venv.sh in the build stage (binutils is installed there only).

    python strip-libs.py /venv
"""
import os
import subprocess
import sys

LOADS = "import ctypes, sys; ctypes.CDLL(sys.argv[1])"


def libraries(root):
    for directory, _, files in os.walk(root):
        for name in files:
            path = os.path.join(directory, name)
            if (name.endswith(".so") or ".so." in name) and os.path.isfile(path) and not os.path.islink(path):
                with open(path, "rb") as f:
                    if f.read(4) == b"\x7fELF":
                        yield path


def main(root):
    saved, count, kept = 0, 0, []
    for path in sorted(libraries(root)):
        copy = path + ".stripped"
        before = os.path.getsize(path)
        if subprocess.run(["strip", "--strip-unneeded", "-o", copy, path], capture_output=True).returncode != 0:
            kept.append(os.path.relpath(path, root))
        elif os.path.getsize(copy) < before:  # else: already stripped
            if subprocess.run([sys.executable, "-c", LOADS, copy], capture_output=True).returncode == 0:
                os.chmod(copy, os.stat(path).st_mode)
                saved += before - os.path.getsize(copy)
                count += 1
                os.replace(copy, path)
            else:
                kept.append(os.path.relpath(path, root))
        if os.path.exists(copy):
            os.remove(copy)
    print(f"strip-libs: {count} libraries stripped, {saved} bytes saved"
          + (f"; left as they were (strip failed or the copy did not load): {', '.join(kept)}" if kept else ""))


if __name__ == "__main__":
    main(sys.argv[1])
