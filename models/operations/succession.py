"""Successions (the 2025 reorganisation and the next one): from a date, a body's duties, all or
some, pass to one body or several; the plan's coordinating role may pass with them.

Open assignments due from that date move to the first successor; submitted and finished ones stay
with the body that did the work, so history keeps the original body. Where several bodies succeed
one (a district's duties passing to its communes), the others get their rows for the same periods
at the next materialization (`Successions.holders`), as later periods are created for all of them.
An open row whose duty the first successor already holds itself in the same plan would have it
report twice: it is removed if nothing ever happened to it, moved otherwise.

Recording the same succession again changes nothing (the organisation file is applied at every
`dondoc init`); the file and its checks are in models/intake/organisation.py, its application in
models/operations/organisation.py.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import and_, delete, exists, or_, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from models.errors import NotFound, Refused
from models.operations.audit import CLI, By, record, record_many
from models.tables.assignment import EFFECTIVE_DUE, OPEN_STATES, Assignment
from models.tables.evidence import Evidence
from models.tables.extension import Extension
from models.tables.link import Link
from models.tables.notification import Notification
from models.tables.org import Body, Succession
from models.tables.plan import Duty


def held_refs(session: Session, body_id: int) -> set[str]:
    """The duty refs a body holds: its own, and those passed to it by successions."""
    refs: set[str] = set()
    todo, seen = [body_id], set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        refs.update(session.exec(select(Duty.ref).where(Duty.body_id == current, Duty.retired_revision.is_(None))))
        for origin, passed in session.exec(
            select(Succession.from_body_id, Succession.duty_refs).where(Succession.to_body_id == current)
        ):
            if passed:
                refs.update(passed)
            else:
                todo.append(origin)
    return refs


def succeed(
    session: Session,
    from_code: str,
    to_codes: str | list[str],
    *,
    effective_from: date,
    now: datetime,
    duty_refs: list[str] | None = None,
    moves_coordinator: bool = False,
    note: str | None = None,
    by: By = CLI,
) -> tuple[list[Succession], int]:
    """Record that the duties of `from_code` pass to `to_codes` (the coordinating role, if it
    moves, to the first) and move the open assignments due from `effective_from` to the first.
    Returns the succession rows and how many assignments moved. Idempotent: a succession already
    recorded is kept (its duties, role and note updated if they changed)."""
    codes = [to_codes] if isinstance(to_codes, str) else list(to_codes)
    if not codes:
        raise Refused("cần ít nhất một cơ quan tiếp nhận")
    bodies = {b.code: b for b in session.exec(select(Body).where(Body.code.in_([from_code, *codes])))}
    for code in (from_code, *codes):
        if code not in bodies:
            raise NotFound(f"không có cơ quan mã '{code}'")
    if from_code in codes:
        raise Refused("một cơ quan không thể tiếp nhận nhiệm vụ của chính mình")
    if len(set(codes)) != len(codes):
        raise Refused("một cơ quan tiếp nhận được kê hai lần")
    old = bodies[from_code]
    assert old.id is not None
    if duty_refs:
        unknown = sorted(set(duty_refs) - held_refs(session, old.id))
        if unknown:
            raise Refused(f"{from_code} không có nhiệm vụ {', '.join(unknown)}")
    refs = sorted(duty_refs) if duty_refs else None
    rows, created, updated = [], 0, 0
    for n, code in enumerate(codes):
        values = {"duty_refs": refs, "moves_coordinator": moves_coordinator and n == 0, "note": note}
        row = session.exec(
            select(Succession).where(
                Succession.from_body_id == old.id,
                Succession.to_body_id == bodies[code].id,
                Succession.effective_from == effective_from,
            )
        ).first()
        if row is None:
            row = Succession(
                from_body_id=old.id, to_body_id=bodies[code].id, effective_from=effective_from, created_at=now, **values
            )
            session.add(row)
            session.flush()
            created += 1
        elif changes := {k: [getattr(row, k), v] for k, v in values.items() if getattr(row, k) != v}:
            for key, (_before, after) in changes.items():
                setattr(row, key, after)
            record(session, "succession.updated", "succession", row.id, now=now, by=by, changes=changes)
            updated += 1
        rows.append(row)
    moved = _move_open(session, old.id, bodies[codes[0]].id, effective_from, refs, now=now, by=by)
    if created or moved:
        record(
            session,
            "body.succeeded",
            "body",
            old.id,
            now=now,
            by=by,
            to=codes,
            effective_from=effective_from.isoformat(),
            duties=refs,
            coordinator=moves_coordinator,
            moved=moved,
        )
    return rows, moved


def _move_open(
    session: Session,
    old_id: int,
    new_id: int | None,
    effective_from: date,
    refs: list[str] | None,
    *,
    now: datetime,
    by: By,
) -> int:
    """Move the open assignments of `old_id` due from `effective_from` to `new_id`. One of a duty
    the successor holds itself in the same plan would make it report twice: it is removed if
    nothing ever happened to it (no message, link, submission, extension or escalation), and
    moved like the others otherwise, so that what was said about it stays with someone."""
    own = aliased(Duty)
    duplicate = exists().where(
        and_(own.plan_id == Duty.plan_id, own.ref == Duty.ref, own.body_id == new_id, own.retired_revision.is_(None))
    )
    touched = or_(
        Assignment.escalation_level > 0,
        *(exists().where(t.assignment_id == Assignment.id) for t in (Notification, Link, Evidence, Extension)),
    )
    moving = (
        select(Assignment.id, and_(duplicate, ~touched))
        .join(Duty, Duty.id == Assignment.duty_id)
        .where(Assignment.body_id == old_id, Assignment.state.in_(OPEN_STATES), effective_from <= EFFECTIVE_DUE)
    )
    if refs:
        moving = moving.where(Duty.ref.in_(refs))
    found = session.execute(moving).all()
    moved = [i for i, superseded in found if not superseded]
    superseded = [i for i, gone in found if gone]
    if moved:
        session.execute(update(Assignment).where(Assignment.id.in_(moved)).values(body_id=new_id))
    if superseded:
        session.execute(delete(Assignment).where(Assignment.id.in_(superseded)))
        record_many(session, "assignment.superseded", "assignment", superseded, now=now, by=by, by_body=new_id)
    return len(moved)
