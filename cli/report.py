"""`dondoc report`: the consolidated six-month, yearly or final report of a plan, as a draft."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from cli import AsOfOpt, err, get_settings, out, parse_moment, session


def report(
    period: Annotated[
        str, typer.Option("--period", help="2025-H1 (six months), 2025 (the year) or the plan's span (2021-2025).")
    ],
    plan: Annotated[str | None, typer.Option("--plan", help="A plan code; default: the only plan loaded.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="docx, xlsx, html or pdf.")] = "docx",
    target: Annotated[
        Path | None, typer.Option("--out", dir_okay=False, help="Default: DONDOC_HOME/reports/<plan>/.")
    ] = None,
    as_of: AsOfOpt = None,
) -> None:
    """Draft the consolidated report of a plan over a period, from the evidence and figures the
    bodies sent: results per target and per body, overdue items, difficulties."""
    from models.errors import NotFound, Refused
    from models.operations.report import build, root_plans
    from models.rules.calendar import WorkingCalendar
    from notifications.report.files import FORMATS, report_path, write_report

    if fmt not in FORMATS:
        raise typer.BadParameter(f"--format is one of {', '.join(FORMATS)}")
    settings = get_settings()
    now = parse_moment(as_of, settings)
    calendar = WorkingCalendar.from_file(settings.calendar_file)
    with session() as s:
        if plan is None:
            codes = root_plans(s)
            if len(codes) != 1:
                err.print(f"Có {len(codes)} kế hoạch: chọn một bằng --plan ({', '.join(codes)}).")
                raise typer.Exit(2)
            plan = codes[0]
        try:
            drafted = build(
                s, plan, period, now=now, tz=settings.tz, calendar=calendar, abbreviation=settings.report_abbr
            )
        except (NotFound, Refused) as e:
            err.print(f"✗ {escape(str(e))}")
            raise typer.Exit(1) from None
    target = target or report_path(settings.home, plan, drafted.period_key, fmt)
    try:
        written = write_report(drafted, fmt, target)
    except RuntimeError as e:  # PDF without LibreOffice
        err.print(f"✗ {escape(str(e))}")
        raise typer.Exit(1) from None
    out.print(
        f"[green]✓[/green] Báo cáo {escape(drafted.period_label)}: {escape(str(written.resolve()))}"
        f" ({len(drafted.lines)} nhiệm vụ, {len(drafted.overdue)} quá hạn,"
        f" {drafted.missing_figures} số liệu còn thiếu).",
        soft_wrap=True,
    )
