"""The audit log: every change, by whom, when and through which door. This is the record."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, insert
from sqlmodel import Field, Session, SQLModel

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
