#!/usr/bin/env python3
"""Origin vs ours: the same Wagtail pages, the same PostgreSQL (max_connections=90),
the same machine, one configuration after the other. Run through bench/run.sh.

origin  `manage.py runserver` with bench/origin/origin_settings.py (DEBUG on,
        dj_database_url.config(conn_max_age=600), no pool, no page cache), as the origin
        project ran.
ours    the runtime package's start command wagtail-scale-to-zero-start (locked
        migrations, superuser, gunicorn) on the bundled site (app/) with its production
        settings and the values of the package's defaults.json passed as the construct
        passes them (WEB_CONCURRENCY, GUNICORN_THREADS, DATABASE_POOL_*, ...).

Per configuration: start and time to the first 200 on /healthz; one GET / (must be
200); `hey` on / at each concurrency; database connections sampled from
pg_stat_activity every 0.5 s by a superuser (whose connection uses a reserved slot,
not one of the app's); connections held after the load; then a second instance of the
app behind a TCP proxy that holds every new database connection for 15 s (an Aurora
resume) and the latency of its first GET /.

Then the crawler (alone with `--only crawler`): both configurations at once, each on its
own copy of the database with four more published pages, one anonymous GET every 60 s
to the five pages in turn for 30 minutes, and the client connections of each database
sampled every 0.5 s; then ours under hey with its page cache and without it (a session
cookie). The smoke run compresses it (one request a second for 12 s).

Exit status: 0 when the benchmark ran, whatever the targets say (each is printed PASS
or MISS); non-zero only when it broke (an app did not start, hey failed, ...).
"""

import argparse
import concurrent.futures
import datetime as dt
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path


BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
# The repository's local harness (the runtime test suite's): PostgreSQL, the site's environment and static
# files, its start command, and the TCP proxy (an Aurora resume) serve the benchmark too.
sys.path.insert(0, str(REPO / "runtime"))
from tests.support import (APP_DIR, START, PostgresServer, TcpProxy, base_environ, collect_static,  # noqa: E402
                           free_port, manage_shell, runtime_defaults, site_env)
CONSTRUCT_SOURCE = REPO / "src" / "wagtail-scale-to-zero.ts"

MAX_CONNECTIONS = 90  # about what the origin's Aurora Serverless v1 at 2 ACU allowed
RESUME_HOLD_SECONDS = 15  # Aurora Serverless v2 resume from auto-pause
SAMPLE_INTERVAL = 0.5
HEY_TIMEOUT = 20  # hey's default per-request timeout (the origin ran hey with defaults)

MODES = {
    "full": {"duration": 60, "loads": [150, 750], "idle_points": [10, 30, 60, 120], "gap": 5, "quiet_wait": 240,
             "crawl_interval": 60, "crawl_duration": 1800, "pause_after": 300, "cache_load_duration": 15},
    # CI (about 3 min): 5 s loads and a 20 s idle window (the 30, 60 and 120 s points are left out); the crawler
    # compressed 60 times (a request every second for 12 s, Aurora's 300 s before a pause scaled alike to 5 s).
    "smoke": {"duration": 5, "loads": [150, 750], "idle_points": [10, 20], "gap": 2, "quiet_wait": 0,
              "crawl_interval": 1, "crawl_duration": 12, "pause_after": 5, "cache_load_duration": 2},
}
# The crawler scenario: four published child pages of the home page, one anonymous GET per interval to each
# of the five in turn; then the cached and the rendered page at this concurrency.
CRAWLER_CHILD_PAGES = 4
CACHE_LOAD_CONCURRENCY = 150
# A session cookie (of no session) makes ours render the page: the page cache serves only requests without one.
SESSION_COOKIE = {"Cookie": "sessionid=bench-no-such-session"}

# The construct's own idle-cost estimate (src/idle-cost.ts) of the stacks compared, printed by this script.
IDLE_COST_SCRIPT = REPO / "test" / "fixtures" / "idle-cost.ts"


def log(msg):
    print(f"bench {time.strftime('%H:%M:%S')}: {msg}", file=sys.stderr, flush=True)


def http_get(port, path, timeout, headers=None):
    """(status, seconds, body bytes, X-Page-Cache) of one GET to 127.0.0.1:port with extra
    request headers; status None on error, X-Page-Cache None when the response has none."""
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    data, status, cache = b"", None, None
    try:
        conn.request("GET", path, headers={"Host": "localhost", **(headers or {})})
        resp = conn.getresponse()
        data = resp.read()
        status, cache = resp.status, resp.getheader("X-Page-Cache")
    except (OSError, http.client.HTTPException):
        pass
    finally:
        conn.close()
    return status, time.monotonic() - started, len(data), cache


# --- PostgreSQL ------------------------------------------------------------------------


