"""The coordinators' alert, run by Prefect automations: an email to each coordinator through the
outbox. Its deployment carries its own tag, so that its own failure raises no alert."""

from __future__ import annotations

from datetime import datetime

from prefect import flow
from prefect.runtime import flow_run

from config.settings import get_settings
from models.db import session_scope
from notifications import alerts
from notifications.runtime import Runtime


@flow(name="coordinator-alert", flow_run_name="Cảnh báo: {subject}")
def alert_coordinators(subject: str, detail: str = "") -> int:
    settings = get_settings()
    now = datetime.now(settings.tz)
    with session_scope(settings.db_url) as s:
        ids = alerts.enqueue(s, key=str(flow_run.get_id()), subject=subject, detail=detail, now=now, tz=settings.tz)
    Runtime.from_settings(settings).dispatch(now, ids=ids)
    return len(ids)
