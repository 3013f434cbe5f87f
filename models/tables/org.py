"""Bodies (departments, districts, organisations), their contacts, and successions between them."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, ColumnElement, UniqueConstraint, and_, or_
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime


class Body(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True, index=True)
    name: str
    short_name: str | None = None
    kind: str = Field(max_length=20)
    parent_id: int | None = Field(default=None, foreign_key="body.id")
    # The body's life (a reorganisation creates and ends bodies): nothing is assigned, reminded or
    # escalated to it outside these dates. None: since before, or until after, anything recorded.
    active_from: date | None = None
    active_until: date | None = None

    @property
    def label(self) -> str:
        return self.short_name or self.name

    def is_active(self, day: date) -> bool:
        return (self.active_from is None or self.active_from <= day) and (
            self.active_until is None or day <= self.active_until
        )


def active_on(day: date) -> ColumnElement[bool]:
    """In SQL: the body (a query over Body) is active on `day`, as `Body.is_active` says."""
    return and_(
        or_(Body.active_from.is_(None), Body.active_from <= day),
        or_(Body.active_until.is_(None), Body.active_until >= day),
    )


class Succession(SQLModel, table=True):
    """From `effective_from`, the duties of `from_body` (all, or those in `duty_refs`) pass to `to_body`."""

    id: int | None = Field(default=None, primary_key=True)
    from_body_id: int = Field(foreign_key="body.id", index=True)
    to_body_id: int = Field(foreign_key="body.id")
    effective_from: date
    duty_refs: list[str] | None = Field(default=None, sa_column=Column(JSON))
    moves_coordinator: bool = False
    note: str | None = None
    created_at: datetime = Field(sa_type=UTCDateTime)


class Role(StrEnum):
    focal = "focal"  # cán bộ đầu mối: receives reminders and confirms
    head = "head"  # thủ trưởng: receives escalations
    leader = "leader"  # lãnh đạo: reads digests


class Contact(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("body_id", "role", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    name: str
    role: str = Field(max_length=10)
    email: str | None = None
    phone: str | None = Field(default=None, max_length=20)  # E.164
    active: bool = True
    coordinator: bool = False  # may review in the portal, besides the coordinating body's contacts
    position: str | None = None  # the title a letter addresses: "Phó Chủ tịch Ủy ban nhân dân tỉnh"
    password_hash: str | None = None  # argon2; set with `dondoc directory password`, portal login only
    updated_at: datetime = Field(sa_type=UTCDateTime)
