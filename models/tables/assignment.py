"""Assignments: one duty, for one body, for one reporting period, with a working-day due date."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint, func
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime


class State(StrEnum):
    """What has happened to an assignment. Its status (on time, overdue, ...) also needs `now`."""

    open = "open"
    submitted = "submitted"
    returned = "returned"
    accepted = "accepted"


OPEN_STATES = (State.open, State.returned)  # a returned submission is open again


class Assignment(SQLModel, table=True):
    __table_args__ = (
        # One row per duty, period and holder: a duty split between successors (a district's duties
        # passing to its communes) gives each its own row for the same period.
        UniqueConstraint("duty_id", "period", "body_id"),
        Index("ix_assignment_state_due", "state", "due"),  # the daily sweep reads by due date
    )

    id: int | None = Field(default=None, primary_key=True)
    duty_id: int = Field(foreign_key="duty.id", index=True)
    body_id: int = Field(foreign_key="body.id", index=True)  # differs from the duty's after a succession
    period: str = Field(max_length=20)  # "2022-H1", "2022-Q3", "2022", "2021-2025"
    period_start: date
    period_end: date
    due: date  # already moved off weekends and holidays
    extended_due: date | None = None  # an approved extension (gia hạn)
    state: str = Field(default=State.open, max_length=10)
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reviewed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # accepted submission's time
    escalation_level: int = 0
    overdue_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # when a sweep first saw it overdue
    created_at: datetime = Field(sa_type=UTCDateTime)

    @property
    def effective_due(self) -> date:
        return self.extended_due or self.due


# The effective due date in SQL: an approved extension, else the due date.
EFFECTIVE_DUE = func.coalesce(Assignment.extended_due, Assignment.due)
