"""One step of the national bench, in its own process, measured: `python -m tools.bench.steps URL
STEP`. Prints one JSON line: seconds, rows (what the step produced), statements (SQL sent),
api_calls (HTTP requests to the Prefect API) and peak_mb (this process's peak resident memory).

Each step has a `bare` twin: the SQL that selects the same rows, with nothing made of them, so the
step's cost reads as a ratio to what the database alone must do. Both start after a warm-up
connection and the imports, so the figure is the work, not a process's start-up.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from tools.bench.national import NOW

STATEMENTS = 0
API_CALLS: Counter[str] = Counter()  # to the Prefect API (not the SMS gateway's), by method and path
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@event.listens_for(Engine, "before_cursor_execute")
def _count(*_args) -> None:
    global STATEMENTS
    STATEMENTS += 1


def _counted(send):
    def counted(self, request, **kw):
        if str(request.url).startswith(os.environ.get("PREFECT_API_URL") or "//"):
            API_CALLS[f"{request.method} {UUID.sub('{id}', request.url.path)}"] += 1
        return send(self, request, **kw)

    return counted


httpx.Client.send = _counted(httpx.Client.send)


def _runtime():
    from config.settings import Settings
    from notifications.runtime import Runtime

    return Runtime.from_settings(Settings())


# -- the sweep ------------------------------------------------------------------------------------


def plan(url: str) -> int:
    return len(_runtime().plan(NOW))


def enqueue(url: str) -> int:
    return _runtime().enqueue(NOW)


def escalate(url: str) -> int:
    return _runtime().escalate(NOW)


def dispatch(url: str) -> int:
    sent = _runtime().dispatch(NOW)
    return sent["sent"]


def digests(url: str) -> int:
    """Every recipient's weekly digest, coordinators and leaders of every plan followed up, queued
    and sent (each is built and rendered when sent)."""
    rt = _runtime()
    ids = rt.digest("coordinator", NOW) + rt.digest("leadership", NOW)
    sent = rt.dispatch(NOW, ids=ids)
    return sent["sent"]


def digest_figures(url: str) -> int:
    """The figures of every recipient's digest, as a dispatch run builds them (a plan's standing
    once, then each kind's; its recipients share them): no chart, no rendering, no sending.
    Returns the recipients."""
    from config.settings import Settings
    from models.db import reading
    from models.operations.digest import for_kind, standing
    from models.rules.calendar import WorkingCalendar
    from models.types import local_date
    from notifications.digests import followed_plans, recipients

    settings = Settings()
    calendar = WorkingCalendar.from_file(settings.calendar_file)
    readers = 0
    with reading(url) as s:
        for plan in followed_plans(s, local_date(NOW, settings.tz)):
            common = standing(s, now=NOW, tz=settings.tz, calendar=calendar, plan_id=plan.id)
            for kind in ("coordinator", "leadership"):
                if people := recipients(s, kind, plan, now=NOW, tz=settings.tz):
                    for_kind(s, common, kind)
                    readers += len(people)
    return readers


def board(url: str) -> int:
    """The status board of every plan followed up, as the sweep publishes it (without the API call)."""
    from sqlmodel import select

    from config.settings import Settings
    from models.db import session_scope
    from models.operations.tally import tally
    from models.rules.calendar import WorkingCalendar
    from models.tables.plan import Plan, followed_on
    from models.types import local_date
    from tasks.publish import Board

    settings = Settings()
    calendar = WorkingCalendar.from_file(settings.calendar_file)
    rows = 0
    with session_scope(url) as s:
        for p in s.exec(select(Plan).where(followed_on(local_date(NOW, settings.tz))).order_by(Plan.id)):
            counts = tally(s, plan_id=p.id, now=NOW, tz=settings.tz)
            b = Board.of(counts, title=p.code, moment=NOW.astimezone(settings.tz), calendar=calendar)
            rows += sum(r.total for r in (*b.rows, *b.requests))
    return rows


def sweep(url: str) -> int:
    """The whole daily sweep as Prefect runs it (a flow, its tasks, the board and events published
    to the API at PREFECT_API_URL): the outbox rows it planned."""
    from flows.sweep import daily_sweep

    return daily_sweep(as_of=NOW)["planned"]


def report(url: str, code: str, period: str) -> int:
    from sqlmodel import Session

    from config.settings import Settings
    from models.db import get_engine
    from models.operations.report import build
    from models.rules.calendar import WorkingCalendar

    settings = Settings()
    calendar = WorkingCalendar.from_file(settings.calendar_file)
    with Session(get_engine(url)) as s:
        r = build(s, code, period, now=NOW, tz=settings.tz, calendar=calendar)
    return len(r.lines)


# -- the bare SQL twins -----------------------------------------------------------------------------

# The sweep's candidates: open items due within the look-ahead or overdue, of active bodies and
# followed plans, told about (as reminders.due_rows selects them); then the contacts of their bodies.
CANDIDATES = """
FROM assignment a JOIN duty d ON d.id = a.duty_id JOIN plan p ON p.id = d.plan_id JOIN body b ON b.id = a.body_id
WHERE a.state IN ('open', 'returned') AND a.due <= :horizon AND a.period_start <= :today
AND (b.active_from IS NULL OR b.active_from <= :today) AND (b.active_until IS NULL OR b.active_until >= :today)
AND NOT p.draft AND (p.closed_on IS NULL OR p.closed_on > :today)
AND (p.notify_since IS NULL OR coalesce(a.extended_due, a.due) >= p.notify_since)
"""
BARE_PLAN = (
    f"SELECT a.id, a.body_id, d.ref, coalesce(a.extended_due, a.due) {CANDIDATES}",
    "SELECT id, body_id, email, phone FROM contact WHERE active AND role IN ('focal', 'head') "
    f"AND body_id IN (SELECT a.body_id {CANDIDATES})",
)

# A plan's counts per body and state, open items split by overdue: what a board or a digest shows.
BARE_COUNTS = """
SELECT d.plan_id, a.body_id, a.state, coalesce(a.extended_due, a.due) < :today AS late, count(*)
FROM assignment a JOIN duty d ON d.id = a.duty_id JOIN plan p ON p.id = d.plan_id
WHERE a.period_start <= :today AND NOT p.draft AND (p.closed_on IS NULL OR p.closed_on > :today)
GROUP BY 1, 2, 3, 4
"""


# A report's rows (the period's items with their duty, body and latest evidence by the report's
# moment; then per target and body the latest figure not returned, summed per target), of a plan
# and the plans under it: what `build` reads, with nothing made of it (the report bench's twin).
REPORT_WINDOW = (
    "(d.cadence != 'once' AND a.period_end BETWEEN :start AND :end "
    "OR d.cadence = 'once' AND coalesce(a.extended_due, a.due) BETWEEN :start AND :end)"
)
PLANS = "d.plan_id IN (SELECT id FROM plan WHERE code = :plan OR parent_id = (SELECT id FROM plan WHERE code = :plan))"
BARE_REPORT_LINES = (
    "SELECT a.id, a.period, a.due, a.extended_due, a.state, a.submitted_at, a.reviewed_at, a.completed_at, "
    "d.ref, d.title, d.request, d.due_basis, b.code, b.name, b.active_until, "
    "e.note, e.document_ref, e.document_date, e.submitted_at "
    "FROM assignment a JOIN duty d ON d.id = a.duty_id JOIN body b ON b.id = a.body_id "
    "LEFT JOIN LATERAL (SELECT note, document_ref, document_date, submitted_at FROM evidence "
    "WHERE assignment_id = a.id AND submitted_at <= :now ORDER BY submitted_at DESC, id DESC LIMIT 1) e ON true "
    f"WHERE {PLANS} AND a.period_start <= :today AND {REPORT_WINDOW} "
    "ORDER BY d.plan_id, d.position, a.period_start, a.id"
)
BARE_REPORT_SUMS = (
    "WITH sent AS (SELECT v.target_id, a.body_id, v.value, v.base, row_number() OVER "
    "(PARTITION BY v.target_id, a.body_id ORDER BY e.submitted_at DESC, e.id DESC) AS n "
    "FROM targetvalue v JOIN evidence e ON e.id = v.evidence_id JOIN assignment a ON a.id = e.assignment_id "
    f"JOIN duty d ON d.id = a.duty_id WHERE {PLANS} "
    "AND e.submitted_at <= :now AND (e.review IS NULL OR e.review != 'returned') AND " + REPORT_WINDOW + ") "
    "SELECT target_id, count(*), sum(value), sum(base), max(value) FROM sent WHERE n = 1 GROUP BY target_id"
)


def bare_report(url: str, code: str, start: str, end: str) -> int:
    from datetime import date

    from models.db import get_engine

    params = {"plan": code, "now": NOW, "today": NOW.date(), "start": date.fromisoformat(start)}
    params["end"] = date.fromisoformat(end)
    with get_engine(url).connect() as c:
        lines = c.execute(text(BARE_REPORT_LINES), params).all()
        c.execute(text(BARE_REPORT_SUMS), params).all()
    return len(lines)


def bare(url: str, query: str) -> int:
    from models.db import get_engine
    from models.operations.reminders import horizon

    rt = _runtime()
    today = NOW.astimezone(rt.tz).date()
    params = {"today": today, "horizon": horizon(rt.policy, rt.calendar, today)}
    with get_engine(url).connect() as c:
        return sum(len(c.execute(text(q), params).all()) for q in {"plan": BARE_PLAN, "counts": (BARE_COUNTS,)}[query])


STEPS: dict[str, Callable[..., int]] = {
    "plan": plan,
    "enqueue": enqueue,
    "escalate": escalate,
    "dispatch": dispatch,
    "digests": digests,
    "digest-figures": digest_figures,
    "board": board,
    "report": report,
    "sweep": sweep,
    "bare": bare,
    "bare-report": bare_report,
}


def main() -> None:
    url, step, *args = sys.argv[1:]
    os.environ["DONDOC_DATABASE_URL"] = url
    from models.db import get_engine

    get_engine(url).connect().close()
    global STATEMENTS
    STATEMENTS = 0
    API_CALLS.clear()
    start = time.perf_counter()
    rows = STEPS[step](url, *args)
    seconds = time.perf_counter() - start
    status = Path("/proc/self/status").read_text().splitlines()
    peak = int(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
    # The run's logs go to the API in batches every few seconds: their calls follow the time the
    # sweep takes, not what it does; counted apart.
    logs = sum(n for call, n in API_CALLS.items() if call.endswith("/logs/"))
    out = {"seconds": seconds, "rows": rows, "statements": STATEMENTS, "peak_mb": peak / 1024}
    out |= {"api_calls": sum(API_CALLS.values()) - logs, "api_log_batches": logs, "api_by_path": dict(API_CALLS)}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
