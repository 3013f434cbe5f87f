"""`dondoc local server|apps|stop`: what `make run` starts in the background (cli/supervisor.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from cli import get_settings, invoked_as, out, portal_links

if TYPE_CHECKING:
    from cli.supervisor import Local

app = typer.Typer(help="Chạy trên một máy: máy chủ Prefect, cổng thông tin, các deployment.", no_args_is_help=True)


def _local() -> Local:
    from cli.supervisor import Local

    return Local(get_settings().home)


@app.command("server")
def local_server() -> None:
    """Start a real Prefect server in the background (its own PREFECT_HOME), if not running."""
    local = _local()
    local.server()
    out.print(f"[green]✓[/green] Prefect: {local.ui_url}")


@app.command("apps")
def local_apps() -> None:
    """Start the portal and `dondoc serve` in the background, if not running; then create or
    update the automations that alert the coordinators (once `serve` has registered the alert's
    deployment)."""
    from flows.automations import apply

    local = _local()
    local.apps()
    for name in apply():
        out.print(f"[green]✓[/green] Automation: {name}")
    out.print(
        f"[green]✓[/green] Giao diện Prefect: {local.ui_url}\n[green]✓[/green] Cổng thông tin: {local.portal_url}"
        f"\nNhật ký: {local.home / 'log'}; dừng: {invoked_as()} local stop",
        soft_wrap=True,  # a command broken over two lines does not run as printed
    )


@app.command("summary")
def local_summary(
    minutes: Annotated[int, typer.Option(min=1, max=24 * 60, help="How long the sign-in link opens the portal.")] = 30,
) -> None:
    """What `make run` started, where the messages went, how to sign in to the portal (a one-time
    link for the first coordinator) and how to stop: the end of `make run`."""
    from datetime import datetime

    from sqlmodel import select

    from models.db import session_scope
    from models.operations.accounts import coordinators, sign_in_link
    from models.tables.org import Body
    from models.tables.plan import Plan, followed_on
    from tasks.publish import overdue_dashboard

    settings, local = get_settings(), _local()
    now, dondoc = datetime.now(settings.tz), invoked_as()
    lines = [
        f"\n[bold]dondoc đang chạy[/bold] (chạy nền, nhật ký trong {local.home / 'log'}):",
        f"  • Giao diện Prefect: {local.ui_url} (lượt quét, kiểm tra từng cơ quan, bảng tình hình); "
        f"các cơ quan có việc quá hạn: {overdue_dashboard(local.ui_url)}",
        f"  • Cổng thông tin: {local.portal_url}",
        "  • dondoc serve: các việc theo lịch (danh sách và lịch trong giao diện Prefect, mục Deployments)",
    ]
    if settings.email_url:
        lines.append("Thư nhắc việc được gửi qua máy chủ thư đã cấu hình (DONDOC_EMAIL_URL).")
    else:
        sent = len(list(settings.outbox_dir.glob("*.eml"))) if settings.outbox_dir.is_dir() else 0
        lines.append(
            f"Chưa cấu hình máy chủ thư (DONDOC_EMAIL_URL): thư và tin nhắn được ghi vào {settings.outbox_dir}/ "
            f"({sent} thư), mỗi thư một tệp .eml mở được bằng trình đọc thư."
        )
    with session_scope(settings.db_url) as s:
        for plan in s.exec(select(Plan).where(followed_on(now.date())).order_by(Plan.code)):
            since = f", nhắc việc từ {plan.notify_since:%d/%m/%Y}" if plan.notify_since else ""
            lines.append(f"Kế hoạch theo dõi: {plan.number or plan.code} ({plan.code}){since}.")
        links = portal_links(settings)
        if found := coordinators(s, now.date()):
            who, body = found[0], s.get_one(Body, found[0].body_id)
            url = links.url(sign_in_link(s, who.email or "", now=now, minutes=minutes))
            lines += [
                f"Đăng nhập cổng thông tin với tư cách cán bộ điều phối {who.name} ({body.name}), đường dẫn "
                f"dùng một lần trong {minutes} phút:",
                url,
                f"  Đường dẫn mới: {dondoc} directory login-link {who.email}",
            ]
    lines.append(f"Các lệnh khác: {dondoc} --help. Dừng tất cả: make stop (hoặc {dondoc} local stop).")
    for line in lines:  # never wrapped: a command or a link broken over two lines does not work
        out.print(line, soft_wrap=True, highlight=False)


@app.command("stop")
def local_stop() -> None:
    """Stop what `dondoc local` started."""
    stopped = _local().stop()
    out.print(f"[green]✓[/green] Đã dừng: {', '.join(stopped) or 'không có gì đang chạy'}.")
