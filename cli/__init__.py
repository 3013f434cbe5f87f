"""The `dondoc` command line: the root app, the helpers its command groups share, and the
registration of every command (in the order `dondoc --help` lists them).

Fast to start: only typer, rich and config's constants at module level, here and in the group
modules; SQLAlchemy, the models, Prefect and the portal are imported inside the commands that need
them, so `dondoc --help` and `dondoc status` pay for none of what they do not use.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from config import MAX_ID

# Without PREFECT_API_URL, a flow run starts Prefect's temporary server, which migrates a fresh
# database first: on a small machine under load that takes longer than Prefect's default 20 s, and
# the command would fail before doing anything. Read by Prefect when it is first imported.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

if TYPE_CHECKING:
    from config.settings import Settings
    from models.operations.links import Links
    from notifications.runtime import Runtime

app = typer.Typer(
    help="dondoc: đôn đốc thực hiện nhiệm vụ được giao trong kế hoạch.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

out = Console()
err = Console(stderr=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print a JSON array on stdout.")]
AsOfOpt = Annotated[str | None, typer.Option("--as-of", help="A date (end of that day) or an ISO datetime.")]
BodyOpt = Annotated[str | None, typer.Option("--body", help="A body code, e.g. so-yte.")]
# A plan's state (`Plan.state_on`) as the CLI prints it.
PLAN_STATES = {"draft": "dự thảo", "active": "đang theo dõi", "closed": "đã kết thúc"}
PlanOpt = Annotated[
    str | None, typer.Option("--plan", help="A plan code (`dondoc plan list`); default: every plan, grouped by plan.")
]
# An id outside these bounds is a usage error, not an overflow deep in the database driver.
ID_RANGE = {"min": 1, "max": MAX_ID}
AssignmentArg = Annotated[int, typer.Argument(help="The assignment's id (in `dondoc status --json`).", **ID_RANGE)]


def get_settings() -> Settings:
    from config.settings import get_settings

    return get_settings()


def invoked_as() -> str:
    """How to type `dondoc` again in the shell that ran it: "dondoc" when that is on the PATH,
    else the path it was run by (`make run` runs .venv/bin/dondoc, not on the PATH); preceded by
    the home it ran on when that was set for it (`make demo`'s var/demo), not in the shell."""
    import shutil
    from pathlib import Path

    def shown(path: Path) -> str:
        return os.path.relpath(path) if path.is_relative_to(Path.cwd()) else str(path)

    ran = Path(sys.argv[0]).resolve()
    found = shutil.which("dondoc")
    command = "dondoc" if found and Path(found).resolve() == ran else shown(ran)
    home = os.environ.get("DONDOC_HOME")
    return f"DONDOC_HOME={shown(Path(home).resolve())} {command}" if home else command


def parse_moment(text: str | None, settings: Settings) -> datetime:
    """`--as-of`: a date means the end of that local day; a naive datetime is local time."""
    tz = settings.tz
    if text is None:
        return datetime.now(tz)
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time.max, tzinfo=tz)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"'{text}' is not an ISO date (2025-06-01) or datetime") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def print_json(rows: list[dict[str, Any]]) -> None:
    sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2, default=str) + "\n")


def listing(rows: list[dict[str, Any]], as_json: bool, table: Table, cells: Callable[[dict], list[str]]) -> None:
    """A listing command's output: the rows as a JSON array with --json, else a table of their cells."""
    if as_json:
        return print_json(rows)
    for r in rows:
        table.add_row(*cells(r))
    out.print(table)


@contextmanager
def session() -> Iterator[Any]:
    from models.db import session_scope
    from models.errors import InputError, Refused

    try:
        with session_scope(get_settings().db_url) as s:
            yield s
    except (LookupError, Refused) as exc:  # an unknown id, or an operation refused with its reason
        err.print(f"[red]✗[/red] {escape(str(exc))}")
        raise typer.Exit(1) from None
    except InputError as exc:
        for problem in exc.problems:
            err.print(f"[red]✗[/red] {escape(str(problem))}", highlight=False, soft_wrap=True)
        err.print(f"[red]Không ghi gì vào cơ sở dữ liệu[/red] ({len(exc.problems)} lỗi).")
        raise typer.Exit(1) from None


def portal_links(settings: Settings) -> Links:
    """Links to the portal at DONDOC_PORTAL_URL or, unset, to the one `dondoc local apps` serves on
    this machine (`make run`, `make demo`), said on stderr: such a link opens only here."""
    from cli.supervisor import Local
    from models.operations.links import Links

    if links := Links.from_settings(settings):
        return links
    local = Local(settings.home).portal_url
    err.print(f"DONDOC_PORTAL_URL chưa được đặt: đường dẫn tới cổng thông tin trên máy này ({local}).")
    return Links(local, settings.secret_key.get_secret_value(), settings.link_days)


def runtime_for(settings: Settings) -> Runtime:
    from notifications.runtime import Runtime

    return Runtime.from_settings(settings)


def send_now(runtime: Runtime, ids: list[int]) -> None:
    """Send at once what an action queued (a receipt, a return); the next sweep would otherwise."""
    if ids:
        runtime.dispatch(datetime.now(runtime.tz), ids=ids)


def decide(
    action: Callable,
    subject_id: int,
    yes: bool,
    reason: str | None,
    as_of: str | None,
    *,
    usage: str,
    said: Callable[[Any, datetime, Settings], str],
) -> None:
    """A coordinator's decision from the command line: a yes, or a no with its reason (`usage` when
    neither or both); `action` is models.operations.actions' decide_*; what it owes is sent at once."""
    from models.operations.confirmation import Ruling

    if yes == (reason is not None):
        raise typer.BadParameter(usage)
    settings = get_settings()
    now, runtime = parse_moment(as_of, settings), runtime_for(settings)
    with session() as s:
        done, ids = action(s, subject_id, Ruling(yes, reason), now=now, policy=runtime.policy, tz=runtime.tz)
        message = said(done, now, settings)
    send_now(runtime, ids)
    out.print(f"[green]✓[/green] {message}")


# The command groups use the helpers above: imported once these exist.
from cli import (  # noqa: E402
    assignments,
    backup,
    calendar,
    confirmation,
    demo,
    digest,
    directory,
    extension,
    local,
    org,
    outbox,
    plan,
    portal,
    prefect,
    report,
)

app.command()(plan.init)
app.command()(assignments.schedule)
app.command()(assignments.status)
app.command()(outbox.sweep)
app.command()(confirmation.confirm)
app.command()(confirmation.review)
app.command()(digest.digest)
app.command()(report.report)
app.command()(confirmation.link)
app.command()(prefect.serve)
app.command()(prefect.check)
app.command()(prefect.deploy)
app.command()(portal.portal)
app.command()(backup.backup)
app.command()(backup.restore)
app.command()(demo.demo)
app.add_typer(plan.app, name="plan")
app.add_typer(directory.app, name="directory")
app.add_typer(outbox.app, name="outbox")
app.add_typer(org.app, name="org")
app.add_typer(extension.app, name="extension")
app.add_typer(local.app, name="local")
app.add_typer(calendar.app, name="calendar")
app.add_typer(prefect.automations, name="automations")
