"""SQLite's write lock within one process: writers queue on a lock of their own, handed over the
moment a transaction ends, instead of retrying on SQLite's busy handler."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError

from models.db import get_engine, reading, session_scope, writer_lock

THREADS, WRITES = 8, 30


@pytest.fixture
def url(tmp_path):
    url = f"sqlite:///{tmp_path}/lock.sqlite3"
    with session_scope(url) as s:
        s.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL UNIQUE)"))
    return url


def test_writers_of_one_process_never_meet_the_busy_handler(url):
    """With no busy timeout at all, a writer that found SQLite's lock taken would fail at once
    ("database is locked"): eight threads writing at once all succeed, so none ever did."""
    event.listen(get_engine(url), "connect", lambda conn, _: conn.execute("PRAGMA busy_timeout=0"))
    get_engine(url).dispose()  # the connections made so far had the timeout
    errors: list[Exception] = []
    start = threading.Barrier(THREADS)

    def write(k: int) -> None:
        start.wait()
        for i in range(WRITES):
            try:
                with session_scope(url) as s:
                    s.execute(text("INSERT INTO t (n) VALUES (:n)"), {"n": k * WRITES + i})
                    s.execute(text("SELECT count(*) FROM t")).one()
            except Exception as exc:
                errors.append(exc)

    threads = [threading.Thread(target=write, args=(k,)) for k in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with reading(url) as s:
        assert s.execute(text("SELECT count(*) FROM t")).scalar_one() == THREADS * WRITES


def test_the_lock_is_released_however_a_transaction_ends(url):
    lock = writer_lock(url)
    with session_scope(url) as s:
        s.execute(text("INSERT INTO t (n) VALUES (1)"))
        assert lock.locked()  # from BEGIN IMMEDIATE on
    assert not lock.locked()
    with pytest.raises(IntegrityError), session_scope(url) as s:  # a refusal: rolled back
        s.execute(text("INSERT INTO t (n) VALUES (1)"))
    assert not lock.locked()
    with pytest.raises(RuntimeError), session_scope(url) as s:  # the code in between raised
        s.execute(text("INSERT INTO t (n) VALUES (2)"))
        raise RuntimeError("a check failed after the insert")
    assert not lock.locked()
    with reading(url) as s:  # a reading transaction takes no lock
        assert s.execute(text("SELECT n FROM t")).scalars().all() == [1]
        assert not lock.locked()
    with session_scope(url) as s:  # what was committed is there, what was rolled back is not
        assert s.execute(text("SELECT n FROM t ORDER BY n")).scalars().all() == [1]


def test_a_reader_does_not_wait_for_a_writer(url):
    """A page (`reading`) reads the last committed state while a writer holds the lock."""
    holding, done = threading.Event(), threading.Event()

    def writer() -> None:
        with session_scope(url) as s:
            s.execute(text("INSERT INTO t (n) VALUES (7)"))
            holding.set()
            done.wait(10)

    thread = threading.Thread(target=writer)
    thread.start()
    assert holding.wait(10)
    try:
        with reading(url) as s:
            assert s.execute(text("SELECT count(*) FROM t")).scalar_one() == 0
    finally:
        done.set()
        thread.join()
    with reading(url) as s:
        assert s.execute(text("SELECT count(*) FROM t")).scalar_one() == 1
