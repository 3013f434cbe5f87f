"""Where things stand at a moment: the assignments with their status, and the per-body board."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, func, select

from models.operations.org import acting_body
from models.rules.basis import basis_text
from models.rules.status import Status, classify, on_time_rate
from models.tables.assignment import Assignment
from models.tables.org import Body, active_on
from models.tables.plan import Duty, Plan
from models.types import local_date


class DueBasis:
    """Who set an assignment's due date, as one sentence (models/rules/basis.py). The coordinating
    body named is the one acting on the item's due date: an item of 2021 was set by Sở LĐ-TB&XH,
    even when read after the role passed to Sở Y tế. An approved extension is the coordinating
    body's date, never the plan's: the original date is named with it. One per listing (it keeps
    the acting coordinating body of each plan and day)."""

    def __init__(self, session: Session, today: date):
        self._session, self._today = session, today
        self._coordinators: dict[tuple[int, date], str] = {}

    def coordinator(self, plan: Plan, day: date | None = None) -> str:
        """The label of the coordinating body acting on `day` (default: today)."""
        key = (plan.coordinating_body_id, day or self._today)
        if key not in self._coordinators:
            acting = self._session.get(Body, acting_body(self._session, *key))
            self._coordinators[key] = acting.label
        return self._coordinators[key]

    def kind(self, a: Assignment, duty: Duty) -> str:
        return "coordinator" if a.extended_due else duty.due_basis

    def source(self, a: Assignment, duty: Duty) -> str:
        if a.extended_due:
            return f"đã gia hạn, hạn ban đầu {a.due:%d/%m/%Y}"
        return duty.due_source

    def __call__(self, a: Assignment, duty: Duty, plan: Plan) -> str:
        return basis_text(
            self.kind(a, duty),
            self.source(a, duty),
            plan_number=plan.number,
            coordinator=self.coordinator(plan, min(a.due, self._today)),
        )


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
    query = (
        select(Assignment, Duty, Plan, Body.code, Body.short_name, Body.name)
        .join(Duty, Duty.id == Assignment.duty_id)
        .join(Plan, Plan.id == Duty.plan_id)
        .join(Body, Body.id == Assignment.body_id)
        .where(Assignment.period_start <= today)
        .order_by(Plan.id, Assignment.due, Duty.position, Body.code, Assignment.id)
    )
    if body is not None:
        query = query.where(Body.code == body)
    if plan is not None:
        query = query.where(Plan.code == plan)
    basis = DueBasis(session, today)
    views = [
        AssignmentView(
            a.id,
            a.duty_id,
            duty.ref,
            duty.title,
            code,
            short or name,
            a.period,
            a.effective_due,
            classify(a, now, tz),
            a.escalation_level,
            basis.kind(a, duty),
            basis.source(a, duty),
            basis(a, duty, p),
            duty.nature,
            duty.request,
            p.code,
        )
        for a, duty, p, code, short, name in session.exec(query)
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
    """What a body's check looks at: for each duty it holds, the current period's item (the latest
    begun by `now`), and every earlier one not accepted by `now` (overdue, returned or awaiting
    review). By due date, then the plan's order."""
    rows = session.exec(
        select(Assignment, Duty.position)
        .join(Duty, Duty.id == Assignment.duty_id)
        .join(Body, Body.id == Assignment.body_id)
        .where(Body.code == body, Assignment.period_start <= local_date(now, tz))
        .order_by(Assignment.period_start, Assignment.id)
    ).all()
    latest = {a.duty_id: a.id for a, _ in rows}
    done = (Status.done_on_time, Status.done_late)
    chosen = [(a, position) for a, position in rows if latest[a.duty_id] == a.id or classify(a, now, tz) not in done]
    return [a for a, _ in sorted(chosen, key=lambda r: (r[0].effective_due, r[1], r[0].id))]


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
    to them by a succession (a commune holds its former district's), in a plan that is not a draft.
    UBND tỉnh reads digests; it has no body check."""
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
        query = query.where(Plan.draft.is_(False), active_on(today))
        if body is not None:
            query = query.where(Body.code == body)
        for body_id, code, name in session.exec(query.distinct()):
            plans[body_id].add((code, name))
    bodies = session.exec(select(Body).where(Body.id.in_(list(plans))).order_by(Body.code)).all()
    return [Holder(b.code, b.label, tuple(sorted(plans[b.id]))) for b in bodies]
