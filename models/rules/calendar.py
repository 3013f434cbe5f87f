"""Working days in Vietnam: weekends and public holidays (the `holidays` package), corrected by the
province's calendar file (config/calendar.yaml), which is the authority where the two disagree.

Each day in the file says whether it is worked, on whose word (`source`: the document's number and
date) and what was checked (`verified`). A malformed file is refused as a whole (`CalendarError`,
with the file, the path inside it and the line), never half-applied.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import holidays
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from models.errors import InputError, Problem, format_path


class CalendarError(InputError):
    """The calendar file refused: codes invalid-calendar, duplicate-day, no-effect, yaml-syntax, ..."""


class DayFix(BaseModel):
    """One day the province's calendar decides: `working` or not, whatever the weekday or the
    `holidays` package say."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    day: date = Field(alias="date")
    working: bool
    name: str | None = None  # what the day is, as a coordinator reads it ("Làm bù cho ...")
    source: str  # the document: number, date, issuing body
    verified: str  # what was checked against what, or what could not be
    note: str | None = None

    @field_validator("source", "verified")
    @classmethod
    def _said(cls, text: str) -> str:
        if not text.strip():
            raise ValueError("must say something (the document, or what was or was not verified)")
        return text.strip()


class _CalendarFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    days: list[DayFix] = []


@dataclass(frozen=True)
class CalendarDay:
    """A day of `WorkingCalendar.days_of(year)`: a day off or a local fix, with its source."""

    day: date
    working: bool
    name: str  # the package's name (Vietnamese), else the file's
    origin: str  # "package" (the holidays package) or "file" (the calendar file)
    source: str
    verified: str | None = None
    note: str | None = None
    package_name: str | None = None  # what the package says of the day, when the file overrides it


WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


def package_source() -> str:
    return f"gói holidays {holidays.__version__} (VN)"


