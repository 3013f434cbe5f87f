"""No flood from the past: what fell due before dondoc began following a plan up (`init`, or
`init --notify-since`) is shown in status but never reminded, nagged or escalated."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import select

from config.settings import get_settings
from models.db import session_scope
from models.tables.assignment import Assignment
from models.tables.plan import Plan
from notifications.runtime import Runtime
from tests.cli import cli, cli_json, status_rows
from tests.clock import at

SINCE = date(2025, 6, 1)
TODAY = date(2025, 6, 20)  # H1 reports (due 17/6) are D+3; every item due before 1/6 is long overdue


def test_items_due_before_notify_since_are_shown_but_never_told(env, monkeypatch):
    monkeypatch.setenv("DONDOC_ORGANISATION_FILE", "")
    get_settings.cache_clear()
    assert "Theo dõi từ ngày 01/06/2025" in cli("init", "--notify-since", SINCE.isoformat())
    cli("directory", "import", "config/directory.example.csv")
    cli("schedule", "--until", TODAY.isoformat())
    runtime = Runtime.from_settings(get_settings())
    with session_scope(env) as s:
        due = {a.id: a.effective_due for a in s.exec(select(Assignment))}
    rows = status_rows(TODAY.isoformat())
    old_overdue = [r for r in rows if r["status"] == "overdue" and date.fromisoformat(r["due"]) < SINCE]
    assert len(old_overdue) > 100, "the replay must hold overdue items from before notify-since"

    planned = runtime.plan(at(TODAY))
    assert planned, "items due from 1/6 are still reminded"
    assert min(due[p.assignment_id] for p in planned) >= SINCE
    print(f"\nplanned on {TODAY}: {len(planned)} messages, none for the {len(old_overdue)} items due before {SINCE}")
    assert runtime.escalate(at(TODAY)) >= 1  # the H1 reports, due 17/6, reach level 1
    with session_scope(env) as s:
        told = s.exec(select(Assignment).where(Assignment.escalation_level > 0)).all()
    assert told and all(a.effective_due >= SINCE for a in told)


def test_init_follows_new_plans_from_today_and_keeps_the_day(env):
    cli("init")
    # init records the day it ran (the real clock: it is the setup's moment), in the plan's time
    # zone: from 17:00 UTC it is already tomorrow in Vietnam.
    today = datetime.now(get_settings().tz).date()
    with session_scope(env) as s:
        assert {p.notify_since for p in s.exec(select(Plan))} == {today}
    assert {p["notify_since"] for p in cli_json("plan", "list", "--json")} == {today.isoformat()}
    assert "Theo dõi từ" not in cli("init")  # a second init keeps the day
    cli("init", "--notify-since", "2021-11-12")  # the coordinator moves it back, for every plan
    with session_scope(env) as s:
        assert {p.notify_since for p in s.exec(select(Plan))} == {date(2021, 11, 12)}
