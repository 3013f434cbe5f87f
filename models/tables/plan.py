"""Plans, their duties and their targets, as loaded from the catalog."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, ColumnElement, Text, UniqueConstraint, and_, or_
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime


class Plan(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=80, unique=True, index=True)
    title: str
    number: str | None = None
    issued_on: date | None = None
    implements: str | None = None
    period_start: date
    period_end: date
    coordinating_body_id: int = Field(foreign_key="body.id")
    leadership_body_id: int = Field(foreign_key="body.id")
    report_days_after_cutoff: int
    # A plan's life: a draft is loaded and listed, never scheduled or followed up; from
    # `closed_on` (the catalog's, or `dondoc plan close`) nothing more is scheduled, reminded or
    # escalated, and what stayed undone stays in the record as not completed.
    draft: bool = False
    closed_on: date | None = None
    # The plan this one implements within the province (an annual plan under a five-year plan).
    parent_id: int | None = Field(default=None, foreign_key="plan.id")
    # The day dondoc began following the plan up (`dondoc init`, or `--notify-since`): what fell due
    # before it is in status, digests and reports, but never reminded, nagged or escalated, so
    # that taking up a running plan does not send its whole past at once. None: from its start.
    notify_since: date | None = None
    # The plan's headings of its target groups ("II.1" -> its words), for the report.
    headings: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}"))
    revision: int = 1  # a catalog change is a new revision; the audit log keeps what changed
    catalog_digest: str = Field(max_length=64)
    source_file: str
    loaded_at: datetime = Field(sa_type=UTCDateTime)

    def state_on(self, day: date) -> str:
        """ "draft", "active" or "closed" on `day` (as `followed_on` says in SQL)."""
        if self.draft:
            return "draft"
        return "closed" if self.closed_on is not None and self.closed_on <= day else "active"


def told_about(due: ColumnElement) -> ColumnElement[bool]:
    """In SQL: an item of the plan (a query over Plan) falling due `due` is one dondoc tells people
    about: due on or after the day it began following the plan up (`Plan.notify_since`)."""
    return or_(Plan.notify_since.is_(None), due >= Plan.notify_since)


def followed_on(day: date) -> ColumnElement[bool]:
    """In SQL: the plan (a query over Plan) is followed up on `day`: not a draft, not yet closed.
    Only such plans are scheduled, reminded, escalated and sent in weekly digests; the others stay
    in status, digests asked for by name, and reports."""
    return and_(Plan.draft.is_(False), or_(Plan.closed_on.is_(None), Plan.closed_on > day))


class Duty(SQLModel, table=True):
    """One duty of the plan for one responsible body (a bullet naming three bodies gives three)."""

    __table_args__ = (UniqueConstraint("plan_id", "ref", "body_id"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    ref: str = Field(max_length=40)
    body_id: int = Field(foreign_key="body.id", index=True)
    position: int  # order in the catalog, for lists that read like the plan
    source: str
    title: str
    text: str = Field(sa_column=Column(Text, nullable=False))
    cooperating: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    cadence: str = Field(max_length=12)
    due_date: date | None = None
    due_days_after_cutoff: int | None = None
    due_days_after_start: int | None = None
    due_working_days_after_cutoff: int | None = None  # counted on the working calendar from the cut-off
    # Who set the due date: "plan" (its text, quoted in due_source), "law" (a regulation, named) or
    # "coordinator" (the coordinating body, where the plan sets none). Shown wherever the date is.
    due_basis: str = Field(default="coordinator", max_length=12)
    due_source: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    # A request ("Đề nghị ...") to a body the province does not direct: asked, not ordered.
    request: bool = False
    nature: str = Field(max_length=12)
    evidence: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    sensitive: bool = False
    implements: str | None = None  # the parent plan's duty it carries out (its ref)
    retired_revision: int | None = None  # the plan revision that removed it; kept for history


class Target(SQLModel, table=True):
    """A chỉ tiêu of the plan: a measurable threshold, reported by some bodies."""

    __table_args__ = (UniqueConstraint("plan_id", "ref"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    ref: str = Field(max_length=40)
    position: int
    source: str
    text: str = Field(sa_column=Column(Text, nullable=False))
    measure: str
    unit: str = Field(max_length=20)
    threshold: float
    upper: float | None = None
    per: str = Field(max_length=10)
    deadline: date
    reported_by: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    numerator: str | None = None  # what a body counts and sends (the measure, for a count)
    denominator: str | None = None  # what a rate is of; a rate's figures come as two counts
    combine: str = Field(default="sum", max_length=10)  # sum or max of the bodies' figures
    implements: str | None = None  # the parent plan's target it contributes to (its ref)
    retired_revision: int | None = None
