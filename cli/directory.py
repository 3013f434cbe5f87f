"""`dondoc directory import|password`: the contacts and the coordinators' portal passwords."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from cli import get_settings, out, session

app = typer.Typer(help="Danh bạ đầu mối.", no_args_is_help=True)


@app.command("password")
def directory_password(
    email: Annotated[str, typer.Argument(help="A coordinator's email in the directory.")],
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            help="Asked for when not given; read from stdin when piped.",
        ),
    ],
) -> None:
    """Set a coordinator's portal password (stored as an argon2 hash)."""
    from models.operations.accounts import set_password

    with session() as s:
        contact = set_password(s, email, password, now=datetime.now(get_settings().tz))
        name = contact.name
    out.print(f"[green]✓[/green] Đã đặt mật khẩu cho {escape(name)}.")


@app.command("import")
def directory_import(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Import contacts from CSV or XLSX (columns body,name,role,email,phone)."""
    from models.operations.directory import import_directory

    with session() as s:
        r = import_directory(s, file, now=datetime.now(get_settings().tz))
    out.print(
        f"[green]✓[/green] {file.name}: thêm {r.created}, cập nhật {r.updated}, "
        f"không đổi {r.unchanged}, ngừng {r.deactivated}"
    )
