"""Catalog sync: load the plans (a new revision if a file changed), then create the assignments
of every period begun by today."""

from __future__ import annotations

from datetime import datetime

from prefect import flow

from config.settings import get_settings
from tasks.catalog import create_assignments, sync


@flow(name="catalog-sync")
def catalog_sync(as_of: datetime | None = None) -> dict:
    now = as_of or datetime.now(get_settings().tz)
    return {"revisions": sync(now), "created": create_assignments(now)}
