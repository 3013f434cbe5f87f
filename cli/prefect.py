"""The Prefect side: `dondoc serve` and `dondoc deploy` (the deployments), `dondoc automations apply`."""

from __future__ import annotations

from typing import Annotated

import typer

from cli import AsOfOpt, get_settings, out, parse_moment

SERVE_LIMIT = 4
automations = typer.Typer(help="Automation của Prefect: báo cán bộ điều phối.", no_args_is_help=True)


@automations.command("apply")
def automations_apply() -> None:
    """Create or update (never duplicate) the automations that alert the coordinators: a dondoc
    flow run failed or crashed; 3 messages failed for good within 24 hours."""
    from flows.automations import apply

    for name, automation_id in apply().items():
        out.print(f"[green]✓[/green] {name} ({automation_id})")


def check(
    as_of: AsOfOpt = None,
    body: Annotated[
        list[str] | None, typer.Option("--body", help="A body code; repeat for several. Default: every body.")
    ] = None,
) -> None:
    """Run the body checks now through their deployments (`dondoc serve` runs them): each body's
    overdue items as red task runs in the Prefect UI, without waiting for their 07:30 schedule."""
    from flows.deployments import request_checks
    from tasks.publish import ui_page

    settings = get_settings()
    ids = request_checks(body, parse_moment(as_of, settings) if as_of else None)
    out.print(
        f"[green]✓[/green] Đã yêu cầu kiểm tra {len(ids)} cơ quan; kết quả (việc quá hạn màu đỏ): " + ui_page("/runs"),
        soft_wrap=True,  # the address whole, for a terminal to open
    )


def serve() -> None:
    """Serve the deployments (sync, daily sweep, one per body, digests, confirmation) to the
    Prefect server at PREFECT_API_URL. Stopping it leaves their schedules active."""
    from prefect import serve as prefect_serve

    from flows.deployments import deployments

    # At most SERVE_LIMIT runs at once: the body checks all start at 07:30.
    prefect_serve(*deployments(get_settings()), pause_on_shutdown=False, limit=SERVE_LIMIT)


def deploy(pool: Annotated[str, typer.Option("--pool", help="A Prefect work pool (process type).")] = "dondoc") -> None:
    """Create or update the same deployments in a work pool, for workers on other machines."""
    from flows.deployments import deploy_to_pool

    ids = deploy_to_pool(pool, get_settings())
    out.print(f"[green]✓[/green] {len(ids)} deployment trong work pool {pool}.")
