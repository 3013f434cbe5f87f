"""`dondoc local server|apps|stop`: what `make run` starts in the background (cli/supervisor.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from cli import get_settings, out

if TYPE_CHECKING:
    from cli.supervisor import Local

app = typer.Typer(help="Chạy trên một máy: máy chủ Prefect, cổng thông tin, các deployment.", no_args_is_help=True)


def _local() -> Local:
    from cli.supervisor import Local

    return Local(get_settings().home)


@app.command("server")
def local_server() -> None:
    """Start a real Prefect server in the background (its own PREFECT_HOME), if not running."""
    local = _local()
    local.server()
    out.print(f"[green]✓[/green] Prefect: {local.ui_url}")


@app.command("apps")
def local_apps() -> None:
    """Start the portal and `dondoc serve` in the background, if not running; then create or
    update the automations that alert the coordinators (once `serve` has registered the alert's
    deployment)."""
    from flows.automations import apply

    local = _local()
    local.apps()
    for name in apply():
        out.print(f"[green]✓[/green] Automation: {name}")
    out.print(
        f"[green]✓[/green] Giao diện Prefect: {local.ui_url}\n[green]✓[/green] Cổng thông tin: {local.portal_url}"
        f"\nNhật ký: {local.home / 'log'}; dừng: dondoc local stop"
    )


@app.command("stop")
def local_stop() -> None:
    """Stop what `dondoc local` started."""
    stopped = _local().stop()
    out.print(f"[green]✓[/green] Đã dừng: {', '.join(stopped) or 'không có gì đang chạy'}.")
