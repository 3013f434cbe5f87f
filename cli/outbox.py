"""`dondoc sweep` (fill the outbox with what is due now and send it), `dondoc outbox` (list it) and
`dondoc outbox retry` (send a message again)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from cli import ID_RANGE, AsOfOpt, JsonOpt, get_settings, listing, out, parse_moment, runtime_for, session

app = typer.Typer(help="Hộp thư đi: các tin nhắc việc và kết quả gửi.", invoke_without_command=True)


def sweep(
    as_of: AsOfOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print what would be sent; send nothing.")] = False,
) -> None:
    """Run the daily sweep once: plan the reminders due now into the outbox, then send them."""
    settings = get_settings()
    now = parse_moment(as_of, settings)
    if dry_run:
        planned = runtime_for(settings).plan(now)
        table = Table("Nhiệm vụ", "Bước", "Kênh", "Người nhận", title=f"Sẽ gửi ({len(planned)} tin)")
        for p in planned:
            table.add_row(str(p.assignment_id), p.step.name, p.channel, p.recipient)
        return out.print(table)
    from flows.sweep import daily_sweep

    result = daily_sweep(as_of=now)
    out.print("[green]✓[/green] " + ", ".join(f"{k}: {v}" for k, v in result.items()))
    # Where the messages went, in words: one email (and at most one SMS) per person a day.
    where = "máy chủ thư (SMTP)" if settings.email_url else f"hộp thư đi cục bộ {settings.outbox_dir}"
    out.print(
        f"  Đã gửi {result.get('email', 0)} email và {result.get('sms', 0)} SMS "
        f"({result.get('sent', 0)} lượt nhắc, thông báo theo từng nhiệm vụ); email đến {where}.",
        soft_wrap=True,
    )


@app.callback()
def outbox_list(
    ctx: typer.Context,
    as_json: JsonOpt = False,
    status: Annotated[
        str | None, typer.Option("--status", help="pending, sending, sent, failed, dead, unknown or cancelled")
    ] = None,
) -> None:
    """List the outbox."""
    if ctx.invoked_subcommand:
        return
    from models.operations import listings

    with session() as s:
        rows = listings.outbox(s, status=status)
    table = Table(
        "Mã", "Loại", "Kênh", "Người nhận", "Nhiệm vụ", "Bước", "Trạng thái", "Lần", "Lỗi", title="Hộp thư đi"
    )

    def cells(r: dict) -> list[str]:
        # A message whose fate was unknown at least once may have reached its recipient twice.
        state = r["status"] + (" (có thể trùng)" if r["unknown_outcomes"] and r["status"] == "sent" else "")
        return [
            str(r["id"]),
            r["kind"],
            r["channel"],
            r["recipient"],
            str(r["assignment_id"]),
            r["step"],
            state,
            str(r["attempts"]),
            escape(r["last_error"] or ""),
        ]

    listing(rows, as_json, table, cells)


@app.command("retry")
def outbox_retry(
    row_id: Annotated[int, typer.Argument(help="The outbox row's id.", **ID_RANGE)],
    duplicate_ok: Annotated[
        bool,
        typer.Option(
            "--duplicate-ok",
            help="Resend a message whose outcome is unknown: it may already have reached its recipient.",
        ),
    ] = False,
) -> None:
    """Send a failed, dead, cancelled (or, with --duplicate-ok, unknown) message again, now."""
    from models.operations import outbox

    settings = get_settings()
    with session() as s:
        outbox.retry(s, row_id, now=datetime.now(settings.tz), duplicate_ok=duplicate_ok)
    counts = runtime_for(settings).dispatch(datetime.now(settings.tz), ids=[row_id])
    out.print(f"[green]✓[/green] {row_id}: " + (", ".join(f"{k}" for k in counts) or "chưa gửi"))
