"""Plan the reminders due now into the outbox: one row per (assignment, step, channel, recipient)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from models.assignment import Assignment
from models.calendar import WorkingCalendar
from models.db import insert_ignoring_conflicts
from models.notification import Delivery, Notification
from models.org import Contact, Role
from models.plan import Duty
from models.policy import OPEN_STATES, Policy, Step, due_steps
from models.types import local_date


@dataclass(frozen=True)
class Planned:
    assignment_id: int
    step: Step
    channel: str  # email, sms
    recipient: str
    contact_id: int

    @property
    def dedupe_key(self) -> str:
        return f"a{self.assignment_id}:{self.step.name}:{self.channel}:{self.recipient}"


def due_assignments(session: Session, *, now: datetime, policy: Policy, calendar: WorkingCalendar,
                    tz: ZoneInfo, body_ids: list[int] | None = None) -> list[tuple[Assignment, str]]:
    """Open assignments that may have a step due: due within the longest look-ahead, or overdue.

    The (state, due) index serves this query, so its cost follows the assignments due, not the
    total. An extension only moves a due date later, so `due` bounds the effective due date.
    """
    today = local_date(now, tz)
    lookahead = max(-min(policy.for_duty(ref)[0]) for ref in [None, *policy.overrides])
    horizon = calendar.add_working_days(today, lookahead)
    query = (
        select(Assignment, Duty.ref)
        .join(Duty, Duty.id == Assignment.duty_id)
        .where(Assignment.state.in_(OPEN_STATES), Assignment.due <= horizon,
               Assignment.period_start <= today)
    )
    if body_ids is not None:
        query = query.where(Assignment.body_id.in_(body_ids))
    return list(session.exec(query))


def plan(session: Session, *, now: datetime, policy: Policy, calendar: WorkingCalendar, tz: ZoneInfo,
         body_ids: list[int] | None = None) -> list[Planned]:
    """What should go out now, to whom and how (no writes)."""
    decisions = [
        (a, step)
        for a, ref in due_assignments(session, now=now, policy=policy, calendar=calendar, tz=tz,
                                      body_ids=body_ids)
        for step in due_steps(a, ref, policy, now, calendar, tz)
    ]
    contacts: dict[tuple[int, str], list[Contact]] = defaultdict(list)
    bodies = {a.body_id for a, _ in decisions}
    if bodies:
        for c in session.exec(select(Contact).where(Contact.body_id.in_(bodies), Contact.active)):
            contacts[(c.body_id, c.role)].append(c)
    out = []
    for a, step in decisions:
        # The focal points; a body without one is reminded through its head.
        for c in contacts[(a.body_id, Role.focal)] or contacts[(a.body_id, Role.head)]:
            if c.email:
                out.append(Planned(a.id, step, "email", c.email, c.id))
            if c.phone and (policy.sms_wanted(step.offset) or not c.email):
                out.append(Planned(a.id, step, "sms", c.phone, c.id))
    return out


def enqueue(session: Session, planned: list[Planned], *, now: datetime, policy: Policy, tz: ZoneInfo) -> int:
    """Write the planned messages to the outbox; an existing dedupe key is skipped. Returns new rows."""
    if not planned:
        return 0
    sms_time = policy.outside_quiet_hours(now, tz)
    rows = [{
        "dedupe_key": p.dedupe_key, "kind": p.step.kind, "channel": p.channel, "recipient": p.recipient,
        "contact_id": p.contact_id, "assignment_id": p.assignment_id, "step": p.step.name, "context": {},
        "status": Delivery.pending.value, "attempts": 0, "created_at": now,
        "next_attempt_at": sms_time if p.channel == "sms" else now,
    } for p in planned]
    stmt = insert_ignoring_conflicts(session, Notification, ["dedupe_key"])
    return len(session.execute(stmt.returning(Notification.id), rows).all())
