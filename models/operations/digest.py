"""The weekly digests: what leadership and the coordinators read, computed at a moment.

Leadership reads four categories (QĐ 42/2014, amended by QĐ 23/2018): done on time, done late,
not done within the deadline, overdue. A submission awaiting review, or returned, is not done:
it counts as within the deadline or overdue by its due date (a submission made in time is not
held against the body while it waits for review).

Requests (`Duty.request`: "Đề nghị ..." to bodies the province does not direct) are counted apart,
per body, and never ranked with the bodies the province directs; the totals and the ranking are
those of the duties it assigns.

The ranking puts the bodies that need following up first: what leadership acts on is what is
overdue, and an on-time rate ranks nobody when nothing is on time.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_
from sqlmodel import Session, select

from models.operations.board import BoardRow, DueBasis, Item, items
from models.operations.tally import tally
from models.rules.calendar import WorkingCalendar
from models.rules.status import Status, classify
from models.tables.assignment import EFFECTIVE_DUE, OPEN_STATES, Assignment, State
from models.tables.extension import Decision, Extension
from models.tables.notification import Delivery, Notification
from models.tables.org import Body, Contact
from models.tables.plan import Duty, Plan
from models.types import local_date

CATEGORIES = (Status.done_on_time, Status.done_late, Status.open, Status.overdue)
UPCOMING_DAYS = 14


def leadership_category(a: Assignment | Item, now: datetime, tz: ZoneInfo) -> Status:
    status = classify(a, now, tz)
    if status in (Status.submitted, Status.returned):
        submitted_late = a.submitted_at is not None and local_date(a.submitted_at, tz) > a.effective_due
        still_late = status == Status.returned and local_date(now, tz) > a.effective_due
        return Status.overdue if submitted_late or still_late else Status.open
    return status


@dataclass
class Digest:
    kind: str  # leadership, coordinator
    now: datetime
    today: date
    bodies: list[BoardRow]  # per body (code, full name), by name
    escalated: list[dict]  # level 2 and still open
    awaiting_review: list[dict]
    upcoming: list[dict]  # open, due within UPCOMING_DAYS
    failures: list[dict]  # coordinator digest: contacts whose messages could not be delivered
    extensions: list[dict]  # coordinator digest: requests awaiting a decision
    requests: list[BoardRow] = field(default_factory=list)  # request duties per body, not ranked
    requested_late: list[dict] = field(default_factory=list)  # request duties past due, nothing received
    # Per body code, the working days its overdue items (not the requests) are late, added up.
    late_days: dict[str, int] = field(default_factory=dict)
    plan_id: int | None = None

    @property
    def totals(self) -> BoardRow:
        line = BoardRow("", "Tổng cộng")
        for b in self.bodies:
            line.counts.update(b.counts)
        return line

    @property
    def league(self) -> list[BoardRow]:
        """Bodies with something due, worst first: most overdue; then the most working days late
        (of two bodies with as many overdue items, the one further behind); then the lowest
        on-time rate; by name only when all of these are equal."""
        rated = [b for b in self.bodies if b.on_time_rate is not None]
        return sorted(
            rated,
            key=lambda b: (-b.counts[Status.overdue], -self.late_days.get(b.body, 0), b.on_time_rate, b.body_label),
        )


def build(
    session: Session, *, kind: str, now: datetime, tz: ZoneInfo, calendar: WorkingCalendar, plan_id: int
) -> Digest:
    """One plan's digest: never another plan's items under its title."""
    return for_kind(session, standing(session, now=now, tz=tz, calendar=calendar, plan_id=plan_id), kind)


def standing(session: Session, *, now: datetime, tz: ZoneInfo, calendar: WorkingCalendar, plan_id: int) -> Digest:
    """What both kinds of digest show of a plan at `now` (as leadership reads it): its counts and
    lists. A dispatch run builds it once per plan for every reader (`for_kind` adds the rest)."""
    today = local_date(now, tz)
    plan = session.get_one(Plan, plan_id)
    lines: dict[str, BoardRow] = {}
    requests: dict[str, BoardRow] = {}
    late_days: Counter[str] = Counter()
    escalated, awaiting, upcoming, requested_late = [], [], [], []
    horizon = today + timedelta(days=UPCOMING_DAYS)
    basis = DueBasis(session, today)

    @cache  # by due date: a plan's items share a few dozen
    def late(due: date) -> int:
        return calendar.days_late(due, today)

    def listed(a: Item, **more) -> dict:  # only the items the lists show (the counts come from SQL)
        item = {"id": a.id, "body": a.body_name, "ref": a.ref, "title": a.title, "period": a.period}
        item |= {"due": a.effective_due, "nature": a.nature, "request": a.request, "basis": basis(a, a, plan)}
        return item | {"position": a.position} | more

    for t in tally(session, plan_id=plan_id, now=now, tz=tz, leadership=True):
        (requests if t.request else lines).setdefault(t.body, BoardRow(t.body, t.body_name)).counts[t.status] += t.items
        if t.late_due is not None and not t.request:
            late_days[t.body] += late(t.late_due) * t.items
    # The items the lists show, and only those: a plan's history is counted above, in SQL.
    still_open = Assignment.state.in_(OPEN_STATES)
    listed_only = or_(
        and_(still_open, or_(Duty.request & (EFFECTIVE_DUE < today), Assignment.escalation_level >= 2)),  # noqa: SIM300
        and_(still_open, EFFECTIVE_DUE.between(today, horizon)),
        and_(Assignment.state == State.submitted, Assignment.submitted_at <= now),
    )
    for a in items(session, today=today, plan_id=plan_id, where=listed_only):
        is_open = a.state in (State.open, State.returned)
        if is_open and a.request and a.effective_due < today and (days := late(a.effective_due)) > 0:
            requested_late.append(listed(a, late=days))
        if is_open and a.escalation_level >= 2:
            escalated.append(listed(a, late=late(a.effective_due)))
        if a.state == State.submitted and a.submitted_at is not None and a.submitted_at <= now:
            awaiting.append(listed(a, submitted_at=a.submitted_at.astimezone(tz)))
        if is_open and today <= a.effective_due <= horizon:
            upcoming.append(listed(a))
    # Each list by its own key, then by name, due date and the plan's order (sorts are stable).
    for listing in (escalated, awaiting, upcoming, requested_late):
        listing.sort(key=lambda i: (i["body"], i["due"], i["position"]))
    escalated.sort(key=lambda i: (-i["late"], i["body"], i["ref"]))
    requested_late.sort(key=lambda i: (i["body"], i["due"], i["ref"]))
    upcoming.sort(key=lambda i: (i["due"], i["body"], i["ref"]))
    return Digest(
        "leadership",
        now,
        today,
        sorted(lines.values(), key=lambda b: b.body_label),
        escalated,
        awaiting,
        upcoming,
        [],
        [],
        sorted(requests.values(), key=lambda b: b.body_label),
        requested_late,
        dict(late_days),
        plan_id,
    )


def for_kind(session: Session, digest: Digest, kind: str) -> Digest:
    """The digest of `kind` from the plan's standing: the coordinators' adds the messages that
    could not be delivered and the extensions awaiting a decision."""
    if kind != "coordinator":
        return replace(digest, kind=kind)
    now, plan_id = digest.now, digest.plan_id
    return replace(
        digest,
        kind=kind,
        failures=delivery_failures(session, now=now),
        extensions=[
            {
                "id": e.id,
                "body": name,
                "ref": ref,
                "title": title,
                "previous_due": e.previous_due,
                "requested_due": e.requested_due,
                "reason": e.reason,
            }
            for e, ref, title, name in session.exec(
                select(Extension, Duty.ref, Duty.title, Body.name)
                .join(Assignment, Assignment.id == Extension.assignment_id)
                .join(Duty, Duty.id == Assignment.duty_id)
                .join(Body, Body.id == Assignment.body_id)
                .where(Extension.decision == Decision.pending, Extension.requested_at <= now, Duty.plan_id == plan_id)
                .order_by(Extension.requested_at)
            )
        ],
    )


def delivery_failures(session: Session, *, now: datetime, days: int = 7) -> list[dict]:
    """Per contact and channel, messages of the last `days` that failed or died: whose address or
    phone needs checking."""
    since = now - timedelta(days=days)
    out: dict[tuple[int, str], dict] = {}
    for n, c, b in session.exec(
        select(Notification, Contact, Body)
        .join(Contact, Contact.id == Notification.contact_id)
        .join(Body, Body.id == Contact.body_id)
        .where(
            Notification.status.in_((Delivery.failed, Delivery.dead)),
            Notification.created_at >= since,
            Notification.created_at <= now,
        )
        .order_by(Notification.id)
    ):
        entry = out.setdefault(
            (c.id, n.channel),
            {
                "contact": c.name,
                "body": b.name,
                "channel": n.channel,
                "recipient": n.recipient,
                "failed": 0,
                "dead": 0,
                "error": "",
            },
        )
        entry[n.status] += 1
        entry["error"] = (n.last_error or "")[:200]
    return sorted(out.values(), key=lambda e: (e["body"], e["contact"]))
