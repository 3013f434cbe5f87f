"""Extensions (gia hạn): a focal point asks for a later due date, a coordinator decides.

An approved extension sets `Assignment.extended_due`; reminders, status and escalation all read
the effective due date, so they follow. Every request stays as history, decided or not.
"""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import Column, Text
from sqlmodel import Field, Session, SQLModel, select

from models.assignment import Assignment
from models.audit import record
from models.calendar import WorkingCalendar
from models.catalog.errors import Refused
from models.plan import Duty, Plan, check_typed_date
from models.policy import OPEN_STATES
from models.types import UTCDateTime, local_date


class Decision(StrEnum):
    pending = "pending"
    approved = "approved"
    refused = "refused"


class Extension(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    assignment_id: int = Field(foreign_key="assignment.id", index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    previous_due: date
    requested_due: date
    reason: str = Field(sa_column=Column(Text, nullable=False))
    requested_at: datetime = Field(sa_type=UTCDateTime)
    requested_by: str
    decision: str = Field(default=Decision.pending, max_length=10)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by: str | None = None
    comment: str | None = Field(default=None, sa_column=Column(Text))


def pending(session: Session, assignment_id: int) -> Extension | None:
    return session.exec(select(Extension).where(Extension.assignment_id == assignment_id,
                                                Extension.decision == Decision.pending)).first()


def request(session: Session, assignment_id: int, *, new_due: date, reason: str, now: datetime,
            calendar: WorkingCalendar, tz: ZoneInfo, date_margin_days: int, contact_id: int | None = None,
            actor: str = "cli", channel: str = "cli") -> Extension:
    a = session.get(Assignment, assignment_id)
    if a is None:
        raise LookupError(f"no assignment {assignment_id}")
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
    ext = Extension(assignment_id=a.id, contact_id=contact_id, previous_due=a.effective_due, requested_due=new_due,
                    reason=reason, requested_at=now, requested_by=actor)
    session.add(ext)
    session.flush()
    record(session, now=now, actor=actor, channel=channel, action="extension.requested", entity="assignment",
           entity_id=a.id, extension=ext.id, requested_due=new_due.isoformat(), reason=reason)
    return ext


def decide(session: Session, extension_id: int, *, approve: bool, now: datetime, comment: str | None = None,
           actor: str = "cli", channel: str = "cli") -> Extension:
    ext = session.get(Extension, extension_id)
    if ext is None:
        raise LookupError(f"no extension request {extension_id}")
    if ext.decision != Decision.pending:
        raise Refused(f"đề nghị gia hạn {extension_id} đã được quyết định ({ext.decision})")
    comment = (comment or "").strip() or None
    if not approve and not comment:
        raise Refused("cần nêu lý do không chấp thuận")
    ext.decision = Decision.approved if approve else Decision.refused
    ext.decided_at, ext.decided_by, ext.comment = now, actor, comment
    if approve:
        a = session.get(Assignment, ext.assignment_id)
        a.extended_due = ext.requested_due
        a.escalation_level, a.overdue_at = 0, None  # the ladder counts from the new date
    record(session, now=now, actor=actor, channel=channel, action=f"extension.{ext.decision}", entity="assignment",
           entity_id=ext.assignment_id, extension=ext.id, requested_due=ext.requested_due.isoformat(),
           comment=comment)
    return ext


def history(session: Session, assignment_id: int) -> list[Extension]:
    return list(session.exec(select(Extension).where(Extension.assignment_id == assignment_id)
                             .order_by(Extension.requested_at.desc(), Extension.id.desc())))
