"""`dondoc extension request|decide`: a later due date (gia hạn), asked for and decided."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from cli import ID_RANGE, AsOfOpt, AssignmentArg, decide, get_settings, out, parse_moment, session

app = typer.Typer(help="Gia hạn: xin và quyết định.", no_args_is_help=True)


@app.command("request")
def extension_request(
    assignment_id: AssignmentArg,
    until: Annotated[str, typer.Option("--until", help="The new due date asked for (2025-07-15).")],
    reason: Annotated[str, typer.Option("--reason", help="Why.")],
    as_of: AsOfOpt = None,
) -> None:
    """Ask for a later due date (as the web page's form does)."""
    from models.operations.extension import request
    from models.rules.calendar import WorkingCalendar

    settings = get_settings()
    try:
        new_due = date.fromisoformat(until)
    except ValueError:
        raise typer.BadParameter(f"'{until}' is not an ISO date") from None
    with session() as s:
        ext = request(
            s,
            assignment_id,
            new_due,
            reason,
            now=parse_moment(as_of, settings),
            calendar=WorkingCalendar.from_file(settings.calendar_file),
            tz=settings.tz,
            date_margin_days=settings.date_margin_days,
        )
    out.print(f"[green]✓[/green] Đề nghị gia hạn số {ext.id}: đến {ext.requested_due:%d/%m/%Y}, chờ quyết định.")


@app.command("decide")
def extension_decide(
    extension_id: Annotated[int, typer.Argument(help="The request's id.", **ID_RANGE)],
    approve: Annotated[bool, typer.Option("--approve", help="Approve the new due date.")] = False,
    refuse: Annotated[str | None, typer.Option("--refuse", help="Refuse, saying why.")] = None,
    as_of: AsOfOpt = None,
) -> None:
    """A coordinator approves or refuses an extension request (the requester is emailed)."""
    from models.operations.actions import decide_extension

    def said(ext, now, settings) -> str:
        return f"Đề nghị gia hạn số {extension_id}: " + (
            "chấp thuận." if ext.decision == "approved" else "không chấp thuận."
        )

    usage = 'give either --approve or --refuse "lý do"'
    decide(decide_extension, extension_id, approve, refuse, as_of, usage=usage, said=said)
