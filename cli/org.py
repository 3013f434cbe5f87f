"""`dondoc org succeed|apply`: a body's duties pass to another from a date."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

from cli import get_settings, out, session

app = typer.Typer(help="Tổ chức bộ máy: chuyển giao nhiệm vụ giữa các cơ quan.", no_args_is_help=True)


@app.command("succeed")
def org_succeed(
    from_code: Annotated[str, typer.Argument(help="The body whose duties pass on, e.g. so-ldtbxh.")],
    to_code: Annotated[str, typer.Argument(help="The body that takes them, e.g. so-yte.")],
    effective_from: Annotated[str, typer.Option("--from", help="The date it takes effect (2025-03-01).")],
    duties: Annotated[list[str] | None, typer.Option("--duties", help="Only these duty refs; repeat.")] = None,
    coordinator: Annotated[
        bool, typer.Option("--coordinator", help="The plan's coordinating role passes too.")
    ] = False,
    note: Annotated[str | None, typer.Option(help="The legal basis, e.g. NĐ 45/2025/NĐ-CP.")] = None,
) -> None:
    """From a date, a body's duties (all or some) pass to another: open assignments due from then move."""
    from models.operations.succession import succeed

    try:
        day = date.fromisoformat(effective_from)
    except ValueError:
        raise typer.BadParameter(f"'{effective_from}' is not an ISO date") from None
    with session() as s:
        _, moved = succeed(
            s,
            from_code,
            to_code,
            effective_from=day,
            now=datetime.now(get_settings().tz),
            duty_refs=duties,
            moves_coordinator=coordinator,
            note=note,
        )
    out.print(
        f"[green]✓[/green] Từ {day:%d/%m/%Y}, nhiệm vụ của {from_code} chuyển cho {to_code}: "
        f"{moved} lượt nhiệm vụ đang mở đã chuyển." + (" Vai trò điều phối cũng chuyển." if coordinator else "")
    )


@app.command("apply")
def org_apply(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Apply a YAML file of successions (all or nothing), e.g. config/successions-2025.example.yaml."""
    from models.operations.succession import apply_overlay

    with session() as s:
        done = apply_overlay(s, file, now=datetime.now(get_settings().tz))
    for old, new, moved in done:
        out.print(f"[green]✓[/green] {old} → {new}: {moved} lượt nhiệm vụ đang mở đã chuyển.")
