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
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from tools.bench.national import NOW

STATEMENTS = 0
API_CALLS = 0


@event.listens_for(Engine, "before_cursor_execute")
def _count(*_args) -> None:
    global STATEMENTS
    STATEMENTS += 1


def _counted(send):
    def counted(self, request, **kw):
        global API_CALLS
        API_CALLS += 1
        return send(self, request, **kw)

    return counted


httpx.Client.send = _counted(httpx.Client.send)


def _runtime():
    from config.settings import Settings
    from notifications.runtime import Runtime

    return Runtime.from_settings(Settings())


def _plan_codes(url: str, suffix: str) -> list[str]:
    from models.db import get_engine

    with get_engine(url).connect() as c:
        return list(
            c.execute(text("SELECT code FROM plan WHERE code LIKE :s ORDER BY id"), {"s": f"{suffix}%"}).scalars()
        )


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
# followed plans, told about (as reminders.due_rows selects them), and the contacts of their bodies.
BARE_PLAN = """
SELECT a.id, a.body_id, d.ref, coalesce(a.extended_due, a.due), c.id, c.email, c.phone
FROM assignment a JOIN duty d ON d.id = a.duty_id JOIN plan p ON p.id = d.plan_id
JOIN body b ON b.id = a.body_id JOIN contact c ON c.body_id = a.body_id AND c.active AND c.role IN ('focal', 'head')
WHERE a.state IN ('open', 'returned') AND a.due <= :horizon AND a.period_start <= :today
AND (b.active_from IS NULL OR b.active_from <= :today) AND (b.active_until IS NULL OR b.active_until >= :today)
AND NOT p.draft AND (p.closed_on IS NULL OR p.closed_on > :today)
AND (p.notify_since IS NULL OR coalesce(a.extended_due, a.due) >= p.notify_since)
"""

# A plan's counts per body and state, open items split by overdue: what a board or a digest shows.
BARE_COUNTS = """
SELECT d.plan_id, a.body_id, a.state, coalesce(a.extended_due, a.due) < :today AS late, count(*)
FROM assignment a JOIN duty d ON d.id = a.duty_id JOIN plan p ON p.id = d.plan_id
WHERE a.period_start <= :today AND NOT p.draft AND (p.closed_on IS NULL OR p.closed_on > :today)
GROUP BY 1, 2, 3, 4
"""


def bare(url: str, query: str) -> int:
    from models.db import get_engine
    from models.operations.reminders import horizon

    rt = _runtime()
    today = NOW.astimezone(rt.tz).date()
    params = {"today": today, "horizon": horizon(rt.policy, rt.calendar, today)}
    with get_engine(url).connect() as c:
        return len(c.execute(text({"plan": BARE_PLAN, "counts": BARE_COUNTS}[query]), params).all())


STEPS: dict[str, Callable[..., int]] = {
    "plan": plan,
    "enqueue": enqueue,
    "escalate": escalate,
    "dispatch": dispatch,
    "digests": digests,
    "board": board,
    "report": report,
    "bare": bare,
}


def main() -> None:
    url, step, *args = sys.argv[1:]
    os.environ["DONDOC_DATABASE_URL"] = url
    from models.db import get_engine

    get_engine(url).connect().close()
    global STATEMENTS, API_CALLS
    STATEMENTS = API_CALLS = 0
    start = time.perf_counter()
    rows = STEPS[step](url, *args)
    seconds = time.perf_counter() - start
    status = Path("/proc/self/status").read_text().splitlines()
    peak = int(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
    out = {"seconds": seconds, "rows": rows, "statements": STATEMENTS, "api_calls": API_CALLS, "peak_mb": peak / 1024}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
