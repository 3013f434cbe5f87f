"""Signed links to one assignment's page, or to a plan's full lists: the row a token is bound to."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from models.types import UTCDateTime


class Purpose(StrEnum):
    confirm = "confirm"  # view the assignment, submit evidence once, ask for an extension
    view = "view"  # read only: the receipt's link to what was sent
    overview = "overview"  # read only: a plan's full lists, from a digest whose lists are capped
    sign_in = "signin"  # a coordinator's one-time sign-in, minutes long (`dondoc directory login-link`)


class Link(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    purpose: str = Field(max_length=10)
    assignment_id: int | None = Field(default=None, foreign_key="assignment.id", index=True)  # confirm, view
    plan_id: int | None = Field(default=None, foreign_key="plan.id")  # overview
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    issued_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    issued_by: str
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
