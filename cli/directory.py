"""`dondoc directory import|password|login-link`: the contacts, and the coordinators' way into the
portal (a password, or a one-time sign-in link)."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from cli import AsOfOpt, err, get_settings, out, parse_moment, portal_links, session

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


@app.command("login-link")
def directory_login_link(
    email: Annotated[str, typer.Argument(help="A coordinator's email in the directory.")],
    minutes: Annotated[int, typer.Option(min=1, max=24 * 60, help="How long the link opens the portal.")] = 30,
    as_of: AsOfOpt = None,
) -> None:
    """Print a one-time link that signs a coordinator in to the portal (a first sign-in before a
    password is set, or a forgotten one). Give it to that person only: it opens their session."""
    from models.operations.accounts import sign_in_link

    settings = get_settings()
    links = portal_links(settings)
    with session() as s:
        made = sign_in_link(s, email, now=parse_moment(as_of, settings), minutes=minutes)
        url, expires = links.url(made), made.expires_at.astimezone(settings.tz)
    sys.stdout.write(url + "\n")  # alone on its line, never wrapped: a terminal copies it whole
    err.print(f"Dùng được một lần; hết hạn {expires:%H:%M %d/%m/%Y}.")


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
