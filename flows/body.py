"""One body's check, a deployment per body, run each working morning after the sweep: what the
body has to do now, in the colours of the Prefect UI.

The items it looks at: the current period's item of each duty the body holds, and every earlier
one not accepted. A task run for each that someone has to act on (`TO_ACT_ON`): overdue (the body),
returned (the body, again), awaiting review (the coordinator). Each ends in a state named with the
item's status in Vietnamese, of the type that gives it its colour (`STATE_TYPES`): an overdue item
fails (red, "Quá hạn"), the others complete (green, named "Bị trả lại", "Chờ duyệt"). The items
done, and those not yet due, are in the run's table artifact with the rest: a body has a hundred
of them at national scale, and every task run costs the Prefect server CPU, the first thing to
saturate (docs/PERFORMANCE.md). The flow run itself completes, named with the number of overdue
items ("Có 3 việc quá hạn"): a body behind in its work is not a broken run, and the automations
that alert on failed or crashed flow runs (flows/automations.py) watch flow runs only. So the
dashboard's failed task runs count the overdue items of the day, and its flow runs tagged "quá
hạn" the bodies they belong to.

Why only two colours: a task run can end in four types. Failed is the only red; Crashed and
Cancelled say that a process or a person stopped the run, which would send a coordinator looking
for a fault that is not there.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_progress_artifact
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import StateType
from prefect.runtime import flow_run
from prefect.states import Completed, Failed, State

from config.settings import get_settings
from models.db import session_scope
from models.operations.board import DueBasis, duty_holders, present_assignments
from models.rules.calendar import WorkingCalendar
from models.rules.periods import period_label
from models.rules.status import STATE_NAMES, Status, classify
from models.tables.plan import Duty, Plan
from models.types import local_date
from notifications.wording import due_phrase
from tasks.publish import OVERDUE_TAG

# The type each status's task run ends in: its colour in the UI (see the module's docstring).
STATE_TYPES = {status: StateType.FAILED if status is Status.overdue else StateType.COMPLETED for status in Status}
# The items with a task run of their own: someone has to act on them.
TO_ACT_ON = (Status.overdue, Status.returned, Status.submitted)


@dataclass(frozen=True)
class Item:
    """An item as its task run shows it."""

    plan: str  # its plan's code
    ref: str
    title: str
    period: str  # its label: "6 tháng đầu năm 2025"
    status: Status
    late: int  # working days past its due date, when overdue
    detail: str  # the plan, the status, the date with what falls due, who set it, the item's id


def _now(as_of: datetime | str | None) -> datetime:
    settings = get_settings()
    if isinstance(as_of, str):  # a run's parameters, before the flow validates them
        as_of = datetime.fromisoformat(as_of)
    return (as_of or datetime.now(settings.tz)).astimezone(settings.tz)


def _run_name() -> str:
    """ "Sở Y tế · 3742/KH-UBND · 20/06/2025": the body's name, its plans and the day checked."""
    body, now = flow_run.parameters["body"], _now(flow_run.parameters.get("as_of"))
    settings = get_settings()
    with session_scope(settings.db_url) as s:
        found = duty_holders(s, now.date(), body=body)
    return " · ".join([found[0].label, found[0].plan_names] if found else [body]) + f" · {now:%d/%m/%Y}"


@task(name="list-duties", task_run_name="lập danh sách nhiệm vụ")
def list_duties(body: str, now: datetime) -> list[Item]:
    settings = get_settings()
    calendar = WorkingCalendar.from_file(settings.calendar_file)
    today = local_date(now, settings.tz)
    items = []
    with session_scope(settings.db_url) as s:
        basis = DueBasis(s, today)
        for a in present_assignments(s, body=body, now=now, tz=settings.tz):
            duty = s.get_one(Duty, a.duty_id)
            plan = s.get_one(Plan, duty.plan_id)
            status = classify(a, now, settings.tz)
            late = calendar.days_late(a.effective_due, today) if status is Status.overdue else 0
            due = due_phrase(duty.nature, period_label(a.period), f"{a.effective_due:%d/%m/%Y}")
            lateness = f", quá hạn {late} ngày làm việc" if late else ""
            # The id is what the `confirmation` deployment's form asks for.
            detail = (
                f"Kế hoạch {plan.number or plan.code}. {status.label}: {due}{lateness}. {basis(a, duty, plan)} "
                f"(mã nhiệm vụ {a.id})"
            )
            items.append(Item(plan.code, duty.ref, duty.title, period_label(a.period), status, late, detail))
    return items


@task(name="check-duty", task_run_name="{ref} · {period} · {title}")
def check_duty(ref: str, period: str, title: str, status: Status, detail: str) -> State:
    """The item's state: its status's name, of its status's type (`STATE_TYPES`)."""
    kind = Failed if STATE_TYPES[status] is StateType.FAILED else Completed
    return kind(name=STATE_NAMES[status], message=detail, data=status.value)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _tag_run(body: str, plans: set[str], overdue: bool) -> None:
    """The body's code and the codes of the plans of its items as tags, and "quá hạn" when it has
    overdue work, on this run however it was started (a deployment gives its tags; a run from code
    has none)."""
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(flow_run.get_id())
        tags = {*run.tags, "dondoc", "body", body, *plans} - {OVERDUE_TAG}
        client.update_flow_run(run.id, tags=sorted(tags | ({OVERDUE_TAG} if overdue else set())))


@flow(name="body-check", flow_run_name=_run_name)
def check_body(body: str, as_of: datetime | None = None) -> State:
    """`as_of` replays a moment; by default now."""
    now = _now(as_of)
    items = list_duties(body, now)
    # The overdue last, the longest late last: the UI lists task runs newest first.
    for item in sorted((i for i in items if i.status in TO_ACT_ON), key=lambda i: (i.status is Status.overdue, i.late)):
        check_duty(item.ref, item.period, item.title[:80], item.status, item.detail, return_state=True)
    statuses = Counter(i.status for i in items)
    done = statuses[Status.done_on_time] + statuses[Status.done_late]
    name = flow_run.name or body
    create_progress_artifact(
        100 * done / len(items) if items else 100.0,
        key=f"tien-do-{body}",
        description=f"{name}: {done}/{len(items)} nhiệm vụ đã hoàn thành",
    )
    # The overdue first, the longest late first; then the rest by due date.
    worst_first = sorted(items, key=lambda i: (i.status is not Status.overdue, -i.late))
    create_markdown_artifact(
        "\n".join(
            [
                f"# {name}",
                "",
                "| Mục | Kỳ | Nhiệm vụ | Tình trạng | Quá hạn | Kế hoạch, hạn và căn cứ của hạn |",
                "|---|---|---|---|---:|---|",
                *(
                    f"| {i.ref} | {i.period} | {_cell(i.title)} | {STATE_NAMES[i.status]} | "
                    f"{f'{i.late} ngày' if i.late else ''} | {_cell(i.detail)} |"
                    for i in worst_first
                ),
            ]
        ),
        key=f"nhiem-vu-{body}",
        description=f"{name}: việc quá hạn trước, hạn và căn cứ xác định hạn",
    )
    overdue = statuses[Status.overdue]
    _tag_run(body, {i.plan for i in items}, overdue > 0)
    counts = {STATE_NAMES[k]: v for k, v in statuses.items()}
    return Completed(name=f"Có {overdue} việc quá hạn" if overdue else "Không có việc quá hạn", data=counts)
