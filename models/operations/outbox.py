"""Outbox state transitions. Rows are claimed with a conditional UPDATE and a rowcount check, which
works the same on SQLite and PostgreSQL, and no lock is held while a message is being sent.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime, timedelta
from itertools import islice
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, case, update
from sqlmodel import Session, select

from models.db import get_or_refuse, insert_ignoring_conflicts
from models.errors import Refused
from models.operations.audit import SYSTEM, record
from models.rules.policy import Policy
from models.tables.notification import RETRYABLE, Delivery, Notification, dedupe_key
from models.tables.org import Contact
from models.types import UTCDateTime

UNKNOWN_RESENDS = 1  # an unknown outcome is resent this many times, then left to a coordinator


def message(
    key: str,
    kind: str,
    channel: str,
    recipient: str,
    *,
    contact_id: int | None,
    step: str,
    now: datetime,
    assignment_id: int | None = None,
    context: dict | None = None,
    send_at: datetime | None = None,
) -> dict:
    """An outbox row to queue: pending, due at `send_at` (an SMS waiting out the quiet hours) or now."""
    return {
        "dedupe_key": key,
        "kind": kind,
        "channel": channel,
        "recipient": recipient,
        "contact_id": contact_id,
        "assignment_id": assignment_id,
        "step": step,
        "context": context or {},
        "status": Delivery.pending.value,
        "attempts": 0,
        "created_at": now,
        "next_attempt_at": send_at or now,
    }


# Rows per INSERT: a day's reminders for the whole country (some 320,000), made as dicts at once,
# held a gigabyte.
QUEUE_BATCH = 5_000


def queue(session: Session, rows: Iterable[dict]) -> list[int]:
    """Insert the rows whose dedupe key is new, QUEUE_BATCH at a time as `rows` yields them;
    returns their ids. A rerun queues nothing twice."""
    stmt = insert_ignoring_conflicts(session, Notification, ["dedupe_key"]).returning(Notification.id)
    ids: list[int] = []
    pending = iter(rows)
    while batch := list(islice(pending, QUEUE_BATCH)):
        ids += [r[0] for r in session.execute(stmt, batch).all()]
    return ids


class Ready(NamedTuple):
    id: int
    channel: str
    recipient: str
    kind: str


def ready(
    session: Session, *, now: datetime, limit: int, ids: list[int] | None = None, body_ids: list[int] | None = None
) -> list[Ready]:
    """The rows due by `now` (or those of `ids`; those to contacts of `body_ids`), the longest
    waiting first."""
    query = (
        select(Notification.id, Notification.channel, Notification.recipient, Notification.kind)
        .where(Notification.status.in_(RETRYABLE), Notification.next_attempt_at <= now)
        .order_by(Notification.next_attempt_at, Notification.id)
        .limit(limit)
    )
    if ids is not None:
        query = query.where(Notification.id.in_(ids))
    if body_ids is not None:
        query = query.where(Notification.contact_id.in_(select(Contact.id).where(Contact.body_id.in_(body_ids))))
    return [Ready(*r) for r in session.exec(query)]


def claim_for(
    session: Session,
    channel: str,
    recipient: str,
    kinds: Collection[str],
    *,
    now: datetime,
    claimed_at: datetime,
    ids: list[int] | None = None,
) -> list[int]:
    """Take every row of `kinds` due by `now` for one recipient on one channel (those of `ids`
    only, if given): the rows one message carries. Returns the ids this worker claimed, in order.

    One UPDATE for them all (a daily message carries a hundred rows): a row another worker took
    first no longer matches its WHERE (PostgreSQL checks it again once that worker commits;
    SQLite has one writer at a time), so each row is claimed by one worker."""
    query = (
        update(Notification)
        .where(
            Notification.channel == channel,
            Notification.recipient == recipient,
            Notification.kind.in_(kinds),
            Notification.status.in_(RETRYABLE),
            Notification.next_attempt_at <= now,
        )
        .values(status=Delivery.sending, claimed_at=claimed_at, attempts=Notification.attempts + 1)
        .returning(Notification.id)
    )
    if ids is not None:
        query = query.where(Notification.id.in_(ids))
    return sorted(session.execute(query).scalars())


# Built once: this runs for every message, and building the statement costs more than running it.
# `now` is the run's moment (a replay's --as-of); `claimed_at` the wall clock, which the lease reads.
_CLAIM = (
    update(Notification)
    .where(
        Notification.id == bindparam("row_id"),
        Notification.status.in_(RETRYABLE),
        Notification.next_attempt_at <= bindparam("now", type_=UTCDateTime),
    )
    .values(
        status=Delivery.sending,
        claimed_at=bindparam("claimed_at", type_=UTCDateTime),
        attempts=Notification.attempts + 1,
    )
)


def claim(session: Session, row_id: int, *, now: datetime, claimed_at: datetime) -> bool:
    """Take one row for sending. True only for the one worker whose UPDATE changed it."""
    return session.execute(_CLAIM, {"row_id": row_id, "now": now, "claimed_at": claimed_at}).rowcount == 1


def mark_sent(session: Session, row_ids: list[int], *, now: datetime) -> None:
    """The common outcome, for every row a message carried, in one statement."""
    session.execute(
        update(Notification)
        .where(Notification.id.in_(row_ids))
        .values(status=Delivery.sent, sent_at=now, last_error=None)
    )


def fail(
    session: Session,
    row: Notification,
    *,
    now: datetime,
    error: str,
    permanent: bool = False,
    unknown: bool = False,
    sms_fallback: bool,
    policy: Policy,
    tz: ZoneInfo,
) -> None:
    """Record a failed attempt on a claimed row; schedule the retry or, when the row's kind has an
    SMS form (`sms_fallback`, from the registry in notifications/kinds.py), the SMS fallback.

    An unknown outcome (the message went out whole and no answer came) is resent once, since a
    lost reminder costs more than a duplicate; a second one is not resent by itself
    (`unknown_outcomes` shows the possible duplicate).
    """
    row.last_error = error[:2000]
    d = policy.delivery
    if unknown:
        row.unknown_outcomes += 1
    if unknown and row.unknown_outcomes > UNKNOWN_RESENDS:
        row.status = Delivery.unknown
        _audit(session, row, "notification.unknown", now)
        return
    if (permanent or row.attempts >= d.max_attempts) and not unknown:
        row.status = Delivery.dead
        _audit(session, row, "notification.failed", now)
    else:
        row.status = Delivery.failed
        retry_at = now + d.backoff(row.attempts)
        row.next_attempt_at = policy.outside_quiet_hours(retry_at, tz) if row.channel == "sms" else retry_at
    if (
        sms_fallback
        and row.channel == "email"
        and not unknown
        and (row.status == Delivery.dead or row.attempts >= d.sms_fallback_after)
    ):
        _fallback_to_sms(session, row, now=now, policy=policy, tz=tz)


def _audit(session: Session, row: Notification, action: str, now: datetime) -> None:
    """A message's fate in the audit log. No address: the contact and the channel say whose to check."""
    record(
        session,
        action,
        "notification",
        row.id,
        now=now,
        by=SYSTEM,
        kind=row.kind,
        delivery=row.channel,
        contact=row.contact_id,
        assignment=row.assignment_id,
        attempts=row.attempts,
    )


