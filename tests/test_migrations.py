"""The migrations build exactly the tables the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import models  # noqa: F401
from models import migrate
from models.db import get_engine


def test_upgrade_twice_and_match_the_models(db_url):
    migrate.upgrade(db_url)
    migrate.upgrade(db_url)  # idempotent: nothing to do the second time
    engine = get_engine(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)
    assert diff == [], "tables and migrations disagree: write a migration"
    assert {
        "assignment",
        "body",
        "contact",
        "duty",
        "plan",
        "target",
        "evidence",
        "notification",
        "auditentry",
        "succession",
    } <= set(inspect(engine).get_table_names())
