"""Evidence that a duty was done: a submission with files, a document reference and figures."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime


class Evidence(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    assignment_id: int = Field(foreign_key="assignment.id", index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    channel: str = Field(max_length=10)  # portal, cli, prefect
    submitted_at: datetime = Field(sa_type=UTCDateTime)
    document_ref: str | None = None  # số hiệu
    document_date: date | None = None
    note: str | None = Field(default=None, sa_column=Column(Text))
    review: str | None = Field(default=None, max_length=10)  # accepted / returned
    review_comment: str | None = Field(default=None, sa_column=Column(Text))


class EvidenceFile(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    evidence_id: int = Field(foreign_key="evidence.id", index=True)
    sha256: str = Field(max_length=64, index=True)  # the stored file's name
    size: int
    filename: str  # the client's name, metadata only
    content_type: str


class TargetValue(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    evidence_id: int = Field(foreign_key="evidence.id", index=True)
    target_id: int = Field(foreign_key="target.id", index=True)
    value: float  # the count, or a rate's numerator
    base: float | None = None  # a rate's denominator
