"""One bad row never stops a sweep: a step that cannot decide for some assignments (a date out of
range, written before dates were bounded) reports them and goes on with the others."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from models.operations.audit import SYSTEM, record_many
from models.tables.audit import AuditEntry

OnError = Callable[[list[int], Exception], None]  # (assignment ids, what went wrong)


class Failures:
    """The exceptions of one step, each with the assignments it concerns. Without a handler, the
    first one propagates, as if nothing were isolated."""

    def __init__(self, on_error: OnError | None):
        self._on_error = on_error
        self._ids: dict[int, tuple[Exception, list[int]]] = {}

    def new(self, exc: Exception) -> Exception:
        if self._on_error is None:
            raise exc
        self._ids[id(exc)] = (exc, [])
        return exc

    def add(self, exc: Exception, assignment_id: int) -> None:
        self._ids[id(exc)][1].append(assignment_id)

    def report(self) -> None:
        for exc, ids in self._ids.values():
            self._on_error(ids, exc)


def record_skipped(session: Session, ids: list[int], exc: Exception, *, stage: str, now: datetime) -> None:
    """The audit rows of assignments a sweep step skipped: the record of what was not done."""
    record_many(
        session,
        "assignment.skipped",
        "assignment",
        ids,
        now=now,
        by=SYSTEM,
        stage=stage,
        error=f"{exc.__class__.__name__}: {exc}"[:500],
    )


def skipped_at(session: Session, now: datetime) -> int:
    """How many assignments the sweep of `now` skipped (its summary shows it)."""
    return session.exec(
        select(func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.action == "assignment.skipped", AuditEntry.at == now)
    ).one()
