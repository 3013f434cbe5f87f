"""The kinds of message the outbox sends, one registry entry each: the values its templates see,
whether it is still wanted when its turn comes, whether it has an SMS form.

A kind's templates are `<name>-subject.txt`, `-body.txt`, `-body.html` and, when it has an SMS
form, `-sms.txt` (notifications/templates; tests/test_templates.py checks that every kind has
its templates and every template its kind). The models layer queues rows by kind name and is told
what it needs (`outbox.fail(..., sms_fallback=kind.sms)`); it never reads this registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session

from models.tables.assignment import OPEN_STATES
from models.tables.notification import Notification
from models.tables.org import Contact
from notifications.context import (
    Rendering,
    alert_context,
    assignment_message_context,
    digest_message_context,
    escalation_context,
)

# Builds the values a kind's templates see, for one outbox row (and its contact, if any).
Builder = Callable[[Session, Notification, Contact | None, Rendering], dict]


@dataclass(frozen=True)
class Kind:
    """One kind of message. `while_open`: not sent once nothing in it is still open (a reminder of
    a duty submitted since is cancelled). `sms`: it has an SMS form (`<name>-sms.txt`), which an
    email that keeps failing falls back to. `daily`: what the sweep queues for a person in a day
    goes in one message (notifications/daily.py); a row alone keeps its own templates."""

    name: str
    build: Builder
    while_open: bool = False
    sms: bool = False
    daily: bool = False

    def context(self, session: Session, row: Notification, at: Rendering) -> dict:
        """The values `row`'s templates see, read from the database now."""
        contact = session.get(Contact, row.contact_id) if row.contact_id else None
        return self.build(session, row, contact, at)

    def wanted(self, context: dict) -> bool:
        """Whether the message is still worth sending, by the `state` its context found."""
        return not self.while_open or context["state"] is None or context["state"] in OPEN_STATES

    @property
    def templates(self) -> tuple[str, ...]:
        parts = ("subject.txt", "body.txt", "body.html") + (("sms.txt",) if self.sms else ())
        return tuple(f"{self.name}-{part}" for part in parts)


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    """Add `kind` to the registry; a name is registered once."""
    if kind.name in KINDS:
        raise ValueError(f"message kind {kind.name!r} is already registered")
    KINDS[kind.name] = kind
    return kind


# Reminders and overdue nags (models/operations/reminders.py, steps of config/policy.yaml).
register(Kind("reminder", assignment_message_context, while_open=True, sms=True, daily=True))
register(Kind("overdue", assignment_message_context, while_open=True, sms=True, daily=True))
# The escalation notice of a day, listing the items still open (models/operations/escalation.py).
register(Kind("escalation", escalation_context, while_open=True, sms=True, daily=True))
# What happened to a submission or an extension request (models/operations/notices.py).
register(Kind("receipt", assignment_message_context, sms=True))
register(Kind("returned", assignment_message_context, sms=True))
register(Kind("extension", assignment_message_context, sms=True))
# To the coordinators, email only: alerts (notifications/alerts.py) and the weekly digests
# (notifications/digests.py, imported when a digest is rendered: its chart needs matplotlib).
register(Kind("alert", alert_context))
register(Kind("digest-leadership", digest_message_context))
register(Kind("digest-coordinator", digest_message_context))

# Answers to what a person did (a receipt, a return, an extension decided) go at once, on their own.
DAILY_KINDS = frozenset(k.name for k in KINDS.values() if k.daily)
