"""The Prefect side: `dondoc serve` and `dondoc deploy` (the deployments), `dondoc automations apply`."""

from __future__ import annotations

from typing import Annotated

import typer

from cli import get_settings, out

automations = typer.Typer(help="Automation của Prefect: báo cán bộ điều phối.", no_args_is_help=True)


@automations.command("apply")
def automations_apply() -> None:
    """Create or update (never duplicate) the automations that alert the coordinators: a dondoc
    flow run failed or crashed; 3 messages failed for good within 24 hours."""
    from flows.automations import apply

    for name, automation_id in apply().items():
        out.print(f"[green]✓[/green] {name} ({automation_id})")


def serve() -> None:
    """Serve the deployments (sync, daily sweep, one per body, digests, confirmation) to the
    Prefect server at PREFECT_API_URL. Stopping it leaves their schedules active."""
    from prefect import serve as prefect_serve

    from flows.deployments import deployments

    prefect_serve(*deployments(get_settings()), pause_on_shutdown=False)


def deploy(pool: Annotated[str, typer.Option("--pool", help="A Prefect work pool (process type).")] = "dondoc") -> None:
    """Create or update the same deployments in a work pool, for workers on other machines."""
    from flows.deployments import deploy_to_pool

    ids = deploy_to_pool(pool, get_settings())
    out.print(f"[green]✓[/green] {len(ids)} deployment trong work pool {pool}.")
