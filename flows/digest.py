"""The weekly digests (leadership, coordinators) as a Prefect flow: queue one per recipient for
the week, then send the outbox. A rerun in the same week sends nothing twice."""

from __future__ import annotations

from datetime import datetime

from prefect import flow, task
from prefect.runtime import flow_run

from config.settings import get_settings
from notifications.runtime import Runtime
from tasks.sweep import dispatch_outbox

READERS = {"leadership": "Báo cáo tuần gửi lãnh đạo", "coordinator": "Báo cáo tuần gửi cơ quan điều phối"}


@task(name="queue-digest", task_run_name="xếp báo cáo tuần vào hộp thư đi")
def queue_digest(kind: str, now: datetime) -> int:
    return len(Runtime.from_settings().digest(kind, now))


def _run_name() -> str:
    return READERS.get(flow_run.parameters.get("kind", "leadership"), "Báo cáo tuần")


@flow(name="weekly-digest", flow_run_name=_run_name)
def weekly_digest(kind: str = "leadership", as_of: datetime | None = None) -> dict[str, int]:
    now = as_of or datetime.now(get_settings().tz)
    queued = queue_digest(kind, now)
    return {"queued": queued, **dispatch_outbox(now)}
