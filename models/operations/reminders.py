"""Plan the reminders due now into the outbox: one row per (assignment, step, channel, recipient)."""

from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import String, type_coerce
from sqlmodel import Session, select

from models.operations import outbox
from models.operations.isolation import Failures, OnError
from models.operations.org import Roster
from models.rules.calendar import WorkingCalendar
from models.rules.policy import Policy, Step, step_on
from models.tables.assignment import EFFECTIVE_DUE, OPEN_STATES, Assignment
from models.tables.notification import dedupe_key
from models.tables.org import Body, Role, active_on
from models.tables.plan import Duty, Plan, followed_on, told_about
from models.types import local_date


class Planned(NamedTuple):
    assignment_id: int
    step: Step
    channel: str  # email, sms
    recipient: str
    contact_id: int

    @property
    def dedupe_key(self) -> str:
        return dedupe_key(self.assignment_id, self.step.occasion, self.channel, self.recipient)


def horizon(policy: Policy, calendar: WorkingCalendar, today: date) -> date:
    """The last due date a reminder may be sent for today: the longest look-ahead of any rule."""
    lookahead = max(-min(steps) for steps, _ in [policy.default_rule, *map(policy.for_duty, policy.overrides)])
    return calendar.add_working_days(today, lookahead)


def due_rows(
    session: Session, *, today: date, policy: Policy, calendar: WorkingCalendar, body_ids: list[int] | None = None
) -> list[tuple[int, int, str, date | str]]:
    """(id, body id, duty ref, effective due) of the open assignments that may have a step due:
    due within the longest look-ahead, or overdue.

    The (state, due) index serves this query, so its cost follows the assignments due, not the
    total. An extension only moves a due date later, so `due` bounds the effective due date. The
    due date comes back as the driver gives it (text on SQLite): the caller parses each distinct
    value once instead of every row.
    """
    query = (
        select(Assignment.id, Assignment.body_id, Duty.ref, type_coerce(EFFECTIVE_DUE, String))
        .join(Duty, Duty.id == Assignment.duty_id)
        .where(
            Assignment.state.in_(OPEN_STATES),
            Assignment.due <= horizon(policy, calendar, today),
            Assignment.period_start <= today,
        )
        # A body outside its active dates is told nothing: its open items stay in the record with
        # it (the body that held them when due), and its successor's are its successor's.
        .join(Body, Body.id == Assignment.body_id)
        .where(active_on(today))
        # Nor a plan that is a draft or closed: its open items stay in the record, untold. Nor
        # what fell due before dondoc began following the plan up.
        .join(Plan, Plan.id == Duty.plan_id)
        .where(followed_on(today), told_about(EFFECTIVE_DUE))
    )
    if body_ids is not None:
        query = query.where(Assignment.body_id.in_(body_ids))
    # Core, not ORM: plain tuples are several times cheaper to fetch than ORM rows.
    return session.connection().execute(query).all()  # type: ignore[return-value]


def recipients_by_body(session: Session, bodies: set[int]) -> dict[int, list[tuple[int, str | None, str | None]]]:
    """Per body, who is told about its duties: the focal points, or the head where a body has
    none. As (contact id, email, phone)."""
    roster = Roster(session, bodies)
    return {b: [(c.id, c.email, c.phone) for c in roster.first(b, Role.focal, Role.head)] for b in bodies}


def plan(
    session: Session,
    *,
    now: datetime,
    policy: Policy,
    calendar: WorkingCalendar,
    tz: ZoneInfo,
    body_ids: list[int] | None = None,
    on_error: OnError | None = None,
) -> list[Planned]:
    """What should go out now, to whom and how (no writes). An assignment whose step cannot be
    decided (a date out of range) is passed to `on_error` with the exception, and the others are
    planned; without `on_error` the exception propagates."""
    today = local_date(now, tz)
    rules = {ref: policy.for_duty(ref) for ref in policy.overrides}
    default = policy.default_rule
    # The step depends only on the due date and the duty's rule: decide once per pair.
    decided: dict[str | None, dict] = {ref: {} for ref in rules} | {None: {}}
    decisions = []
    bodies = set()
    failed = Failures(on_error)
    for assignment_id, body_id, ref, due in due_rows(
        session, today=today, policy=policy, calendar=calendar, body_ids=body_ids
    ):
        by_due = decided[ref] if ref in decided else decided[None]
        decision = by_due.get(due, False)
        if decision is False:
            steps, nagging = rules.get(ref, default)
            try:
                day = due if isinstance(due, date) else date.fromisoformat(due)
                step = step_on(day, tuple(steps), nagging, today, calendar)
                decision = (step, policy.sms_wanted(step.offset)) if step else None
            except Exception as exc:
                decision = failed.new(exc)
            by_due[due] = decision
        if isinstance(decision, Exception):
            failed.add(decision, assignment_id)
        elif decision is not None:
            decisions.append((assignment_id, body_id, decision))
            bodies.add(body_id)
    failed.report()
    recipients = recipients_by_body(session, bodies)
    out: list[Planned] = []
    make = tuple.__new__  # Planned(...) without the Python-level __new__: this loop is the hot spot
    for assignment_id, body_id, (step, sms) in decisions:
        for contact_id, email, phone in recipients[body_id]:
            if email:
                out.append(make(Planned, (assignment_id, step, "email", email, contact_id)))
            if phone and (sms or not email):
                out.append(make(Planned, (assignment_id, step, "sms", phone, contact_id)))
    return out


def enqueue(session: Session, planned: list[Planned], *, now: datetime, policy: Policy, tz: ZoneInfo) -> int:
    """Write the planned messages to the outbox; an existing dedupe key is skipped. Returns new rows."""
    if not planned:
        return 0
    sms_time = policy.outside_quiet_hours(now, tz)
    return len(
        outbox.queue(
            session,
            (  # made as they are inserted, a batch at a time
                outbox.message(
                    p.dedupe_key,
                    p.step.kind,
                    p.channel,
                    p.recipient,
                    contact_id=p.contact_id,
                    assignment_id=p.assignment_id,
                    step=p.step.occasion,
                    now=now,
                    send_at=sms_time if p.channel == "sms" else None,
                )
                for p in planned
            ),
        )
    )
