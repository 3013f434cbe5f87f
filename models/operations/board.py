"""Where things stand at a moment: the assignments with their status, and the per-body board."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, not_, or_
from sqlmodel import Session, func, select

from models.operations.org import Handovers
from models.rules.basis import basis_text
from models.rules.status import Status, classify, on_time_rate
from models.tables.assignment import Assignment, State
from models.tables.org import Body, active_on
from models.tables.plan import Duty, Plan, followed_on
from models.types import local_date


class DueBasis:
    """Who set an assignment's due date, as one sentence (models/rules/basis.py). The coordinating
    body named is the one acting on the item's due date: an item of 2021 was set by Sở LĐ-TB&XH,
    even when read after the role passed to Sở Y tế. An approved extension is the coordinating
    body's date, never the plan's: the original date is named with it. One per listing (it keeps
    the successions, and the label of each acting body it named).

    `a` and `duty` are an Assignment and its Duty, or one `Item` for both."""

    def __init__(self, session: Session, today: date):
        self._session, self._today = session, today
        self._handovers = Handovers.of(session)
        self._labels: dict[int, str] = {}
        # A digest lists a hundred thousand items at national scale; their sentences are a few
        # hundred (the same clause of the same plan, the same coordinator on the same day).
        self._texts: dict[tuple, str] = {}

    def coordinator(self, plan: Plan, day: date | None = None) -> str:
        """The label of the coordinating body acting on `day` (default: today)."""
        acting = self._handovers.acting(plan.coordinating_body_id, day or self._today)
        if acting not in self._labels:
            self._labels[acting] = self._session.get_one(Body, acting).label
        return self._labels[acting]

    def kind(self, a: Assignment, duty: Duty) -> str:
        return "coordinator" if a.extended_due else duty.due_basis

    def source(self, a: Assignment, duty: Duty) -> str:
        if a.extended_due:
            return f"đã gia hạn, hạn ban đầu {a.due:%d/%m/%Y}"
        return duty.due_source

    def __call__(self, a: Assignment, duty: Duty, plan: Plan) -> str:
        kind, source, day = self.kind(a, duty), self.source(a, duty), min(a.due, self._today)
        key = (kind, source, plan.id, day)
        if key not in self._texts:
            coordinator = self.coordinator(plan, day)
            self._texts[key] = basis_text(kind, source, plan_number=plan.number, coordinator=coordinator)
        return self._texts[key]


class Item(NamedTuple):
    """An assignment with what listings and counts read of its duty and body, as plain columns: a
    board counts every item of its plans (a million at national scale), and an ORM object for
    each would cost seconds and hundreds of MB. `classify`, `leadership_category` and `DueBasis`
    read it as they read an Assignment (and its Duty)."""

    id: int
    duty_id: int
    state: str
    due: date
    extended_due: date | None
    submitted_at: datetime | None
    reviewed_at: datetime | None
    completed_at: datetime | None
    escalation_level: int
    period: str
    ref: str
    title: str
    nature: str
    request: bool
    due_basis: str
    due_source: str
    body: str  # its code
    body_name: str
    body_short: str | None
    plan_id: int
    position: int  # the duty's place in its plan

    @property
    def effective_due(self) -> date:
        return self.extended_due or self.due

    @property
    def body_label(self) -> str:
        return self.body_short or self.body_name


# The columns of an `Item`, its duty and body joined: filter it to list items.
ITEM_QUERY = (
    select(
        Assignment.id,
        Assignment.duty_id,
        Assignment.state,
        Assignment.due,
        Assignment.extended_due,
        Assignment.submitted_at,
        Assignment.reviewed_at,
        Assignment.completed_at,
        Assignment.escalation_level,
        Assignment.period,
        Duty.ref,
        Duty.title,
        Duty.nature,
        Duty.request,
        Duty.due_basis,
        Duty.due_source,
        Body.code,
        Body.name,
        Body.short_name,
        Duty.plan_id,
        Duty.position,
    )
    .join(Duty, Duty.id == Assignment.duty_id)
    .join(Body, Body.id == Assignment.body_id)
)


def items(
    session: Session,
    *,
    today: date,
    plan_id: int | None = None,
    body: str | None = None,
    ordered: bool = False,
    where: ColumnElement[bool] | None = None,
) -> Iterator[Item]:
    """The items whose period has begun by `today` (of one plan, one body, those `where` says),
    streamed in batches: a listing of them all holds one batch at a time. `ordered`: as the
    plans list them (plan, due date, the plan's order, body)."""
    query = ITEM_QUERY.where(Assignment.period_start <= today)
    if where is not None:
        query = query.where(where)
    if plan_id is not None:
        query = query.where(Duty.plan_id == plan_id)
    if body is not None:
        query = query.where(Body.code == body)
    if ordered:
        query = query.order_by(Duty.plan_id, Assignment.due, Duty.position, Body.code, Assignment.id)
    # On the statement: a connection's execution options would stay on it for the next statements.
    for row in session.connection().execute(query.execution_options(yield_per=5000)):
        yield Item._make(row)


@dataclass(frozen=True)
class AssignmentView:
    id: int
    duty_id: int
    ref: str
    title: str
    body: str
    body_label: str
    period: str
    due: date
    status: Status
    escalation_level: int
    # Who set the due date ("plan", "law", "coordinator"), its source, and the sentence shown.
    basis: str = "coordinator"
    basis_source: str = ""
    basis_text: str = ""
    nature: str = "task"
    request: bool = False  # asked of a body the province does not direct: listed apart, not ranked
    plan: str = ""  # its code

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "duty_id": self.duty_id,
            "ref": self.ref,
            "title": self.title,
            "body": self.body,
            "period": self.period,
            "due": self.due.isoformat(),
            "status": self.status.value,
            "escalation_level": self.escalation_level,
            "basis": self.basis,
            "basis_source": self.basis_source,
            "basis_text": self.basis_text,
            "nature": self.nature,
            "request": self.request,
            "plan": self.plan,
        }


