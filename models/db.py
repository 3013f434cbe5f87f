"""Engine and sessions. SQLite gets WAL, a busy timeout and BEGIN IMMEDIATE; PostgreSQL is as is."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session

from models.errors import NotFound

T = TypeVar("T")


def _json(value: object) -> str:
    return json.dumps(value, default=str, ensure_ascii=False)  # dates in audit details


@lru_cache(maxsize=8)
def get_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        # No JIT compilation: dondoc's longest queries (a grouped count of every plan's items) run
        # for a second or two, and compiling them took longer than it saved (0.6 s of 3.0 at
        # national scale, tools/bench).
        options = {"options": "-c jit=off"} if parsed.get_backend_name() == "postgresql" else {}
        return create_engine(url, pool_pre_ping=True, json_serializer=_json, connect_args=options)

    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30}, json_serializer=_json)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record) -> None:
        # Hand transaction control to SQLAlchemy so that "begin" below can take the write lock
        # up front; a deferred BEGIN upgrades late and fails with "database is locked".
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL cannot corrupt the file; a power cut may drop the last commits, which
        # the outbox survives (a lost "sent" mark means one resend, a lost plan is re-planned).
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    # SQLite's busy handler sleeps 1, 2, 5, 10, ... up to 100 ms between tries: threads of one
    # process that want the write lock at once (the dispatcher's, the portal's) would each wait
    # for a lock freed long before, and a few of them lose round after round. They queue here
    # instead and take the lock the moment it is released; other processes still meet the
    # busy handler. Past WRITER_WAIT, SQLite's own timeout decides, as it did alone.
    writer = _WRITERS.setdefault(url, threading.Lock())

    @event.listens_for(engine, "begin")
    def _begin_immediate(connection) -> None:
        # A read (`reading`) takes no lock: in WAL mode it sees a snapshot and never waits. Were
        # the pages' reads BEGIN IMMEDIATE, twenty clients would queue for the one write lock,
        # each retrying on SQLite's busy handler: a few requests then wait a second while the
        # median stays at milliseconds.
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("BEGIN")
            return
        connection.info[_WRITER] = writer.acquire(timeout=WRITER_WAIT)
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _release(connection)
            raise

    def _release(connection) -> None:
        if connection.info.pop(_WRITER, False):
            writer.release()

    def _ending(statement: str):
        def end(connection) -> None:
            # SQLAlchemy's events come before its COMMIT or ROLLBACK: the statement runs here, so
            # that the next writer finds SQLite's lock free (the DBAPI's own commit then finds no
            # transaction open and does nothing). A reading transaction is left to SQLAlchemy.
            if _WRITER not in connection.info:
                return
            try:
                connection.connection.dbapi_connection.execute(statement)
            finally:
                _release(connection)

        return end

    event.listen(engine, "commit", _ending("COMMIT"))
    event.listen(engine, "rollback", _ending("ROLLBACK"))
    return engine


WRITER_WAIT = 30  # seconds, as SQLite's busy timeout
_WRITER = "dondoc_holds_writer"
_WRITERS: dict[str, threading.Lock] = {}


def writer_lock(url: str) -> threading.Lock:
    """The lock this process's writers to a SQLite database queue on (held from BEGIN IMMEDIATE
    to the end of the transaction)."""
    get_engine(url)
    return _WRITERS[url]


def dialect_insert(session: Session, table: type):
    """The backend's own INSERT, which has ON CONFLICT (SQLite and PostgreSQL alike)."""
    from sqlalchemy.dialects import postgresql, sqlite

    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return module.insert(table)


def insert_ignoring_conflicts(session: Session, table: type, conflict_columns: list[str]):
    """INSERT ... ON CONFLICT DO NOTHING on SQLite and PostgreSQL alike: safe when runs overlap."""
    return dialect_insert(session, table).on_conflict_do_nothing(index_elements=conflict_columns)


def get_or_refuse(session: Session, table: type[T], row_id: int, missing: str) -> T:
    """The row with this id, or NotFound with `missing`, the message its user reads."""
    row = session.get(table, row_id)
    if row is None:
        raise NotFound(missing)
    return row


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """One unit of work: commits on success, rolls back on any error (so a refusal writes nothing)."""
    with _unit(get_engine(url)) as session:
        yield session


READ_ONLY = "dondoc_read_only"  # an execution option: the transaction begins without the write lock


@contextmanager
def reading(url: str) -> Iterator[Session]:
    """A unit of work that only reads. On SQLite it takes no write lock, so it never waits for
    a writer; a write in it could fail with "database is locked" (write in `session_scope`). On
    PostgreSQL, the same as `session_scope`."""
    engine = get_engine(url)
    if engine.dialect.name == "sqlite":
        engine = engine.execution_options(**{READ_ONLY: True})
    with _unit(engine) as session:
        yield session


@contextmanager
def _unit(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
