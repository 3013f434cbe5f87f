"""The deployments coordinators see in the Prefect UI, served by `dondoc serve`.

Every schedule has a slug (so serving again keeps its id and creates no duplicate runs) and the
plan's time zone. Times are local (Asia/Ho_Chi_Minh): the sweep runs every morning but Sunday (a
Saturday may be a make-up working day; on a day off it finds nothing new to send).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from prefect import Flow, flow
from prefect.client.orchestration import PrefectClient, get_client
from prefect.client.schemas.responses import DeploymentResponse
from prefect.deployments.runner import RunnerDeployment
from prefect.exceptions import ObjectNotFound
from prefect.schedules import Cron, RRule, Schedule

from config.settings import Settings, get_settings
from flows.alert import alert_coordinators
from flows.body import check_body
from flows.catalog import catalog_sync
from flows.digest import weekly_digest
from flows.report import draft_report
from flows.review import review_assignment
from flows.sweep import daily_sweep, publish_events
from models.db import session_scope
from models.operations.board import Holder
from models.operations.board import duty_holders as holders
from models.operations.report import drafted_for, drafting_days
from models.rules.calendar import WorkingCalendar

SWEEP_CRON = "0 7 * * 1-6"
SYNC_CRON = "30 6 * * 1-6"
BODY_CRON = "30 7 * * 1-6"  # after the sweep: the dashboard shows the day's overdue work
DIGEST_CRON = "0 8 * * 1"
REPORT_TIME = "T073000"  # local, on the working day after the bodies' deadline: ready when the day begins
EVENTS_CRON = "*/5 * * * *"
ROOT = Path(__file__).resolve().parents[1]


def duty_holders(settings: Settings) -> list[Holder]:
    """The bodies with a check of their own today (models/operations/board.py)."""
    with session_scope(settings.db_url) as s:
        return holders(s, datetime.now(settings.tz).date())


def report_rrule(days: list[date]) -> str:
    """The days a report is drafted, as an iCalendar set of dates: working days after deadlines
    follow no rule a cron or an RRULE could say."""
    moments = [f"{d:%Y%m%d}{REPORT_TIME}" for d in days]
    return f"DTSTART:{moments[0]}\nRDATE:{','.join(moments)}"


def report_schedules(settings: Settings, today: date) -> list[Schedule]:
    """One schedule per plan followed up (not an annual plan of another): its drafting days from
    `today` on, in the plan's time zone, with the plan as the run's parameter."""
    calendar = WorkingCalendar.from_file(settings.calendar_file)
    out = []
    with session_scope(settings.db_url) as s:
        for plan in drafted_for(s):
            if plan.state_on(today) == "closed":
                continue
            days = [day for _, day in drafting_days(s, plan, calendar) if day >= today]
            if days:
                out.append(
                    RRule(
                        report_rrule(days),
                        timezone=settings.timezone,
                        parameters={"plan": plan.code},
                        slug=f"report-{plan.code}",
                    )
                )
    return out


@dataclass(frozen=True)
class Spec:
    flow: Flow
    name: str
    options: dict  # tags, schedules, parameters, description

    @property
    def entrypoint(self) -> str:
        return f"{self.flow.fn.__module__.replace('.', '/')}.py:{self.flow.fn.__name__}"


def specs(settings: Settings | None = None) -> list[Spec]:
    settings = settings or get_settings()
    tz = settings.timezone

    def cron(expr: str, slug: str) -> list:
        return [Cron(expr, timezone=tz, slug=slug)]

    return [
        Spec(
            alert_coordinators,
            "coordinator-alert",
            {
                "tags": ["dondoc-alert"],
                "description": (
                    "Email cho cán bộ điều phối; do các automation của dondoc gọi (dondoc automations apply)."
                ),
            },
        ),
        Spec(
            catalog_sync,
            "catalog-sync",
            {
                "tags": ["dondoc"],
                "schedules": cron(SYNC_CRON, "catalog-sync-morning"),
                "description": "Nạp kế hoạch (nếu tệp đổi) và tạo các lượt nhiệm vụ đến hôm nay.",
            },
        ),
        Spec(
            daily_sweep,
            "daily-sweep",
            {
                "tags": ["dondoc"],
                "schedules": cron(SWEEP_CRON, "daily-sweep-morning"),
                "description": "Nhắc việc, báo quá hạn, gửi hộp thư đi, cập nhật bảng tình hình.",
            },
        ),
        Spec(
            daily_sweep,
            "daily-sweep-shard",
            {
                "tags": ["dondoc"],
                "description": ("Nhắc việc của một nhóm cơ quan (tham số bodies), để nhiều worker cùng chia việc."),
            },
        ),
        Spec(
            publish_events,
            "events",
            {
                "tags": ["dondoc"],
                "schedules": cron(EVENTS_CRON, "events-every-5-minutes"),
                "description": "Đưa nhật ký (nộp, duyệt, quá hạn, báo cáo lãnh đạo) lên Event Feed.",
            },
        ),
        Spec(
            weekly_digest,
            "digest-leadership",
            {
                "tags": ["dondoc"],
                "parameters": {"kind": "leadership"},
                "schedules": cron(DIGEST_CRON, "digest-leadership-monday"),
                "description": "Báo cáo tuần gửi lãnh đạo UBND tỉnh.",
            },
        ),
        Spec(
            weekly_digest,
            "digest-coordinator",
            {
                "tags": ["dondoc"],
                "parameters": {"kind": "coordinator"},
                "schedules": cron(DIGEST_CRON, "digest-coordinator-monday"),
                "description": "Báo cáo tuần gửi cơ quan điều phối.",
            },
        ),
        Spec(
            draft_report,
            "report-draft",
            {
                "tags": ["dondoc", "báo cáo"],
                "schedules": report_schedules(settings, datetime.now(settings.tz).date()),
                "description": "Dự thảo báo cáo 6 tháng, năm (và báo cáo tổng kết kế hoạch): chạy ngày làm việc "
                "sau hạn các cơ quan gửi báo cáo; tệp DOCX, XLSX, HTML và artifact có đường dẫn.",
            },
        ),
        Spec(
            review_assignment,
            "confirmation",
            {
                "tags": ["dondoc"],
                "description": (
                    "Chấp nhận hoặc trả lại minh chứng của một nhiệm vụ (mã trong bảng tình hình hoặc "
                    "`dondoc status --json`). Trả lại cần ý kiến; đầu mối nhận email."
                ),
            },
        ),
        *(
            Spec(
                check_body,
                f"body-{h.code}",
                {
                    # Its name first (the list of deployments shows the first tag), then the codes of
                    # the body and of the plans it has work in, to filter by.
                    "tags": [h.label, "dondoc", "body", h.code, *(code for code, _ in h.plans)],
                    "parameters": {"body": h.code},
                    # The slug of when it ran on Mondays: a server updates a schedule by its slug
                    # and keeps those it is not sent, so a new slug would leave the old one running.
                    "schedules": cron(BODY_CRON, f"body-{h.code}-monday"),
                    "description": f"{h.label}: kiểm tra các nhiệm vụ theo Kế hoạch {h.plan_names}, mỗi "
                    "nhiệm vụ một task run (việc quá hạn màu đỏ: trạng thái Quá hạn).",
                },
            )
            for h in duty_holders(settings)
        ),
    ]


def deployments(settings: Settings | None = None) -> list[RunnerDeployment]:
    """For `dondoc serve`: the flows run in the serving process."""
    return [s.flow.to_deployment(s.name, **s.options) for s in specs(settings)]


def deploy_to_pool(pool: str, settings: Settings | None = None) -> list[str]:
    """For workers: the same deployments in a work pool, the code read from this project's
    folder (`ROOT`, the same path on every worker machine, or a clone of the repository)."""
    return [
        str(
            flow.from_source(source=str(ROOT), entrypoint=s.entrypoint).deploy(
                s.name, work_pool_name=pool, build=False, push=False, print_next_steps=False, **s.options
            )
        )
        for s in specs(settings)
    ]


async def served(client: PrefectClient, name: str, timeout: float = 120) -> DeploymentResponse:
    """The deployment `name` ("flow/deployment"), waiting for `dondoc serve`, just started, to
    register it."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return await client.read_deployment_by_name(name)
        except ObjectNotFound:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(1)


async def _request_checks(bodies: list[str], as_of: datetime | None) -> list[str]:
    async with get_client() as client:
        ids = []
        for code in bodies:
            deployment = await served(client, f"{check_body.name}/body-{code}")
            parameters = {"body": code, **({"as_of": as_of.isoformat()} if as_of else {})}
            run = await client.create_flow_run_from_deployment(deployment.id, parameters=parameters)
            ids.append(str(run.id))
        return ids


def request_checks(bodies: list[str] | None = None, as_of: datetime | None = None) -> list[str]:
    """A run of each body's check (default: every body with one) through its deployment, which
    `dondoc serve` runs: the day's overdue work in the UI without waiting for 07:30. The run ids."""
    codes = bodies or [h.code for h in duty_holders(get_settings())]
    return asyncio.run(_request_checks(codes, as_of))
