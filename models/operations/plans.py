"""A plan's life after loading: the plans on record with their state, the day dondoc began
following one up, and closing one."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import Session, select

from models.errors import NotFound, Refused
from models.operations.audit import CLI, By, record
from models.tables.assignment import OPEN_STATES, Assignment
from models.tables.plan import Duty, Plan


def plans_on(session: Session, day: date) -> list[dict]:
    """Every plan on record, in the order loaded: code, number, title, state on `day`, parent,
    closing date, and its assignments begun by then and still open."""
    parents = {p.id: p for p in session.exec(select(Plan))}
    open_items = dict(
        session.exec(
            select(Duty.plan_id, func.count(Assignment.id))
            .join(Assignment, Assignment.duty_id == Duty.id)
            .where(Assignment.state.in_(OPEN_STATES), Assignment.period_start <= day)
            .group_by(Duty.plan_id)
        ).all()
    )
    return [
        {
            "code": p.code,
            "number": p.number,
            "title": p.title,
            "state": p.state_on(day),
            "parent": parents[p.parent_id].code if p.parent_id else None,
            "parent_number": parents[p.parent_id].number if p.parent_id else None,
            "period_start": p.period_start.isoformat(),
            "period_end": p.period_end.isoformat(),
            "closed_on": p.closed_on.isoformat() if p.closed_on else None,
            "notify_since": p.notify_since.isoformat() if p.notify_since else None,
            "open": open_items.get(p.id, 0),
        }
        for p in session.exec(select(Plan).order_by(Plan.id))
    ]


def start_following(session: Session, since: date, *, now: datetime, by: By, every: bool = False) -> list[str]:
    """Record `since` as the day dondoc began following up the plans that have no such day yet
    (those just loaded), or every plan when `every` (the coordinator said so). Returns their codes."""
    query = select(Plan) if every else select(Plan).where(Plan.notify_since.is_(None))
    changed = []
    for plan in session.exec(query.order_by(Plan.id)):
        if plan.notify_since != since:
            record(
                session,
                "plan.updated",
                "plan",
                plan.id,
                now=now,
                by=by,
                changes={"notify_since": [plan.notify_since and plan.notify_since.isoformat(), since.isoformat()]},
            )
            plan.notify_since = since
            changed.append(plan.code)
    return changed


def close_plan(session: Session, code: str, *, on: date, now: datetime, by: By = CLI) -> tuple[Plan, int]:
    """Close a plan from `on`: from that day nothing of it is scheduled, reminded or escalated.
    What is still open stays open in the record (not completed), and its figures stay queryable.
    Returns the plan and how many of its items were left open."""
    plan = session.exec(select(Plan).where(Plan.code == code)).first()
    if plan is None:
        raise NotFound(f"không có kế hoạch {code}")
    if plan.draft:
        raise Refused(f"kế hoạch {code} là dự thảo, chưa được theo dõi: không có gì để kết thúc")
    if plan.closed_on is not None and plan.closed_on <= on:
        raise Refused(f"kế hoạch {code} đã kết thúc từ ngày {plan.closed_on:%d/%m/%Y}")
    left_open = session.exec(
        select(func.count(Assignment.id))
        .join(Duty, Duty.id == Assignment.duty_id)
        .where(Duty.plan_id == plan.id, Assignment.state.in_(OPEN_STATES))
    ).one()
    record(session, "plan.closed", "plan", plan.id, now=now, by=by, closed_on=on.isoformat(), left_open=left_open)
    plan.closed_on = on
    return plan, left_open
