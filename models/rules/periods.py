"""Reporting periods (Nghị định 09/2019/NĐ-CP, art. 12) and nominal due dates. Pure functions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from models.rules.calendar import WorkingCalendar

# A cadence's length in days, rounded down: a due offset as long as this lands in the next period.
CADENCE_DAYS = {"quarterly": 90, "semiannual": 181, "annual": 365}


@dataclass(frozen=True)
class ReportingPeriod:
    key: str  # "2022-Q3", "2022-H1", "2022", or "2021-2025" for a one-off duty
    start: date  # first day of the data cut-off period
    end: date  # last day (the cut-off)


@dataclass(frozen=True)
class DueRule:
    """Exactly one of: a fixed date, calendar days after the cut-off or the period's start, or
    working days after the cut-off (counted on the working calendar, so never on a day off)."""

    date: dt.date | None = None
    days_after_cutoff: int | None = None
    days_after_start: int | None = None
    working_days_after_cutoff: int | None = None

    def nominal(self, period: ReportingPeriod, calendar: WorkingCalendar | None = None) -> dt.date:
        """The due date before moving it off weekends and holidays. A rule in working days needs
        the calendar (the n-th working day after the cut-off, whatever day the cut-off is)."""
        if self.date is not None:
            return self.date
        if self.days_after_start is not None:
            return period.start + timedelta(days=self.days_after_start)
        if self.working_days_after_cutoff is not None:
            if calendar is None:
                raise ValueError("a due rule in working days needs the working calendar")
            return calendar.add_working_days(period.end, self.working_days_after_cutoff)
        assert self.days_after_cutoff is not None
        return period.end + timedelta(days=self.days_after_cutoff)


def quarter(year: int, q: int) -> ReportingPeriod:
    """15th of the month before the quarter to the 14th of the quarter's last month."""
    last_month = 3 * q
    start = date(year - 1, 12, 15) if q == 1 else date(year, last_month - 3, 15)
    return ReportingPeriod(f"{year}-Q{q}", start, date(year, last_month, 14))


def half_year(year: int, h: int) -> ReportingPeriod:
    if h == 1:
        return ReportingPeriod(f"{year}-H1", date(year - 1, 12, 15), date(year, 6, 14))
    return ReportingPeriod(f"{year}-H2", date(year, 6, 15), date(year, 12, 14))


def year_period(year: int) -> ReportingPeriod:
    return ReportingPeriod(str(year), date(year - 1, 12, 15), date(year, 12, 14))


def candidate_periods(cadence: str, first_year: int, last_year: int) -> list[ReportingPeriod]:
    years = range(first_year, last_year + 1)
    if cadence == "quarterly":
        return [quarter(y, q) for y in years for q in (1, 2, 3, 4)]
    if cadence == "semiannual":
        return [half_year(y, h) for y in years for h in (1, 2)]
    if cadence == "annual":
        return [year_period(y) for y in years]
    raise ValueError(f"unknown cadence {cadence!r}")


def plan_periods(
    cadence: str, rule: DueRule, plan_start: date, plan_end: date, calendar: WorkingCalendar | None = None
) -> list[tuple[ReportingPeriod, date]]:
    """The periods of a duty within a plan, with their nominal due dates (`calendar` for a rule in
    working days).

    A period belongs to the plan when its nominal due date falls within the plan's period: the
    last report of 2025 is due in December 2025, the annual plan for 2021 was due before the plan
    existed.
    """
    if cadence == "once":
        period = ReportingPeriod(f"{plan_start.year}-{plan_end.year}", plan_start, plan_end)
        return [(period, rule.nominal(period, calendar))]
    out = []
    for period in candidate_periods(cadence, plan_start.year, plan_end.year + 1):
        due = rule.nominal(period, calendar)
        if plan_start <= due <= plan_end:
            out.append((period, due))
    return out


ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def period_label(key: str) -> str:
    """In Vietnamese: "6 tháng đầu năm 2025", "Quý III/2025", "Năm 2025", "Giai đoạn 2021-2025".

    The December half ("2025-H2") is the year: reports "định kỳ 06 tháng, 01 năm" mean a six-month
    report in June and the yearly report in December, not a report on the second half alone. The
    key stays "YYYY-H2" (rows keep their identity, and the assignment still begins after the June
    report, on 15/6); only what officials read changes.
    """
    year, _, part = key.partition("-")
    if part == "H1":
        return f"6 tháng đầu năm {year}"
    if part == "H2":
        return f"Năm {year}"
    if part.startswith("Q"):
        return f"Quý {ROMAN[int(part[1:])]}/{year}"
    if part:
        return f"Giai đoạn {key}"
    return f"Năm {year}"


def report_name(key: str) -> str:
    """The report a period calls for, as officials name it: "Báo cáo 6 tháng đầu năm 2025",
    "Báo cáo năm 2025" (the December half too), "Báo cáo quý III/2025", "Báo cáo giai đoạn 2021-2025"."""
    label = period_label(key)
    return f"Báo cáo {label[0].lower()}{label[1:]}"
