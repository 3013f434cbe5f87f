"""Materialization: idempotent on (duty, body, period), working-day due dates, successions."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

from sqlmodel import func, select

from config import CONFIG_DIR
from models.db import session_scope
from models.intake.catalog.load import load_catalogs
from models.operations.catalog import sync_catalogs
from models.operations.schedule import materialize
from models.tables.assignment import Assignment
from models.tables.org import Body, Succession
from models.tables.plan import Duty, Plan
from tests.conftest import LOADED_AT

D = date.fromisoformat
NOW = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)


def dues(url: str) -> dict[tuple[str, str, str], date]:
    with session_scope(url) as s:
        rows = s.exec(
            select(Duty.ref, Body.code, Assignment.period, Assignment.due)
            .join(Duty, Duty.id == Assignment.duty_id)
            .join(Body, Body.id == Assignment.body_id)
        )
        return {(ref, body, period): due for ref, body, period, due in rows}


def count(url: str) -> int:
    with session_scope(url) as s:
        return s.exec(select(func.count()).select_from(Assignment)).one()


def test_the_whole_plan_materializes_once(loaded, calendar):
    with session_scope(loaded) as s:
        first = materialize(s, until=D("2025-12-31"), now=NOW, calendar=calendar)
        duties = s.exec(select(Duty)).all()
    # Counted by hand from the plan's period (12/11/2021-31/12/2025): reports of 2021-H2 to 2025-H2,
    # 2021-Q4 to 2025-Q4, annual reports 2021-2025 (due 18/12), annual plans 2022-2025 (due 31/1).
    periods = {"once": 1, "quarterly": 17, "semiannual": 9, "annual": 5, "annual-plan": 4}
    expected = sum(periods["annual-plan" if d.due_days_after_start else d.cadence] for d in duties)
    assert first == expected == count(loaded)
    with session_scope(loaded) as s:
        assert materialize(s, until=D("2025-12-31"), now=NOW, calendar=calendar) == 0
    assert count(loaded) == expected


def test_until_grows_the_schedule_without_duplicates(loaded, calendar):
    with session_scope(loaded) as s:
        early = materialize(s, until=D("2022-06-30"), now=NOW, calendar=calendar)
    periods = Counter(period for (_, _, period) in dues(loaded))
    assert "2022-H2" in periods  # began 15/6/2022
    assert "2023-H1" not in periods
    with session_scope(loaded) as s:
        late = materialize(s, until=D("2025-12-31"), now=NOW, calendar=calendar)
    assert early + late == count(loaded)


def test_due_dates_in_the_shipped_plan(loaded, calendar):
    with session_scope(loaded) as s:
        materialize(s, until=D("2025-12-31"), now=NOW, calendar=calendar)
    due = dues(loaded)
    # The annual district plan is due 31/1; in 2025 that is mùng ba Tết, so Monday 3/2.
    assert due[("V.12.1", "sin-ho", "2025")] == D("2025-02-03")
    assert due[("V.12.1", "sin-ho", "2024")] == D("2024-01-31")
    # Six-month reports are due the 18th: Saturday 18/6/2022 moves to Monday 20/6.
    assert due[("V.BC", "so-yte", "2022-H1")] == D("2022-06-20")
    assert due[("V.BC", "so-yte", "2025-H1")] == D("2025-06-18")
    # Sở LĐ-TB&XH consolidates a week later, on the 25th.
    assert due[("V.1.5", "so-ldtbxh", "2025-H1")] == D("2025-06-25")
    assert due[("V.10.1", "bao-laichau", "2025-Q1")] == D("2025-03-18")
    assert due[("V.12.1-5y", "tam-duong", "2021-2025")] == D("2021-12-31")


TET_PLAN = """\
plan:
  code: tet-plan
  title: Kế hoạch thử qua Tết
  period: {start: 2025-01-01, end: 2026-12-31}
  coordinating_body: so-ldtbxh
  leadership_body: ubnd-tinh
