"""The audit log: every change, by whom, when and through which door. This is the record."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, insert, update
from sqlmodel import Field, Session, SQLModel, select

from models.db import insert_ignoring_conflicts
from models.types import UTCDateTime


class AuditEntry(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    actor: str  # "system", "cli", a contact, a coordinator
    channel: str = Field(max_length=10)  # cli, portal, prefect, system
    action: str = Field(max_length=40)  # e.g. plan.loaded, duty.updated, assignment.created
    entity: str = Field(max_length=20)
    entity_id: int | None = None
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class EventCursor(SQLModel, table=True):
    """How far the audit log has been mirrored to Prefect events. Moved with one conditional UPDATE
    before emitting, so two mirrors running at once never emit the same row twice."""

    name: str = Field(primary_key=True, max_length=40)
    position: int = 0


def record(
    session: Session,
    *,
    now: datetime,
    actor: str,
    channel: str,
    action: str,
    entity: str,
    entity_id: int | None = None,
    **details: Any,
) -> AuditEntry:
    entry = AuditEntry(
        at=now, actor=actor, channel=channel, action=action, entity=entity, entity_id=entity_id,
        details=details,
    )
    session.add(entry)
    return entry


def record_many(session: Session, ids: list[int], *, now: datetime, actor: str, channel: str, action: str,
                entity: str, **details: Any) -> None:
    """The same action on many entities, in one statement (a sweep touches hundreds)."""
    if ids:
        session.execute(insert(AuditEntry), [
            {"at": now, "actor": actor, "channel": channel, "action": action, "entity": entity, "entity_id": i,
             "details": details} for i in ids])


def claim_for_events(session: Session, *, limit: int, cursor: str = "prefect") -> list[AuditEntry]:
    """The next audit rows to mirror as events, claimed: the cursor moves past them with one
    conditional UPDATE before anything is emitted, so of two mirrors running at once only one
    gets them (the other gets nothing). Commit before emitting."""
    session.execute(insert_ignoring_conflicts(session, EventCursor, ["name"]).values(name=cursor, position=0))
    start = session.exec(select(EventCursor.position).where(EventCursor.name == cursor)).one()
    entries = list(session.exec(select(AuditEntry).where(AuditEntry.id > start).order_by(AuditEntry.id).limit(limit)))
    if not entries:
        return []
    moved = session.execute(update(EventCursor).where(EventCursor.name == cursor, EventCursor.position == start)
                            .values(position=entries[-1].id)).rowcount
    return entries if moved == 1 else []
