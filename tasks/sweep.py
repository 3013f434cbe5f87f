"""The sweep's steps as Prefect tasks. No task retries: delivery retries live in the outbox,
where a crash cannot lose them (a task's retry sleeps in the worker and dies with it)."""

from __future__ import annotations

from datetime import datetime

from prefect import task

from notifications.runtime import Runtime


@task(name="plan-reminders", task_run_name="xếp các lượt nhắc việc đến {now:%H:%M ngày %d/%m/%Y}")
def plan_reminders(now: datetime, bodies: list[str] | None = None) -> int:
    """Write each reminder due now (for `bodies`, or all) to the outbox; returns how many rows are new."""
    runtime = Runtime.from_settings()
    return runtime.enqueue(now, runtime.body_ids(bodies) if bodies else None)


@task(name="escalate-overdue", task_run_name="báo việc quá hạn ngày {now:%d/%m/%Y}")
def escalate_overdue(now: datetime) -> int:
    """Queue one notice per recipient for the items that reached an escalation level today."""
    return Runtime.from_settings().escalate(now)


@task(name="dispatch-outbox", task_run_name="gửi hộp thư đi")
def dispatch_outbox(now: datetime, bodies: list[str] | None = None) -> dict[str, int]:
    """Rows by status, and the messages that carried them: `email`, `sms`. A shard (`bodies`)
    sends to its bodies' contacts only: shards running at once would otherwise all reach for the
    same rows, and the database would spend its time turning claims away."""
    runtime = Runtime.from_settings()
    sent = runtime.dispatch(now, body_ids=runtime.body_ids(bodies) if bodies else None)
    return {**sent, "email": sent.messages["email"], "sms": sent.messages["sms"]}
