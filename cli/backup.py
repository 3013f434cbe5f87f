"""`dondoc backup DIR` and `dondoc restore DIR`: an install's database, evidence, drafted reports
and link-signing key (models/operations/backup.py)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from cli import err, get_settings, out

FolderArg = Annotated[Path, typer.Argument(file_okay=False, help="The backup's folder.")]


def backup(folder: FolderArg) -> None:
    """Back up the database (SQLite's online backup, or pg_dump), the evidence files, the drafted
    reports and the link-signing key into a new folder, while dondoc runs."""
    from models.errors import Refused
    from models.operations.backup import backup as back_up

    settings = get_settings()
    try:
        made = back_up(settings, folder, now=datetime.now(settings.tz))
    except Refused as exc:
        err.print(f"[red]✗[/red] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(1) from None
    out.print(
        f"[green]✓[/green] Đã sao lưu vào {escape(str(folder))}: {sum(made.rows.values())} dòng dữ liệu, "
        f"{made.files} tệp{', khóa ký đường dẫn' if made.key else ''}. Tệp khóa là bí mật: giữ bản sao lưu "
        "như giữ mật khẩu.",
        soft_wrap=True,
    )


def restore(folder: Annotated[Path, typer.Argument(exists=True, file_okay=False, help="The backup's folder.")]) -> None:
    """Restore a backup into this install's empty database (DONDOC_DATABASE_URL, of the same kind)
    and home (DONDOC_HOME); stop dondoc first. Refused, with nothing written, when either has data."""
    from models.errors import Refused
    from models.operations.backup import restore as put_back

    settings = get_settings()
    try:
        made = put_back(settings, folder)
    except Refused as exc:
        err.print(f"[red]✗[/red] {escape(str(exc))}. Không ghi gì.", soft_wrap=True)
        raise typer.Exit(1) from None
    out.print(
        f"[green]✓[/green] Đã khôi phục bản sao lưu ngày {made.made_at[:10]}: {sum(made.rows.values())} dòng "
        f"dữ liệu, {made.files} tệp. Nếu bản sao lưu của phiên bản cũ hơn: {escape('dondoc init')} nâng cấp "
        "cơ sở dữ liệu.",
        soft_wrap=True,
    )
