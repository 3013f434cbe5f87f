"""`make bench`: start-up time of the quick commands and the cost of materialization.

Run on a scratch SQLite database under a temporary DONDOC_HOME; prints medians over several runs.
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


if __name__ == "__main__":
    main()