def _fallback_to_sms(session: Session, row: Notification, *, now: datetime, policy: Policy, tz: ZoneInfo) -> None:
    """The same message by SMS, once (its kind has an SMS form). A notice keeps its items; a
    reminder's key is the one its own SMS step would have, so the person gets one SMS."""
    contact = session.get(Contact, row.contact_id) if row.contact_id else None
    if contact is None or not contact.phone:
        return
    key = (
        dedupe_key(row.assignment_id, row.step, "sms", contact.phone)
        if row.assignment_id
        else f"{row.dedupe_key}>sms:{contact.phone}"
    )
    queue(
        session,
        [
            message(
                key,
                row.kind,
                "sms",
                contact.phone,
                contact_id=contact.id,
                assignment_id=row.assignment_id,
                step=row.step,
                context={**row.context, "fallback_for": row.id},
                now=now,
                send_at=policy.outside_quiet_hours(now, tz),
            )
        ],
    )


def recover_stale(session: Session, *, now: datetime, wall: datetime, policy: Policy) -> int:
    """Rows left `sending` by a crash: claimed longer ago than the lease, on the wall clock (a
    replay's `now` says nothing of how long a send has been running). The outcome is unknown, so
    they count as such: resent once, as `fail` does."""
    cutoff = wall - timedelta(minutes=policy.delivery.stale_sending_minutes)
    result = session.execute(
        update(Notification)
        .where(Notification.status == Delivery.sending, Notification.claimed_at < cutoff)
        .values(
            status=case((Notification.unknown_outcomes >= UNKNOWN_RESENDS, Delivery.unknown), else_=Delivery.failed),
            unknown_outcomes=Notification.unknown_outcomes + 1,
            next_attempt_at=now,
            last_error="interrupted while sending: outcome unknown",
        )
    )
    return result.rowcount


def retry(session: Session, row_id: int, *, now: datetime, duplicate_ok: bool = False) -> Notification:
    """A coordinator's retry of a failed, dead or cancelled row: due again now, attempts kept. A row
    whose outcome is unknown may have been delivered: it is resent only when `duplicate_ok`."""
    row = get_or_refuse(session, Notification, row_id, f"không có tin số {row_id} trong hộp thư đi")
    if row.status == Delivery.unknown and not duplicate_ok:
        raise Refused(
            f"tin {row_id} có thể đã đến người nhận (máy chủ không xác nhận): gửi lại có thể gây "
            "trùng lặp; dùng --duplicate-ok nếu vẫn muốn gửi lại"
        )
    if row.status not in (Delivery.failed, Delivery.dead, Delivery.cancelled, Delivery.unknown):
        raise Refused(
            f"tin {row_id} đang ở trạng thái {row.status}: chỉ gửi lại tin lỗi, không gửi được, "
            "đã huỷ hoặc chưa rõ kết quả"
        )
    row.status, row.next_attempt_at = Delivery.pending, now
    return row
