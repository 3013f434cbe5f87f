"""What the CLI lists, as plain rows (the objects of its `--json` arrays): the plan's bodies, duties
and targets, and the outbox."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from models.tables.notification import Notification
from models.tables.org import Body
from models.tables.plan import Duty, Plan, Target


def bodies(session: Session) -> list[dict[str, Any]]:
    """Every body, with its parent's code."""
    found = list(session.exec(select(Body).order_by(Body.id)))
    parents = {b.id: b.code for b in found}
    return [
        {"code": b.code, "name": b.name, "short_name": b.short_name, "kind": b.kind, "parent": parents.get(b.parent_id)}
        for b in found
    ]


def due_rule(d: Duty) -> dict[str, Any]:
    """A duty's due rule as the catalog writes it (days before the cut-off are stored negative)."""
    if d.due_date is not None:
        return {"date": d.due_date.isoformat()}
    if d.due_working_days_after_cutoff is not None:
        return {"working_days_after_cutoff": d.due_working_days_after_cutoff}
    if d.due_days_after_start is not None:
        return {"days_after_start": d.due_days_after_start}
    if d.due_days_after_cutoff is not None and d.due_days_after_cutoff < 0:
        return {"days_before_cutoff": -d.due_days_after_cutoff}
    return {"days_after_cutoff": d.due_days_after_cutoff}


def duties(session: Session, *, body: str | None = None, plan: str | None = None) -> list[dict[str, Any]]:
    """The live duties, plan by plan, one row per responsible body (only `body`'s, `plan`'s when
    given), each with its due rule and who set it (`basis`, `basis_source`), whether it is a
    request, and the parent plan's duty it carries out (`implements`)."""
    query = (
        select(Duty, Body.code, Plan.code)
        .join(Body, Body.id == Duty.body_id)
        .join(Plan, Plan.id == Duty.plan_id)
        .where(Duty.retired_revision.is_(None))
        .order_by(Duty.plan_id, Duty.position, Body.id)
    )
    if body:
        query = query.where(Body.code == body)
    if plan:
        query = query.where(Plan.code == plan)
    return [
        {
            "id": d.id,
            "plan": plan_code,
            "ref": d.ref,
            "body": code,
            "cooperating": d.cooperating,
            "title": d.title,
            "text": d.text,
            "cadence": d.cadence,
            "due": due_rule(d),
            "basis": d.due_basis,
            "basis_source": d.due_source,
            "request": d.request,
            "nature": d.nature,
            "evidence": d.evidence,
            "sensitive": d.sensitive,
            "implements": d.implements,
        }
        for d, code, plan_code in session.exec(query)
    ]


def targets(session: Session, *, plan: str | None = None) -> list[dict[str, Any]]:
    """The live targets (chỉ tiêu), plan by plan (only `plan`'s when given)."""
    query = (
        select(Target, Plan.code)
        .join(Plan, Plan.id == Target.plan_id)
        .where(Target.retired_revision.is_(None))
        .order_by(Target.plan_id, Target.position)
    )
    if plan:
        query = query.where(Plan.code == plan)
    return [
        {
            "id": t.id,
            "plan": plan_code,
            "ref": t.ref,
            "text": t.text,
            "measure": t.measure,
            "threshold": t.threshold,
            "upper": t.upper,
            "unit": t.unit,
            "per": t.per,
            "deadline": t.deadline.isoformat(),
            "reported_by": t.reported_by,
            "implements": t.implements,
        }
        for t, plan_code in session.exec(query)
    ]


def outbox(session: Session, *, status: str | None = None) -> list[dict[str, Any]]:
    """Every message of the outbox (those in `status` when given), oldest first."""
    query = select(Notification).order_by(Notification.id)
    if status:
        query = query.where(Notification.status == status)
    return [
        {
            "id": n.id,
            "kind": n.kind,
            "channel": n.channel,
            "recipient": n.recipient,
            "assignment_id": n.assignment_id,
            "step": n.step,
            "status": n.status,
            "attempts": n.attempts,
            "unknown_outcomes": n.unknown_outcomes,
            "next_attempt_at": n.next_attempt_at.isoformat(),
            "last_error": n.last_error,
        }
        for n in session.exec(query)
    ]
