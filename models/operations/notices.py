"""Messages about what happened to an assignment (receipt, returned, extension decided), queued in
the same outbox as reminders: retried, deduplicated, never lost by a crash."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from models.operations import outbox
from models.operations.reminders import recipients_by_body
from models.rules.policy import Policy
from models.tables.assignment import Assignment
from models.tables.notification import dedupe_key
from models.tables.org import Contact

# How each notice is queued: kind: (occasion prefix, what its event is, also by SMS when the contact
# has an email: a return asks for action). The kinds themselves (context, SMS form) are in
# notifications/kinds.py.
QUEUED = {
    "receipt": ("E", "evidence_id", False),
    "returned": ("R", "evidence_id", True),
    "extension": ("X", "extension_id", False),
}


def enqueue(
    session: Session,
    kind: str,
    assignment_id: int,
    event_id: int,
    *,
    now: datetime,
    policy: Policy,
    tz: ZoneInfo,
    contact_id: int | None = None,
) -> list[int]:
    """Queue `kind` about event `event_id` to `contact_id`, or to the body's focal points (or
    head) when no contact is known. Returns the new outbox rows' ids."""
    prefix, event, sms_too = QUEUED[kind]
    contact = session.get(Contact, contact_id) if contact_id else None
    people: Sequence[tuple[int | None, str | None, str | None]]  # (contact id, email, phone)
    if contact is not None and contact.active:
        people = [(contact.id, contact.email, contact.phone)]
    else:
        body_id = session.get(Assignment, assignment_id).body_id
        people = recipients_by_body(session, {body_id})[body_id]
    occasion, sms_at = f"{prefix}{event_id}", policy.outside_quiet_hours(now, tz)
    rows = []
    for cid, email, phone in people:
        channels = ([("email", email)] if email else []) + (
            [("sms", phone)] if phone and (sms_too or not email) else []
        )
        rows += [
            outbox.message(
                dedupe_key(assignment_id, occasion, channel, to),
                kind,
                channel,
                to,
                contact_id=cid,
                assignment_id=assignment_id,
                step=occasion,
                context={event: event_id},
                now=now,
                send_at=sms_at if channel == "sms" else None,
            )
            for channel, to in channels
        ]
    return outbox.queue(session, rows)
