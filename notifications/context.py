"""The values a message template sees, read from the database for one outbox row."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from models.assignment import Assignment
from models.calendar import WorkingCalendar
from models.notification import Notification
from models.org import Body, Contact
from models.periods import period_label
from models.plan import Duty, Plan
from models.types import local_date
from notifications.render import weekday_vi

EVIDENCE_LABELS = {
    "file": "Tệp văn bản (PDF, DOCX, XLSX hoặc ảnh)",
    "reference": "Số hiệu và ngày của văn bản",
    "figures": "Số liệu các chỉ tiêu",
    "note": "Ghi chú kết quả thực hiện",
}


_coordinator = aliased(Body)
# One query, built once: this runs for every message.
_ASSIGNMENT = (
    select(Assignment, Duty, Plan, Body, _coordinator)
    .join(Duty, Duty.id == Assignment.duty_id).join(Plan, Plan.id == Duty.plan_id)
    .join(Body, Body.id == Assignment.body_id).join(_coordinator, _coordinator.id == Plan.coordinating_body_id)
    .where(Assignment.id == bindparam("assignment_id"))
)


def assignment_context(session: Session, assignment_id: int, *, now: datetime, calendar: WorkingCalendar,
                       tz: ZoneInfo, contact: Contact | None = None) -> dict:
    a, duty, plan, body, coordinating = session.exec(_ASSIGNMENT, params={"assignment_id": assignment_id}).one()
    due = calendar.roll_forward(a.effective_due)
    return {
        "assignment_id": a.id,
        "state": a.state,
        "plan": {"code": plan.code, "title": plan.title, "number": plan.number},
        "body": {"code": body.code, "name": body.name, "label": body.label},
        "contact": {"name": contact.name if contact else body.label},
        "duty": {"ref": duty.ref, "source": duty.source, "title": duty.title, "text": duty.text,
                 "evidence": [EVIDENCE_LABELS.get(e, e) for e in duty.evidence]},
        "period": period_label(a.period),
        "due": due,
        "due_weekday": weekday_vi(due),
        "days_left": calendar.working_days_between(local_date(now, tz), due),
        "coordinator": coordinating.name,
        "confirm_url": None,  # the portal's signed link, once it exists
        "confirm_command": f"dondoc confirm {a.id}",
    }


def notification_context(session: Session, row: Notification, *, now: datetime, calendar: WorkingCalendar,
                         tz: ZoneInfo) -> dict:
    contact = session.get(Contact, row.contact_id) if row.contact_id else None
    return {**assignment_context(session, row.assignment_id, now=now, calendar=calendar, tz=tz, contact=contact),
            **row.context, "step": row.step}
