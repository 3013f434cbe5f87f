"""`dondoc calendar show YEAR`: the year's days off and local fixes, each with its source."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from cli import JsonOpt, err, get_settings, listing

app = typer.Typer(help="Lịch làm việc: ngày nghỉ lễ, ngày làm bù và nguồn của từng ngày.", no_args_is_help=True)

YearArg = Annotated[int, typer.Argument(help="The year, e.g. 2026.", min=1995, max=2100)]


@app.command("show")
def calendar_show(year: YearArg, as_json: JsonOpt = False) -> None:
    """The year's days off (the holidays package, in Vietnamese) and the calendar file's fixes
    (worked Saturdays, days off in exchange, package holidays not in law), each with its source."""
    from models.errors import InputError
    from models.rules.calendar import WEEKDAYS, WorkingCalendar

    path = get_settings().calendar_file
    try:
        calendar = WorkingCalendar.from_file(path)
    except InputError as exc:
        for problem in exc.problems:
            err.print(f"[red]✗[/red] {escape(str(problem))}", highlight=False, soft_wrap=True)
        err.print(f"[red]Tệp lịch bị từ chối[/red] ({len(exc.problems)} lỗi).")
        raise typer.Exit(1) from None
    rows = [
        {
            "date": d.day.isoformat(),
            "weekday": WEEKDAYS[d.day.weekday()],
            "working": d.working,
            "name": d.name,
            "origin": d.origin,
            "source": d.source,
            "verified": d.verified,
            "note": d.note,
            "package_name": d.package_name,
        }
        for d in calendar.days_of(year)
    ]
    table = Table(
        "Ngày",
        "Thứ",
        "Loại",
        "Tên",
        "Nguồn",
        title=f"Lịch làm việc năm {year}: ngày nghỉ lễ và điều chỉnh",
        caption=f"Điều chỉnh: {path} (nội dung đã kiểm tra: --json, trường verified)",
    )
    listing(
        rows,
        as_json,
        table,
        lambda r: [
            f"{r['date'][8:]}/{r['date'][5:7]}/{r['date'][:4]}",
            r["weekday"],
            "làm việc" if r["working"] else "nghỉ",
            escape(r["name"]),
            escape(r["source"]),
        ],
    )
