"""Alerts to the coordinators (a dondoc flow run failed, messages keep failing), sent through the
same outbox as everything else. Raised by Prefect automations (`dondoc automations apply`)."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from models import outbox
from notifications.digests import recipients


def enqueue(session: Session, *, key: str, subject: str, detail: str, now: datetime, tz: ZoneInfo) -> list[int]:
    """One alert per coordinator for `key` (e.g. the flow run that raised it): a retried
    automation action sends nothing twice."""
    return outbox.queue(session, [
        outbox.message(f"alert:{key}:email:{c.email}", "alert", "email", c.email, contact_id=c.id, step="alert",
                       context={"subject": subject, "detail": detail, "at": now.isoformat()}, now=now)
        for c in recipients(session, "coordinator", now=now, tz=tz)])
