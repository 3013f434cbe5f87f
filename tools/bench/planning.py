"""Sweep planning at 100k and 1M assignments (10k of them due) beside its bare SQL twin, the
queries that select the same rows (tools/bench/twins.py, as on PostgreSQL); each measured in a
fresh process for its peak memory."""

from __future__ import annotations

import json
import random
import sqlite3
import subprocess
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta

from config import CONFIG_DIR
from models import migrate
from models.db import session_scope
from models.intake.catalog.load import catalog_paths, load_catalogs
from models.operations.catalog import sync_catalogs
from models.operations.directory import import_directory

DUE = 10_000
TODAY = date(2025, 6, 13)
NOW = datetime(2025, 6, 13, 1, 0, tzinfo=UTC)

MEASURE = """
import json, resource, sys, time
from datetime import datetime, timezone
from models.db import get_engine
from notifications.runtime import Runtime
from config.settings import Settings
url, what = sys.argv[1], sys.argv[2]
now = datetime(2025, 6, 13, 1, 0, tzinfo=timezone.utc)
rt = Runtime.from_settings(Settings(database_url=url))
get_engine(url).connect().close()
start = time.perf_counter()
if what == "plan":
    n = len(rt.plan(now))
    cold = time.perf_counter() - start  # includes building the calendar's holiday tables once
    runs = []
    for _ in range(5):  # the best of five: a full garbage collection lands in some of them
        start = time.perf_counter()
        n = len(rt.plan(now))
        runs.append(time.perf_counter() - start)
else:  # the same rows as the plan reads: the candidates, then their bodies' contacts
    from models.operations.reminders import horizon
    from tools.bench.twins import bare_plan
    today = now.astimezone(rt.tz).date()
    last = horizon(rt.policy, rt.calendar, today)
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        with get_engine(url).connect() as c:
            n = bare_plan(c, today, last)
        runs.append(time.perf_counter() - start)
    cold = runs[0]
# VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so a child would report the
# parent's peak (the bench itself) when that was higher; VmHWM starts again with the new program.
peak_mb = int(next(l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM:"))) / 1024
print(json.dumps({"rows": n, "seconds": min(runs), "cold": cold, "peak_mb": peak_mb}))
"""


def _build(url: str, path: str, total: int, *, due_count: int = DUE, contacts: bool = True) -> None:
    """`total` assignments of which `due_count` are open and due within the look-ahead or overdue."""
    migrate.upgrade(url)
    with session_scope(url) as s:
        sync_catalogs(s, load_catalogs(catalog_paths(CONFIG_DIR / "plans")), now=NOW)
        if contacts:
            import_directory(s, CONFIG_DIR / "directory.example.csv", now=NOW)
    db = sqlite3.connect(path)
    duties = db.execute("SELECT id, body_id FROM duty").fetchall()
    rng = random.Random(7)

    def rows():
        for i in range(total):
            duty_id, body_id = duties[i % len(duties)]
            if i < due_count:  # due within the look-ahead or overdue
                due, state = TODAY + timedelta(days=rng.randint(-40, 8)), "open"
            elif i % 2:
                due, state = date(2023, 1, 1) + timedelta(days=i % 700), "accepted"
            else:
                due, state = date(2027, 1, 1) + timedelta(days=i % 700), "open"
            yield (
                duty_id,
                body_id,
                f"S{i}",
                "2024-12-15",
                "2025-06-14",
                due.isoformat(),
                state,
                0,
                "2025-01-01 00:00:00.000000",
            )

    db.executemany(
        "INSERT INTO assignment (duty_id, body_id, period, period_start, period_end, due, state, "
        "escalation_level, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows(),
    )
    db.commit()
    db.execute("ANALYZE")
    db.close()


def _measure(url: str, what: str) -> dict:
    out = subprocess.run([sys.executable, "-c", MEASURE, url, what], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run() -> list[dict]:
    results = []
    for total in (100_000, 1_000_000):
        with tempfile.TemporaryDirectory() as home:
            path = f"{home}/plan.sqlite3"
            url = f"sqlite:///{path}"
            _build(url, path, total)
            bare, plan = _measure(url, "bare"), _measure(url, "plan")
            results.append({"total": total, "bare": bare, "plan": plan})
    return results
