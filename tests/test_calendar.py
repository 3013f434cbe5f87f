"""Working days around Tết and the 30/4-1/5 holidays, and the NĐ 09/2019 reporting periods."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.rules.calendar import WorkingCalendar
from models.rules.periods import DueRule, half_year, plan_periods, quarter, year_period

D = date.fromisoformat


@pytest.mark.parametrize(
    ("nominal", "expected", "why"),
    [
        ("2025-01-24", "2025-01-24", "the Friday before Tết 2025 is a working day"),
        ("2025-01-27", "2025-02-03", "Tết 2025: 27/1-1/2 off, then the weekend"),
        ("2025-01-31", "2025-02-03", "mùng ba Tết 2025 (Friday)"),
        ("2026-02-14", "2026-02-23", "a Saturday before Tết 2026, whose holidays run 16-20/2"),
        ("2026-02-18", "2026-02-23", "mùng hai Tết 2026"),
        ("2025-04-30", "2025-05-05", "30/4, 1/5, the 2/5 substitute day and the weekend"),
        ("2026-04-30", "2026-05-04", "30/4 and 1/5/2026, then the weekend"),
        ("2025-04-26", "2025-04-26", "a make-up Saturday is a working day (config/calendar.yaml)"),
        ("2025-06-14", "2025-06-16", "an ordinary Saturday"),
        ("2026-11-24", "2026-11-25", "Ngày Văn hóa Việt Nam, a holiday from 2026"),
    ],
)
def test_roll_forward(calendar, nominal, expected, why):
    assert calendar.roll_forward(D(nominal)) == D(expected), why


def test_without_local_fixes_a_make_up_saturday_is_a_weekend():
    assert WorkingCalendar().roll_forward(D("2025-04-26")) == D("2025-04-28")


def test_working_day_arithmetic_skips_tet(calendar):
    # Friday 24/1/2025 + 1 working day jumps over Tết 2025 to Monday 3/2.
    assert calendar.add_working_days(D("2025-01-24"), 1) == D("2025-02-03")
    assert calendar.add_working_days(D("2025-02-03"), -1) == D("2025-01-24")
    assert calendar.working_days_between(D("2025-01-24"), D("2025-02-03")) == 1
    assert calendar.working_days_between(D("2025-02-03"), D("2025-01-24")) == -1
    # Back from Monday 5/5/2025: 29/4, 28/4, then the make-up Saturday 26/4.
    assert calendar.add_working_days(D("2025-05-05"), -2) == D("2025-04-28")
    assert calendar.add_working_days(D("2025-05-05"), -3) == D("2025-04-26")


def test_reporting_periods_follow_decree_09():
    assert (half_year(2025, 1).start, half_year(2025, 1).end) == (D("2024-12-15"), D("2025-06-14"))
    assert (half_year(2025, 2).start, half_year(2025, 2).end) == (D("2025-06-15"), D("2025-12-14"))
    assert (quarter(2025, 1).start, quarter(2025, 1).end) == (D("2024-12-15"), D("2025-03-14"))
    assert (quarter(2025, 3).start, quarter(2025, 3).end) == (D("2025-06-15"), D("2025-09-14"))
    assert (year_period(2025).start, year_period(2025).end) == (D("2024-12-15"), D("2025-12-14"))


def test_plan_periods_keep_those_due_within_the_plan():
    start, end = D("2021-11-12"), D("2025-12-31")
    halves = plan_periods("semiannual", DueRule(days_after_cutoff=4), start, end)
    assert [p.key for p, _ in halves][:2] == ["2021-H2", "2022-H1"]
    assert [p.key for p, _ in halves][-1] == "2025-H2"
    assert len(halves) == 9
    assert halves[0][1] == D("2021-12-18")
    quarters = plan_periods("quarterly", DueRule(days_after_cutoff=4), start, end)
    assert len(quarters) == 17 and quarters[0][0].key == "2021-Q4"
    annual_plans = plan_periods("annual", DueRule(days_after_start=47), start, end)
    assert [(p.key, due) for p, due in annual_plans] == [(str(y), D(f"{y}-01-31")) for y in (2022, 2023, 2024, 2025)]
    once = plan_periods("once", DueRule(date=D("2021-12-31")), start, end)
    assert [(p.key, due) for p, due in once] == [("2021-2025", D("2021-12-31"))]


def _walk(calendar, day, count):
    """The definition, one day at a time."""
    step = 1 if count >= 0 else -1
    while count:
        day = date.fromordinal(day.toordinal() + step)
        if calendar.is_working_day(day):
            count -= step
    return day


CAL = WorkingCalendar.from_file(__import__("config").CONFIG_DIR / "calendar.yaml")


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2027, 12, 31)), st.integers(-400, 400))
def test_day_arithmetic_matches_walking_day_by_day(day, count):
    moved = CAL.add_working_days(day, count)
    assert moved == _walk(CAL, day, count)
    if count and CAL.is_working_day(day):
        assert CAL.working_days_between(day, moved) == count
