"""`make bench`: start-up of the quick commands, materialization, the dispatch rate against raw
smtplib and a naive Apprise loop, sweep planning at 100k and 1M assignments, and the portal's
latency and memory under 20 concurrent clients.

Everything runs on scratch SQLite databases and a local SMTP server; nothing leaves the machine.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

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
        table = Table("command", "runs", "median s", "max s", title="dondoc CLI (wall clock)")
        for name, args, runs in cases:
            times = timed(args, env, runs)
            table.add_row(name, str(runs), f"{statistics.median(times):.3f}", f"{max(times):.3f}")
        Console().print(table)

    from tools.bench import dispatch, planning

    rates = dispatch.run()
    table = Table("2,000 emails to a local SMTP server", "messages/s", "vs raw", title="Dispatch rate")
    raw = rates[1][1]
    for name, rate in rates:
        table.add_row(name, f"{rate:.0f}", f"{rate / raw:.0%}")
    Console().print(table)
    print("target: dondoc at least 50% of the raw rate")

    table = Table(
        "assignments",
        "due rows",
        "bare SQL s",
        "plan s (warm)",
        "plan s (cold)",
        "ratio",
        "peak MB",
        title="Sweep planning (10k due)",
    )
    for r in planning.run():
        table.add_row(
            f"{r['total']:,}",
            str(r["bare"]["rows"]),
            f"{r['bare']['seconds']:.3f}",
            f"{r['plan']['seconds']:.3f}",
            f"{r['plan']['cold']:.3f}",
            f"{r['plan']['seconds'] / r['bare']['seconds']:.1f}x",
            f"{r['plan']['peak_mb']:.0f}",
        )
    Console().print(table)
    print("targets: planning at most 2x the bare query; peak memory under 300 MB at 1M")

    from tools.bench import portal, prefect_overhead

    table = Table(
        "assignments",
        "task runs",
        "API calls",
        "events",
        "sweep s",
        title="Prefect overhead of one sweep (1,000 due, no contacts)",
    )
    for r in prefect_overhead.run():
        table.add_row(f"{r['total']:,}", str(r["task_runs"]), str(r["calls"]), str(r["events"]), f"{r['seconds']:.2f}")
    Console().print(table)
    print("target: task runs and API calls the same at 1k and 100k")

    table = Table("case", "requests", "p50 s", "p95 s", "portal peak RSS MB", title="Portal (dondoc portal, uvicorn)")
    rows = portal.run()
    for r in rows:
        table.add_row(r["case"], str(r["n"]), f"{r['p50']:.3f}", f"{r['p95']:.3f}", f"{r['peak']:.0f}")
    Console().print(table)
    print(
        f"portal RSS at start: {rows[0]['base']:.0f} MB; peak growth from 1 MB to 5 MB uploads: "
        f"{rows[2]['peak'] - rows[1]['peak']:.0f} MB (20 clients × 4 MB more = 80 MB if files were held)"
    )

    from tools.bench import report

    national = report.run()
    bare, b = national["bare"], national["build"]
    table = Table(
        "step", "rows", "seconds", "ratio to bare SQL", "peak MB", title="Consolidated report, national scale (2025-H1)"
    )
    table.add_row(
        "bare SQL (best of 5)",
        f"{bare['lines']:,} lines, {bare['figures']:,} figures",
        f"{bare['seconds']:.3f}",
        "1.0x",
        f"{bare['peak_mb']:.0f}",
    )
    table.add_row(
        "build (best of 3)",
        f"{b['lines']:,} lines, {b['figures']:,} figures + {b['missing']:,} missing",
        f"{b['seconds']:.3f}",
        f"{b['seconds'] / bare['seconds']:.1f}x",
        f"{b['peak_mb']:.0f}",
    )
    for fmt in ("docx", "xlsx"):
        w = national[fmt]
        table.add_row(
            f"build + {fmt.upper()} (one run)",
            f"{w['kb']:,.0f} KB",
            f"{w['seconds']:.3f}",
            f"{w['seconds'] / bare['seconds']:.1f}x",
            f"{w['peak_mb']:.0f}",
        )
    Console().print(table)
    size = national["size"]
    print(
        f"dataset: {size['bodies']:,} bodies, {size['assignments']:,} assignments in the period "
        f"({size['all_assignments']:,} in all), {size['evidence']:,} evidence, {size['figures']:,} figures"
    )
    print(
        f"first build in a process: {b['first']:.2f} s; writing alone: DOCX {national['docx']['write']:.2f} s, "
        f"XLSX {national['xlsx']['write']:.2f} s"
    )


if __name__ == "__main__":
    main()
