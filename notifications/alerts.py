"""Alerts to the coordinators (a dondoc flow run failed, messages keep failing), sent through the
same outbox as everything else. Raised by Prefect automations (`dondoc automations apply`)."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from models.db import insert_ignoring_conflicts
from models.notification import Delivery, Notification
from notifications.digests import recipients


def enqueue(session: Session, *, key: str, subject: str, detail: str, now: datetime, tz: ZoneInfo) -> list[int]:
    """One alert per coordinator for `key` (e.g. the flow run that raised it): a retried
    automation action sends nothing twice."""
    rows = [{
        "dedupe_key": f"alert:{key}:email:{c.email}", "kind": "alert", "channel": "email", "recipient": c.email,
        "contact_id": c.id, "assignment_id": None, "step": "alert",
        "context": {"subject": subject, "detail": detail, "at": now.isoformat()},
        "status": Delivery.pending.value, "attempts": 0, "created_at": now, "next_attempt_at": now,
    } for c in recipients(session, "coordinator", now=now, tz=tz)]
    if not rows:
        return []
    stmt = insert_ignoring_conflicts(session, Notification, ["dedupe_key"])
    return [r[0] for r in session.execute(stmt.returning(Notification.id), rows).all()]
