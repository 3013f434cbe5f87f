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
from models.tables.org import Succession
from models.tables.plan import Duty, Plan


class Successions:
    """Effective-dated hand-overs: who holds body A's duty `ref` on a given day."""

    def __init__(self, rows: list[Succession]):
        self._by_body: dict[int, list[Succession]] = defaultdict(list)
        for row in sorted(rows, key=lambda s: s.effective_from):
            self._by_body[row.from_body_id].append(row)

    @classmethod
    def load(cls, session: Session) -> Successions:
        return cls(list(session.exec(select(Succession))))

    def holder(self, body_id: int, ref: str, on: date) -> int:
        seen = {body_id}
        while True:
            nxt = next(
                (
                    s.to_body_id
                    for s in reversed(self._by_body.get(body_id, []))
                    if s.effective_from <= on and (s.duty_refs is None or ref in s.duty_refs)
                ),
                None,
            )
            if nxt is None or nxt in seen:  # no hand-over, or a cycle: stop where we are
                return body_id
            seen.add(nxt)
            body_id = nxt


def due_rule(duty: Duty, plan: Plan) -> DueRule:
    if duty.due_date or duty.due_days_after_cutoff is not None or duty.due_days_after_start is not None:
        return DueRule(duty.due_date, duty.due_days_after_cutoff, duty.due_days_after_start)
    return DueRule(days_after_cutoff=plan.report_days_after_cutoff)


def materialize(session: Session, *, until: date, now: datetime, calendar: WorkingCalendar, by: By = SETUP) -> int:
    """Create the assignments of every period that has started by `until`. Returns how many are new.

    Idempotent on (duty, period): a rerun, or two runs at once, create nothing twice.
    """
    successions = Successions.load(session)
    rows = []
    for plan in session.exec(select(Plan)):
        duties = session.exec(select(Duty).where(Duty.plan_id == plan.id, Duty.retired_revision.is_(None)))
        for duty in duties:
            for period, nominal in plan_periods(duty.cadence, due_rule(duty, plan), plan.period_start, plan.period_end):
                if period.start > until:
                    break
                due = calendar.roll_forward(nominal)
                rows.append(
                    {
                        "duty_id": duty.id,
                        "body_id": successions.holder(duty.body_id, duty.ref, due),
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
