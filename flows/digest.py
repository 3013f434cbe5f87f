"""The weekly digests (leadership, coordinators) as a Prefect flow: queue one per recipient for
the week, then send the outbox. A rerun in the same week sends nothing twice."""

from __future__ import annotations

from datetime import datetime

from prefect import flow, task

from config.settings import get_settings
from notifications.runtime import Runtime
from tasks.sweep import dispatch_outbox


@task(name="queue-digest", task_run_name="queue the {kind} digest")
def queue_digest(kind: str, now: datetime) -> int:
    return len(Runtime.from_settings().digest(kind, now))


@flow(name="weekly-digest", flow_run_name="{kind} digest")
def weekly_digest(kind: str = "leadership", as_of: datetime | None = None) -> dict[str, int]:
    now = as_of or datetime.now(get_settings().tz)
    queued = queue_digest(kind, now)
    return {"queued": queued, **dispatch_outbox(now)}
