"""The values a message template sees, read from the database for one outbox row: one builder per
kind of message (which kind uses which: notifications/kinds.py)."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from models.operations.board import DueBasis
from models.operations.confirmation import submissions
from models.operations.links import Links
from models.operations.org import Handovers
from models.rules.calendar import WorkingCalendar
from models.rules.periods import period_label
from models.tables.assignment import OPEN_STATES, Assignment
from models.tables.extension import Extension
from models.tables.link import Purpose
from models.tables.notification import Notification
from models.tables.org import Body, Contact, Role
from models.tables.plan import Duty, Plan
from models.types import local_date
from notifications.render import weekday_vi
from notifications.wording import due_phrase, due_wording, number_notes, request_followup

EVIDENCE_LABELS = {
    "file": "Tệp văn bản (PDF, DOCX, XLSX hoặc ảnh)",
    "reference": "Số hiệu và ngày của văn bản",
    "figures": "Số liệu các chỉ tiêu",
    "note": "Ghi chú kết quả thực hiện",
}


_coordinator = aliased(Body)
# Built once: this runs for every message. An assignment with its duty, plan, body and the plan's
# coordinating body; one of them by id, or several (an escalation notice's items).
_JOINED = (
    select(Assignment, Duty, Plan, Body, _coordinator)
    .join(Duty, Duty.id == Assignment.duty_id)
    .join(Plan, Plan.id == Duty.plan_id)
    .join(Body, Body.id == Assignment.body_id)
    .join(_coordinator, _coordinator.id == Plan.coordinating_body_id)
)


def plan_values(session: Session, plan: Plan) -> dict:
    """A plan as messages name it: code, title, number, and its citation as a letter writes it,
    "Kế hoạch số 3742/KH-UBND ngày 12/11/2021 của Ủy ban nhân dân tỉnh Lai Châu" (number and date
    from the catalog; the issuer is the plan's leadership body, to which its reports go)."""
    issuer = session.get(Body, plan.leadership_body_id)
    citation = f"Kế hoạch số {plan.number}" if plan.number else plan.title
    if plan.number and plan.issued_on:
        citation += f" ngày {plan.issued_on:%d/%m/%Y}"
    if plan.number and issuer:
        citation += f" của {issuer.name}"
    return {"code": plan.code, "title": plan.title, "number": plan.number, "citation": citation}


# How a letter names a person's function when the directory gives no position, only the role.
ROLE_TITLES = {"focal": "cán bộ đầu mối", "head": "Thủ trưởng", "leader": "Lãnh đạo"}


def reader(session: Session, contact: Contact | None, body: Body | None = None) -> dict:
    """Who a message is for: `name`, and `addressee`, the line after "Kính gửi:" in an official
    letter: "Đồng chí Trần Thị Hằng, Phó Chủ tịch Ủy ban nhân dân tỉnh" (the directory's position),
    else the role in the body ("Đồng chí Hoàng Đức An, Thủ trưởng Sở Y tế"), or the body itself
    when no person is named ("Sở Y tế")."""
    if contact is None:
        return {"name": body.label if body else "", "addressee": body.name if body else "Quý cơ quan"}
    if contact.position:  # the directory's title, as the person's letters are addressed
        return {"name": contact.name, "addressee": f"Đồng chí {contact.name}, {contact.position}"}
    own = session.get_one(Body, contact.body_id)
    of = f" của {own.name}" if contact.role == Role.focal else f" {own.name}"
    return {"name": contact.name, "addressee": f"Đồng chí {contact.name}, {ROLE_TITLES[contact.role]}{of}"}


class Memo:
    """What one dispatch run computes once for many of its messages (a plan's digest figures), by
    key. The threads sending at once wait for the one computing a value instead of each
    computing it."""

    def __init__(self) -> None:
        self._values: dict[Hashable, Any] = {}
        self._locks: defaultdict[Hashable, threading.Lock] = defaultdict(threading.Lock)
        self._guard = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        with self._guard:
            lock = self._locks[key]
        with lock:
            if key not in self._values:
                self._values[key] = compute()
            return self._values[key]


@dataclass(frozen=True)
class Rendering:
    """What a message's values are computed against: the run's moment (a replay's `--as-of`), the
    working calendar and time zone, and the signer of portal links when the portal is public."""

    now: datetime
    calendar: WorkingCalendar
    tz: ZoneInfo
    links: Links | None = None
    memo: Memo = field(default_factory=lambda: Memo(), compare=False, hash=False)


_ASSIGNMENT = _JOINED.where(Assignment.id == bindparam("assignment_id"))
_ITEMS = _JOINED.where(Assignment.id.in_(bindparam("ids", expanding=True))).order_by(
    Body.name, Assignment.due, Duty.position
)


# Where `prefetch` leaves a message's assignments for `assignment_context`, in the session's own
# dictionary: they live as long as that session (the dispatch opens one per message).
_PREFETCHED = "dondoc.assignments"


def prefetch(session: Session, assignment_ids: Iterable[int | None]) -> None:
    """Read the assignments a message is about in one statement: a daily message carries up to a
    hundred items, and one statement each made the dispatch a statement per row (434,406 for
    383,952 rows in the national benchmark)."""
    ids = sorted({i for i in assignment_ids if i is not None})
    if len(ids) > 1:
        found = session.info.setdefault(_PREFETCHED, {})
        for row in session.exec(_ITEMS, params={"ids": ids}):
            found[row[0].id] = tuple(row)


def assignment_context(
    session: Session,
    assignment_id: int,
    *,
    now: datetime,
    calendar: WorkingCalendar,
    tz: ZoneInfo,
    contact: Contact | None = None,
    links: Links | None = None,
) -> dict:
    found = session.info.get(_PREFETCHED, {}).get(assignment_id)
    if found is None:
        found = session.exec(_ASSIGNMENT, params={"assignment_id": assignment_id}).one()
    a, duty, plan, body, coordinating = found
    due, today = calendar.roll_forward(a.effective_due), local_date(now, tz)
    period, coordinator = period_label(a.period), acting_coordinator(session, coordinating, today)
    leadership = session.get(Body, plan.leadership_body_id).name
    return {
        "assignment_id": a.id,
        "state": a.state,
        "plan": plan_values(session, plan),
        "body": {"code": body.code, "name": body.name, "label": body.label},
        "contact": reader(session, contact, body),
        "duty": {
            "ref": duty.ref,
            "source": duty.source,
            "title": duty.title,
            "text": duty.text,
            "evidence": [EVIDENCE_LABELS.get(e, e) for e in duty.evidence],
            # "mục V.1.1 của Kế hoạch số 3742/KH-UBND": the parent plan's duty this one carries out
            "implements": _implements(session, plan, duty.implements),
        },
        "period": period,
        "due": due,
        "due_weekday": weekday_vi(due),
        "days_left": calendar.working_days_between(today, due),
        "coordinator": coordinator,
        "leadership": leadership,
        # Who set the date, shown next to it; how the message speaks of what falls due, and whether
        # it asks (a request) or directs (notifications/wording.py).
        "basis": DueBasis(session, today)(a, duty, plan),
        "request": duty.request,
        "nature": duty.nature,
        "wording": due_wording(
            duty.nature,
            request=duty.request,
            period=period,
            due=due,
            weekday=weekday_vi(due),
            leadership=leadership,
            coordinator=coordinator,
        ),
        # Where a message can still lead to a submission, it carries a signed link for its reader.
        "confirm_url": links.for_contact(
            session, a.id, contact.id if contact else None, purpose=Purpose.confirm, now=now
        )
        if links and a.state in OPEN_STATES
        else None,
    }


def _implements(session: Session, plan: Plan, ref: str | None) -> str | None:
    if ref is None or plan.parent_id is None:
        return None
    parent = session.get(Plan, plan.parent_id)
    return f"mục {ref} của Kế hoạch {'số ' + parent.number if parent.number else parent.title}"


def acting_coordinator(session: Session, plan_coordinator: Body, today) -> str:
    """The name messages sign with: the plan's coordinating body, or its successor in the role."""
    acting = Handovers.of(session).acting(plan_coordinator.id, today)
    return plan_coordinator.name if acting == plan_coordinator.id else session.get(Body, acting).name


def assignment_message_context(session: Session, row: Notification, contact: Contact | None, at: Rendering) -> dict:
    """A message about one assignment (a reminder, an overdue nag, a receipt, a return, an
    extension decided): the assignment, what the row carries, and what was submitted or asked."""
    ctx = {
        **assignment_context(
            session, row.assignment_id, now=at.now, calendar=at.calendar, tz=at.tz, contact=contact, links=at.links
        ),
        **row.context,
        "step": row.step,
    }
    if "evidence_id" in row.context:  # a receipt or a return: what was submitted
        (ctx["evidence"],) = submissions(session, row.assignment_id, evidence_id=row.context["evidence_id"])
        ctx["evidence"]["submitted_at"] = ctx["evidence"]["submitted_at"].astimezone(at.tz)
        ctx["view_url"] = (
            at.links.for_contact(session, row.assignment_id, row.contact_id, purpose=Purpose.view, now=at.now)
            if at.links
            else None
        )
    if "extension_id" in row.context:
        ctx["extension"] = session.get(Extension, row.context["extension_id"]).model_dump()
    return ctx


def alert_context(session: Session, row: Notification, contact: Contact | None, at: Rendering) -> dict:
    """An alert to the coordinators about the system itself, not about one plan: signed by the
    coordinating bodies acting today."""
    today = local_date(at.now, at.tz)
    bodies = [session.get(Body, b) for b in dict.fromkeys(session.exec(select(Plan.coordinating_body_id)))]
    return {
        **row.context,
        "at": datetime.fromisoformat(row.context["at"]).astimezone(at.tz),
        "state": "open",
        "contact": reader(session, contact),
        "plan": None,
        "coordinator": ", ".join(dict.fromkeys(acting_coordinator(session, b, today) for b in bodies)),
    }


def digest_message_context(session: Session, row: Notification, contact: Contact | None, at: Rendering) -> dict:
    """A weekly digest (`digest-leadership`, `digest-coordinator`), with the figures of the moment
    it was queued (kept in the row, so a retry sends the same figures)."""
    from notifications.digests import digest_context  # matplotlib, only for digests

    plan = session.exec(select(Plan).where(Plan.code == row.context["plan"])).one()
    ctx = digest_context(
        session,
        row.kind.removeprefix("digest-"),
        now=datetime.fromisoformat(row.context["as_of"]),
        tz=at.tz,
        calendar=at.calendar,
        plan=plan,
        contact=contact,
        memo=at.memo,
    )
    if at.links:  # the lists are capped: a signed link opens them whole on the portal
        ctx["full_list_url"] = at.links.for_plan(session, plan.id, row.contact_id, now=at.now)
        ctx["report_url"] = f"{at.links.base_url.rstrip('/')}/reports/{plan.code}/"  # a coordinator signs in
    return ctx


def escalation_context(session: Session, row: Notification, contact: Contact | None, at: Rendering) -> dict:
    """An escalation notice: the items still open, grouped by body, with how late each is; the
    requests (to bodies the province does not direct) apart, asked for, not ordered; who set each
    date in numbered notes (the same basis for many items is said once)."""
    levels = dict(row.context["items"])
    today = local_date(at.now, at.tz)
    bodies: dict[tuple[bool, str], dict] = {}
    rows = session.exec(_ITEMS, params={"ids": list(levels)}).all()
    # A notice lists one plan's items (models/operations/escalation.py): it names that plan and
    # its coordinating body.
    plan, coordinating = (rows[0][2], rows[0][4]) if rows else (None, None)
    basis = DueBasis(session, today)
    for a, duty, item_plan, body, _ in rows:
        if a.state not in OPEN_STATES:
            continue  # submitted since: no longer news
        due = at.calendar.roll_forward(a.effective_due)
        period = period_label(a.period)
        group = bodies.setdefault(
            (duty.request, body.name), {"name": body.name, "label": body.label, "body_id": body.id, "items": []}
        )
        group["items"].append(
            {
                "assignment_id": a.id,
                "ref": duty.ref,
                "source": duty.source,
                "title": duty.title,
                "period": period,
                "due": due,
                "due_text": due_phrase(duty.nature, period, f"{due:%d/%m/%Y}"),
                "basis": basis(a, duty, item_plan),
                "late": at.calendar.working_days_between(due, today),
                "level": levels[a.id],
                "returned": a.state == "returned",
                "request": duty.request,
            }
        )
    directed = [b for (request, _), b in bodies.items() if not request]
    requested = [b for (request, _), b in bodies.items() if request]
    items = [i for b in [*directed, *requested] for i in b["items"]]
    coordinator = acting_coordinator(session, coordinating, today) if coordinating else ""
    leadership = session.get(Body, plan.leadership_body_id).name if plan else ""
    # A request body's own head (if the policy tells heads of requests) is asked by the People's
    # Committee; the coordinating body is asked to follow its requests up.
    own = contact is not None and {b["body_id"] for b in requested} == {contact.body_id}
    level = max(levels.values())
    # How the notice asks: the head of a late body is asked to direct it; provincial leadership
    # is reported to, for direction; the coordinating body is asked to follow up.
    if contact is not None and contact.role == Role.head and contact.body_id in {b["body_id"] for b in directed}:
        audience = "head"  # a late body's head; the coordinating body's own items may be listed to its focal point too
    elif plan is not None and contact is not None and contact.body_id == plan.leadership_body_id:
        audience = "leadership"
    else:
        audience = "coordinator"
    notice = {
        "state": "open" if items else "submitted",  # nothing left open: the notice is cancelled
        "contact": reader(session, contact),
        "plan": plan_values(session, plan) if plan else None,
        "coordinator": coordinator,
        "bodies": directed,
        "requested": requested,
        "labels": list(dict.fromkeys(b["label"] for b in [*directed, *requested])),
        "request_ask": request_followup(own=own, leadership=leadership, coordinator=coordinator),
        "notes": number_notes(items),
        "count": len(items),
        "level": level,
        "audience": audience,
        "today": today,
        "step": row.step,
    }
    return {**notice, "notice": notice}  # `notice` for the part templates (_notice.html) share
