"""One body's check, a deployment per body: a task run per duty, named with its reference and
title, ending in a state named with the duty's status in Vietnamese ("Quá hạn", "Đúng hạn"), and
a progress artifact: the share of the body's current duties done, and a table of them with what
falls due, when, and who set the date."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_progress_artifact
from prefect.states import Completed, State

from config.settings import get_settings
from models.db import session_scope
from models.operations.board import DueBasis, current_assignments
from models.rules.periods import period_label
from models.rules.status import STATE_NAMES, Status, classify
from models.tables.assignment import Assignment
from models.tables.plan import Duty, Plan
from models.types import local_date
from notifications.wording import due_phrase


@task(name="list-duties", task_run_name="list the duties of {body}")
def list_duties(body: str, now: datetime) -> list[tuple[int, str, str]]:
    settings = get_settings()
    with session_scope(settings.db_url) as s:
        return current_assignments(s, body=body, now=now, tz=settings.tz)


@task(name="check-duty", task_run_name="{ref} {title}")
def check_duty(assignment_id: int, ref: str, title: str, now: datetime) -> State:
    settings = get_settings()
    with session_scope(settings.db_url) as s:
        a = s.get(Assignment, assignment_id)
        duty = s.get(Duty, a.duty_id)
        status = classify(a, now, settings.tz)
        due = due_phrase(duty.nature, period_label(a.period), f"{a.effective_due:%d/%m/%Y}")
        plan = s.get(Plan, duty.plan_id)
        basis = DueBasis(s, local_date(now, settings.tz))(a, duty, plan)
        of_plan = f"Kế hoạch {plan.number or plan.code}"
    # The plan, the date with what falls due on it and who set it, as everywhere it is shown.
    return Completed(name=STATE_NAMES[status], message=f"{of_plan}. {status.label}: {due}. {basis}", data=status.value)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


@flow(name="body-check", flow_run_name="{body}")
def check_body(body: str, as_of: datetime | None = None) -> dict[str, int]:
    """`as_of` replays a moment; by default now."""
    now = as_of or datetime.now(get_settings().tz)
    duties = list_duties(body, now)
    states = [check_duty(aid, ref, title[:80], now, return_state=True) for aid, ref, title in duties]
    statuses = Counter(Status(s.result()) for s in states)
    done = statuses[Status.done_on_time] + statuses[Status.done_late]
    create_progress_artifact(
        100 * done / len(states) if states else 100.0,
        key=f"tien-do-{body}",
        description=f"{body}: {done}/{len(states)} nhiệm vụ kỳ hiện tại đã hoàn thành",
    )
    create_markdown_artifact(
        "\n".join(
            [
                "| Mục | Nhiệm vụ | Kế hoạch, tình trạng, hạn và căn cứ của hạn |",
                "|---|---|---|",
                *(
                    f"| {ref} | {_cell(title)} | {_cell(s.message or '')} |"
                    for (_, ref, title), s in zip(duties, states, strict=True)
                ),
            ]
        ),
        key=f"nhiem-vu-{body}",
        description=f"{body}: các nhiệm vụ kỳ hiện tại, hạn và căn cứ xác định hạn",
    )
    return {STATE_NAMES[k]: v for k, v in statuses.items()}
