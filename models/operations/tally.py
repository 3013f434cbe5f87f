"""Counts by status, in the database. The board and the digests count every item of their plans,
a million at national scale: there the status rule runs in SQL, grouped, where a listing runs it
in Python item by item (`classify`, `leadership_category`). tests/test_tally.py holds the two to
the same answers, on SQLite and PostgreSQL, over every combination of the columns they read.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, String, and_, case, cast, func, literal, or_, type_coerce
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, select

from models.rules.status import Status
from models.tables.assignment import EFFECTIVE_DUE, Assignment, State
from models.tables.org import Body
from models.tables.plan import Duty
from models.types import UTCDateTime, local_date


class Tally(NamedTuple):
    """How many items of a body (its duties, or its requests apart) are in a status; `late_due`,
    for the overdue ones, their due date (working days late are counted on the calendar)."""

    body: str  # code
    body_name: str
    body_short: str | None
    request: bool
    status: Status
    escalated: bool  # reported to leadership (level 2)
    late_due: date | None
    items: int  # how many

    @property
    def body_label(self) -> str:
        return self.body_short or self.body_name


def _local_day_over(moment: ColumnElement, day: ColumnElement, tz: ZoneInfo, now: datetime, dialect: str):
    """In SQL: `moment` (a UTC moment) falls after the local day `day`, as `local_date(moment, tz)
    > day` says in Python: it is at or after the local midnight that ends `day`."""
    if dialect == "postgresql":
        midnight = func.timezone(tz.key, cast(day + 1, DateTime))
        return moment >= midnight
    # SQLite holds moments as naive UTC text and has no time zones: the zone's offset at `now`
    # (exact for Asia/Ho_Chi_Minh, which has kept +07:00 since 1975).
    offset = int(now.astimezone(tz).utcoffset().total_seconds())
    midnight = func.datetime(day, "+1 day", f"{-offset} seconds")
    return type_coerce(moment, String) >= midnight


def status_sql(now: datetime, tz: ZoneInfo, dialect: str, *, leadership: bool = False) -> ColumnElement[str]:
    """The status of an assignment at `now` (`classify`), or its leadership category
    (`leadership_category`: a submission awaiting review or returned counts as within the
    deadline or overdue), as an SQL expression over Assignment."""
    a, due, today = Assignment, EFFECTIVE_DUE, local_date(now, tz)
    at_now = literal(now, UTCDateTime)

    def by(moment):
        return and_(moment.is_not(None), moment <= at_now)

    after_due = lambda moment: _local_day_over(moment, due, tz, now, dialect)  # noqa: E731
    done = (
        and_(a.state == State.accepted, by(a.reviewed_at)),
        case((after_due(a.completed_at), Status.done_late.value), else_=Status.done_on_time.value),
    )
    past_due = literal(today) > due
    submitted_late = and_(a.submitted_at.is_not(None), after_due(a.submitted_at))
    waiting: ColumnElement[str]
    returned: ColumnElement[str]
    if leadership:
        waiting = case((submitted_late, Status.overdue.value), else_=Status.open.value)
        returned = case((or_(submitted_late, past_due), Status.overdue.value), else_=Status.open.value)
    else:
        waiting, returned = literal(Status.submitted.value), literal(Status.returned.value)
    return case(
        done,
        (and_(a.state.in_((State.submitted, State.accepted)), by(a.submitted_at)), waiting),
        (and_(a.state == State.returned, by(a.reviewed_at)), returned),
        (past_due, Status.overdue.value),
        else_=Status.open.value,
    )


def tally(session: Session, *, plan_id: int, now: datetime, tz: ZoneInfo, leadership: bool = False) -> list[Tally]:
    """A plan's items whose period has begun, counted by body, duty or request, status (or
    leadership category), escalation, and due date where overdue: one grouped query."""
    return tallies(session, plan_ids=[plan_id], now=now, tz=tz, leadership=leadership)[plan_id]


def tallies(
    session: Session, *, plan_ids: list[int], now: datetime, tz: ZoneInfo, leadership: bool = False
) -> dict[int, list[Tally]]:
    """`tally` of each plan of `plan_ids`, in one grouped query for them all."""
    dialect = session.get_bind().dialect.name
    status = status_sql(now, tz, dialect, leadership=leadership).label("status")
    escalated = (Assignment.escalation_level >= 2).label("escalated")
    late_due = case((status == Status.overdue.value, EFFECTIVE_DUE)).label("late_due")
    keys = (Duty.plan_id, Assignment.body_id, Duty.request, status, escalated, late_due)
    # Grouped by the body's id, its names joined to the groups: sorting two million rows by three
    # names costs a second at national scale.
    counted = (
        select(*keys, func.count().label("n"))
        .join(Duty, Duty.id == Assignment.duty_id)
        .where(Duty.plan_id.in_(plan_ids), Assignment.period_start <= local_date(now, tz))
        .group_by(*keys)
        .subquery()
    )
    c = counted.c
    query = select(
        c.plan_id, Body.code, Body.name, Body.short_name, c.request, c.status, c.escalated, c.late_due, c.n
    ).join(Body, Body.id == c.body_id)
    out: dict[int, list[Tally]] = {plan_id: [] for plan_id in plan_ids}
    for plan_id, code, name, short, request, st, esc, due, n in session.connection().execute(query):
        out[plan_id].append(Tally(code, name, short, bool(request), Status(st), bool(esc), _day(due), n))
    return out


def _day(value: date | str | None) -> date | None:
    """A date from a CASE over dates: SQLite gives it back as text."""
    return date.fromisoformat(value) if isinstance(value, str) else value
