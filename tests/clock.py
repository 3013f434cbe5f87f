"""Fixed moments for the tests, in the plan's time zone: time is an argument, never the clock."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def at(day: date | str, hour: int = 8) -> datetime:
    """`day` ("2025-06-18" or a date) at `hour` o'clock, local time: 08:00 is a sweep's morning."""
    return datetime.combine(date.fromisoformat(day) if isinstance(day, str) else day, time(hour), tzinfo=TZ)


def local(text: str) -> datetime:
    """An ISO date-time written in local time: "2025-06-18T09:30"."""
    return datetime.fromisoformat(text).replace(tzinfo=TZ)
