"""`dondoc portal`: serve the web portal under uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer


def portal(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8080,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            help="The reverse proxies whose X-Forwarded-For gives the client's address (comma-separated; "
            "default: FORWARDED_ALLOW_IPS, else 127.0.0.1,::1). Only these: anyone else could name any "
            "address."
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Processes serving requests (one per core: a page is CPU work in Python, one process uses one core).",
        ),
    ] = 1,
) -> None:
    """Serve the web portal (signed links for focal points, review for coordinators)."""
    import os

    import uvicorn

    from config.settings import get_settings as settings_of
    from portal.app import create_app

    # Links in the messages it sends point at this portal unless a public address is configured.
    os.environ.setdefault("DONDOC_PORTAL_URL", f"http://{host}:{port}")
    settings_of.cache_clear()
    # Several processes each build the app from the same environment; one is built here.
    app = "portal.app:create_app" if workers > 1 else create_app(settings_of())
    uvicorn.run(
        app,
        factory=workers > 1,
        workers=workers,
        host=host,
        port=port,
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips,
        log_level="info",
    )
