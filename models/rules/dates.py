"""Dates a person types: bounded by the plan they are about."""

from __future__ import annotations

from datetime import date, timedelta

from models.errors import DateRefused
from models.tables.plan import Plan


def check_typed_date(plan: Plan, day: date, *, label: str, margin_days: int, today: date | None = None) -> None:
    """Refuse a typed date outside the plan's period widened by `margin_days` (a slip such as
    9999 would overflow every date computed from it), or, given `today`, after it (a document
    not yet written)."""
    first = plan.period_start - timedelta(days=margin_days)
    last = plan.period_end + timedelta(days=margin_days)
    if not first <= day <= last:
        raise DateRefused(
            f"{label} {day:%d/%m/%Y} nằm ngoài khoảng cho phép của kế hoạch: từ {first:%d/%m/%Y} đến {last:%d/%m/%Y}"
        )
    if today is not None and day > today:
        raise DateRefused(f"{label} {day:%d/%m/%Y} chưa đến: không thể sau hôm nay ({today:%d/%m/%Y})")
