"""`dondoc automations apply`: the Prefect automations that alert the coordinators. Idempotent:
an automation is found by its name and updated, never duplicated.

Two run the `coordinator-alert` deployment (served by `dondoc serve`), so the alert is an email
through dondoc's own outbox, with its retries and its log. The third is Prefect's own answer to a
process killed mid-run (SIGKILL, a machine lost), which reports nothing: every flow run sends a
heartbeat event (PREFECT_FLOWS_HEARTBEAT_FREQUENCY seconds apart); a run whose heartbeats stop
before it ends is marked Crashed, which the first automation then reports.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import StateType
from prefect.events.actions import ChangeFlowRunState, RunDeployment
from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture
from prefect.settings import get_current_settings

from flows.alert import alert_coordinators
from flows.deployments import served

ALERT_DEPLOYMENT = f"{alert_coordinators.name}/coordinator-alert"
# The flows whose failure a coordinator must hear of (the alert itself is left out: no loop).
WATCHED_FLOWS = ["catalog-sync", "daily-sweep", "events", "weekly-digest", "body-check", "confirmation"]
FAILED_RUN = "dondoc: lượt chạy thất bại"
FAILING_MESSAGES = "dondoc: tin nhắn liên tục không gửi được"
SILENT_RUNS = "dondoc: lượt chạy mất tín hiệu"
MISSED_HEARTBEATS = 3  # a run silent for this many heartbeat periods is taken for dead


def specs(deployment_id) -> list[AutomationCore]:
    def alert(subject: str, detail: str) -> RunDeployment:
        return RunDeployment(
            source="selected", deployment_id=deployment_id, parameters={"subject": subject, "detail": detail}
        )

    return [
        AutomationCore(
            name=FAILED_RUN,
            description="Báo cán bộ điều phối khi một lượt chạy của dondoc thất bại hoặc bị gián đoạn.",
            trigger=EventTrigger(
                expect={"prefect.flow-run.Failed", "prefect.flow-run.Crashed"},
                match={"prefect.resource.id": "prefect.flow-run.*"},
                match_related={"prefect.resource.role": "flow", "prefect.resource.name": WATCHED_FLOWS},
                posture=Posture.Reactive,
                threshold=1,
                within=timedelta(0),
            ),
            actions=[
                alert(
                    "Lượt chạy {{ flow.name }} / {{ flow_run.name }}: {{ flow_run.state.name }}",
                    "{{ flow_run.state.message }}",
                )
            ],
        ),
        AutomationCore(
            name=FAILING_MESSAGES,
            description="Báo cán bộ điều phối khi 3 tin trở lên không gửi được trong 24 giờ.",
            trigger=EventTrigger(
                expect={"dondoc.notification.failed"},
                match={"prefect.resource.id": "dondoc.notification.*"},
                posture=Posture.Reactive,
                threshold=3,
                within=timedelta(hours=24),
            ),
            actions=[
                alert(
                    "Nhiều tin nhắn không gửi được",
                    "Ít nhất 3 tin không gửi được trong 24 giờ qua. Kiểm tra: dondoc outbox --status dead",
                )
            ],
        ),
        AutomationCore(
            name=SILENT_RUNS,
            description="Đánh dấu Crashed một lượt chạy của dondoc không còn gửi tín hiệu (tiến trình bị dừng "
            "đột ngột), để cán bộ điều phối được báo như một lượt chạy bị gián đoạn.",
            trigger=EventTrigger(
                after={"prefect.flow-run.heartbeat"},
                expect={
                    "prefect.flow-run.heartbeat",
                    "prefect.flow-run.Completed",
                    "prefect.flow-run.Failed",
                    "prefect.flow-run.Cancelled",
                    "prefect.flow-run.Crashed",
                },
                match={"prefect.resource.id": "prefect.flow-run.*"},
                match_related={"prefect.resource.role": "flow", "prefect.resource.name": WATCHED_FLOWS},
                for_each={"prefect.resource.id"},
                posture=Posture.Proactive,
                threshold=1,
                within=timedelta(seconds=MISSED_HEARTBEATS * heartbeat_seconds()),
            ),
            actions=[
                ChangeFlowRunState(
                    state=StateType.CRASHED, message="Lượt chạy không còn gửi tín hiệu: tiến trình đã dừng đột ngột."
                )
            ],
        ),
    ]


def heartbeat_seconds() -> int:
    """How often flow runs send their heartbeat (Prefect's setting, at least 30 s)."""
    return max(30, get_current_settings().flows.heartbeat_frequency or 180)


async def _apply() -> dict[str, str]:
    async with get_client() as client:
        deployment = await served(client, ALERT_DEPLOYMENT)
        done = {}
        for spec in specs(deployment.id):
            existing = await client.read_automations_by_name(spec.name)
            if existing:
                await client.update_automation(existing[0].id, spec)
                for extra in existing[1:]:  # left by an older, non-idempotent setup
                    await client.delete_automation(extra.id)
                done[spec.name] = str(existing[0].id)
            else:
                done[spec.name] = str(await client.create_automation(spec))
        return done


def apply() -> dict[str, str]:
    """Create or update the automations; returns their ids by name. Needs the alert deployment
    (`dondoc serve`, waited for a while when just started)."""
    return asyncio.run(_apply())
