"""Escalation of overdue items: level 1 to the body's head and the coordinating body, level 2 to
provincial leadership (config/policy.yaml), one message per recipient per day listing the items.

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

from sqlalchemy import String, func, insert, update
from sqlmodel import Session, select

from models.assignment import Assignment
from models.audit import AuditEntry, record
from models.calendar import WorkingCalendar
from models.db import insert_ignoring_conflicts
from models.notification import Delivery, Notification
from models.org import Contact, Role, Succession
from models.plan import Duty, Plan
from models.policy import OPEN_STATES, Level, Policy
from models.types import local_date


class Reached(NamedTuple):
    assignment_id: int
    body_id: int
    level: Level
    coordinating_body_id: int
    leadership_body_id: int


def reached(session: Session, *, today: date, policy: Policy, calendar: WorkingCalendar) -> list[Reached]:
    """Levels reached by today and not yet told, every level passed (an outage may skip several)."""
    esc = policy.escalation
    top = max(len(levels) for levels in [esc.levels, *esc.plans.values(), *esc.duties.values()])
    rows = session.connection().execute(
        select(Assignment.id, Assignment.body_id, Assignment.escalation_level,
               func.coalesce(Assignment.extended_due, Assignment.due, type_=String), Duty.ref, Plan.code,
               Plan.coordinating_body_id, Plan.leadership_body_id)
        .join(Duty, Duty.id == Assignment.duty_id).join(Plan, Plan.id == Duty.plan_id)
        .where(Assignment.state.in_(OPEN_STATES), Assignment.due < today, Assignment.escalation_level < top)
    ).all()
    elapsed_by_due: dict = {}
    out = []
    for aid, body_id, told, due, ref, plan, coordinating, leadership in rows:
        elapsed = elapsed_by_due.get(due)
        if elapsed is None:
            day = due if isinstance(due, date) else date.fromisoformat(due)
            elapsed = elapsed_by_due[due] = calendar.working_days_between(calendar.roll_forward(day), today)
        for level in esc.ladder(plan, ref):
            if level.level > told and level.after <= elapsed:
                out.append(Reached(aid, body_id, level, coordinating, leadership))
    return out


def acting_body(session: Session, body_id: int, today: date) -> int:
    """The body that holds a plan-wide role today: the successor, if the role has moved."""
    moved = session.exec(select(Succession.to_body_id).where(
        Succession.from_body_id == body_id, Succession.moves_coordinator, Succession.effective_from <= today)
        .order_by(Succession.effective_from.desc())).first()
    return moved or body_id


def mark_overdue(session: Session, *, now: datetime, today: date) -> list[int]:
    """Stamp the open items past their effective due date that no sweep had seen overdue yet;
    each is an audit row (and so a `dondoc.assignment.overdue` event)."""
    ids = list(session.exec(select(Assignment.id).where(
        Assignment.state.in_(OPEN_STATES), Assignment.overdue_at.is_(None), Assignment.due < today,
        func.coalesce(Assignment.extended_due, Assignment.due) < today)))
    if ids:
        session.execute(update(Assignment).where(Assignment.id.in_(ids)).values(overdue_at=now))
        session.execute(insert(AuditEntry), [
            {"at": now, "actor": "system", "channel": "system", "action": "assignment.overdue",
             "entity": "assignment", "entity_id": i, "details": {}} for i in ids])
    return ids


def escalate(session: Session, *, now: datetime, policy: Policy, calendar: WorkingCalendar,
             tz: ZoneInfo) -> list[int]:
    """Mark what became overdue, queue today's escalation notices and raise the items' levels, in
    one transaction. Returns the new outbox rows' ids (a rerun finds nothing left to tell)."""
    today = local_date(now, tz)
    mark_overdue(session, now=now, today=today)
    found = reached(session, today=today, policy=policy, calendar=calendar)
    if not found:
        return []
    bodies = {r.body_id for r in found}
    for r in found:
        bodies |= {acting_body(session, r.coordinating_body_id, today), r.leadership_body_id}
    by_role: dict[tuple[int, str], list[Contact]] = defaultdict(list)
    for c in session.exec(select(Contact).where(Contact.body_id.in_(bodies), Contact.active).order_by(Contact.id)):
        by_role[(c.body_id, c.role)].append(c)

    def people(body_id: int, first: Role, then: Role) -> list[Contact]:
        return by_role[(body_id, first)] or by_role[(body_id, then)]

    told: dict[int, Contact] = {}
    items: dict[int, set[tuple[int, int]]] = defaultdict(set)  # contact id -> {(assignment, level)}
    for r in found:
        audience = {
            "focal": lambda: people(r.body_id, Role.focal, Role.head),
            "head": lambda: people(r.body_id, Role.head, Role.focal),
            "coordinator": lambda: people(acting_body(session, r.coordinating_body_id, today), Role.focal, Role.head),
            "leadership": lambda: people(r.leadership_body_id, Role.leader, Role.head),
        }
        for who in r.level.notify:
            for c in audience[who]():
                told[c.id] = c
                items[c.id].add((r.assignment_id, r.level.level))
    rows = []
    for contact_id, pairs in items.items():
        c = told[contact_id]
        listed = sorted(pairs)
        channel, to = ("email", c.email) if c.email else ("sms", c.phone)
        batch = hashlib.sha256(repr(listed).encode()).hexdigest()[:12]
        rows.append({
            # One notice per recipient per day; a later sweep the same day that finds new items
            # sends those in a second notice, a rerun finds none.
            "dedupe_key": f"esc@{today.isoformat()}:{batch}:{channel}:{to}", "kind": "escalation",
            "channel": channel, "recipient": to, "contact_id": c.id, "assignment_id": None,
            "step": f"esc@{today.isoformat()}", "context": {"items": listed},
            "status": Delivery.pending.value, "attempts": 0, "created_at": now,
            "next_attempt_at": policy.outside_quiet_hours(now, tz) if channel == "sms" else now,
        })
    ids = [r[0] for r in session.execute(
        insert_ignoring_conflicts(session, Notification, ["dedupe_key"]).returning(Notification.id), rows).all()
           ] if rows else []  # no one in the directory to tell: the levels still rise, in the audit log
    top: dict[int, int] = {}
    for r in found:
        top[r.assignment_id] = max(top.get(r.assignment_id, 0), r.level.level)
    for assignment_id, level in top.items():
        a = session.get(Assignment, assignment_id)
        if level > a.escalation_level:
            a.escalation_level = level
            record(session, now=now, actor="system", channel="system", action="assignment.escalated",
                   entity="assignment", entity_id=a.id, level=level)
    return ids
