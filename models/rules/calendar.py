"""Working days in Vietnam: weekends and public holidays (the `holidays` package), plus local fixes."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import holidays
import yaml


@dataclass
class WorkingCalendar:
    """Monday to Friday, minus Vietnamese public holidays; `extra_working_days` are make-up Saturdays."""

    extra_holidays: frozenset[date] = frozenset()
    extra_working_days: frozenset[date] = frozenset()
    _public: holidays.HolidayBase = field(
        default_factory=lambda: holidays.country_holidays("VN", language="vi"), repr=False
    )

    @classmethod
    def from_file(cls, path: Path) -> WorkingCalendar:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None
        data = data or {}
        return cls(
            extra_holidays=frozenset(data.get("extra_holidays") or ()),
            extra_working_days=frozenset(data.get("extra_working_days") or ()),
        )

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_working_days:
            return True
        if day in self.extra_holidays or day.weekday() >= 5:
            return False
        return day not in self._public

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
