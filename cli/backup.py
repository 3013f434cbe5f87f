"""`dondoc backup DIR` and `dondoc restore DIR`: an install's database, evidence, drafted reports
and link-signing key (models/operations/backup.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from cli import err, get_settings, out

if TYPE_CHECKING:
    from models.operations.backup import Manifest


def backup(folder: Annotated[Path, typer.Argument(file_okay=False, help="A new folder for the backup.")]) -> None:
    """Back up the database (SQLite's online backup, or pg_dump), the evidence files, the drafted
    reports and the link-signing key into a new folder, while dondoc runs."""
    from models.operations.backup import backup as back_up

    settings = get_settings()
    made = _done(lambda: back_up(settings, folder, now=datetime.now(settings.tz)))
    out.print(
        f"[green]✓[/green] Đã sao lưu vào {escape(str(folder))}: {sum(made.rows.values())} dòng dữ liệu, "
        f"{made.files} tệp{', khóa ký đường dẫn' if made.key else ''}. Tệp khóa là bí mật: giữ bản sao lưu "
        "như giữ mật khẩu.",
        soft_wrap=True,
    )


def restore(folder: Annotated[Path, typer.Argument(exists=True, file_okay=False, help="The backup's folder.")]) -> None:
    """Restore a backup into this install's empty database (DONDOC_DATABASE_URL, of the same kind)
    and home (DONDOC_HOME); stop dondoc first. Refused, with nothing written, when either has data."""
    from models.operations.backup import restore as put_back

    made = _done(lambda: put_back(get_settings(), folder))
    out.print(
        f"[green]✓[/green] Đã khôi phục bản sao lưu ngày {made.made_at[:10]}: {sum(made.rows.values())} dòng "
        f"dữ liệu, {made.files} tệp. Nếu bản sao lưu của phiên bản cũ hơn: {escape('dondoc init')} nâng cấp "
        "cơ sở dữ liệu.",
        soft_wrap=True,
    )


def _done(step: Callable[[], Manifest]) -> Manifest:
    """The step's manifest; a refusal said, and exit 1 (a refused step has written nothing)."""
    from models.errors import Refused

    try:
        return step()
    except Refused as exc:
        err.print(f"[red]✗[/red] {escape(str(exc))}. Không ghi gì.", soft_wrap=True)
        raise typer.Exit(1) from None
