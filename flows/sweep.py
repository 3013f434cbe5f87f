"""The daily sweep: plan the reminders and escalations due into the outbox, send it, then show
the result in the Prefect UI (status board, sweep summary, events). A fixed number of task runs,
however many assignments: the per-assignment work happens in SQL and in the dispatcher's pool."""

from __future__ import annotations

from datetime import datetime

from prefect import flow
from prefect.runtime import flow_run

from config.settings import get_settings
from tasks.publish import mirror_events, publish_board, publish_sweep_summary
from tasks.sweep import dispatch_outbox, escalate_overdue, plan_reminders

NAMED = 3  # bodies a shard's run name lists


def _run_name() -> str:
    as_of, bodies = flow_run.parameters.get("as_of"), flow_run.parameters.get("bodies")
    if isinstance(as_of, str):  # a run's parameters, before the flow validates them
        as_of = datetime.fromisoformat(as_of)
    name = f"Lượt quét {(as_of or datetime.now(get_settings().tz)):%H:%M ngày %d/%m/%Y}"
    if not bodies:
        return name
    # A province's shard names a hundred bodies: the run's name, the first few and how many.
    shown = ", ".join(bodies[:NAMED]) + (f" và {len(bodies) - NAMED} cơ quan khác" if len(bodies) > NAMED else "")
    return f"{name} ({shown})"


@flow(name="daily-sweep", flow_run_name=_run_name)
def daily_sweep(as_of: datetime | None = None, bodies: list[str] | None = None) -> dict[str, int]:
    """`as_of` replays a moment; by default now. Decisions follow `now`, never the scheduled time,
    so late runs after an outage send each reminder once.

    `bodies` makes a shard: the reminders of those bodies only, planned and sent to their
    contacts, so that several workers share a large plan (a province each, say). Shards may run
    at once: the outbox sends each message once. What spans all bodies
    (escalation grouped per recipient and day, the board, the events) runs in the whole sweep.
    """
    now = as_of or datetime.now(get_settings().tz)
    planned = plan_reminders(now, bodies)
    if bodies:
        return {"planned": planned, **dispatch_outbox(now, bodies)}
    escalated = escalate_overdue(now)
    sent = dispatch_outbox(now)
    publish_sweep_summary(now, planned, escalated, sent)
    publish_board(now)
    events = mirror_events()
    return {"planned": planned, "escalations": escalated, **sent, "events": events}


@flow(name="events", flow_run_name="Đưa nhật ký lên Event Feed")
def publish_events() -> int:
    """Between sweeps, so that submissions and reviews reach the Event Feed within minutes."""
    return mirror_events()
