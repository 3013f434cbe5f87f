"""Materialization: every duty × every period of its plan → assignment rows with working-day dues."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from sqlmodel import Session, select

from models.db import insert_ignoring_conflicts
from models.operations.audit import SETUP, By, record
from models.rules.calendar import WorkingCalendar
from models.rules.periods import DueRule, plan_periods
from models.tables.assignment import Assignment
from models.tables.org import Body, Succession
from models.tables.plan import Duty, Plan


class Successions:
    """Effective-dated hand-overs: who holds body A's duty `ref` on a given day. A hand-over may
    name several successors (a district's duties pass to each of its communes); the latest one in
    effect decides, and a successor may hand over in turn."""

    def __init__(self, rows: list[Succession]):
        self._by_body: dict[int, list[Succession]] = defaultdict(list)
        for row in sorted(rows, key=lambda s: (s.effective_from, s.id or 0)):
            self._by_body[row.from_body_id].append(row)

    @classmethod
    def load(cls, session: Session) -> Successions:
        return cls(list(session.exec(select(Succession))))

    def holders(self, body_id: int, ref: str, on: date) -> list[int]:
        """The bodies that hold the duty on `on`, in the order the successions list them."""
        out: list[int] = []
        self._walk(body_id, ref, on, {body_id}, out)
        return out

    def holder(self, body_id: int, ref: str, on: date) -> int:
        """The first holder (the one open assignments move to)."""
        return self.holders(body_id, ref, on)[0]

    def _walk(self, body_id: int, ref: str, on: date, seen: set[int], out: list[int]) -> None:
        matching = [
            s
            for s in self._by_body.get(body_id, [])
            if s.effective_from <= on and (s.duty_refs is None or ref in s.duty_refs)
        ]
        # The latest hand-over in effect; a cycle (A to B, B back to A) stops where it started.
        heirs = [s.to_body_id for s in matching if s.effective_from == matching[-1].effective_from] if matching else []
        heirs = [h for h in heirs if h not in seen]
        if not heirs:
            if body_id not in out:
                out.append(body_id)
            return
        for heir in heirs:
            self._walk(heir, ref, on, seen | {heir}, out)


def due_rule(duty: Duty, plan: Plan) -> DueRule:
    """The duty's rule, as the catalog sync wrote it into the row (its own, or the plan's default)."""
    rule = DueRule(
        duty.due_date, duty.due_days_after_cutoff, duty.due_days_after_start, duty.due_working_days_after_cutoff
    )
    if rule != DueRule():
        return rule
    # A row synced before rows carried their effective rule: the plan's default, in calendar days then.
    return DueRule(days_after_cutoff=plan.report_days_after_cutoff)


def materialize(session: Session, *, until: date, now: datetime, calendar: WorkingCalendar, by: By = SETUP) -> int:
    """Create the assignments of every period that has started by `until`. Returns how many are new.

    Each holder of a duty on the period's due date gets a row (the duty's body, or its successors),
    if it is active that day. Idempotent on (duty, period, holder): a rerun, or two runs at once,
    create nothing twice.
    """
    successions = Successions.load(session)
    lives = {b.id: b for b in session.exec(select(Body))}
    # A successor that holds the same duty in the plan itself reports under its own (so-vhttdl
    # has its own V.BC); a body succeeding several (a commune formed from parts of two districts)
    # gets one row per duty ref and period, whichever predecessor's, and never a second.
    own = set(session.exec(select(Duty.plan_id, Duty.ref, Duty.body_id).where(Duty.retired_revision.is_(None))))
    taken = set(
        session.exec(
            select(Duty.plan_id, Duty.ref, Assignment.period, Assignment.body_id).join(
                Duty, Duty.id == Assignment.duty_id
            )
        )
    )
    rows = []
    # A draft is not followed up; a closed plan gets no period that begins once it is closed.
    for plan in session.exec(select(Plan).where(Plan.draft.is_(False))):
        duties = session.exec(
            select(Duty).where(Duty.plan_id == plan.id, Duty.retired_revision.is_(None)).order_by(Duty.id)
        )
        for duty in duties:
            rule = due_rule(duty, plan)
            for period, nominal in plan_periods(duty.cadence, rule, plan.period_start, plan.period_end, calendar):
                if period.start > until or (plan.closed_on is not None and period.start >= plan.closed_on):
                    break
                due = calendar.roll_forward(nominal)
                for holder in successions.holders(duty.body_id, duty.ref, due):
                    key = (plan.id, duty.ref, period.key, holder)
                    if (
                        not lives[holder].is_active(due)  # nothing for a body outside its active dates
                        or (holder != duty.body_id and (plan.id, duty.ref, holder) in own)
                        or key in taken
                    ):
                        continue
                    taken.add(key)
                    rows.append(
                        {
                            "duty_id": duty.id,
                            "body_id": holder,
                            "period": period.key,
                            "period_start": period.start,
                            "period_end": period.end,
                            "due": due,
                            "state": "open",
                            "escalation_level": 0,
                            "created_at": now,
                        }
                    )
    created = 0
    if rows:
        stmt = insert_ignoring_conflicts(session, Assignment, ["duty_id", "period", "body_id"])
        created = len(session.execute(stmt.returning(Assignment.id), rows).all())
    record(session, "schedule.materialized", "assignment", now=now, by=by, until=until, created=created)
    return created
