"""`make bench`: start-up of the quick commands, the dispatch rate against raw smtplib, a naive
Apprise loop and a slow relay, sweep planning at 100k and 1M assignments, Prefect's overhead of a
sweep, the portal under 20 concurrent clients, and the report at national scale on SQLite.

Everything runs on scratch SQLite databases and local servers; nothing leaves the machine. The
figures go to bench/results.json (suite "bench") and one table; the exit status says whether
every target was met. The national dataset on PostgreSQL is `make bench-scale`.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tools.bench.results import Figure, at_least, at_most, report

ROOT = Path(__file__).resolve().parents[2]
DONDOC = Path(sys.executable).with_name("dondoc")


def timed(args: list[str], env: dict[str, str], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([str(DONDOC), *args], env=env, cwd=ROOT, check=True, capture_output=True)
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "DONDOC_HOME": home, "DONDOC_DATABASE_URL": f"sqlite:///{home}/bench.sqlite3"}
        subprocess.run([str(DONDOC), "init"], env=env, check=True, capture_output=True)
        cases = [
            ("dondoc --help", ["--help"], 10),
            ("dondoc schedule --until 2025-12-31 (first run)", ["schedule", "--until", "2025-12-31"], 1),
            ("dondoc schedule --until 2025-12-31 (rerun)", ["schedule", "--until", "2025-12-31"], 5),
            ("dondoc status --as-of 2025-06-01", ["status", "--as-of", "2025-06-01"], 10),
            ("dondoc status --json", ["status", "--json"], 10),
        ]
        for name, args, runs in cases:
            figures.append(Figure("CLI (median wall clock)", name, statistics.median(timed(args, env, runs)), "s"))

    from tools.bench import dispatch, planning

    rates = dict(dispatch.run())
    section = "dispatch, emails to a local SMTP server"
    names = list(rates)
    figures += [Figure(section, name, rate, "messages/s") for name, rate in rates.items()]
    figures.append(at_least(section, "dondoc / raw smtplib", rates[names[0]] / rates[names[1]], "x", 0.5, "raw"))
    figures.append(
        at_least(
            section, f"relay at 50 ms: concurrency {dispatch.CONCURRENT} / 1", rates[names[4]] / rates[names[3]], "x", 4
        )
    )

    for r in planning.run():
        section = f"sweep planning, SQLite, {r['total']:,} assignments (10k due)"
        figures += [
            Figure(section, "bare SQL rows (due items, then their contacts)", r["bare"]["rows"], "count"),
            Figure(section, "bare SQL", r["bare"]["seconds"], "s"),
            Figure(section, "plan (warm)", r["plan"]["seconds"], "s"),
            Figure(section, "plan (cold)", r["plan"]["cold"], "s"),
            at_most(section, "plan / bare SQL", r["plan"]["seconds"] / r["bare"]["seconds"], "x", 2, "bare SQL"),
            at_most(section, "peak memory", r["plan"]["peak_mb"], "MB", 300),
        ]

    from tools.bench import portal, prefect_overhead

    overhead = prefect_overhead.run()
    for r in overhead:
        section = f"Prefect overhead of one sweep, {r['total']:,} assignments (1,000 due)"
        figures += [
            Figure(section, "task runs", r["task_runs"], "count"),
            Figure(section, "API calls (besides log batches)", r["calls"], "count"),
            Figure(section, "events", r["events"], "count"),
            Figure(section, "sweep", r["seconds"], "s"),
        ]
    calls = [r["calls"] for r in overhead]
    figures.append(
        Figure("Prefect overhead", "API calls, 100k vs 1k", calls[-1] - calls[0], "count", "= 0", calls[-1] == calls[0])
    )

    rows = portal.run()
    for r in rows:
        section = f"portal ({portal.WORKERS} processes, SQLite): {r['case']}"
        figures += [
            Figure(section, "requests", r["n"], "count"),
            Figure(section, "per second", r["per_second"], "count"),
            Figure(section, "p50", r["p50"] * 1000, "ms"),
            Figure(section, "p95", r["p95"] * 1000, "ms"),
            at_most(section, "peak memory of a process", r["peak"], "MB", 500),
        ]
    people, saturated, _, five = rows
    figures += [
        at_most("portal", "page p95, 20 people", people["p95"] * 1000, "ms", 100),
        at_most("portal", "5 MB upload p95, 20 people", five["p95"] * 1000, "ms", 500),
        # A lock convoy shows as a tail far from the median: the queue is fair if p95 stays near p50.
        at_most("portal", "saturation: p95 / p50", saturated["p95"] / saturated["p50"], "x", 3),
    ]

    from tools.bench import report as national_report

    national = national_report.run()
    bare, b = national["bare"], national["build"]
    size = national["size"]
    section = f"report 2025-H1, SQLite, {size['bodies']:,} bodies, {size['assignments']:,} items"
    figures += [
        Figure(section, "bare SQL", bare["seconds"], "s"),
        Figure(section, "build", b["seconds"], "s"),
        Figure(section, "build / bare SQL", b["seconds"] / bare["seconds"], "x"),
        at_most(section, "build: peak memory", b["peak_mb"], "MB", 500),
    ]
    for fmt in ("docx", "xlsx"):
        w = national[fmt]
        figures += [
            Figure(section, f"build + {fmt.upper()}", w["seconds"], "s"),
            at_most(section, f"build + {fmt.upper()}: peak memory", w["peak_mb"], "MB", 500),
        ]
    ok = report("bench", "make bench", figures, {"report_dataset": size})
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
