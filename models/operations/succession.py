"""Successions (the 2025 reorganisation and the next one): from a date, a body's duties, all or
some, pass to another body; the plan's coordinating role may pass with them.

Open assignments due from that date move to the successor; submitted and finished ones stay with
the body that did the work, so history keeps the original body. Later periods are created for
the successor by materialization (`Successions.holder`).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import update
from sqlmodel import Session, select

from models.errors import InputError, NotFound, Problem, Refused, format_path
from models.operations.audit import CLI, By, record
from models.tables.assignment import EFFECTIVE_DUE, OPEN_STATES, Assignment
from models.tables.org import Body, Succession
from models.tables.plan import Duty


def succeed(
    session: Session,
    from_code: str,
    to_code: str,
    *,
    effective_from: date,
    now: datetime,
    duty_refs: list[str] | None = None,
    moves_coordinator: bool = False,
    note: str | None = None,
    by: By = CLI,
) -> tuple[Succession, int]:
    """Record the succession and move the open assignments due from `effective_from`; returns
    the row and how many assignments moved."""
    bodies = {b.code: b for b in session.exec(select(Body).where(Body.code.in_([from_code, to_code])))}
    for code in (from_code, to_code):
        if code not in bodies:
            raise NotFound(f"không có cơ quan mã '{code}'")
    if from_code == to_code:
        raise Refused("một cơ quan không thể tiếp nhận nhiệm vụ của chính mình")
    old, new = bodies[from_code], bodies[to_code]
    if duty_refs:
        held = set(session.exec(select(Duty.ref).where(Duty.body_id == old.id)))
        unknown = sorted(set(duty_refs) - held)
        if unknown:
            raise Refused(f"{from_code} không có nhiệm vụ {', '.join(unknown)}")
    row = Succession(
        from_body_id=old.id,
        to_body_id=new.id,
        effective_from=effective_from,
        duty_refs=sorted(duty_refs) if duty_refs else None,
        moves_coordinator=moves_coordinator,
        note=note,
        created_at=now,
    )
    session.add(row)
    session.flush()
    moving = (
        select(Assignment.id)
        .join(Duty, Duty.id == Assignment.duty_id)
        .where(Assignment.body_id == old.id, Assignment.state.in_(OPEN_STATES), effective_from <= EFFECTIVE_DUE)
    )
    if duty_refs:
        moving = moving.where(Duty.ref.in_(duty_refs))
    ids = list(session.exec(moving))
    if ids:
        session.execute(update(Assignment).where(Assignment.id.in_(ids)).values(body_id=new.id))
    record(
        session,
        "body.succeeded",
        "body",
        old.id,
        now=now,
        by=by,
        to=to_code,
        effective_from=effective_from.isoformat(),
        duties=row.duty_refs,
        coordinator=moves_coordinator,
        moved=len(ids),
    )
    return row, len(ids)


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: str = Field(alias="from")
    to: str
    effective_from: date
    duties: list[str] | None = None
    coordinator: bool = False
    note: str | None = None


class _Overlay(BaseModel):
    model_config = ConfigDict(extra="forbid")

    successions: list[_Entry] = Field(min_length=1)


def apply_overlay(session: Session, path: Path, *, now: datetime, by: By = CLI) -> list[tuple[str, str, int]]:
    """Apply a YAML file of successions (e.g. config/successions-2025.example.yaml) as one
    transaction: a bad entry names the file, path and line, and nothing is applied."""
    from models.intake.catalog.yamlsource import line_of, load_with_lines

    data, lines = load_with_lines(path.read_text(encoding="utf-8"))
    try:
        overlay = _Overlay.model_validate(data or {})
    except ValidationError as exc:
        raise InputError(
            [
                Problem(str(path), "invalid-succession", format_path(e["loc"]), line_of(lines, e["loc"]), e["msg"])
                for e in exc.errors()
            ]
        ) from exc
    done = []
    for i, e in enumerate(overlay.successions):
        try:
            _, moved = succeed(
                session,
                e.from_,
                e.to,
                effective_from=e.effective_from,
                now=now,
                duty_refs=e.duties,
                moves_coordinator=e.coordinator,
                note=e.note,
                by=by,
            )
        except (LookupError, Refused) as exc:
            loc = ("successions", i)
            raise InputError(
                [Problem(str(path), "invalid-succession", format_path(loc), line_of(lines, loc), str(exc).strip("'\""))]
            ) from exc
        done.append((e.from_, e.to, moved))
    return done
