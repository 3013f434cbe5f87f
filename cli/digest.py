"""`dondoc digest`: the weekly digest, printed, written as HTML, or sent (a Prefect flow run)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from cli import AsOfOpt, PlanOpt, err, get_settings, out, parse_moment, session


def digest(
    as_of: AsOfOpt = None,
    kind: Annotated[str, typer.Option("--kind", help="leadership or coordinator.")] = "leadership",
    send: Annotated[bool, typer.Option("--send", help="Email it to its recipients (a Prefect flow run).")] = False,
    html: Annotated[
        Path | None,
        typer.Option("--html", dir_okay=False, help="Also write the email's HTML here, to open in a browser."),
    ] = None,
    plan: PlanOpt = None,
) -> None:
    """The weekly digest of each plan followed up (or of the plan named, even closed): print it,
    or send it to leadership or the coordinators."""
    if kind not in ("leadership", "coordinator"):
        raise typer.BadParameter("--kind is leadership or coordinator")
    settings = get_settings()
    now = parse_moment(as_of, settings)
    if send:
        from flows.digest import weekly_digest

        result = weekly_digest(kind=kind, as_of=now)
        return out.print("[green]✓[/green] " + ", ".join(f"{k}: {v}" for k, v in result.items()))
    from models.rules.calendar import WorkingCalendar
    from notifications.digests import digest_context, followed_plans, recipients
    from notifications.render import make_message

    calendar = WorkingCalendar.from_file(settings.calendar_file)
    with session() as s:
        plans = followed_plans(s, now.astimezone(settings.tz).date(), plan)
        if not plans:
            err.print(f"Không có kế hoạch {plan}." if plan else "Không có kế hoạch nào đang được theo dõi.")
            raise typer.Exit(1)
        messages = []
        for p in plans:
            to = recipients(s, kind, p, now=now, tz=settings.tz)
            ctx = digest_context(
                s, kind, now=now, tz=settings.tz, calendar=calendar, plan=p, contact=to[0] if to else None
            )
            messages.append((make_message(f"digest-{kind}", ctx, settings.templates_dir), to))
    pages = []
    for message, to in messages:
        # Written to a page, the digest is read there: the terminal gets its subject, not its text.
        sys.stdout.write(f"{message.subject}\n" if html else f"{message.subject}\n\n{message.text}\n")
        err.print(f"Người nhận: {', '.join(c.name for c in to) or 'chưa có trong danh bạ'}.")
        pages.append(_inline_charts(message))
        message.discard()
    if html:
        html.write_text("\n<hr>\n".join(pages), encoding="utf-8")
        out.print(
            f"[green]✓[/green] Đã ghi {escape(str(html.resolve()))}: mở tệp này bằng trình duyệt.", soft_wrap=True
        )


def _inline_charts(message) -> str:
    """A browser has no cid: the chart goes in the page itself."""
    import base64

    page = message.html
    for image in message.attachments:
        data = base64.b64encode(Path(image).read_bytes()).decode()
        page = page.replace(f"cid:{Path(image).name}", f"data:image/png;base64,{data}")
    return page
