"""`dondoc directory import|password`: the contacts and the coordinators' portal passwords."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from cli import err, get_settings, out, session

app = typer.Typer(help="Danh bạ đầu mối.", no_args_is_help=True)


@app.command("password")
def directory_password(
    email: Annotated[str, typer.Argument(help="A coordinator's email in the directory.")],
    password: Annotated[
        str | None,
        typer.Option(
            help="Read from one line of stdin when piped, asked for twice on a terminal when not given "
            "(given here, it stays in the shell's history).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Set a coordinator's portal password (stored as an argon2 hash)."""
    from models.operations.accounts import set_password

    if password is None:
        password = _read_password()
    with session() as s:
        contact = set_password(s, email, password, now=datetime.now(get_settings().tz))
        name = contact.name
    out.print(f"[green]✓[/green] Đã đặt mật khẩu cho {escape(name)}.")


def _read_password() -> str:
    """A script or a secret manager pipes the password once, on one line; a person at a terminal
    types it twice, unseen, so that a typo does not lock them out."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().removesuffix("\n").removesuffix("\r")
    first = typer.prompt("Mật khẩu", hide_input=True)
    if typer.prompt("Nhập lại mật khẩu", hide_input=True) != first:
        err.print("[red]✗[/red] Hai lần nhập mật khẩu không khớp nhau. Mật khẩu chưa được đặt.")
        raise typer.Exit(1)
    return first


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