def assignment_views(
    session: Session,
    *,
    now: datetime,
    tz: ZoneInfo,
    body: str | None = None,
    status: Status | None = None,
    plan: str | None = None,
) -> list[AssignmentView]:
    """Assignments whose period has begun by `now`, so that a replay shows what existed then, plan
    by plan (in the order they were loaded)."""
    today = local_date(now, tz)
    plans = {p.id: p for p in session.exec(select(Plan).where(Plan.code == plan) if plan else select(Plan))}
    if plan is not None and not plans:
        return []
    basis = DueBasis(session, today)
    views = [
        AssignmentView(
            i.id,
            i.duty_id,
            i.ref,
            i.title,
            i.body,
            i.body_label,
            i.period,
            i.effective_due,
            classify(i, now, tz),
            i.escalation_level,
            basis.kind(i, i),
            basis.source(i, i),
            basis(i, i, plans[i.plan_id]),
            i.nature,
            i.request,
            plans[i.plan_id].code,
        )
        for i in items(session, today=today, plan_id=next(iter(plans)) if plan else None, body=body, ordered=True)
    ]
    return [v for v in views if status is None or v.status == status]


@dataclass
class BoardRow:
    """One body's counts by status: the board's six, or the digests' four leadership categories."""

    body: str
    body_label: str
    counts: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def on_time_rate(self) -> float | None:
        return on_time_rate(self.counts)


def board(views: list[AssignmentView]) -> list[BoardRow]:
    rows: dict[str, BoardRow] = {}
    for v in views:
        rows.setdefault(v.body, BoardRow(v.body, v.body_label)).counts[v.status] += 1
    return sorted(rows.values(), key=lambda r: r.body_label)


def present_assignments(session: Session, *, body: str, now: datetime, tz: ZoneInfo) -> list[Assignment]:
    """What a body's check looks at: for each duty it holds in a plan followed up today, the
    current period's item (the latest begun by `now`), and every earlier one not accepted by `now`
    (overdue, returned or awaiting review). By due date, then the plan's order.

    Chosen in SQL: a body's history grows every period, the items it has to look at do not."""
    today = local_date(now, tz)
    begun = (Body.code == body, Assignment.period_start <= today)
    current = (
        select(Assignment.duty_id, func.max(Assignment.period_start).label("start"))
        .join(Body, Body.id == Assignment.body_id)
        .where(*begun)
        .group_by(Assignment.duty_id)
        .subquery()
    )
    # Done, on time or late (`classify`): accepted by `now`.
    done = and_(Assignment.state == State.accepted, Assignment.reviewed_at.is_not(None), Assignment.reviewed_at <= now)
    rows = session.exec(
        select(Assignment, Duty.position)
        .join(Duty, Duty.id == Assignment.duty_id)
        .join(Plan, Plan.id == Duty.plan_id)
        .join(Body, Body.id == Assignment.body_id)
        .outerjoin(current, and_(current.c.duty_id == Assignment.duty_id, current.c.start == Assignment.period_start))
        .where(*begun, followed_on(today), or_(current.c.duty_id.is_not(None), not_(done)))
    ).all()
    return [a for a, _ in sorted(rows, key=lambda r: (r[0].effective_due, r[1], r[0].id))]


@dataclass(frozen=True)
class Holder:
    """A body with a check of its own: its code, the name people read, the plans it has work in."""

    code: str
    label: str
    plans: tuple[tuple[str, str], ...]  # (code, number: "3742/KH-UBND", or the code where a plan has none)

    @property
    def plan_names(self) -> str:
        return ", ".join(number for _, number in self.plans)


def duty_holders(session: Session, today: date, body: str | None = None) -> list[Holder]:
    """The bodies active `today` (or the one named `body`) that hold a duty, or assignments passed
    to them by a succession (a commune holds its former district's), in a plan followed up today
    (not a draft, not closed). UBND tỉnh reads digests; it has no body check."""
    plan_name = func.coalesce(Plan.number, Plan.code)
    by_duty = (
        select(Body.id, Plan.code, plan_name).join(Duty, Duty.body_id == Body.id).join(Plan, Plan.id == Duty.plan_id)
    )
    by_assignment = (
        select(Body.id, Plan.code, plan_name)
        .join(Assignment, Assignment.body_id == Body.id)
        .join(Duty, Duty.id == Assignment.duty_id)
        .join(Plan, Plan.id == Duty.plan_id)
    )
    plans: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for query in (by_duty, by_assignment):
        query = query.where(followed_on(today), active_on(today))
        if body is not None:
            query = query.where(Body.code == body)
        for body_id, code, name in session.exec(query.distinct()):
            plans[body_id].add((code, name))
    bodies = session.exec(select(Body).where(Body.id.in_(list(plans))).order_by(Body.code)).all()
    return [Holder(b.code, b.label, tuple(sorted(plans[b.id]))) for b in bodies]
