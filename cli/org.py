"""`dondoc org show|succeed|apply`: the organisation on a date; a body's duties pass to others from
a date, by hand or from a file in the organisation file's format."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from cli import AsOfOpt, JsonOpt, get_settings, out, parse_moment, session

app = typer.Typer(help="Tổ chức bộ máy: cơ quan theo thời gian, chuyển giao nhiệm vụ.", no_args_is_help=True)

KINDS = {
    "leadership": "Lãnh đạo tỉnh",
    "department": "Sở, ban, ngành",
    "police": "Công an",
    "military": "Lực lượng vũ trang",
    "press": "Báo chí",
    "judiciary": "Cơ quan tư pháp",
    "district": "UBND cấp huyện",
    "commune": "UBND cấp xã",
    "front": "Mặt trận Tổ quốc",
    "mass-org": "Tổ chức chính trị - xã hội",
    "other": "Khác",
}


def _vn(day: str | None) -> str:
    return f"{day[8:]}/{day[5:7]}/{day[:4]}" if day else "…"


@app.command("show")
def org_show(as_of: AsOfOpt = None, as_json: JsonOpt = False) -> None:
    """The organisation on a date (default today): the bodies active that day by kind, each plan's
    coordinating and leadership bodies as acting that day, the successions in effect. --json: one
    object with `bodies`, `plans` and `successions`."""
    import json
    import sys

    from models.operations.organisation import organisation_on

    settings = get_settings()
    day = parse_moment(as_of, settings).astimezone(settings.tz).date()
    with session() as s:
        org = organisation_on(s, day)
    if as_json:
        sys.stdout.write(json.dumps(org, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table("Mã", "Cơ quan", "Hoạt động", title=f"Cơ quan, đơn vị ngày {day:%d/%m/%Y}")
    for kind, label in KINDS.items():
        members = [b for b in org["bodies"] if b["kind"] == kind]
        if not members:
            continue
        table.add_section()
        table.add_row("", f"[bold]{label}[/bold] ({len(members)})", "")
        for b in members:
            since = _vn(b["active_from"]) if b["active_from"] else ""
            until = _vn(b["active_until"]) if b["active_until"] else ""
            table.add_row(
                b["code"], escape(b["short_name"] or b["name"]), f"{since} – {until}" if since or until else ""
            )
    out.print(table)
    plans = Table("Kế hoạch", "Cơ quan thường trực", "Cơ quan lãnh đạo", title="Vai trò trong kế hoạch")
    for p in org["plans"]:
        coordinating = p["coordinating_body"]
        who = escape(coordinating["short_name"] or coordinating["name"])
        if coordinating["in_place_of"]:
            who += f" (thay {escape(coordinating['in_place_of_label'])})"
        if not coordinating["active"]:
            who += " [red](không còn hoạt động)[/red]"
        plans.add_row(escape(p["number"] or p["code"]), who, escape(p["leadership_body"]["short_name"] or ""))
    out.print(plans)
    if org["successions"]:
        moves = Table("Từ ngày", "Cơ quan cũ", "Cơ quan tiếp nhận", "Nhiệm vụ", title="Chuyển giao đang có hiệu lực")
        for m in org["successions"]:
            heirs = ", ".join(escape(label) for label in m["to_labels"])
            what = ", ".join(m["duties"]) if m["duties"] else "tất cả"
            if m["coordinator"]:
                what += "; vai trò thường trực"
            moves.add_row(_vn(m["effective_from"]), escape(m["from_label"]), heirs, what)
        out.print(moves)


@app.command("succeed")
def org_succeed(
    from_code: Annotated[str, typer.Argument(help="The body whose duties pass on, e.g. so-ldtbxh.")],
    to_codes: Annotated[list[str], typer.Argument(help="The body, or bodies, that take them, e.g. so-yte.")],
    effective_from: Annotated[str, typer.Option("--from", help="The date it takes effect (2025-03-01).")],
    duties: Annotated[list[str] | None, typer.Option("--duties", help="Only these duty refs; repeat.")] = None,
    coordinator: Annotated[
        bool, typer.Option("--coordinator", help="The plan's coordinating role passes too (to the first).")
    ] = False,
    note: Annotated[str | None, typer.Option(help="The legal basis, e.g. NĐ 45/2025/NĐ-CP.")] = None,
) -> None:
    """From a date, a body's duties (all or some) pass to one or more bodies: open assignments due
    from then move to the first; the others get theirs at the next `dondoc schedule`."""
    from models.operations.succession import succeed

    try:
        day = date.fromisoformat(effective_from)
    except ValueError:
        raise typer.BadParameter(f"'{effective_from}' is not an ISO date") from None
    with session() as s:
        _, moved = succeed(
            s,
            from_code,
            to_codes,
            effective_from=day,
            now=datetime.now(get_settings().tz),
            duty_refs=duties,
            moves_coordinator=coordinator,
            note=note,
        )
    out.print(
        f"[green]✓[/green] Từ {day:%d/%m/%Y}, nhiệm vụ của {from_code} chuyển cho {', '.join(to_codes)}: "
        f"{moved} lượt nhiệm vụ đang mở đã chuyển." + (" Vai trò điều phối cũng chuyển." if coordinator else "")
    )


@app.command("apply")
def org_apply(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Apply a later reorganisation: a YAML file in the organisation file's format
    (config/organisation/lai-chau.yaml), checked the same way, all or nothing."""
    from models.intake.catalog.load import catalog_paths, load_catalogs
    from models.operations.audit import CLI
    from models.operations.organisation import apply_file

    settings = get_settings()
    with session() as s:
        catalogs = load_catalogs(catalog_paths(settings.catalog_dir))
        applied = apply_file(s, file, catalogs, now=datetime.now(settings.tz), by=CLI)
    out.print(
        f"[green]✓[/green] {file.name}: {applied.bodies_created} cơ quan mới, {applied.bodies_updated} cập nhật, "
        f"{applied.successions} chuyển giao mới, {applied.moved} lượt nhiệm vụ đang mở đã chuyển."
    )
