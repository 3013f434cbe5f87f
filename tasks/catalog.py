"""Catalog sync (with the organisation history) and materialization as Prefect tasks: the same
operations as `dondoc init` and `dondoc schedule`."""

from __future__ import annotations

from datetime import datetime

from prefect import task

from config.settings import get_settings
from models import migrate
from models.db import session_scope
from models.intake.catalog.load import catalog_paths, load_catalogs
from models.operations.audit import PREFECT
from models.operations.organisation import sync_all
from models.operations.plans import start_following
from models.operations.schedule import materialize
from models.rules.calendar import WorkingCalendar
from models.types import local_date


@task(name="sync-catalogs", task_run_name="nạp các kế hoạch")
def sync(now: datetime) -> dict[str, int]:
    """Migrate, then load every catalog and the organisation history; a changed catalog becomes a
    new plan revision. A malformed catalog or organisation file fails the task with its file, path
    and line, and changes nothing."""
    settings = get_settings()
    migrate.upgrade(settings.db_url)
    with session_scope(settings.db_url) as s:
        catalogs = load_catalogs(catalog_paths(settings.catalog_dir))
        results, _ = sync_all(s, catalogs, settings.organisation_file, now=now)
        # A plan loaded for the first time is followed up from today: its past is not sent at once.
        start_following(s, local_date(now, settings.tz), now=now, by=PREFECT)
    return {r.plan: r.revision for r in results}


@task(name="materialize", task_run_name="tạo các lượt nhiệm vụ đến ngày {now:%d/%m/%Y}")
def create_assignments(now: datetime) -> int:
    settings = get_settings()
    with session_scope(settings.db_url) as s:
        return materialize(
            s,
            until=local_date(now, settings.tz),
            now=now,
            calendar=WorkingCalendar.from_file(settings.calendar_file),
            by=PREFECT,
        )
