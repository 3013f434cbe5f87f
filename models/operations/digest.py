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

from sqlalchemy import ColumnElement, and_, func, literal, union_all
from sqlmodel import Session, select

from models.operations.board import ITEM_QUERY, BoardRow, DueBasis, Item
from models.operations.tally import tallies
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
LISTS = ("requested_late", "escalated", "awaiting_review", "upcoming")


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
    failures: list[dict]  # coordinators': contacts whose messages could not be delivered
    extensions: list[dict]  # coordinators': requests awaiting a decision
    requests: list[BoardRow] = field(default_factory=list)  # request duties per body, not ranked
    requested_late: list[dict] = field(default_factory=list)  # request duties past due, nothing received
    # Per body code, the working days its overdue items (not the requests) are late, added up.
    late_days: dict[str, int] = field(default_factory=dict)
    plan_id: int | None = None
    # Per list (`LISTS`) and body name, how many items it has in all, where the lists hold only
    # the first few of each body (`standings(listed=N)`); empty: the lists hold them all.
    counted: dict[str, Counter[str]] = field(default_factory=dict)

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
    coordinators = kind == "coordinator"
    return for_kind(
        standing(session, now=now, tz=tz, calendar=calendar, plan_id=plan_id, coordinators=coordinators), kind
    )


def standing(
    session: Session, *, now: datetime, tz: ZoneInfo, calendar: WorkingCalendar, plan_id: int, coordinators: bool = True
) -> Digest:
    """What the digests of a plan show at `now`, every item of its lists (`for_kind` keeps what
    a kind of reader sees)."""
    return standings(session, now=now, tz=tz, calendar=calendar, plan_ids=[plan_id], coordinators=coordinators)[plan_id]


def standings(
    session: Session,
    *,
    now: datetime,
    tz: ZoneInfo,
    calendar: WorkingCalendar,
    plan_ids: list[int],
    listed: int | None = None,
    coordinators: bool = True,
) -> dict[int, Digest]:
    """The standing of each plan of `plan_ids`, read together: one grouped count and one query per
    list for them all (a dispatch run sends the digests of every plan followed up: a query per plan
    would read the assignments a hundred times). `listed`: each list holds the first `listed` items
    of each body, the others counted in `Digest.counted` (what an email shows); None: all of them
    (the portal's full lists). `coordinators`: with what only they read (the messages that could
    not be delivered, the extensions to decide); without, these stay empty."""
    today = local_date(now, tz)
    plans = {p.id: p for p in session.exec(select(Plan).where(Plan.id.in_(plan_ids)))}
    failures = delivery_failures(session, now=now) if coordinators else []  # the contacts': every plan's
    extensions = pending_extensions(session, now=now, plan_ids=plan_ids) if coordinators else {}
    out = {
        plan_id: Digest(
            "coordinator", now, today, [], [], [], [], failures, extensions.get(plan_id, []), plan_id=plan_id
        )
        for plan_id in plan_ids
    }
    basis = DueBasis(session, today)

    @cache  # by due date: a plan's items share a few dozen
    def late(due: date) -> int:
        return calendar.days_late(due, today)

    def listed_as(a: Item, **more) -> dict:
        item = {"id": a.id, "body": a.body_name, "ref": a.ref, "title": a.title, "period": a.period}
        item |= {"due": a.effective_due, "nature": a.nature, "request": a.request}
        return item | {"basis": basis(a, a, plans[a.plan_id]), "position": a.position} | more

    lines: dict[int, dict[str, BoardRow]] = {plan_id: {} for plan_id in plan_ids}
    requests: dict[int, dict[str, BoardRow]] = {plan_id: {} for plan_id in plan_ids}
    for plan_id, rows in tallies(session, plan_ids=plan_ids, now=now, tz=tz, leadership=True).items():
        for t in rows:
            kept = requests[plan_id] if t.request else lines[plan_id]
            kept.setdefault(t.body, BoardRow(t.body, t.body_name)).counts[t.status] += t.items
            if t.late_due is not None and not t.request:
                out[plan_id].late_days[t.body] = out[plan_id].late_days.get(t.body, 0) + late(t.late_due) * t.items
    # The items the lists show, and only those: a plan's history is counted above.
    for name, a, total in _listed(session, today=today, now=now, calendar=calendar, plan_ids=plan_ids, limit=listed):
        digest = out[a.plan_id]
        if name == "awaiting_review":
            item = listed_as(a, submitted_at=a.submitted_at.astimezone(tz) if a.submitted_at else None)
        elif name == "upcoming":
            item = listed_as(a)
        else:
            item = listed_as(a, late=late(a.effective_due))
        getattr(digest, name).append(item)
        if listed is not None:
            digest.counted.setdefault(name, Counter())[a.body_name] = total
    for plan_id, digest in out.items():
        # Each list in its reading order; within a body, the order `_listed` chose its first items
        # by (the escalated: most late first, the earliest due date being the most late).
        digest.requested_late.sort(key=lambda i: (i["body"], i["due"], i["ref"], i["position"], i["id"]))
        digest.escalated.sort(key=lambda i: (-i["late"], i["body"], i["due"], i["ref"], i["position"], i["id"]))
        digest.awaiting_review.sort(key=lambda i: (i["body"], i["due"], i["position"], i["id"]))
        digest.upcoming.sort(key=lambda i: (i["due"], i["body"], i["ref"], i["position"], i["id"]))
        digest.bodies = sorted(lines[plan_id].values(), key=lambda b: b.body_label)
        digest.requests = sorted(requests[plan_id].values(), key=lambda b: b.body_label)
        if listed is not None:
            digest.counted = {name: digest.counted.get(name, Counter()) for name in LISTS}
    return out


