"""The national bench's dataset (tools/bench/national.py) is what it says: the same from the same
seed, every item held by a body active on its due date, histories that could have happened, and
a database the application's own code works on (the sweep plans it, new rows get new ids)."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from config import CONFIG_DIR
from models.db import get_engine, session_scope
from models.operations import reminders
from models.rules.policy import Policy
from tools.bench import national

pytestmark = pytest.mark.postgres
ONE = national.Size(1, (30, 30), date(2021, 11, 12))


@pytest.fixture
def two_databases(postgres_admin):
    names = [f"dondoc_test_national_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    urls = [national.fresh_database(name, postgres_admin) for name in names]
    yield urls
    for url in urls:
        get_engine(url).dispose()
    with get_engine(postgres_admin).execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
        for name in names:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _fingerprint(url: str) -> str:
    with get_engine(url).connect() as c:
        rows = c.execute(
            text(
                "SELECT a.id, a.duty_id, a.body_id, a.period, a.due, a.extended_due, a.state, a.submitted_at, "
                "a.completed_at, a.escalation_level FROM assignment a ORDER BY a.id"
            )
        ).all()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_the_dataset_is_deterministic_consistent_and_usable(two_databases, calendar):
    first, second = two_databases
    counts = national.generate(first, ONE, seed=7)
    assert national.generate(second, ONE, seed=7) == counts
    assert _fingerprint(first) == _fingerprint(second)
    assert counts["body"] >= 30 + 30 and counts["assignment"] > 10_000 and counts["targetvalue"] > 0

    with get_engine(first).connect() as c:
        # Every item is held by a body active on its due date (Sở LĐ-TB&XH's until 28/02/2025).
        assert not c.execute(
            text(
                "SELECT count(*) FROM assignment a JOIN body b ON b.id = a.body_id WHERE "
                "(b.active_from IS NOT NULL AND a.due < b.active_from) "
                "OR (b.active_until IS NOT NULL AND a.due > b.active_until)"
            )
        ).scalar()
        # Histories that could have happened: accepted items were submitted and reviewed, in that
        # order, on or before the sweep's day; nothing due after that day is done.
        assert not c.execute(
            text(
                "SELECT count(*) FROM assignment WHERE state = 'accepted' AND (submitted_at IS NULL OR "
                "reviewed_at < submitted_at OR completed_at IS NULL OR submitted_at > :now)"
            ),
            {"now": national.NOW},
        ).scalar()
        assert not c.execute(
            text("SELECT count(*) FROM assignment WHERE due >= :today AND state != 'open'"), {"today": national.TODAY}
        ).scalar()
        states = dict(
            c.execute(
                text("SELECT state, count(*) FROM assignment WHERE due < :today GROUP BY 1"), {"today": national.TODAY}
            ).all()
        )
        assert set(states) == {"open", "submitted", "accepted"}
        # A returned submission was sent again: its assignment holds two pieces of evidence.
        assert c.execute(text("SELECT count(*) FROM evidence WHERE review = 'returned'")).scalar() > 0

    # The application works on it: the sweep plans reminders, a new row gets a new id.
    with session_scope(first) as s:
        planned = reminders.plan(
            s,
            now=national.NOW,
            policy=Policy.from_file(CONFIG_DIR / "policy.yaml"),
            calendar=calendar,
            tz=ZoneInfo("Asia/Ho_Chi_Minh"),
        )
        assert planned
        before = s.execute(text("SELECT max(id) FROM plan")).scalar()
        new = s.execute(
            text("INSERT INTO body (code, name, kind) VALUES ('moi', 'Cơ quan mới', 'department') RETURNING id")
        ).scalar()
        assert new > counts["body"] and before == counts["plan"]


def _shape(url: str) -> list:
    """The country without its history: bodies, plans, duties and contacts."""
    with get_engine(url).connect() as c:
        return [
            c.execute(text(query)).all()
            for query in (
                "SELECT code, name, kind, active_from, active_until FROM body ORDER BY code",
                "SELECT code, title, parent_id IS NULL, closed_on FROM plan ORDER BY code",
                "SELECT p.code, d.ref, b.code FROM duty d JOIN plan p ON p.id = d.plan_id "
                "JOIN body b ON b.id = d.body_id ORDER BY 1, 2, 3",
                "SELECT b.code, c.role, c.name, c.email, c.phone FROM contact c JOIN body b ON b.id = c.body_id "
                "ORDER BY 1, 2, 3",
            )
        ]


def test_the_same_seed_gives_the_same_country_whatever_its_history(two_databases):
    """The sweep's two datasets differ by their history only: the same bodies, plans, duties and
    contacts (else the Prefect API calls, one artifact per plan, would differ for that reason)."""
    five_years, recent = two_databases
    shape = national.Size(3, (30, 40), date(2021, 11, 12))
    national.generate(five_years, shape, seed=11)
    national.generate(recent, national.Size(3, (30, 40), date(2025, 7, 1)), seed=11)
    assert _shape(five_years) == _shape(recent)
    with get_engine(five_years).connect() as c, get_engine(recent).connect() as r:
        count = "SELECT count(*) FROM assignment"
        assert c.execute(text(count)).scalar() > r.execute(text(count)).scalar()
