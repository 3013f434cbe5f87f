"""The audit log: every change, by whom, when and through which door. This is the record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

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
