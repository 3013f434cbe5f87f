"""Escalation of overdue items: level 1 to the body's head and the coordinating body, level 2 to
provincial leadership (config/policy.yaml), one message per recipient, plan and day listing the
items. Only plans followed up that day (not a draft, not closed) escalate.
A request to a body the province does not direct (`Duty.request`) has its own ladder: by default
the coordinating body only, never provincial leadership.

`Assignment.escalation_level` is the highest level already told. It only rises while the item
is open (a submission stops it, a return resumes it where it was); an approved extension resets
it, since the ladder counts from the new date.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import date, datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import String, type_coerce, update
from sqlmodel import Session, select

from models.operations import outbox
from models.operations.audit import SYSTEM, record_many
from models.operations.isolation import Failures, OnError
from models.operations.org import Roster, acting_body, is_active
from models.rules.calendar import WorkingCalendar
from models.rules.policy import Level, Policy
from models.tables.assignment import EFFECTIVE_DUE, OPEN_STATES, Assignment
from models.tables.org import Body, Contact, Role, active_on
from models.tables.plan import Duty, Plan, followed_on, told_about
from models.types import local_date


class Reached(NamedTuple):
    assignment_id: int
    body_id: int
    level: Level
    coordinating_body_id: int
    leadership_body_id: int
    plan: str  # its code: a notice lists one plan's items


def reached(
    session: Session, *, today: date, policy: Policy, calendar: WorkingCalendar, on_error: OnError
) -> list[Reached]:
    """Levels reached by today and not yet told, every level passed (an outage may skip several).
    An item whose lateness cannot be counted goes to `on_error`, as in `reminders.plan`."""
    esc = policy.escalation
    top = esc.longest
    rows = (
        session.connection()
        .execute(
            select(
                Assignment.id,
                Assignment.body_id,
                Assignment.escalation_level,
                type_coerce(EFFECTIVE_DUE, String),
                Duty.ref,
                Duty.request,
                Plan.code,
                Plan.coordinating_body_id,
                Plan.leadership_body_id,
            )
            .join(Duty, Duty.id == Assignment.duty_id)
            .join(Plan, Plan.id == Duty.plan_id)
            .where(Assignment.state.in_(OPEN_STATES), Assignment.due < today, Assignment.escalation_level < top)
            # Not the items of a body outside its active dates: they stay in its record, untold.
            .join(Body, Body.id == Assignment.body_id)
            # nor a draft or closed plan's, nor what fell due before dondoc began following it up
            .where(active_on(today), followed_on(today), told_about(EFFECTIVE_DUE))
        )
        .all()
    )
    elapsed_by_due: dict = {}
    out = []
    failed = Failures(on_error)
    for aid, body_id, told, due, ref, request, plan, coordinating, leadership in rows:
        elapsed = elapsed_by_due.get(due)
        if elapsed is None:
            try:
                day = due if isinstance(due, date) else date.fromisoformat(due)
                elapsed = calendar.working_days_between(calendar.roll_forward(day), today)
            except Exception as exc:
                elapsed = failed.new(exc)
            elapsed_by_due[due] = elapsed
        if isinstance(elapsed, Exception):
            failed.add(elapsed, aid)
            continue
        # A request has its own ladder (by default the coordinating body only, never leadership).
        for level in esc.ladder(plan, ref, bool(request)):
            if level.level > told and level.after <= elapsed:
                out.append(Reached(aid, body_id, level, coordinating, leadership, plan))
    failed.report()
    return out


def mark_overdue(session: Session, *, now: datetime, today: date) -> list[int]:
    """Stamp the open items past their effective due date that no sweep had seen overdue yet;
    each is an audit row (and so a `dondoc.assignment.overdue` event)."""
    # One conditional UPDATE: of two sweeps at once, each item is stamped (and audited) once.
    ids = list(
        session.execute(
            update(Assignment)
            .where(
                Assignment.state.in_(OPEN_STATES),
                Assignment.overdue_at.is_(None),
                Assignment.due < today,
                today > EFFECTIVE_DUE,
            )
            .values(overdue_at=now)
            .returning(Assignment.id)
        ).scalars()
    )
    record_many(session, "assignment.overdue", "assignment", ids, now=now, by=SYSTEM)
    return ids


def escalate(
    session: Session, *, now: datetime, policy: Policy, calendar: WorkingCalendar, tz: ZoneInfo, on_error: OnError
) -> list[int]:
    """Mark what became overdue, queue today's escalation notices and raise the items' levels, in
    one transaction. Returns the new outbox rows' ids (a rerun finds nothing left to tell)."""
    today = local_date(now, tz)
    mark_overdue(session, now=now, today=today)
    found = reached(session, today=today, policy=policy, calendar=calendar, on_error=on_error)
    if not found:
        return []
    acting = {b: acting_body(session, b, today) for b in {r.coordinating_body_id for r in found}}
    # The coordinating body acting today, if it is active: a role left with a body that has
    # ended (no succession recorded) tells no one, and the levels still rise in the audit log.
    acting = {b: a for b, a in acting.items() if is_active(session, a, today)}
    roster = Roster(session, {r.body_id for r in found} | set(acting.values()) | {r.leadership_body_id for r in found})
    told: dict[int, Contact] = {}
    # (contact id, plan code) -> {(assignment, level)}: a notice names one plan and its coordinating body
    items: dict[tuple[int, str], set[tuple[int, int]]] = defaultdict(set)
    for r in found:
        audience = {
            "focal": (r.body_id, Role.focal, Role.head),
            "head": (r.body_id, Role.head, Role.focal),
            "coordinator": (acting.get(r.coordinating_body_id), Role.focal, Role.head),
            "leadership": (r.leadership_body_id, Role.leader, Role.head),
        }
        for who in r.level.notify:
            for c in roster.first(*audience[who]):
                told[c.id] = c
                items[(c.id, r.plan)].add((r.assignment_id, r.level.level))
    rows, sms_at = [], policy.outside_quiet_hours(now, tz)
    for (contact_id, plan), pairs in sorted(items.items()):
        c = told[contact_id]
        listed = sorted(pairs)
        channel, to = ("email", c.email) if c.email else ("sms", c.phone)
        batch = hashlib.sha256(repr(listed).encode()).hexdigest()[:12]
        # One notice per recipient, plan and day; a later sweep the same day that finds new items
        # sends those in a second notice, a rerun finds none. The batch hash tells plans apart
        # (their items differ); the plan is in the context for the notice to name it.
        rows.append(
            outbox.message(
                f"esc@{today.isoformat()}:{batch}:{channel}:{to}",
                "escalation",
                channel,
                to,
                contact_id=c.id,
                step=f"esc@{today.isoformat()}",
                context={"items": listed, "plan": plan},
                now=now,
                send_at=sms_at if channel == "sms" else None,
            )
        )
    ids = outbox.queue(session, rows)  # no one in the directory to tell: the levels still rise, in the audit log
    top: dict[int, int] = {}
    for r in found:
        top[r.assignment_id] = max(top.get(r.assignment_id, 0), r.level.level)
    for level in sorted(set(top.values())):
        raised = list(
            session.execute(
                update(Assignment)
                .where(
                    Assignment.id.in_([a for a, lv in top.items() if lv == level]), Assignment.escalation_level < level
                )
                .values(escalation_level=level)
                .returning(Assignment.id)
            ).scalars()
        )
        record_many(session, "assignment.escalated", "assignment", raised, now=now, by=SYSTEM, level=level)
    return ids
