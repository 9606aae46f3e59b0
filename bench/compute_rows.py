"""The compute comparison of docs/benchmarks.md: App Runner (gunicorn + pool, as the runtime's tests measure it) and
Lambda (the real image under the Lambda Runtime Interface Emulator, as scripts/lambda-test.sh measures it), side by
side, with the construct's own idle-cost estimate of each.

    python3 bench/compute_rows.py     (after npx projen test:app and test:lambda; rewrites the marked block)

The full benchmark (bench/run.sh) keeps the block when it rewrites the report (report.py, compute_block)."""

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BEGIN, END = "<!-- compute comparison: bench/compute_rows.py -->", "<!-- end of compute comparison -->"


def render(app, lam, costs):
    by_name = {e["name"]: e["total"] for e in costs["estimates"]}
    rows = [
        ("start to first answer", f"{app['start_to_healthy_seconds_nothing_to_migrate']} s (/healthz, nothing to migrate)",
         f"{lam['cold_start_to_first_home_page_seconds']} s (cold start to the home page; init {lam['init_phase_ms']:.0f} ms)"),
        ("warm home page", "see the load tests above", f"{lam['warm_home_page_median_ms']} ms median of {lam['warm_requests']}"),
        ("database connections 0 after the last request", f"{app['seconds_until_zero_db_connections']} s (pool drains)",
         f"{lam['seconds_to_zero_connections_after_last_request']} s (closed per request)"),
        ("a search while a new connection waits 15 s (resume)", f"{app['first_request_seconds_with_15s_resume']} s",
         f"{lam['search_while_database_resumes_15s_seconds']} s"),
        ("idle cost per month (construct's estimate)", f"${by_name['default (App Runner 0.5 vCPU / 1 GB)']:.2f}",
         f"${by_name['Lambda']:.2f}"),
    ]
    lines = [BEGIN, "## App Runner and Lambda", "",
             "Measured on this machine by the runtime's tests (App Runner: gunicorn with the pool) and by "
             "scripts/lambda-test.sh (Lambda: the real image under the Runtime Interface Emulator, Function URL events); "
             "a real Lambda cold start adds the loading of the image.", "",
             "| | App Runner | Lambda |", "|---|---|---|"]
    lines += [f"| {name} | {a} | {b} |" for name, a, b in rows]
    return "\n".join(lines + ["", END])


def compute_block(report_text):
    """The marked block of an existing report, to keep when the report is rewritten ('' when there is none)."""
    start, end = report_text.find(BEGIN), report_text.find(END)
    return report_text[start:end + len(END)] if start >= 0 and end > start else ""


def main():
    outputs = REPO / "test-output"
    app = json.loads((outputs / "app-metrics.json").read_text())
    lam = json.loads((outputs / "lambda-metrics.json").read_text())
    costs = json.loads(subprocess.run(["npx", "ts-node", "-P", "tsconfig.dev.json", "test/fixtures/idle-cost.ts"],
                                      cwd=REPO, check=True, capture_output=True, text=True).stdout)
    doc = REPO / "docs" / "benchmarks.md"
    text = doc.read_text()
    old = compute_block(text)
    block = render(app, lam, costs)
    doc.write_text(text.replace(old, block) if old else text.rstrip() + "\n\n" + block + "\n")
    print(block)


if __name__ == "__main__":
    sys.exit(main())
