"""Working days around Tết and the 30/4-1/5 holidays, and the NĐ 09/2019 reporting periods."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.errors import InputError
from models.rules.calendar import CalendarError, WorkingCalendar
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
        ("2024-04-27", "2024-05-02", "27/4-1/5/2024 off: 29/4 given in exchange for Saturday 4/5"),
        ("2024-05-04", "2024-05-04", "the Saturday worked for 29/4/2024 (Công văn 2450/VPCP-KGVX)"),
        ("2026-01-01", "2026-01-05", "Tết Dương lịch 2026: 1/1, the Friday 2/1 given in exchange, the weekend"),
        ("2026-01-10", "2026-01-10", "the Saturday worked for 2/1/2026 (Công văn 12729/VPCP-KGVX)"),
        ("2026-11-24", "2026-11-24", "Ngày Văn hóa Việt Nam: not a day off in law (the package marks it)"),
    ],
)
def test_roll_forward(calendar, nominal, expected, why):
    assert calendar.roll_forward(D(nominal)) == D(expected), why


def test_without_local_fixes_a_make_up_saturday_is_a_weekend():
    assert WorkingCalendar().roll_forward(D("2025-04-26")) == D("2025-04-28")


@pytest.mark.parametrize(
    ("day", "working", "package_alone"),
    [
        ("2024-04-29", False, False),  # Monday given in exchange (the package knows it too)
        ("2024-05-04", True, False),  # Saturday worked
        ("2026-01-02", False, True),  # Friday given in exchange: the package does not know it
        ("2026-01-10", True, False),  # Saturday worked
        ("2026-11-24", True, False),  # Ngày Văn hóa Việt Nam: the package marks it off; the law does not
    ],
)
def test_the_calendar_file_corrects_the_package(calendar, day, working, package_alone):
    assert calendar.is_working_day(D(day)) is working
    assert WorkingCalendar().is_working_day(D(day)) is package_alone
    fix = calendar.fixes[D(day)]
    assert fix.source and fix.verified  # every day that differs says on whose word, and what was checked


def test_24_november_is_a_working_day_until_the_law_says_otherwise(calendar):
    fix = calendar.fixes[D("2026-11-24")]
    assert calendar.is_working_day(D("2026-11-24")) and fix.working
    assert "Điều 112" in fix.source and "CHƯA XÁC MINH" in fix.verified
    assert calendar.is_working_day(D("2027-11-24"))


def test_due_dates_and_reminders_follow_the_corrected_days(calendar):
    # 2024: from Friday 26/4, the next working day is Thursday 2/5 (29/4, 30/4, 1/5 off) ...
    assert calendar.add_working_days(D("2024-04-26"), 1) == D("2024-05-02")
    # ... and from Friday 3/5 it is the Saturday worked, 4/5.
    assert calendar.add_working_days(D("2024-05-03"), 1) == D("2024-05-04")
    assert calendar.working_days_between(D("2024-05-02"), D("2024-05-06")) == 3
    # 2026: 31/12/2025 + 1 is Monday 5/1 (1/1 and 2/1 off); Friday 9/1 + 1 is Saturday 10/1.
    assert calendar.add_working_days(D("2025-12-31"), 1) == D("2026-01-05")
    assert calendar.add_working_days(D("2026-01-09"), 1) == D("2026-01-10")
    assert calendar.add_working_days(D("2026-01-12"), -1) == D("2026-01-10")
    # 24/11/2026 counts: Monday 23/11 + 1 is Tuesday 24/11.
    assert calendar.add_working_days(D("2026-11-23"), 1) == D("2026-11-24")
    # The reminder ladder of a duty due Monday 12/1/2026: T-1 falls on the Saturday worked.
    from models.rules.policy import Nagging, step_on

    t1 = step_on(D("2026-01-12"), (-7, -3, -1, 0), Nagging(3), D("2026-01-10"), calendar)
    assert t1 is not None and (t1.name, t1.on) == ("T-1", D("2026-01-10"))
    t7 = step_on(D("2026-01-12"), (-7, -3, -1, 0), Nagging(3), D("2025-12-31"), calendar)
    assert t7 is not None and (t7.name, t7.on) == ("T-7", D("2025-12-31"))


def test_days_of_a_year_name_every_day_off_and_its_source(calendar):
    days = {d.day: d for d in calendar.days_of(2026)}
    assert days[D("2026-02-17")].name == "Tết Nguyên Đán" and days[D("2026-02-17")].origin == "package"
    assert days[D("2026-02-17")].source.startswith("gói holidays")
    assert not days[D("2026-01-02")].working and "12729/VPCP-KGVX" in days[D("2026-01-02")].source
    assert days[D("2026-01-10")].working and days[D("2026-01-10")].origin == "file"
    culture = days[D("2026-11-24")]
    assert culture.working and culture.package_name == "Ngày Văn hóa Việt Nam" and culture.origin == "file"
    assert all(d.day.year == 2026 for d in days.values()) and list(days) == sorted(days)


def _refused(tmp_path, text: str) -> list:
    path = tmp_path / "calendar.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CalendarError) as caught:
        WorkingCalendar.from_file(path)
    assert all(p.file == str(path) for p in caught.value.problems)
    assert isinstance(caught.value, InputError)
    return [(p.code, p.path, p.line) for p in caught.value.problems]


GOOD = """days:
  - date: 2026-01-10
    working: true
    source: "Công văn số 12729/VPCP-KGVX ngày 25/12/2025"
    verified: "baohiemxahoi.gov.vn"
"""


def test_a_malformed_calendar_file_is_refused_with_file_path_and_line(tmp_path):
    # A day without its source, a misspelt key, a date that is not one.
    problems = _refused(
        tmp_path,
        GOOD
        + """  - date: 2024-05-04
    working: true
    verified: "x"
  - date: 2024-04-29
    workin: false
    source: "Công văn số 2450/VPCP-KGVX"
    verified: "x"
""",
    )
    assert ("invalid-calendar", "days[1].source", 6) in problems
    assert ("invalid-calendar", "days[2].workin", 10) in problems
    assert ("invalid-calendar", "days[2].working", 9) in problems
    assert _refused(tmp_path, "days:\n  - date: 2026-02-30\n    working: true\n") == [
        ("invalid-calendar", "days[0].date", 2)
    ]
    # The old format is refused, not silently ignored.
    assert _refused(tmp_path, "extra_working_days:\n  - 2025-04-26\n") == [
        ("invalid-calendar", "extra_working_days", 1)
    ]
    assert _refused(tmp_path, "days: [\n")[0][0] == "yaml-syntax"
    assert _refused(tmp_path, GOOD + "days: []\n")[0][:1] == ("duplicate-key",)


def test_a_day_twice_or_a_fix_that_changes_nothing_is_refused(tmp_path):
    again = GOOD + GOOD.removeprefix("days:\n")
    assert _refused(tmp_path, again) == [("duplicate-day", "days[1]", 6)]
    # Friday 3/5/2024 "working" (meant Saturday 4/5); Sunday 4/1/2026 "off" (meant Friday 2/1).
    typo = GOOD.replace("2026-01-10", "2024-05-03") + GOOD.removeprefix("days:\n").replace(
        "2026-01-10", "2026-01-04"
    ).replace("working: true", "working: false")
    assert _refused(tmp_path, typo) == [("no-effect", "days[0]", 2), ("no-effect", "days[1]", 6)]


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
