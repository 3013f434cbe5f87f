"""`dondoc digest`: the weekly digest, printed, written as HTML, or sent (a Prefect flow run)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from cli import AsOfOpt, err, get_settings, out, parse_moment, session


def digest(
    as_of: AsOfOpt = None,
    kind: Annotated[str, typer.Option("--kind", help="leadership or coordinator.")] = "leadership",
    send: Annotated[bool, typer.Option("--send", help="Email it to its recipients (a Prefect flow run).")] = False,
    html: Annotated[
        Path | None,
        typer.Option("--html", dir_okay=False, help="Also write the email's HTML here, to open in a browser."),
    ] = None,
) -> None:
    """The weekly digest: print it, or send it to leadership or the coordinators."""
    if kind not in ("leadership", "coordinator"):
        raise typer.BadParameter("--kind is leadership or coordinator")
    settings = get_settings()
    now = parse_moment(as_of, settings)
    if send:
        from flows.digest import weekly_digest

        result = weekly_digest(kind=kind, as_of=now)
        return out.print("[green]✓[/green] " + ", ".join(f"{k}: {v}" for k, v in result.items()))
    from models.rules.calendar import WorkingCalendar
    from notifications.digests import digest_context, recipients
    from notifications.render import make_message

    with session() as s:
        to = recipients(s, kind, now=now, tz=settings.tz)
        ctx = digest_context(
            s,
            kind,
            now=now,
            tz=settings.tz,
            contact=to[0] if to else None,
            calendar=WorkingCalendar.from_file(settings.calendar_file),
        )
    message = make_message(f"digest-{kind}", ctx, settings.templates_dir)
    sys.stdout.write(f"{message.subject}\n\n{message.text}")
    if html:
        import base64

        page = message.html
        for image in message.attachments:  # a browser has no cid: the chart goes in the page itself
            data = base64.b64encode(Path(image).read_bytes()).decode()
            page = page.replace(f"cid:{Path(image).name}", f"data:image/png;base64,{data}")
        html.write_text(page, encoding="utf-8")
    err.print(f"Người nhận: {', '.join(c.name for c in to) or 'chưa có trong danh bạ'}.")
