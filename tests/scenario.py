"""A replayed half-year with a known mix, shared by the digest test and `make docs` (tools/docs.py)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from functools import partial

from sqlmodel import select

from models.db import session_scope
from models.operations import confirmation
from models.operations.confirmation import Ruling, Submission, review
from models.tables.assignment import Assignment, State
from models.tables.org import Body
from models.tables.plan import Duty
from tests.clock import TZ, at

H1 = date(2025, 1, 1)
confirm = partial(confirmation.confirm, tz=TZ, date_margin_days=0)  # no document dates here


def mixed_half_year(db_url: str, as_of: datetime) -> tuple[dict[str, Counter], int, int, dict[str, Counter]]:
    """Before 2025 all done on time. In 2025, by id modulo 4: on time and accepted; late and
    accepted; submitted on time, awaiting review; nothing. Returns, computed from these rules
    alone, the four categories per body name for the duties the province directs, the number
    awaiting review, the number open and due within two weeks, and the four categories per body
    name for the requests (to bodies it does not direct: `Duty.request`)."""
    today = as_of.date()
    directed: dict[str, Counter] = defaultdict(Counter)
    requested: dict[str, Counter] = defaultdict(Counter)
    awaiting, upcoming = 0, 0
    with session_scope(db_url) as s:
        names = {b.id: b.name for b in s.exec(select(Body))}
        requests = {d.id for d in s.exec(select(Duty).where(Duty.request))}
        for a in s.exec(select(Assignment).where(Assignment.period_start <= today).order_by(Assignment.id)).all():
            body = names[a.body_id]
            expected = requested if a.duty_id in requests else directed
            if a.due < H1:  # history: submitted the day before, accepted on the due date
                a.state, a.submitted_at = State.accepted, at(a.due - timedelta(days=1), 9)
                a.reviewed_at = a.submitted_at + timedelta(days=1)
                a.completed_at = a.submitted_at
                expected[body]["done_on_time"] += 1
                continue
            mix = a.id % 4
            if a.due >= today:  # not due yet: nothing submitted
                mix = 3
            if mix == 0:
                confirm(s, a.id, Submission(reference="ok"), now=at(a.due - timedelta(days=2), 9))
                review(s, a.id, Ruling(True), now=at(a.due, 15))
                expected[body]["done_on_time"] += 1
            elif mix == 1:
                confirm(s, a.id, Submission(reference="muộn"), now=at(a.due + timedelta(days=3), 9))
                review(s, a.id, Ruling(True), now=at(a.due + timedelta(days=4), 9))
                expected[body]["done_late"] += 1
            elif mix == 2:
                confirm(s, a.id, Submission(reference="chờ"), now=at(a.due - timedelta(days=1), 9))
                expected[body]["open"] += 1  # in time, waiting for review: not held against the body
                awaiting += 1
            else:
                expected[body]["overdue" if a.due < today else "open"] += 1
                upcoming += today <= a.due <= today + timedelta(days=14)
    return directed, awaiting, upcoming, requested
