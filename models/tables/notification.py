"""The notification outbox: every message is a row before it is sent, so none is lost."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, Text
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime


class Delivery(StrEnum):
    pending = "pending"
    sending = "sending"  # claimed; a crash leaves it visible for the next run to resolve
    sent = "sent"
    failed = "failed"  # will be retried at next_attempt_at
    dead = "dead"  # permanent failure (bad address) or attempts exhausted
    cancelled = "cancelled"  # no longer needed: the duty was submitted before it went out
    # The server may have taken it but never said so (no answer after the whole message was sent,
    # twice): not sent again automatically; `dondoc outbox retry --duplicate-ok` resends it.
    unknown = "unknown"


RETRYABLE = (Delivery.pending, Delivery.failed)


def dedupe_key(assignment_id: int | None, step: str, channel: str, recipient: str) -> str:
    """One message per (assignment, occasion, channel, recipient), whoever plans it. The occasion
    is a reminder step with its due date ("T-3@2025-06-18") or an event ("E12" for a receipt).
    Addresses compare in lower case (phones are E.164 already)."""
    return f"a{assignment_id}:{step}:{channel}:{recipient.lower()}"


class Notification(SQLModel, table=True):
    __table_args__ = (
        Index("ix_notification_status_next", "status", "next_attempt_at"),
        # A message of the day claims its recipient's rows (`outbox.claim_for`): without this, each
        # claim read every row due that day, and a national day's 7,000 messages read 384,000 rows
        # each (PostgreSQL's CPU, 1,000 s, was the workers' limit).
        Index("ix_notification_recipient", "recipient", "channel", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=400, unique=True)  # assignment, step, channel, recipient
    kind: str = Field(max_length=30)
    channel: str = Field(max_length=10)
    recipient: str
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    assignment_id: int | None = Field(default=None, foreign_key="assignment.id", index=True)
    step: str = Field(max_length=20)  # the occasion: see dedupe_key
    context: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default=Delivery.pending, max_length=10)
    attempts: int = 0
    # Attempts whose outcome was unknown (no answer after the message went out, or a crash while
    # sending): above 0, the recipient may have received this message more than once.
    unknown_outcomes: int = 0
    next_attempt_at: datetime = Field(sa_type=UTCDateTime)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
