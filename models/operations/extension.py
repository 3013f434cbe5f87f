"""Extensions (gia hạn): a focal point asks for a later due date, a coordinator decides.

An approved extension sets `Assignment.extended_due`; reminders, status and escalation all read
the effective due date, so they follow. Every request stays as history, decided or not.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from models.db import get_or_refuse
from models.errors import Refused
from models.operations.audit import CLI, By, record
from models.operations.confirmation import Ruling
from models.rules.calendar import WorkingCalendar
from models.rules.dates import check_typed_date
from models.tables.assignment import OPEN_STATES, Assignment
from models.tables.extension import Decision, Extension
from models.tables.plan import Duty, Plan
from models.types import local_date


def pending(session: Session, assignment_id: int) -> Extension | None:
    return session.exec(
        select(Extension).where(Extension.assignment_id == assignment_id, Extension.decision == Decision.pending)
    ).first()


def request(
    session: Session,
    assignment_id: int,
    new_due: date,
    reason: str,
    *,
    now: datetime,
    calendar: WorkingCalendar,
    tz: ZoneInfo,
    date_margin_days: int,
    contact_id: int | None = None,
    by: By = CLI,
) -> Extension:
    a = get_or_refuse(session, Assignment, assignment_id, f"không có nhiệm vụ số {assignment_id}")
    if a.state not in OPEN_STATES:
        raise Refused(f"nhiệm vụ {assignment_id} không còn mở ({a.state}): không thể xin gia hạn")
    reason = (reason or "").strip()
    if not reason:
        raise Refused("cần nêu lý do xin gia hạn")
    plan = session.get(Plan, session.get(Duty, a.duty_id).plan_id)
    check_typed_date(plan, new_due, label="Ngày đề nghị gia hạn", margin_days=date_margin_days)
    new_due = calendar.roll_forward(new_due)
    if new_due <= a.effective_due or new_due <= local_date(now, tz):
        raise Refused(f"ngày xin gia hạn phải sau hạn hiện tại ({a.effective_due:%d/%m/%Y}) và sau hôm nay")
    if pending(session, a.id):
        raise Refused("đã có một đề nghị gia hạn đang chờ quyết định")
    ext = Extension(
        assignment_id=a.id,
        contact_id=contact_id,
        previous_due=a.effective_due,
        requested_due=new_due,
        reason=reason,
        requested_at=now,
        requested_by=by.actor,
    )
    session.add(ext)
    session.flush()
    record(
        session,
        "extension.requested",
        "assignment",
        a.id,
        now=now,
        by=by,
        extension=ext.id,
        requested_due=new_due.isoformat(),
        reason=reason,
    )
    return ext


def decide(session: Session, extension_id: int, ruling: Ruling, *, now: datetime, by: By = CLI) -> Extension:
    ext = get_or_refuse(session, Extension, extension_id, f"không có đề nghị gia hạn số {extension_id}")
    if ext.decision != Decision.pending:
        raise Refused(f"đề nghị gia hạn {extension_id} đã được quyết định ({ext.decision})")
    if ruling.unexplained:
        raise Refused("cần nêu lý do không chấp thuận")
    ext.decision = Decision.approved if ruling.yes else Decision.refused
    ext.decided_at, ext.decided_by, ext.comment = now, by.actor, ruling.comment
    if ruling.yes:
        a = session.get(Assignment, ext.assignment_id)
        a.extended_due = ext.requested_due
        a.escalation_level, a.overdue_at = 0, None  # the ladder counts from the new date
    record(
        session,
        f"extension.{ext.decision}",
        "assignment",
        ext.assignment_id,
        now=now,
        by=by,
        extension=ext.id,
        requested_due=ext.requested_due.isoformat(),
        comment=ruling.comment,
    )
    return ext


def history(session: Session, assignment_id: int) -> list[Extension]:
    return list(
        session.exec(
            select(Extension)
            .where(Extension.assignment_id == assignment_id)
            .order_by(Extension.requested_at.desc(), Extension.id.desc())
        )
    )
