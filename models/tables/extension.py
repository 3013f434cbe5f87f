"""Extensions (gia hạn): every request, decided or not."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime


class Decision(StrEnum):
    pending = "pending"
    approved = "approved"
    refused = "refused"


class Extension(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    assignment_id: int = Field(foreign_key="assignment.id", index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    previous_due: date
    requested_due: date
    reason: str = Field(sa_column=Column(Text, nullable=False))
    requested_at: datetime = Field(sa_type=UTCDateTime)
    requested_by: str
    decision: str = Field(default=Decision.pending, max_length=10)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by: str | None = None
    comment: str | None = Field(default=None, sa_column=Column(Text))