@dataclass
class WorkingCalendar:
    """Monday to Friday, minus Vietnamese public holidays; `fixes` (the calendar file) decide first."""

    fixes: Mapping[date, DayFix] = field(default_factory=dict)
    _public: holidays.HolidayBase = field(
        default_factory=lambda: holidays.country_holidays("VN", language="vi"), repr=False
    )

    @classmethod
    def from_file(cls, path: Path) -> WorkingCalendar:
        """The calendar with the file's fixes (none if the file does not exist). Raises CalendarError."""
        if not path.exists():
            return cls()
        calendar = cls()
        calendar.fixes = {fix.day: fix for fix in calendar._read(path)}
        return calendar

    def _read(self, path: Path) -> list[DayFix]:
        from models.intake.catalog.yamlsource import line_of, read_yaml_file

        name = str(path)

        def refused(code: str, where: str, line: int | None, message: str) -> CalendarError:
            return CalendarError([Problem(name, code, where, line, message)])

        data, lines = read_yaml_file(path, CalendarError, "invalid-calendar")
        if data is None:
            return []
        if not isinstance(data, dict):
            raise refused("invalid-calendar", "", 1, f"the file is a {type(data).__name__}, not a mapping with `days`")
        try:
            days = _CalendarFile.model_validate(data).days
        except ValidationError as exc:
            raise CalendarError(
                [
                    Problem(name, "invalid-calendar", format_path(e["loc"]), line_of(lines, e["loc"]), e["msg"])
                    for e in exc.errors()
                ]
            ) from exc
        problems: list[Problem] = []
        first: dict[date, int] = {}
        for i, fix in enumerate(days):
            where, line = f"days[{i}]", line_of(lines, ("days", i))
            if fix.day in first:
                message = f"{fix.day:%d/%m/%Y} is already in days[{first[fix.day]}]"
                problems.append(Problem(name, "duplicate-day", where, line, message))
            first.setdefault(fix.day, i)
            if self._changes_nothing(fix):
                what = "a working day" if fix.working else "a weekend day"
                message = f"{fix.day:%d/%m/%Y} ({WEEKDAYS[fix.day.weekday()]}) is already {what}: a wrong date?"
                problems.append(Problem(name, "no-effect", where, line, message))
        if problems:
            raise CalendarError(problems)
        return days

    def _changes_nothing(self, fix: DayFix) -> bool:
        """A working day that was one anyway (a weekday the package does not mark), or a day off that
        was a weekend: most likely a mistyped date. A day off on a weekday the package already marks
        is kept: it gives the day the document's source."""
        if fix.working:
            return fix.day.weekday() < 5 and fix.day not in self._public
        return fix.day.weekday() >= 5

    def is_working_day(self, day: date) -> bool:
        fix = self.fixes.get(day)
        if fix is not None:
            return fix.working
        return day.weekday() < 5 and day not in self._public

    def days_of(self, year: int) -> list[CalendarDay]:
        """The year's days off (the package's, named in Vietnamese, and the file's) and the file's
        working days, each with its source, in date order: what a coordinator checks each December
        against the official notices."""
        self._public.get(date(year, 1, 1))  # the package computes a year on its first look-up
        package = {d: str(n) for d, n in self._public.items() if d.year == year}
        days = {d: CalendarDay(d, False, name, "package", package_source()) for d, name in package.items()}
        for d, fix in self.fixes.items():
            if d.year == year:
                name = fix.name or package.get(d) or ("Ngày làm việc" if fix.working else "Ngày nghỉ")
                days[d] = CalendarDay(
                    d, fix.working, name, "file", fix.source, fix.verified, fix.note, package_name=package.get(d)
                )
        return [days[d] for d in sorted(days)]

    def roll_forward(self, day: date) -> date:
        """The day itself if it is a working day, else the next one (Civil Code 2015, art. 148(5))."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, day: date, count: int) -> date:
        """Move `count` working days forward (or back, if negative) from `day`."""
        if count == 0:
            return day
        target = self._rank(day) + count
        if count < 0 and not self.is_working_day(day):
            target += 1  # from a holiday, one step back is the last working day before it
        return self._day_of_rank(target)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when end is before start."""
        return self._rank(end) - self._rank(start)

    def days_late(self, due: date, day: date) -> int:
        """Working days `day` is past `due`, 0 if it is not: the due date moved off a day off
        first (an approved extension may end on one)."""
        return max(0, self.working_days_between(self.roll_forward(due), day))

    # Ranks: the number of working days from 1/1 of a base year up to a day, inclusive (negative
    # before it). Cached per year, so that day arithmetic over years of overdue items costs a
    # lookup, not a walk. The base is the first year asked about: only the years used get built.

    def _year_ranks(self, year: int) -> list[int]:
        cache = self.__dict__.setdefault("_ranks", {})
        if year not in cache:
            day, ranks, n = date(year, 1, 1), [], 0
            while day.year == year:
                n += self.is_working_day(day)
                ranks.append(n)
                day += timedelta(days=1)
            cache[year] = ranks
        return cache[year]

    def _before_year(self, year: int) -> int:
        """Working days from the base year's 1/1 to the 1/1 of `year` (negative before the base)."""
        cache = self.__dict__.setdefault("_before", {})
        if not cache:
            cache[year] = 0
        if year not in cache:
            low, high = min(cache), max(cache)
            for y in range(high + 1, year + 1):
                cache[y] = cache[y - 1] + self._year_ranks(y - 1)[-1]
            for y in range(low - 1, year - 1, -1):
                cache[y] = cache[y + 1] - self._year_ranks(y)[-1]
        return cache[year]

    def _rank(self, day: date) -> int:
        return self._before_year(day.year) + self._year_ranks(day.year)[day.timetuple().tm_yday - 1]

    def _day_of_rank(self, rank: int) -> date:
        year = min(self.__dict__["_before"])  # set by the _rank() that computed `rank`
        while self._before_year(year) >= rank:
            year -= 1
        while self._before_year(year + 1) < rank:
            year += 1
        index = bisect_left(self._year_ranks(year), rank - self._before_year(year))
        return date(year, 1, 1) + timedelta(days=index)
