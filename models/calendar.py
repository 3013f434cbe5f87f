"""Working days in Vietnam: weekends and public holidays (the `holidays` package), plus local fixes."""
from __future__ import annotations

from collections.abc import Iterable
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

    def holiday_name(self, day: date) -> str | None:
        return self._public.get(day)

    def roll_forward(self, day: date) -> date:
        """The day itself if it is a working day, else the next one (Civil Code 2015, art. 148(5))."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, day: date, count: int) -> date:
        """Move `count` working days forward (or back, if negative) from `day`."""
        step = timedelta(days=1 if count >= 0 else -1)
        remaining = abs(count)
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when end is before start."""
        if end < start:
            return -self.working_days_between(end, start)
        return sum(self.is_working_day(start + timedelta(days=i)) for i in range(1, (end - start).days + 1))

    def working_days(self, start: date, end: date) -> Iterable[date]:
        day = start
        while day <= end:
            if self.is_working_day(day):
                yield day
            day += timedelta(days=1)
