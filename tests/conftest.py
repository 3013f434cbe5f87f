"""Shared fixtures: a real database per test (SQLite file, and PostgreSQL where reachable)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session

from config import CONFIG_DIR
from config.settings import get_settings
from models import migrate
from models.db import get_engine, session_scope
from models.intake.catalog.load import catalog_paths, load_catalogs
from models.operations.catalog import sync_catalogs
from models.rules.calendar import WorkingCalendar

DATA = Path(__file__).parent / "data"
PG_ADMIN_URL = os.environ.get("DONDOC_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
LOADED_AT = datetime(2021, 11, 15, 1, 0, tzinfo=UTC)
# Every test that uses a database runs on SQLite and PostgreSQL (the `db_url` fixture's params);
# this mark keeps one to SQLite (a test of a server or a browser, where the database is incidental).
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def _postgres_available() -> str | None:
    """None if reachable, else the reason."""
    try:
        with get_engine(PG_ADMIN_URL).connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:  # any driver or network error means "not here"
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc.__class__.__name__}"
    return None


@pytest.fixture(scope="session")
def postgres_admin() -> str:
    reason = _postgres_available()
    if reason:
        if IN_CI:
            pytest.fail(f"{reason} (CI must run the PostgreSQL tests)")
        pytest.skip(reason)
    return PG_ADMIN_URL


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> Iterator[str]:
    """A fresh, empty database of each kind; a PostgreSQL one is created and dropped by the test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'dondoc.sqlite3'}"
        return
    admin = request.getfixturevalue("postgres_admin")
    name = f"dondoc_test_{uuid.uuid4().hex[:12]}"
    admin_engine = get_engine(admin).execution_options(isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        get_engine(url).dispose()
        with admin_engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def migrated(db_url) -> str:
    migrate.upgrade(db_url)
    return db_url


@pytest.fixture
def loaded(migrated) -> str:
    """The database with the shipped catalog(s) loaded."""
    with session_scope(migrated) as s:
        sync_catalogs(s, load_catalogs(catalog_paths(CONFIG_DIR / "plans")), now=LOADED_AT)
    return migrated


@pytest.fixture
def session(loaded) -> Iterator[Session]:
    with session_scope(loaded) as s:
        yield s


@pytest.fixture(scope="session")
def calendar() -> WorkingCalendar:
    return WorkingCalendar.from_file(CONFIG_DIR / "calendar.yaml")


@pytest.fixture
def env(monkeypatch, tmp_path, db_url) -> str:
    """Point the settings (and so the CLI) at the test database."""
    monkeypatch.setenv("DONDOC_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DONDOC_DATABASE_URL", db_url)
    get_settings.cache_clear()
    yield db_url
    get_settings.cache_clear()


@pytest.fixture
def smtp():
    from tests.servers import SMTPServer

    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def portal(env, smtp, monkeypatch):
    """The plan loaded with the example directory and 2025 H1 scheduled, the portal served by
    uvicorn with a fixed clock (10/6/2025, 09:00 local), messages to the real SMTP server."""
    from tests.cli import load_example
    from tests.portal import Portal
    from tests.servers import free_port

    # The plan's own bodies (Sở LĐ-TB&XH coordinating): the portal's round trips, not the 2025
    # reorganisation, which tests/test_organisation.py follows.
    monkeypatch.setenv("DONDOC_ORGANISATION_FILE", "")
    get_settings.cache_clear()
    load_example("2025-06-30")
    port = free_port()
    monkeypatch.setenv("DONDOC_PORTAL_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("DONDOC_EMAIL_URL", smtp.url)
    get_settings.cache_clear()
    p = Portal(get_settings(), port, smtp)
    p.start()
    yield p
    p.stop()


def pytest_terminal_summary(terminalreporter):
    """The fault suite's ledger: expected, delivered, duplicated and lost messages per fault."""
    from tests.faults import LEDGER, table, write_report

    if LEDGER:
        terminalreporter.write_sep("-", "fault ledger (messages per fault)")
        terminalreporter.write_line(table(LEDGER))
        if path := write_report(LEDGER):
            terminalreporter.write_line(f"written to {path}")
