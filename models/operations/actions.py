"""What each door (CLI, portal, Prefect run form) calls: the operation and the message it owes
someone, in one transaction. The messages go through the outbox; the caller dispatches the ids
it gets back when it wants them out at once."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from models.operations import extension, notices
from models.operations.audit import CLI, By
from models.operations.confirmation import Ruling, Submission, confirm, review
from models.rules.policy import Policy
from models.tables.assignment import Assignment
from models.tables.evidence import Evidence
from models.tables.extension import Extension


def submit(
    session: Session,
    assignment_id: int,
    sent: Submission,
    *,
    now: datetime,
    policy: Policy,
    tz: ZoneInfo,
    date_margin_days: int,
    by: By = CLI,
) -> tuple[Evidence, list[int]]:
    """Record evidence; the submitter (or the body's focal points) gets a receipt."""
    evidence = confirm(session, assignment_id, sent, now=now, tz=tz, date_margin_days=date_margin_days, by=by)
    return evidence, notices.enqueue(
        session, "receipt", assignment_id, evidence.id, now=now, policy=policy, tz=tz, contact_id=sent.contact_id
    )


def decide_submission(
    session: Session, assignment_id: int, ruling: Ruling, *, now: datetime, policy: Policy, tz: ZoneInfo, by: By = CLI
) -> tuple[Assignment, list[int]]:
    """Accept or return; a return is sent to whoever submitted (or the focal points)."""
    a, evidence = review(session, assignment_id, ruling, now=now, by=by)
    if ruling.yes:
        return a, []
    return a, notices.enqueue(
        session, "returned", a.id, evidence.id, now=now, policy=policy, tz=tz, contact_id=evidence.contact_id
    )


def decide_extension(
    session: Session, extension_id: int, ruling: Ruling, *, now: datetime, policy: Policy, tz: ZoneInfo, by: By = CLI
) -> tuple[Extension, list[int]]:
    """Approve or refuse; the requester (or the focal points) hears of it either way."""
    ext = extension.decide(session, extension_id, ruling, now=now, by=by)
    return ext, notices.enqueue(
        session, "extension", ext.assignment_id, ext.id, now=now, policy=policy, tz=tz, contact_id=ext.contact_id
    )
