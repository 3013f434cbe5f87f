"""Draft a plan's consolidated report (DOCX to sign, XLSX annex, HTML), record it, and show it in
the Prefect UI: a markdown artifact with the targets and links to the files through the portal."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from prefect import task
from prefect.artifacts import create_markdown_artifact
from sqlmodel import select

from config.settings import get_settings
from models.db import session_scope
from models.operations.audit import PREFECT, record
from models.operations.report import build
from models.rules.calendar import WorkingCalendar
from models.rules.report import Report
from models.tables.plan import Plan
from notifications.report.files import report_path, write_report
from notifications.report.words import threshold_text, value_text, verdict

DRAFTED = ("docx", "xlsx", "html")  # the PDF needs LibreOffice: `dondoc report --format pdf` makes it


def file_links(report: Report, files: list[Path], portal: str | None) -> list[tuple[str, str]]:
    """(name, where): through the portal (a coordinator signs in), or the path on the server."""
    if portal:
        return [(f.name, f"{portal.rstrip('/')}/reports/{report.plan.code}/{f.name}") for f in files]
    return [(f.name, str(f.resolve())) for f in files]


def report_markdown(report: Report, links: list[tuple[str, str]]) -> str:
    lines = [
        f"# Dự thảo báo cáo {report.period_label}: Kế hoạch {report.plan.number}",
        "",
        f"{report.issuer} · số liệu từ {report.period_start:%d/%m/%Y} đến {report.period_end:%d/%m/%Y}; "
        f"{len(report.lines)} nhiệm vụ, **{len(report.overdue)} quá hạn**, {report.missing_figures} số liệu còn thiếu.",
        "",
        *(f"- [{name}]({where})" for name, where in links),
        "",
        "| Chỉ tiêu | Yêu cầu | Kết quả | Đánh giá | Thiếu số liệu của |",
        "|---|---|---|---|---|",
    ]
    for p in report.targets:
        absent = ", ".join(f.body_label for f in p.missing) or "-"
        lines.append(f"| {p.ref} | {threshold_text(p)} | {value_text(p)} | {verdict(p)} | {absent} |")
    return "\n".join(lines)


@task(name="draft-report", task_run_name="soạn báo cáo {period} · {plan}")
def draft_report_files(plan: str, period: str, now: datetime) -> list[str]:
    """Write the report's files under DONDOC_HOME/reports/<plan>/, record it (the coordinators'
    digest says it is ready), publish it; return the files' paths."""
    settings = get_settings()
    calendar = WorkingCalendar.from_file(settings.calendar_file)
    with session_scope(settings.db_url) as s:
        report = build(s, plan, period, now=now, tz=settings.tz, calendar=calendar, abbreviation=settings.report_abbr)
    files = [write_report(report, fmt, report_path(settings.home, plan, report.period_key, fmt)) for fmt in DRAFTED]
    with session_scope(settings.db_url) as s:
        plan_id = s.exec(select(Plan.id).where(Plan.code == plan)).one()
        record(
            s,
            "report.drafted",
            "plan",
            plan_id,
            now=now,
            by=PREFECT,
            period=report.period_key,
            label=report.period_label,
            files=[f.name for f in files],
        )
    links = file_links(report, files, settings.portal_url)
    create_markdown_artifact(
        report_markdown(report, links),
        key=f"bao-cao-{plan}",
        description=f"Dự thảo báo cáo {report.period_label} (Kế hoạch {report.plan.number})",
    )
    return [str(f) for f in files]
