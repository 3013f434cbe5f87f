"""The confirmation deployment: a coordinator accepts or returns a submission from the Prefect
UI's run form. The same operation as `dondoc review` and the portal (`models.actions`)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from config.settings import get_settings
from models.db import session_scope
from models.operations.actions import decide_submission
from models.operations.audit import By
from models.operations.confirmation import Ruling
from models.rules.status import classify
from notifications.runtime import Runtime


def _run_name() -> str:
    verb = "Chấp nhận" if flow_run.parameters.get("decision") == "accept" else "Trả lại"
    return f"{verb} minh chứng nhiệm vụ {flow_run.parameters.get('assignment_id')}"


@flow(name="confirmation", flow_run_name=_run_name)
def review_assignment(assignment_id: int, decision: Literal["accept", "return"], comment: str = "") -> str:
    """Accept (done on time or late, by the submission time) or return with a comment (required);
    a return is emailed to the focal point."""
    settings = get_settings()
    runtime = Runtime.from_settings(settings)
    now = datetime.now(settings.tz)
    by = By(f"prefect:flow-run:{flow_run.get_id()}", "prefect")  # the server has no users: the run says who
    with session_scope(settings.db_url) as s:
        ruling = Ruling(decision == "accept", comment)
        a, ids = decide_submission(s, assignment_id, ruling, now=now, policy=runtime.policy, tz=settings.tz, by=by)
        label = classify(a, now, settings.tz).label
    if ids:
        runtime.dispatch(now, ids=ids)
    get_run_logger().info("assignment %d: %s", assignment_id, label)
    return label
