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
    # 2021-Q4 to 2025-Q4, budget proposals 2021-2025 (due 20/11), annual plans 2022-2025 (due 31/3).
    periods = {"once": 1, "quarterly": 17, "semiannual": 9, "V.8.1": 5, "V.12.1": 4}
    assert {d.ref for d in duties if d.cadence == "annual"} == {"V.8.1", "V.12.1"}
    expected = sum(periods[d.ref if d.cadence == "annual" else d.cadence] for d in duties)
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
    # The annual district plan is due 31/3; in 2024 the rule gives Saturday 30/3 (a leap year), so
    # Monday 1/4.
    assert due[("V.12.1", "sin-ho", "2025")] == D("2025-03-31")
    assert due[("V.12.1", "sin-ho", "2024")] == D("2024-04-01")
    # The bodies report 2 working days after the cut-off (the 14th): 14/6/2025 is a Saturday, so
    # Monday 16/6 is the first and Tuesday 17/6 the second; in 2022 Tuesday 14/6 gives Thursday 16/6.
    assert due[("V.BC", "so-yte", "2022-H1")] == D("2022-06-16")
    assert due[("V.BC", "so-yte", "2025-H1")] == D("2025-06-17")
    assert due[("V.BC", "so-yte", "2025-H2")] == D("2025-12-16")  # Sunday 14/12/2025: Tuesday 16/12
    # Sở LĐ-TB&XH consolidates 4 working days after the cut-off, before the ministry's 20/12.
    assert due[("V.1.5", "so-ldtbxh", "2025-H1")] == D("2025-06-19")
    assert due[("V.1.5", "so-ldtbxh", "2025-H2")] == D("2025-12-18")
    # The reports of 30/4-1/5/2025 and of Tết count no working day: Q1's cut-off 14/3/2025 is a Friday.
    assert due[("V.10.1", "bao-laichau", "2025-Q1")] == D("2025-03-18")
    # The budget proposal, every year on 20/11 (Saturday 20/11/2021: Monday 22/11).
    assert due[("V.8.1", "so-taichinh", "2021")] == D("2021-11-22")
    assert due[("V.8.1", "so-taichinh", "2025")] == D("2025-11-20")
    assert due[("V.12.1-5y", "tam-duong", "2021-2025")] == D("2022-03-31")


def test_every_duty_row_carries_its_rule_its_basis_and_whether_it_is_a_request(session):
    """What reads a duty (reminders, pages, status) never needs the plan's default: the sync wrote
    the effective rule, its basis and its source into every row."""
    duties = session.exec(select(Duty)).all()
    assert all(d.due_basis == "coordinator" and d.due_source for d in duties)
    by_ref = {d.ref: d for d in duties}
    report = by_ref["V.BC"]
    assert (report.due_working_days_after_cutoff, report.due_days_after_cutoff) == (2, None)
    assert "Nghị định số 09/2019/NĐ-CP" in report.due_source
    assert by_ref["V.1.5"].due_working_days_after_cutoff == 4 and "5109/BLĐTBXH-PCTNXH" in by_ref["V.1.5"].due_source
    assert by_ref["V.8.1"].due_days_after_cutoff == -24  # 24 days before the cut-off: 20/11
    assert {d.ref for d in duties if d.request} == {"V.11.1", "V.13.1"}


TET_PLAN = """\
plan:
  code: tet-plan
  title: Kế hoạch thử qua Tết
  period: {start: 2025-01-01, end: 2026-12-31}
  coordinating_body: so-ldtbxh
  leadership_body: ubnd-tinh
duties:
  - {ref: A.1, source: A, title: Qua Tết 2026, text: Báo cáo năm., bodies: [so-yte], cadence: annual,
     due: {days_after_start: 62, basis: coordinator}}
  - {ref: A.2, source: A, title: Ngày 30/4/2025, text: Báo cáo., bodies: [so-yte], cadence: once,
     due: {date: 2025-04-30, basis: coordinator}}
  - {ref: A.3, source: A, title: Ngày 30/4/2026, text: Báo cáo., bodies: [so-yte], cadence: once,
     due: {date: 2026-04-30, basis: coordinator}}
  - {ref: A.4, source: A, title: Tết 2025, text: Báo cáo., bodies: [so-yte], cadence: once,
     due: {date: 2025-01-28, basis: coordinator}}
  - {ref: A.5, source: A, title: Qua Tết dương lịch, text: Báo cáo năm., bodies: [so-yte], cadence: annual,
     due: {working_days_after_cutoff: 15, basis: law, source: Thông tư thử nghiệm số 1/2025}}
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
    # Working days are counted on the province's calendar: from Sunday 14/12/2025, the 15th working
    # day skips 1/1 and Friday 2/1/2026 (swapped off by the calendar file): Tuesday 6/1, where the
    # holidays package alone would say Monday 5/1.
    assert due[("A.5", "so-yte", "2025")] == D("2026-01-06")


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