duties:
  - {ref: A.1, source: A, title: Qua Tết 2026, text: Báo cáo năm., bodies: [so-yte], cadence: annual,
     due: {days_after_start: 62}}
  - {ref: A.2, source: A, title: Ngày 30/4/2025, text: Báo cáo., bodies: [so-yte], cadence: once,
     due: {date: 2025-04-30}}
  - {ref: A.3, source: A, title: Ngày 30/4/2026, text: Báo cáo., bodies: [so-yte], cadence: once,
     due: {date: 2026-04-30}}
  - {ref: A.4, source: A, title: Tết 2025, text: Báo cáo., bodies: [so-yte], cadence: once,
     due: {date: 2025-01-28}}
"""


def test_due_dates_across_tet_2025_2026_and_the_30_4_week(loaded, calendar, tmp_path):
    path = tmp_path / "tet.yaml"
    path.write_text(TET_PLAN, encoding="utf-8")
    files = load_catalogs([CONFIG_DIR / "plans" / "lai-chau-pcmd-2021-2025.yaml", path])
    with session_scope(loaded) as s:
        sync_catalogs(s, files, now=LOADED_AT)
        materialize(s, until=D("2026-12-31"), now=NOW, calendar=calendar)
    due = dues(loaded)
    assert due[("A.1", "so-yte", "2026")] == D("2026-02-23")  # 15/2/2026 is Tết: after it
    assert due[("A.1", "so-yte", "2025")] == D("2025-02-17")  # 15/2/2025, a Saturday
    assert due[("A.2", "so-yte", "2025-2026")] == D("2025-05-05")
    assert due[("A.3", "so-yte", "2025-2026")] == D("2026-05-04")
    assert due[("A.4", "so-yte", "2025-2026")] == D("2025-02-03")


def test_a_succession_moves_later_periods_to_the_successor(loaded, calendar):
    with session_scope(loaded) as s:
        ids = {b.code: b.id for b in s.exec(select(Body))}
        for successor, ref in (("so-vhttdl", "V.4.1"), ("so-yte", "V.4.2")):
            s.add(
                Succession(
                    from_body_id=ids["so-tttt"],
                    to_body_id=ids[successor],
                    effective_from=D("2025-03-01"),
                    duty_refs=[ref],
                    created_at=NOW,
                )
            )
        materialize(s, until=D("2025-12-31"), now=NOW, calendar=calendar)
    due = dues(loaded)
    assert ("V.4.1", "so-tttt", "2024-H2") in due
    assert ("V.4.1", "so-vhttdl", "2025-H1") in due and ("V.4.1", "so-tttt", "2025-H1") not in due
    assert ("V.4.2", "so-yte", "2025-H2") in due
    assert ("V.4.3", "so-tttt", "2025-H2") in due  # not named: stays


def test_two_runs_at_once_create_each_assignment_once(loaded, calendar):
    def run(_):
        with session_scope(loaded) as s:
            return materialize(s, until=D("2025-12-31"), now=NOW, calendar=calendar)

    with ThreadPoolExecutor(2) as pool:
        created = list(pool.map(run, range(2)))
    assert sum(created) == count(loaded)
    with session_scope(loaded) as s:
        keys = s.exec(select(Assignment.duty_id, Assignment.period)).all()
    assert len(keys) == len(set(keys))


def test_retired_duties_get_no_new_assignments(loaded, calendar, tmp_path):
    text = (CONFIG_DIR / "plans" / "lai-chau-pcmd-2021-2025.yaml").read_text(encoding="utf-8")
    start = text.index("  - ref: V.9.1")
    end = text.index("  - ref:", start + 5)
    path = tmp_path / "lai-chau-pcmd-2021-2025.yaml"
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    with session_scope(loaded) as s:
        materialize(s, until=D("2022-12-31"), now=NOW, calendar=calendar)
        (result,) = sync_catalogs(s, load_catalogs([path]), now=NOW)
        materialize(s, until=D("2025-12-31"), now=NOW, calendar=calendar)
        plan = s.exec(select(Plan)).one()
    assert result.counts == {"duty.retired": 1} and plan.revision == 2
    periods = {p for (ref, _, p) in dues(loaded) if ref == "V.9.1"}
    assert periods == {"2021-H2", "2022-H1", "2022-H2", "2023-H1"}  # history kept, nothing new