class Postgres(PostgresServer):
    """The test suite's throwaway cluster, capped like the origin's database, with a
    non-superuser role for the app (the reserved slots are not its to use)."""

    APP_USER = "wagtail"

    def __init__(self, parent):
        parent.mkdir(parents=True, exist_ok=True)
        super().__init__(parent=parent, max_connections=MAX_CONNECTIONS, superuser_reserved_connections=3)
        self.app_password = secrets.token_hex(12)

    def start(self):
        super().start()
        try:
            with self.connect() as c:
                c.execute(f"CREATE ROLE {self.APP_USER} LOGIN PASSWORD '{self.app_password}'")
                self.version = c.execute("SHOW server_version").fetchone()[0]
                self.settings = dict(c.execute(
                    "SELECT name, setting FROM pg_settings WHERE name IN "
                    "('max_connections','superuser_reserved_connections','reserved_connections',"
                    "'idle_session_timeout')").fetchall())
        except Exception:
            self.stop(remove=False)  # leave no server behind
            raise
        return self

    def create_database(self, name, template=None):
        with self.connect() as c:
            c.execute(f'CREATE DATABASE "{name}" OWNER {self.APP_USER}' + (f' TEMPLATE "{template}"' if template else ""))

    def url(self, dbname, port=None):
        return super().url(dbname, port, self.APP_USER, self.app_password)

    def log_size(self):
        return os.path.getsize(self.logfile)

    def slot_errors_since(self, offset):
        """FATALs for lack of connection slots logged since offset (the origin's 500s)."""
        with open(self.logfile, "rb") as f:
            f.seek(offset)
            text = f.read().decode(errors="replace")
        return sum(1 for line in text.splitlines()
                   if "FATAL" in line and ("remaining connection slots are reserved" in line
                                           or "too many clients" in line))



class Sampler(threading.Thread):
    """Every 0.5 s, from one superuser connection: client connections per database,
    and the resident memory of the app's process group."""

    def __init__(self, pg):
        super().__init__(daemon=True)
        self.conn = pg.connect()
        self.samples = []  # (monotonic, {datname: count}, {pgid: rss_kib})
        self.pgids = set()
        self._halt = threading.Event()
        self.lock = threading.Lock()

    def run(self):
        while not self._halt.is_set():
            t = time.monotonic()
            rows = self.conn.execute(
                "SELECT datname, count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
                "AND pid <> pg_backend_pid() AND datname IS NOT NULL GROUP BY datname").fetchall()
            rss = {g: rss_of_group(g) for g in list(self.pgids)}
            with self.lock:
                self.samples.append((t, dict(rows), rss))
            self._halt.wait(max(0.0, SAMPLE_INTERVAL - (time.monotonic() - t)))

    def window(self, start, end):
        with self.lock:
            return [s for s in self.samples if start <= s[0] <= end]

    def peak_connections(self, db, start, end):
        return max((s[1].get(db, 0) for s in self.window(start, end)), default=None)

    def peak_rss_mib(self, pgid, start, end):
        vals = [s[2].get(pgid, 0) for s in self.window(start, end)]
        return round(max(vals) / 1024) if vals else None

    def at(self, db, t):
        """The first sample taken at or after t."""
        with self.lock:
            for s in self.samples:
                if s[0] >= t:
                    return s[1].get(db, 0)
        return None

    def time_to_zero(self, db, start, end):
        """Seconds after start from which every sample up to end shows 0 connections."""
        win = self.window(start, end)
        if not win or win[-1][1].get(db, 0) != 0:
            return None
        first_zero = win[-1][0]
        for s in reversed(win):
            if s[1].get(db, 0) != 0:
                break
            first_zero = s[0]
        return first_zero - start

    def current(self, db):
        return self.conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND datname = %s "
            "AND pid <> pg_backend_pid()", [db]).fetchone()[0]

    def stop(self):
        self._halt.set()
        self.join(5)
        self.conn.close()


