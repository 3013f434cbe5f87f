"""The status rule in SQL (models/operations/tally.py) gives, item by item, what `classify` and
`leadership_category` give in Python, on SQLite and PostgreSQL: over every combination of state,
extension and the moments of submission, review and completion around the local midnight that
ends the due date (16:59:59 and 17:00:00 UTC are the two sides of it in Vietnam)."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from models.db import session_scope
from models.operations.digest import leadership_category
from models.operations.tally import status_sql, tally
from models.rules.status import classify
from models.tables.assignment import Assignment, State
from models.tables.plan import Duty

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DUE = date(2025, 6, 18)
# Around the end of the due date in Vietnam (18/6 24:00 local = 18/6 17:00 UTC), and well before.
MOMENTS = [
    None,
    datetime(2025, 6, 10, 3, 0, tzinfo=UTC),
    datetime(2025, 6, 18, 16, 59, 59, 999999, tzinfo=UTC),
    datetime(2025, 6, 18, 17, 0, tzinfo=UTC),
    datetime(2025, 7, 2, 3, 0, tzinfo=UTC),
]
NOWS = [
    datetime(2025, 6, 18, 16, 0, tzinfo=UTC),  # the due date, local 23:00
    datetime(2025, 6, 18, 17, 0, tzinfo=UTC),  # the day after, local 00:00
    datetime(2025, 6, 25, 2, 0, tzinfo=UTC),
    datetime(2025, 8, 1, 2, 0, tzinfo=UTC),
]


def _cases():
    """Each state with each extension and moments that could be recorded together (an accepted
    item has its completion; a review follows the submission)."""
    for state, extended, submitted, reviewed, completed in itertools.product(
        list(State), [None, DUE + timedelta(days=14)], MOMENTS, MOMENTS, MOMENTS
    ):
        if state == State.open and (submitted or reviewed or completed):
            continue
        if state == State.accepted and (completed is None or submitted is None or reviewed is None):
            continue
        if state != State.accepted and completed is not None:
            continue
        if reviewed is not None and (submitted is None or reviewed < submitted):
            continue
        yield state, extended, submitted, reviewed, completed


def test_sql_statuses_agree_with_the_python_rules(loaded):
    with session_scope(loaded) as s:
        duty = s.exec(select(Duty).order_by(Duty.id)).first()
        rows = [
            Assignment(
                duty_id=duty.id,
                body_id=duty.body_id,
                period=f"T{i}",
                period_start=date(2024, 12, 15),
                period_end=date(2025, 6, 14),
                due=DUE,
                extended_due=extended,
                state=state,
                submitted_at=submitted,
                reviewed_at=reviewed,
                completed_at=completed,
                escalation_level=i % 3,
                created_at=datetime(2025, 1, 1, tzinfo=UTC),
            )
            for i, (state, extended, submitted, reviewed, completed) in enumerate(_cases())
        ]
        s.add_all(rows)
    assert len(rows) > 100
    dialect = "postgresql" if loaded.startswith("postgresql") else "sqlite"
    with session_scope(loaded) as s:
        items = {a.id: a for a in s.exec(select(Assignment).where(Assignment.duty_id == duty.id))}
        for now in NOWS:
            for leadership, rule in ((False, classify), (True, leadership_category)):
                in_sql = dict(
                    s.exec(
                        select(Assignment.id, status_sql(now, TZ, dialect, leadership=leadership)).where(
                            Assignment.id.in_(list(items))
                        )
                    ).all()
                )
                in_python = {i: rule(a, now, TZ).value for i, a in items.items()}
                wrong = {i: (in_sql[i], in_python[i]) for i in items if in_sql[i] != in_python[i]}
                assert not wrong, (now, leadership, [(items[i], w) for i, w in list(wrong.items())[:3]])
                # Every status occurs, so each branch of the CASE was taken somewhere.
                if now == NOWS[2]:
                    seen = set(in_python.values())
                    assert seen >= (
                        {"open", "overdue", "done_on_time", "done_late"}
                        | (set() if leadership else {"submitted", "returned"})
                    )
            # Grouped by body and status, the counts are those of the Python statuses (the
            # catalog alone is loaded: these are the plan's only items).
            counted = Counter()
            for t in tally(s, plan_id=duty.plan_id, now=now, tz=TZ):
                counted[t.status] += t.items
            assert counted == Counter(classify(a, now, TZ) for a in items.values())
