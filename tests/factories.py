"""Rows built in memory for the pure rules' tests (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from models.tables.assignment import Assignment, State


def assignment(
    due: date | str = "2025-06-18",
    state: str = State.open,
    *,
    extended: date | str | None = None,
    submitted: datetime | None = None,
    reviewed: datetime | None = None,
    completed: datetime | None = None,
) -> Assignment:
    """An assignment of the first half of 2025 (due 18/6 unless said), with what happened to it."""
    day = lambda d: date.fromisoformat(d) if isinstance(d, str) else d  # noqa: E731
    return Assignment(
        duty_id=1,
        body_id=1,
        period="2025-H1",
        period_start=date(2024, 12, 15),
        period_end=date(2025, 6, 14),
        due=day(due),
        extended_due=day(extended) if extended else None,
        state=state,
        submitted_at=submitted,
        reviewed_at=reviewed,
        completed_at=completed,
        created_at=datetime(2025, 1, 1, tzinfo=UTC),
    )
