"""Outbox state transitions. Rows are claimed with a conditional UPDATE and a rowcount check, which
works the same on SQLite and PostgreSQL, and no lock is held while a message is being sent.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, update
from sqlmodel import Session, select

from models.audit import record
from models.catalog.errors import Refused
from models.db import insert_ignoring_conflicts
from models.notification import RETRYABLE, Delivery, Notification, dedupe_key
from models.org import Contact
from models.policy import OPEN_STATES, Policy
from models.types import UTCDateTime

REMINDER_KINDS = ("reminder", "overdue", "escalation")  # not sent once nothing in them is still open


def message(key: str, kind: str, channel: str, recipient: str, *, contact_id: int | None, step: str,
            now: datetime, assignment_id: int | None = None, context: dict | None = None,
            send_at: datetime | None = None) -> dict:
    """An outbox row to queue: pending, due at `send_at` (an SMS waiting out the quiet hours) or now."""
    return {"dedupe_key": key, "kind": kind, "channel": channel, "recipient": recipient, "contact_id": contact_id,
            "assignment_id": assignment_id, "step": step, "context": context or {}, "status": Delivery.pending.value,
            "attempts": 0, "created_at": now, "next_attempt_at": send_at or now}


def queue(session: Session, rows: list[dict]) -> list[int]:
    """Insert the rows whose dedupe key is new; returns their ids. A rerun queues nothing twice."""
    if not rows:
        return []
    stmt = insert_ignoring_conflicts(session, Notification, ["dedupe_key"]).returning(Notification.id)
    return [r[0] for r in session.execute(stmt, rows).all()]


def ready_ids(session: Session, *, now: datetime, limit: int, ids: list[int] | None = None) -> list[int]:
    query = (select(Notification.id)
             .where(Notification.status.in_(RETRYABLE), Notification.next_attempt_at <= now)
             .order_by(Notification.next_attempt_at, Notification.id).limit(limit))
    if ids is not None:
        query = query.where(Notification.id.in_(ids))
    return list(session.exec(query))


# Built once: this runs for every message, and building the statement costs more than running it.
_CLAIM = (
    update(Notification)
    .where(Notification.id == bindparam("row_id"), Notification.status.in_(RETRYABLE),
           Notification.next_attempt_at <= bindparam("now", type_=UTCDateTime))
    .values(status=Delivery.sending, claimed_at=bindparam("now", type_=UTCDateTime),
            attempts=Notification.attempts + 1)
)


def claim(session: Session, row_id: int, *, now: datetime) -> bool:
    """Take one row for sending. True only for the one worker whose UPDATE changed it."""
    return session.execute(_CLAIM, {"row_id": row_id, "now": now}).rowcount == 1


_SENT = (
    update(Notification).where(Notification.id == bindparam("row_id"))
    .values(status=Delivery.sent, sent_at=bindparam("now", type_=UTCDateTime), last_error=None)
)


def mark_sent(session: Session, row_id: int, *, now: datetime) -> None:
    """The common outcome, in one statement."""
    session.execute(_SENT, {"row_id": row_id, "now": now})


def still_wanted(kind: str, assignment_state: str | None) -> bool:
    """A reminder for a duty submitted meanwhile is not sent (nor a notice whose items all were)."""
    return kind not in REMINDER_KINDS or assignment_state is None or assignment_state in OPEN_STATES


def fail(session: Session, row: Notification, *, now: datetime, error: str, permanent: bool,
         policy: Policy, tz: ZoneInfo) -> None:
    """Record a failed attempt on a claimed row; schedule the retry or the SMS fallback."""
    row.last_error = error[:2000]
    d = policy.delivery
    if permanent or row.attempts >= d.max_attempts:
        row.status = Delivery.dead
        # No address in the audit row: the contact and the channel say whose to check.
        record(session, now=now, actor="system", channel="system", action="notification.failed",
               entity="notification", entity_id=row.id, kind=row.kind, delivery=row.channel,
               contact=row.contact_id, assignment=row.assignment_id, attempts=row.attempts)
    else:
        row.status = Delivery.failed
        retry_at = now + d.backoff(row.attempts)
        row.next_attempt_at = policy.outside_quiet_hours(retry_at, tz) if row.channel == "sms" else retry_at
    if row.channel == "email" and (row.status == Delivery.dead or row.attempts >= d.sms_fallback_after):
        _fallback_to_sms(session, row, now=now, policy=policy, tz=tz)


def _fallback_to_sms(session: Session, row: Notification, *, now: datetime, policy: Policy,
                     tz: ZoneInfo) -> None:
    contact = session.get(Contact, row.contact_id) if row.contact_id else None
    if contact is None or not contact.phone:
        return
    queue(session, [message(dedupe_key(row.assignment_id, row.step, "sms", contact.phone), row.kind, "sms",
                            contact.phone, contact_id=contact.id, assignment_id=row.assignment_id, step=row.step,
                            context={"fallback_for": row.id}, now=now, send_at=policy.outside_quiet_hours(now, tz))])


def recover_stale(session: Session, *, now: datetime, policy: Policy) -> int:
    """Rows left `sending` by a crash: the outcome is unknown, so they are tried again.

    A gateway has no idempotency key: retrying risks a duplicate, not retrying risks a lost
    reminder. dondoc prefers the duplicate.
    """
    cutoff = now - timedelta(minutes=policy.delivery.stale_sending_minutes)
    result = session.execute(
        update(Notification)
        .where(Notification.status == Delivery.sending, Notification.claimed_at < cutoff)
        .values(status=Delivery.failed, next_attempt_at=now,
                last_error="interrupted while sending; outcome unknown, retried")
    )
    return result.rowcount


def retry(session: Session, row_id: int, *, now: datetime) -> Notification:
    """A coordinator's retry of a failed or dead row: due again now, attempts kept."""
    row = session.get(Notification, row_id)
    if row is None:
        raise LookupError(f"no outbox row {row_id}")
    if row.status not in (Delivery.failed, Delivery.dead, Delivery.cancelled):
        raise Refused(f"row {row_id} is {row.status}: only failed, dead or cancelled rows are retried")
    row.status, row.next_attempt_at = Delivery.pending, now
    return row
