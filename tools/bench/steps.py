"""One step of the national bench, in its own process, measured: `python -m tools.bench.steps URL
STEP`. Prints one JSON line: seconds, cpu_s (this process's CPU), rows (what the step produced),
statements (SQL sent), api_calls (HTTP requests to the Prefect API) and peak_mb (this process's
peak resident memory).

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
from tools.bench.twins import (
    BARE_COUNTS,
    BARE_DIGEST_LISTS,
    BARE_REPORT_LINES,
    BARE_REPORT_SUMS,
    bare_dispatch,
    bare_escalate,
    bare_plan,
)

STATEMENTS = 0
EXTRA: dict[str, int] = {}  # what a step counts besides its rows
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
    from models.operations.digest import for_kind, standings
    from models.rules.calendar import WorkingCalendar
    from models.types import local_date
    from notifications.digests import LISTED_PER_BODY, followed_plans, lists_of, recipients

    settings = Settings()
    calendar = WorkingCalendar.from_file(settings.calendar_file)
    readers = 0
    with reading(url) as s:
        plans = followed_plans(s, local_date(NOW, settings.tz))
        common = standings(
            s, now=NOW, tz=settings.tz, calendar=calendar, plan_ids=[p.id for p in plans], listed=LISTED_PER_BODY
        )
        for plan in plans:
            lists_of(common[plan.id])  # the same for both kinds of digest
            for kind in ("coordinator", "leadership"):
                if people := recipients(s, kind, plan, now=NOW, tz=settings.tz):
                    for_kind(common[plan.id], kind)
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


def body_checks(url: str, province: str) -> int:
    """Every body check of one province (`p01`), as `dondoc serve` runs them each working morning:
    a flow run per body, a task run per item, published to the API at PREFECT_API_URL. Returns
    the task runs of the items."""
    from config.settings import Settings
    from flows.body import TO_ACT_ON, check_body
    from models.db import reading
    from models.operations.board import duty_holders
    from models.rules.status import STATE_NAMES
    from models.types import local_date

    with reading(url) as s:
        holders = duty_holders(s, local_date(NOW, Settings().tz))
    checked = [h.code for h in holders if h.code.endswith(f"-{province}")]
    EXTRA["bodies"], EXTRA["bodies_all"] = len(checked), len(holders)  # the province's, the country's
    counts: Counter[str] = Counter()  # per status's name, the items the checks looked at
    for code in checked:
        counts.update(check_body(body=code, as_of=NOW, return_state=True).result())
    EXTRA["items"] = sum(counts.values())
    return sum(counts[STATE_NAMES[status]] for status in TO_ACT_ON)  # their task runs


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


# -- the bare SQL twins (tools/bench/twins.py) -----------------------------------------------------


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
        if query == "plan":
            return bare_plan(c, params["today"], params["horizon"])
        if query == "escalate":
            return bare_escalate(c, today, rt.policy.escalation.longest)
        if query == "dispatch":
            return bare_dispatch(c, NOW)
        if query == "digest-lists":
            from notifications.digests import LISTED_PER_BODY

            lists = {"today": today, "now": NOW, "listed": LISTED_PER_BODY}
            return len(c.execute(text(BARE_DIGEST_LISTS), lists).all())
        return len(c.execute(text(BARE_COUNTS), params).all())


STEPS: dict[str, Callable[..., int]] = {
    "plan": plan,
    "enqueue": enqueue,
    "escalate": escalate,
    "dispatch": dispatch,
    "digests": digests,
    "digest-figures": digest_figures,
    "board": board,
    "report": report,
    "body-checks": body_checks,
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
    start, cpu = time.perf_counter(), time.process_time()
    rows = STEPS[step](url, *args)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    status = Path("/proc/self/status").read_text().splitlines()
    peak = int(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
    # The run's logs go to the API in batches every few seconds: their calls follow the time the
    # sweep takes, not what it does; counted apart.
    logs = sum(n for call, n in API_CALLS.items() if call.endswith("/logs/"))
    out = {"seconds": seconds, "cpu_s": cpu, "rows": rows, "statements": STATEMENTS, "peak_mb": peak / 1024, **EXTRA}
    out |= {"api_calls": sum(API_CALLS.values()) - logs, "api_log_batches": logs, "api_by_path": dict(API_CALLS)}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
