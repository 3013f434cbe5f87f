"""The consolidated report drafted as a Prefect flow: scheduled for the working day after the
bodies' deadline of each six-month and yearly report (`drafting_days`), or run by hand for any
period. The coordinator checks the draft, signs it and sends it to the People's Committee."""

from __future__ import annotations

from datetime import datetime

from prefect import flow
from prefect.runtime import flow_run

from config.settings import get_settings
from models.db import session_scope
from models.operations.report import drafted_for, due_reports
from models.rules.calendar import WorkingCalendar
from models.types import local_date
from tasks.report import draft_report_files


def _run_name() -> str:
    params = flow_run.parameters
    return f"Dự thảo báo cáo · {params.get('plan') or 'các kế hoạch'} · {params.get('period') or 'kỳ đến hạn'}"


@flow(name="report-draft", flow_run_name=_run_name)
def draft_report(plan: str | None = None, period: str | None = None, as_of: datetime | None = None) -> list[str]:
    """Draft `period`'s report of `plan`; without a period, the reports whose day has come (the
    latest six-month or yearly one, and the plan's final report after its last); without a plan,
    those of every plan followed up that is not an annual plan of another."""
    settings = get_settings()
    now = as_of or datetime.now(settings.tz)
    calendar = WorkingCalendar.from_file(settings.calendar_file)
    with session_scope(settings.db_url) as s:
        wanted = [
            (p.code, key)
            for p in drafted_for(s, plan)
            for key in ([period] if period else due_reports(s, p, local_date(now, settings.tz), calendar))
        ]
    return [path for code, key in wanted for path in draft_report_files(code, key, now)]
