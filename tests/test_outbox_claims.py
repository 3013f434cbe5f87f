"""A message of the day claims its recipient's rows through an index (`ix_notification_recipient`),
not by reading every row due that day: at national scale (`make bench-scale`) the day's 7,000
messages each read the 384,000 rows due, and PostgreSQL's CPU (1,000 s) was the workers' limit."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import event, insert, text

from models.db import get_engine, session_scope
from models.operations import outbox
from models.tables.notification import Notification
from notifications.kinds import DAILY_KINDS

NOW = datetime(2025, 6, 16, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize("db_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_a_recipients_claim_reads_only_its_rows(migrated):
    # A day's outbox: 20,000 rows due for 1,000 people, as the planner leaves it before dispatch.
    rows = [
        {
            "dedupe_key": f"a{i}:T-1:email:p{i % 1000}",
            "kind": "reminder",
            "channel": "email",
            "recipient": f"p{i % 1000}@so-yte.dondoc.example",
            "step": "T-1",
            "context": {},
            "status": "pending",
            "next_attempt_at": NOW,
            "created_at": NOW,
        }
        for i in range(20_000)
    ]
    with session_scope(migrated) as s:
        s.execute(insert(Notification), rows)
    with get_engine(migrated).connect() as c:
        c.execute(text("ANALYZE notification"))
        c.commit()
    # The claim's own statement, explained instead of run: EXPLAIN returns the plan's lines where
    # the UPDATE would return the ids.
    engine = get_engine(migrated)

    def explain(conn, cursor, statement, parameters, context, executemany):
        return ("EXPLAIN " + statement if statement.startswith("UPDATE notification") else statement), parameters

    event.listen(engine, "before_cursor_execute", explain, retval=True)
    try:
        with session_scope(migrated) as s:
            plan = " ".join(
                outbox.claim_for(s, "email", "p7@so-yte.dondoc.example", DAILY_KINDS, now=NOW, claimed_at=NOW)
            )
            s.rollback()
    finally:
        event.remove(engine, "before_cursor_execute", explain)
    assert "ix_notification_recipient" in plan, plan