def rss_of_group(pgid):
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            if int(fields[2]) != pgid:  # field 5 of stat: process group
                continue
            for line in Path(f"/proc/{entry}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return total


class CpuMeter:
    """CPU seconds used on the whole machine and by processes outside the benchmark
    (other work sharing the machine skews the numbers; the report states it)."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, own_pgids, own_parents=()):
        self.own = own_pgids  # process groups of this script, hey and the apps (updated by the caller)
        self.own_parents = set(own_parents)  # the postmaster: its backends each call setsid()
        self.t = time.monotonic()
        self.busy = self._busy()
        self.procs = self._procs()

    @staticmethod
    def _busy():
        """(busy, steal) CPU seconds of the whole machine; steal = taken by the hypervisor."""
        f = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        steal = f[7] if len(f) > 7 else 0
        return (sum(f[:8]) - f[3] - f[4] - steal) / CpuMeter.TICK, steal / CpuMeter.TICK

    @staticmethod
    def _procs():
        out = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    stat = Path(f"/proc/{entry}/stat").read_text()
                    f = stat[stat.rindex(")") + 2:].split()
                    out[int(entry)] = (int(f[2]), int(f[1]), (int(f[11]) + int(f[12])) / CpuMeter.TICK)
                except (OSError, ValueError, IndexError):
                    pass
        return out

    def read(self):
        """(machine busy in cores, other processes in cores) since creation."""
        wall = time.monotonic() - self.t
        busy_now, steal_now = self._busy()
        busy = (busy_now - self.busy[0]) / wall
        self.steal_cores = round((steal_now - self.busy[1]) / wall, 2)
        now = self._procs()
        other = sum(cpu - self.procs[pid][2] for pid, (pgid, ppid, cpu) in now.items()
                    if pid in self.procs and pgid not in self.own and ppid not in self.own_parents
                    and pid not in self.own_parents)
        self.last_now = now
        return round(busy, 2), round(other / wall, 2)

    def group_cpu_seconds(self, pgid):
        """CPU seconds used since creation by the live processes of one group (an app)."""
        now = getattr(self, "last_now", None) or self._procs()
        return sum(cpu - (self.procs[pid][2] if pid in self.procs else 0)
                   for pid, (g, _, cpu) in now.items() if g == pgid)


# --- The two configurations ----------------------------------------------------------------


def construct_runtime_env(defaults, port):
    """What the construct passes to one instance (src/runtime-defaults.ts), by the app's own names."""
    env = {name: str(value) for name, value in defaults.items()}
    env["PORT"] = str(port)
    return env


class Config:
    def __init__(self, name, label, ctx):
        self.name = name
        self.label = label
        self.ctx = ctx

    def base_env(self, db_url):
        """The site's production settings on loopback (tests/support.py), with the benchmark's own static files."""
        env = base_environ()
        env.update(site_env(db_url, self.ctx.secret_key, self.ctx.admin_password, media_root=self.ctx.work / "media"))
        env.update(DJANGO_STATIC_ROOT=str(self.ctx.static_root), PYTHONUNBUFFERED="1")
        return env

    def command(self, db_url, port):
        raise NotImplementedError


class Origin(Config):
    def command(self, db_url, port):
        env = self.base_env(db_url)
        env["DJANGO_SETTINGS_MODULE"] = "origin_settings"
        env["PYTHONPATH"] = os.pathsep.join([str(BENCH_DIR / "origin"), self.ctx.pydeps])
        # The origin's start.sh ended with `./manage.py runserver 0.0.0.0:8000` (autoreloader
        # on); here it listens on loopback only, on a free port.
        return [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}"], env


class Ours(Config):
    def command(self, db_url, port):
        env = self.base_env(db_url)
        env.update(construct_runtime_env(self.ctx.defaults, port))
        env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
        return [str(START)], env


class App:
    def __init__(self, config, db_url, log_path):
        self.port = free_port()
        self.cmd, self.env = config.command(db_url, self.port)
        self.log_path = log_path
        self.proc = None

    def start(self):
        self.log = open(self.log_path, "wb")
        self.started = time.monotonic()
        self.proc = subprocess.Popen(self.cmd, cwd=APP_DIR, env=self.env, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def wait_healthy(self, timeout=120):
        """Seconds from process start to the first 200 on /healthz."""
        while time.monotonic() - self.started < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"app exited with {self.proc.returncode}; log: {self.log_path}\n{self.tail()}")
            status, *_ = http_get(self.port, "/healthz", 2)
            if status == 200:
                return time.monotonic() - self.started
            time.sleep(0.05)
        raise RuntimeError(f"app not healthy after {timeout}s; log: {self.log_path}\n{self.tail()}")

    def tail(self, n=30):
        self.log.flush()
        return "\n".join(Path(self.log_path).read_text(errors="replace").splitlines()[-n:])

    def stop(self):
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
            except ProcessLookupError:
                pass
        # runserver's autoreloader child or gunicorn workers may outlive the leader briefly
        deadline = time.monotonic() + 15
        while rss_of_group(self.proc.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if rss_of_group(self.proc.pid):
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.log.close()


# --- hey -------------------------------------------------------------------------------


def run_hey(port, path, concurrency, duration, output, headers=None):
    """`hey -c concurrency -z duration` on 127.0.0.1:port/path with extra request headers
    and the Host of http_get (so that its requests and http_get's share ours' page cache
    entries); its parsed summary (parse_hey). The raw output is written to `output`."""
    cmd = ["hey", "-c", str(concurrency), "-z", f"{duration}s", "-t", str(HEY_TIMEOUT), "-host", "localhost"]
    for name, value in (headers or {}).items():
        cmd += ["-H", f"{name}: {value}"]
    out = subprocess.run(cmd + [f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True,
                         timeout=duration + HEY_TIMEOUT + 120)
    output.write_text(out.stdout + out.stderr)
    if out.returncode != 0 or "Summary:" not in out.stdout:
        raise RuntimeError(f"hey failed ({out.returncode}): {out.stderr[-2000:]}")
    return parse_hey(out.stdout, duration)


def parse_hey(text, duration):
    def num(pattern):
        m = re.search(pattern, text)
        return float(m.group(1)) if m else None

    status = {int(code): int(n) for code, n in re.findall(r"\[(\d{3})\]\s+(\d+) responses", text)}
    errors = {}
    m = re.search(r"Error distribution:\n(.*)", text, re.S)
    if m:
        for count, msg in re.findall(r"^\s*\[(\d+)\]\s+(.*)$", m.group(1), re.M):
            errors[msg.strip()] = errors.get(msg.strip(), 0) + int(count)
    pct = {int(p): float(s) for p, s in re.findall(r"(\d+)% in ([\d.]+) secs", text)}
    ok = sum(n for code, n in status.items() if 200 <= code < 300)
    total_time = num(r"Total:\s+([\d.]+) secs") or duration
    return {
        "requests_per_s": num(r"Requests/sec:\s+([\d.]+)"),
        "ok_per_s": round(ok / total_time, 1) if total_time else None,
        "p50_s": pct.get(50), "p95_s": pct.get(95), "p99_s": pct.get(99),
        "slowest_s": num(r"Slowest:\s+([\d.]+) secs"),
        "size_per_request": num(r"Size/request:\s+([\d.]+) bytes"),
        "responses": sum(status.values()),
        "status": status,
        "ok": ok,
        "non_2xx": sum(n for code, n in status.items() if not 200 <= code < 300),
        "errors": sum(errors.values()),
        "timeouts": sum(n for msg, n in errors.items() if "Timeout" in msg or "timeout" in msg),
        "error_kinds": summarize_errors(errors),
    }


def summarize_errors(errors):
    kinds = {}
    for msg, n in errors.items():
        if "Client.Timeout" in msg or "timeout" in msg.lower():
            k = "timeout"
        elif "connection reset" in msg:
            k = "connection reset"
        elif "connection refused" in msg:
            k = "connection refused"
        elif "EOF" in msg:
            k = "EOF"
        else:
            k = re.sub(r"^Get \S+: ", "", msg)[:60]
        kinds[k] = kinds.get(k, 0) + n
    return kinds


# --- The run -----------------------------------------------------------------------------


class Ctx:
    pass


def wait_for_quiet(own_pgids, own_parents, max_wait, threshold=0.25):
    """Other work shares this machine (builds, tests): wait, up to max_wait s, for a
    5 s stretch in which processes outside the benchmark (CpuMeter) use < threshold cores."""
    started = time.monotonic()
    other = None
    while max_wait:
        meter = CpuMeter(own_pgids, own_parents)
        time.sleep(5)
        other = meter.read()[1]
        if other < threshold or time.monotonic() - started >= max_wait:
            break
        log(f"waiting for a quieter machine: other processes use {other} cores")
    return round(time.monotonic() - started), other


def run_config(cfg, ctx, mode, pg, sampler):
    res = {"name": cfg.name}
    db = "bench"
    logdir = ctx.logdir
    res["quiet_wait_s"], res["quiet_other_cores"] = wait_for_quiet(ctx.own_pgids, ctx.own_parents, mode["quiet_wait"])
    if isinstance(cfg, Ours):
        # The start command's first step alone, timed (it is part of the start-to-healthy time).
        t = time.monotonic()
        subprocess.run([sys.executable, "manage.py", "startup"], cwd=APP_DIR, env=cfg.base_env(pg.url(db)),
                       check=True, stdout=subprocess.DEVNULL)
        res["startup_command_wall_s"] = round(time.monotonic() - t, 2)
    log(f"[{cfg.name}] starting ({' '.join(cfg.command(pg.url(db), 0)[0][-2:])})")
    meter = CpuMeter(ctx.own_pgids, ctx.own_parents)
    app = App(cfg, pg.url(db), logdir / f"{cfg.name}-app.log").start()
    meter.own = ctx.own_pgids | {app.proc.pid}
    sampler.pgids.add(app.proc.pid)
    try:
        res["start_to_healthy_s"] = app.wait_healthy()
        res["start_machine_busy_cores"], res["start_other_cores"] = meter.read()
        log(f"[{cfg.name}] healthy after {res['start_to_healthy_s']:.2f}s")
        m = re.search(r"startup: done in ([\d.]+)s", Path(app.log_path).read_text(errors="replace"))
        res["startup_command_s"] = float(m.group(1)) if m else None
        status, secs, size, _ = http_get(app.port, "/", 30)
        res["first_get_status"], res["first_get_s"], res["page_bytes"] = status, secs, size
        if status != 200:
            raise RuntimeError(f"{cfg.name}: GET / answered {status} before the load\n{app.tail()}")
        # What the load's anonymous GET / get: ours' page cache answers them once the first one stored the page.
        res["page_cache_before_load"] = http_get(app.port, "/", 30)[3]
        res["loads"] = {}
        load_end = None
        for i, c in enumerate(mode["loads"]):
            if i:
                time.sleep(mode["gap"])
            log(f"[{cfg.name}] hey -c {c} -z {mode['duration']}s")
            offset = pg.log_size()
            load_before = os.getloadavg()[0]
            meter = CpuMeter(ctx.own_pgids | {app.proc.pid}, ctx.own_parents)
            t0 = time.monotonic()
            r = run_hey(app.port, "/", c, mode["duration"], logdir / f"{cfg.name}-hey-c{c}.txt")
            load_end = time.monotonic()
            r["machine_busy_cores"], r["other_cores"] = meter.read()
            r["steal_cores"] = meter.steal_cores
            app_cpu = meter.group_cpu_seconds(app.proc.pid)
            r["app_cpu_ms_per_response"] = round(1000 * app_cpu / r["responses"], 1) if r["responses"] else None
            r["machine_cpu_ms_per_response"] = (round(1000 * r["machine_busy_cores"] * (load_end - t0) / r["responses"], 1)
                                                if r["responses"] else None)
            r["loadavg_before"] = round(load_before, 2)
            r["peak_db_connections"] = sampler.peak_connections(db, t0, load_end)
            r["peak_rss_mib"] = sampler.peak_rss_mib(app.proc.pid, t0, load_end)
            r["slot_errors"] = pg.slot_errors_since(offset)
            res["loads"][c] = r
            log(f"[{cfg.name}] c={c}: {r['requests_per_s']} req/s, p50 {r['p50_s']}s, p99 {r['p99_s']}s, "
                f"non-2xx {r['non_2xx']}, errors {r['errors']}, peak db conns {r['peak_db_connections']}")
        # Scale to zero: connections still held after the load stops.
        last = max(mode["idle_points"])
        log(f"[{cfg.name}] idle for {last}s, sampling connections")
        while time.monotonic() < load_end + last + SAMPLE_INTERVAL + 0.5:
            time.sleep(0.5)
        res["idle_connections"] = {p: sampler.at(db, load_end + p) for p in mode["idle_points"]}
        res["time_to_zero_s"] = sampler.time_to_zero(db, load_end, load_end + last)
        log(f"[{cfg.name}] connections after load: {res['idle_connections']}")
    finally:
        app.stop()
        sampler.pgids.discard(app.proc.pid)
    # The connections of a stopped app must be gone before the next measurement.
    deadline = time.monotonic() + 30
    while sampler.current(db) and time.monotonic() < deadline:
        time.sleep(0.2)
    res["resume"] = resume_test(cfg, ctx, pg, sampler)
    return res


def resume_test(cfg, ctx, pg, sampler):
    """A fresh instance whose database connections go through a proxy; then every new
    connection is held 15 s, and the first GET / is timed."""
    db = f"resume_{cfg.name}"
    proxy = TcpProxy(pg.port).start_listening()
    meter = CpuMeter(ctx.own_pgids, ctx.own_parents)
    app = App(cfg, pg.url(db, port=proxy.port), ctx.logdir / f"{cfg.name}-resume-app.log").start()
    meter.own = ctx.own_pgids | {app.proc.pid}
    out = {}
    try:
        out["start_to_healthy_s"] = app.wait_healthy()
        out["start_machine_busy_cores"], out["start_other_cores"] = meter.read()
        time.sleep(1)
        out["connections_before"] = sampler.current(db)
        proxy.hold_seconds = RESUME_HOLD_SECONDS
        accepted = proxy.accepted
        log(f"[{cfg.name}] resume: GET / with new DB connections held {RESUME_HOLD_SECONDS}s "
            f"({out['connections_before']} connections open before)")
        out["status"], out["seconds"], *_ = http_get(app.port, "/", 90)
        out["went_through_hold"] = proxy.accepted > accepted
        proxy.hold_seconds = 0  # resumed: later connections are immediate
        out["second_status"], out["second_seconds"], *_ = http_get(app.port, "/", 30)
        log(f"[{cfg.name}] resume: first GET / {out['status']} in {out['seconds']:.1f}s; "
            f"next {out['second_status']} in {out['second_seconds']:.2f}s")
    finally:
        app.stop()
        proxy.close()
    return out


# --- The crawler scenario ----------------------------------------------------------------------

# Run by `manage.py shell` in the crawler's template database: four child pages of the home page
# (the site's own page type), each published; prints the paths of the five pages.
CREATE_CRAWLER_PAGES = f"""
import json
from wagtail.models import Site
from home.models import HomePage

home = Site.objects.get(is_default_site=True).root_page
paths = [home.url]
for n in range(1, {CRAWLER_CHILD_PAGES} + 1):
    page = home.add_child(instance=HomePage(title=f"Crawled page {{n}}", slug=f"crawled-{{n}}", live=False))
    page.save_revision().publish()
    paths.append(page.url)
print(json.dumps(paths))
"""


class ConnectionTimeline(threading.Thread):
    """Every SAMPLE_INTERVAL s, from one superuser connection (not counted): the client
    connections open to each database of `names` ({database: name}), and when each
    connection (backend pid and start time) was first seen."""

    def __init__(self, pg, names):
        super().__init__(daemon=True)
        self.conn = pg.connect()
        self.names = names
        self.samples = []  # (monotonic, {name: open connections})
        self.first_seen = {}  # (name, pid, backend_start) -> monotonic
        self._halt = threading.Event()

    def run(self):
        while not self._halt.is_set():
            t = time.monotonic()
            rows = self.conn.execute(
                "SELECT datname, pid, backend_start FROM pg_stat_activity WHERE backend_type = 'client backend' "
                "AND pid <> pg_backend_pid() AND datname = ANY(%s)", [list(self.names)]).fetchall()
            counts = dict.fromkeys(self.names.values(), 0)
            for db, pid, started in rows:
                counts[self.names[db]] += 1
                self.first_seen.setdefault((self.names[db], pid, started), t)
            self.samples.append((t, counts))
            self._halt.wait(max(0.0, SAMPLE_INTERVAL - (time.monotonic() - t)))

    def current(self, name):
        return self.samples[-1][1][name] if self.samples else None

    def peak(self, name, start, end):
        return max((c[name] for t, c in list(self.samples) if start <= t <= end), default=None)

    def export(self, t0):
        """The timeline in seconds from t0: sample times, open connections per name, and
        the times at which each connection was first seen."""
        return {
            "t": [round(t - t0, 2) for t, _ in self.samples],
            "open": {name: [c[name] for _, c in self.samples] for name in self.names.values()},
            "opened": {name: sorted(round(t - t0, 2) for (n, *_), t in self.first_seen.items() if n == name)
                       for name in self.names.values()},
        }

    def stop(self):
        self._halt.set()
        self.join(5)
        self.conn.close()


class Crawler(threading.Thread):
    """One anonymous GET every `interval` s from t0 (monotonic) for `duration` s, to each of
    `paths` in turn; each request's time from t0, path, status, seconds and X-Page-Cache."""

    def __init__(self, port, paths, t0, interval, duration):
        super().__init__(daemon=True)
        self.port, self.paths, self.t0, self.interval, self.duration = port, paths, t0, interval, duration
        self.requests = []

    def run(self):
        for k in range(int(self.duration // self.interval)):
            at = self.t0 + k * self.interval
            time.sleep(max(0.0, at - time.monotonic()))
            path = self.paths[k % len(self.paths)]
            status, seconds, _, cache = http_get(self.port, path, 60)
            self.requests.append({"t": round(at - self.t0, 2), "path": path, "status": status,
                                  "seconds": round(seconds, 3), "cache": cache})


def run_crawler(origin, ours, ctx, mode, pg, origin_load=None):
    """The crawler scenario, both configurations at once, each on its own copy of the bench
    database with the crawled pages: the connection timeline of a crawl, then hey at
    CACHE_LOAD_CONCURRENCY on / for each configuration in turn (ours twice: anonymous,
    answered by the page cache, and with a session cookie, rendered). origin_load: the
    origin's load test of this run at that concurrency, when it ran (the same requests: the
    origin has no page cache), else the origin is loaded here too."""
    started_at = dt.datetime.now(dt.timezone.utc)
    t_begin = time.monotonic()
    interval, duration = mode["crawl_interval"], mode["crawl_duration"]
    log("[crawler] creating and publishing the crawled pages (manage.py shell)")
    pg.create_database("crawl_pages", template="bench")
    paths = json.loads(manage_shell(ours.base_env(pg.url("crawl_pages")), CREATE_CRAWLER_PAGES).splitlines()[-1])
    names = {}
    configs = (origin, ours)
    for cfg in configs:
        pg.create_database(f"crawl_{cfg.name}", template="crawl_pages")
        names[f"crawl_{cfg.name}"] = cfg.name
    timeline = ConnectionTimeline(pg, names)
    timeline.start()
    apps = {cfg.name: App(cfg, pg.url(f"crawl_{cfg.name}"), ctx.logdir / f"crawler-{cfg.name}-app.log").start()
            for cfg in configs}
    own = ctx.own_pgids | {app.proc.pid for app in apps.values()}
    out = {"started_at": started_at.isoformat(timespec="seconds"), "paths": paths,
           "settings": {k: mode[k] for k in ("crawl_interval", "crawl_duration", "pause_after", "cache_load_duration")},
           "concurrency": CACHE_LOAD_CONCURRENCY, "sample_interval_s": SAMPLE_INTERVAL,
           "logs": str(ctx.logdir.relative_to(REPO))}
    try:
        out["start_to_healthy_s"] = {name: round(app.wait_healthy(), 2) for name, app in apps.items()}
        t0 = time.monotonic() + 1
        crawlers = {name: Crawler(app.port, paths, t0, interval, duration) for name, app in apps.items()}
        for crawler in crawlers.values():
            crawler.start()
        log(f"[crawler] one GET every {interval} s for {duration} s to {', '.join(paths)} in turn, "
            f"both configurations at once")
        end = t0 + duration
        while (now := time.monotonic()) < end:
            time.sleep(min(end - now, 5 * interval))
            log("[crawler] " + "; ".join(f"{name}: {len(c.requests)} requests, {timeline.current(name)} "
                                         "connections open" for name, c in crawlers.items()))
        for crawler in crawlers.values():
            crawler.join(60)
        out["requests"] = {name: c.requests for name, c in crawlers.items()}
        out["quiet_wait_s"], out["quiet_other_cores"] = wait_for_quiet(own, ctx.own_parents, mode["quiet_wait"])
        out["loads"] = {"origin": origin_load} if origin_load else {}
        page = paths[0]
        loads = [("ours_cached", "ours", None), ("ours_rendered", "ours", SESSION_COOKIE)]
        for i, (key, name, headers) in enumerate(loads + ([] if origin_load else [("origin", "origin", None)])):
            app = apps[name]
            if i:
                time.sleep(mode["gap"])
            cache = http_get(app.port, page, 30, headers)[3]
            log(f"[crawler] {key}: hey -c {CACHE_LOAD_CONCURRENCY} -z {mode['cache_load_duration']}s {page} "
                f"(X-Page-Cache of one GET just before: {cache})")
            t = time.monotonic()
            r = run_hey(app.port, page, CACHE_LOAD_CONCURRENCY, mode["cache_load_duration"],
                        ctx.logdir / f"crawler-{key}-hey.txt", headers)
            r.update(page_cache=cache, peak_db_connections=timeline.peak(name, t, time.monotonic()),
                     duration_s=mode["cache_load_duration"], from_load_tests=False)
            out["loads"][key] = r
            log(f"[crawler] {key}: {r['requests_per_s']} req/s, p50 {r['p50_s']}s, non-2xx {r['non_2xx']}, "
                f"errors {r['errors']}, peak db conns {r['peak_db_connections']}")
    finally:
        for app in apps.values():
            app.stop()
        timeline.stop()
    out["timeline"] = timeline.export(t0)
    out["elapsed_s"] = round(time.monotonic() - t_begin)
    return out


def write_report(path, main=None, crawler=None):
    """Writes the report: the load tests' sections (report.render), the crawler's section
    (report.render_crawler), then the App Runner / Lambda comparison that bench/compute_rows.py
    maintains. A part that is None stays as the report at path has it."""
    import compute_rows  # bench/compute_rows.py
    import report  # bench/report.py

    old = path.read_text() if path.exists() else ""
    marks = [i for i in (old.find(report.CRAWLER_BEGIN), old.find(compute_rows.BEGIN)) if i >= 0]
    parts = [main if main is not None else old[:min(marks, default=len(old))],
             crawler if crawler is not None else report.crawler_block(old),
             compute_rows.compute_block(old)]
    path.write_text("\n\n".join(part.strip() for part in parts if part.strip()) + "\n")


def idle_cost():
    """The construct's own monthly idle-cost estimate (src/idle-cost.ts) of the default, App Runner-default-size and
    Lambda stacks, with the prices and assumptions it uses."""
    out = subprocess.run(["npx", "ts-node", "-P", "tsconfig.dev.json", str(IDLE_COST_SCRIPT)], cwd=REPO,
                         capture_output=True, text=True, env={**os.environ, "JSII_DEPRECATED": "quiet"})
    if out.returncode != 0:
        raise RuntimeError(f"{IDLE_COST_SCRIPT} failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout)


def in_background(fn):
    """Starts fn() in a thread of its own; its future (result() waits for it, and raises its error)."""
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    future = pool.submit(fn)
    pool.shutdown(wait=False)
    return future


def versions(pg):
    def pkg(name):
        try:
            from importlib.metadata import version
            return version(name)
        except Exception:
            return "?"

    hey = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "hey"], capture_output=True, text=True).stdout or "?"
    sys.path.insert(0, os.environ.get("BENCH_PYDEPS", ""))
    return {
        "python": platform.python_version(), "django": pkg("django"), "wagtail": pkg("wagtail"),
        "gunicorn": pkg("gunicorn"), "psycopg": pkg("psycopg"), "psycopg_pool": pkg("psycopg-pool"),
        "dj_database_url": dj_database_url_version(), "hey": hey, "postgresql": pg.version,
    }


def dj_database_url_version():
    for d in Path(os.environ.get("BENCH_PYDEPS", "/nonexistent")).glob("dj_database_url-*.dist-info"):
        return d.name.removesuffix(".dist-info").split("-")[1]
    return "?"


def machine():
    model = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem_kib = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    return {"cpus": os.cpu_count(), "cpu_model": model, "memory_gib": round(mem_kib / 1024 / 1024, 1),
            "kernel": platform.release(), "os": os_name()}


def os_name():
    try:
        return re.search(r'PRETTY_NAME="([^"]+)"', Path("/etc/os-release").read_text()).group(1)
    except Exception:
        return platform.platform()


def load_results(path):
    """results.json with its integer keys (concurrency, idle seconds, status codes) restored;
    "results" (the load tests) or "crawler" is absent when only the other one ran."""
    data = json.loads(path.read_text())
    data["mode_settings"]["idle_points"] = [int(p) for p in data["mode_settings"]["idle_points"]]
    for r in data.get("results", {}).values():
        r["loads"] = {int(c): load for c, load in r["loads"].items()}
        for load in r["loads"].values():
            load["status"] = {int(k): v for k, v in load["status"].items()}
        r["idle_connections"] = {int(p): v for p, v in r["idle_connections"].items()}
    for load in (data.get("crawler") or {}).get("loads", {}).values():
        load["status"] = {int(k): v for k, v in load["status"].items()}
    return data


def previous_full_runs(current_dir):
    """Earlier full runs kept on this machine (.local/bench/full-*): run-to-run spread."""
    out = []
    for path in sorted((REPO / ".local" / "bench").glob("full-*/results.json")):
        if path.parent == current_dir:
            continue
        try:
            d = load_results(path)
            o, u = d["results"]["origin"]["loads"], d["results"]["ours"]["loads"]
            c = min(u)
            out.append({"started_at": d["started_at"], "c": c, "origin_rps": o[c]["requests_per_s"],
                        "ours_rps": u[c]["requests_per_s"],
                        "ours_rps_750": u.get(750, {}).get("requests_per_s")})
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return out


def report_results(data, path):
    """Evaluates the targets of what ran, writes its sections of the report at path and prints the targets."""
    import report  # bench/report.py

    main = crawler = None
    if "results" in data:
        data["targets"] = report.evaluate(data)
        main = report.render(data)
    if data.get("crawler"):
        data["crawler_targets"] = report.evaluate_crawler(data)
        crawler = report.render_crawler(data)
    write_report(path, main, crawler)
    print()
    for t in data.get("targets", []) + data.get("crawler_targets", []):
        print(f"{t['verdict']:4}  {t['name']}: {t['measured']}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--smoke", action="store_true", help="short CI variant; writes test-output/bench-smoke/")
    ap.add_argument("--out", help="report path (default: docs/benchmarks.md, or test-output/bench-smoke/benchmarks.md)")
    ap.add_argument("--only", choices=["crawler"],
                    help="run only this scenario and replace only its section of the report")
    ap.add_argument("--render", metavar="RESULTS_JSON",
                    help="only re-render the report from a results.json of an earlier run (no measurement)")
    args = ap.parse_args()
    mode_name = "smoke" if args.smoke else "full"
    mode = MODES[mode_name]

    if args.render:
        data = load_results(Path(args.render))
        if "results" in data:
            # The idle cost is a model of the construct's defaults and list prices, not a measurement: recompute it.
            data.update(cost=idle_cost())
        if data["mode"] == "full" and "results" in data:
            data["previous_runs"] = [p for p in previous_full_runs(Path(args.render).resolve().parent)
                                     if p["started_at"] < data["started_at"]]
        default = REPO / ("test-output/bench-smoke/benchmarks.md" if data["mode"] == "smoke" else "docs/benchmarks.md")
        path = Path(args.out) if args.out else default
        report_results(data, path)
        print(f"bench: report re-rendered to {path}")
        return 0

    started_at = dt.datetime.now(dt.timezone.utc)
    ctx = Ctx()
    stamp = started_at.strftime("%Y%m%dT%H%M%SZ")
    if args.smoke:
        ctx.out_dir = REPO / "test-output" / "bench-smoke"
        report_path = Path(args.out) if args.out else ctx.out_dir / "benchmarks.md"
    else:
        ctx.out_dir = REPO / ".local" / "bench" / f"{args.only or 'full'}-{stamp}"
        report_path = Path(args.out) if args.out else REPO / "docs" / "benchmarks.md"
    ctx.logdir = ctx.out_dir / "logs"
    shutil.rmtree(ctx.logdir, ignore_errors=True)
    ctx.logdir.mkdir(parents=True, exist_ok=True)
    ctx.work = REPO / ".local" / "bench"
    ctx.static_root = ctx.work / "staticfiles"
    ctx.pydeps = os.environ.get("BENCH_PYDEPS", str(ctx.work / "pydeps"))
    ctx.secret_key = secrets.token_urlsafe(50)
    ctx.admin_password = secrets.token_urlsafe(16)
    ctx.defaults = runtime_defaults()
    if not shutil.which("hey"):
        raise SystemExit("bench: hey is not installed (bench/run.sh installs it)")

    # The construct's estimate takes ts-node several seconds: it runs while PostgreSQL starts and the site migrates.
    cost_job = None if args.only else in_background(idle_cost)
    cost = None
    t_begin = time.monotonic()
    pg = Postgres(ctx.work).start()
    sampler = None
    results, crawler = {}, None
    try:
        log(f"PostgreSQL {pg.version} on port {pg.port}, {pg.settings}")
        pg.create_database("bench")
        ours = Ours("ours", "ours", ctx)
        origin = Origin("origin", "origin", ctx)
        # Static files as the image has them (collected at build); incremental after the first run.
        log("collectstatic")
        collect_static(ctx.static_root)
        # The same database content for both: migrated once (and the admin created) by
        # the app's own start-up command, then copied for the resume tests and the crawler.
        log("migrating the bench database (manage.py startup)")
        t = time.monotonic()
        subprocess.run([sys.executable, "manage.py", "startup"], cwd=APP_DIR, env=ours.base_env(pg.url("bench")),
                       check=True, stdout=open(ctx.logdir / "migrate.log", "wb"), stderr=subprocess.STDOUT)
        log(f"migrated in {time.monotonic() - t:.1f}s")
        ctx.own_pgids = {os.getpgrp(), pg.proc.pid}  # this script and hey; the postmaster
        ctx.own_parents = {pg.proc.pid}  # PostgreSQL's backends
        if not args.only:
            cost = cost_job.result()
            for name in ("origin", "ours"):
                pg.create_database(f"resume_{name}", template="bench")
            sampler = Sampler(pg)
            sampler.start()
            # One after the other, never at the same time (2 cores).
            for cfg in (origin, ours):
                results[cfg.name] = run_config(cfg, ctx, mode, pg, sampler)
        origin_load = None
        if CACHE_LOAD_CONCURRENCY in results.get("origin", {}).get("loads", {}):
            origin_load = {**results["origin"]["loads"][CACHE_LOAD_CONCURRENCY], "duration_s": mode["duration"],
                           "page_cache": results["origin"]["page_cache_before_load"], "from_load_tests": True}
        # Both at once: a crawler's requests are rare and light.
        crawler = run_crawler(origin, ours, ctx, mode, pg, origin_load)
    finally:
        try:
            if sampler:
                sampler.stop()
        finally:
            pg.stop(remove=False)
            shutil.copy(pg.logfile, ctx.logdir / "postgres.log")
            shutil.rmtree(pg.dir, ignore_errors=True)

    data = {
        "mode": mode_name, "mode_settings": mode, "started_at": started_at.isoformat(timespec="seconds"),
        "elapsed_s": round(time.monotonic() - t_begin), "machine": machine(), "versions": versions(pg),
        "pg_settings": pg.settings, "runtime_defaults": ctx.defaults, "crawler": crawler,
        "hey_timeout_s": HEY_TIMEOUT, "max_connections": MAX_CONNECTIONS, "logs": str(ctx.logdir.relative_to(REPO)),
    }
    if not args.only:
        data.update(cost=cost, results=results, resume_hold_s=RESUME_HOLD_SECONDS)
    (ctx.out_dir / "results.json").write_text(json.dumps(data, indent=2, default=str) + "\n")
    data_previous = previous_full_runs(ctx.out_dir) if mode_name == "full" else []
    data = load_results(ctx.out_dir / "results.json")  # the report is rendered from what was saved
    if mode_name == "full" and not args.only:
        data["previous_runs"] = data_previous
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_results(data, report_path)
    print(f"\nbench: report written to {report_path.relative_to(REPO) if report_path.is_relative_to(REPO) else report_path}"
          f"; raw results and logs in {ctx.out_dir.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(BENCH_DIR))
    sys.exit(main())