def _listed(
    session: Session, *, today: date, now: datetime, calendar: WorkingCalendar, plan_ids: list[int], limit: int | None
) -> list[tuple[str, Item, int]]:
    """The items of each list (`LISTS`) of the plans, each with its list's name and how many items
    the list has of its body; of each body the first `limit` (None: all), in the list's order."""
    still_open = Assignment.state.in_(OPEN_STATES)
    # Past due by at least a working day: the last due date that is (days_late falls as the due
    # date moves on, and is 0 for a due date just before a weekend or a holiday that ends today).
    last_late = today - timedelta(days=1)
    while calendar.days_late(last_late, today) == 0:
        last_late -= timedelta(days=1)
    ref = Duty.ref.collate("C" if session.get_bind().dialect.name == "postgresql" else "BINARY")  # Python's order
    due, position = EFFECTIVE_DUE, Duty.position
    lists: dict[str, tuple[ColumnElement[bool], tuple]] = {
        "requested_late": (and_(still_open, Duty.request, last_late >= EFFECTIVE_DUE), (due, ref, position)),
        "escalated": (and_(still_open, Assignment.escalation_level >= 2), (due, ref, position)),
        "awaiting_review": (and_(Assignment.state == State.submitted, Assignment.submitted_at <= now), (due, position)),
        "upcoming": (
            and_(still_open, EFFECTIVE_DUE.between(today, today + timedelta(days=UPCOMING_DAYS))),
            (due, ref, position),
        ),
    }
    # Each list ranked on the few columns that order it; then the items kept, of every list at
    # once, read in full: a list of a hundred thousand items sorts a few MB, not their titles, and
    # the assignments are joined once.
    body = (Duty.plan_id, Body.name)  # a list groups its items by the body's name
    ranked = union_all(
        *(
            select(
                literal(name).label("list"),
                Assignment.id,
                func.row_number().over(partition_by=body, order_by=(*order, Assignment.id)).label("n"),
                func.count().over(partition_by=body).label("total"),
            )
            .join(Duty, Duty.id == Assignment.duty_id)
            .join(Body, Body.id == Assignment.body_id)
            .where(Duty.plan_id.in_(plan_ids), Assignment.period_start <= today, where)
            for name, (where, order) in lists.items()
        )
    ).subquery()
    query = ITEM_QUERY.add_columns(ranked.c.list, ranked.c.total).join(ranked, ranked.c.id == Assignment.id)
    if limit is not None:
        query = query.where(ranked.c.n <= limit)
    return [(name, Item._make(columns), total) for *columns, name, total in session.connection().execute(query)]


def for_kind(digest: Digest, kind: str) -> Digest:
    """The digest of `kind` from the plan's standing: leadership's leaves out what only the
    coordinators act on (the messages that could not be delivered, the extensions to decide)."""
    if kind == "coordinator":
        return replace(digest, kind=kind)
    return replace(digest, kind=kind, failures=[], extensions=[])


def pending_extensions(session: Session, *, now: datetime, plan_ids: list[int]) -> dict[int, list[dict]]:
    """Per plan, the extensions requested by `now` and awaiting a decision, oldest first."""
    out: dict[int, list[dict]] = {plan_id: [] for plan_id in plan_ids}
    for e, plan_id, ref, title, name in session.exec(
        select(Extension, Duty.plan_id, Duty.ref, Duty.title, Body.name)
        .join(Assignment, Assignment.id == Extension.assignment_id)
        .join(Duty, Duty.id == Assignment.duty_id)
        .join(Body, Body.id == Assignment.body_id)
        .where(Extension.decision == Decision.pending, Extension.requested_at <= now, Duty.plan_id.in_(plan_ids))
        .order_by(Extension.requested_at, Extension.id)
    ):
        out[plan_id].append(
            {
                "id": e.id,
                "body": name,
                "ref": ref,
                "title": title,
                "previous_due": e.previous_due,
                "requested_due": e.requested_due,
                "reason": e.reason,
            }
        )
    return out


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
