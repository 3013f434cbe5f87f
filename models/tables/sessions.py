"""Portal sessions and login throttles: the server-side state a signed cookie cannot carry."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.types import UTCDateTime


class PortalSession(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=64)  # SHA-256 of the cookie's token, never the token
    contact_id: int = Field(foreign_key="contact.id", index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LoginThrottle(SQLModel, table=True):
    key: str = Field(primary_key=True, max_length=300)  # "address:<email>", "client:<ip>"
    window_start: datetime = Field(sa_type=UTCDateTime)
    attempts: int = 0
