"""`dondoc schedule` (create the assignments) and `dondoc status` (where they stand)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Annotated

import typer
from rich.table import Table

from cli import (
    PLAN_STATES,
    AsOfOpt,
    BodyOpt,
    JsonOpt,
    PlanOpt,
    err,
    get_settings,
    out,
    parse_moment,
    print_json,
    session,
)


def schedule(
    until: Annotated[str | None, typer.Option(help="Create assignments of periods begun by this date.")] = None,
    as_of: AsOfOpt = None,
) -> None:
    """Create the assignments of every duty for every period up to a date (idempotent)."""
    from models.operations.schedule import materialize
    from models.rules.calendar import WorkingCalendar

    settings = get_settings()
    now = parse_moment(as_of, settings)
    last = date.fromisoformat(until) if until else now.astimezone(settings.tz).date()
    with session() as s:
        created = materialize(s, until=last, now=now, calendar=WorkingCalendar.from_file(settings.calendar_file))
    out.print(f"[green]✓[/green] Đã tạo {created} lượt nhiệm vụ mới (đến {last:%d/%m/%Y}).")


def status(as_json: JsonOpt = False, as_of: AsOfOpt = None, body: BodyOpt = None, plan: PlanOpt = None) -> None:
    """Where every assignment stands, plan by plan (the plans followed up that day, or the one
    named, closed or not): the board per body, or one body's list."""
    from sqlmodel import select

    from models.operations.board import assignment_views
    from models.tables.plan import Plan

    settings = get_settings()
    now = parse_moment(as_of, settings)
    stamp = now.astimezone(settings.tz)
    with session() as s:
        every = list(s.exec(select(Plan).order_by(Plan.id)))
        if plan and plan not in {p.code for p in every}:
            err.print(f"Không có kế hoạch {plan} (xem: dondoc plan list).")
            raise typer.Exit(1)
        followed = [p for p in every if p.state_on(stamp.date()) == "active"]
        plans = [p for p in every if p.code == plan] if plan else followed
        views = [
            v
            for v in assignment_views(s, now=now, tz=settings.tz, body=body, plan=plan)
            if v.plan in {p.code for p in plans}
        ]
    if as_json:
        return print_json([v.as_json() for v in views])
    if not plan and (others := [p.code for p in every if p not in followed]):
        err.print(
            f"Không hiện các kế hoạch dự thảo hoặc đã kết thúc: {', '.join(others)} (xem: dondoc status --plan MÃ)."
        )
    for p in plans:
        mine = [v for v in views if v.plan == p.code]
        heading = f"{p.title} ({p.number or p.code}, {PLAN_STATES[p.state_on(stamp.date())]})"
        if body and mine:
            _body_list(mine, f"{heading}\n{mine[0].body_label}: đến {stamp:%d/%m/%Y}")
        elif not body:
            _board(mine, f"{heading}\nTình hình thực hiện đến {stamp:%H:%M %d/%m/%Y}")


def _body_list(views: list, title: str) -> None:
    from models.rules.basis import basis_label
    from models.rules.periods import period_label

    table = Table("Mục", "Nhiệm vụ", "Kỳ", "Hạn", "Căn cứ", "Tình trạng", title=title)
    for v in views:
        table.add_row(v.ref, v.title, period_label(v.period), f"{v.due:%d/%m/%Y}", basis_label(v.basis), v.status.label)
    out.print(table)


def _board(views: list, title: str) -> None:
    from rich import box

    from models.operations.board import BoardRow, board
    from models.rules.status import BOARD_ORDER, SHORT_LABELS

    table = Table(title=title, box=box.SIMPLE_HEAD, collapse_padding=True)
    table.add_column("Cơ quan", min_width=14, max_width=24)
    for st in BOARD_ORDER:
        table.add_column(SHORT_LABELS[st], justify="right", max_width=6)
    table.add_column("Tỷ lệ đúng hạn", justify="right", max_width=6)
    # The requests (to bodies the province does not direct) after the total, apart, without a rate.
    rows = board([v for v in views if not v.request])
    requests = board([v for v in views if v.request])
    total = BoardRow("", "Tổng cộng", sum((row.counts for row in rows), Counter()))
    for row in [*rows, total]:
        rate = f"{row.on_time_rate:.0%}" if row.on_time_rate is not None else "-"
        if row is total:
            table.add_section()
        table.add_row(
            row.body_label, *(str(row.counts[st]) for st in BOARD_ORDER), rate, style="bold" if row is total else None
        )
    if requests:
        table.add_section()
        table.add_row("Đề nghị phối hợp:", style="italic")
        for row in requests:
            table.add_row(row.body_label, *(str(row.counts[st]) for st in BOARD_ORDER), "")
    out.print(table)
