"""`dondoc demo`: load the plans and the example directory into a fresh home, replay a period with
a simulated clock (flows/demo.py), then say what happened and where to look."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from cli import err, get_settings, invoked_as, out

DEFAULT_FROM, DEFAULT_TO = "2025-07-01", "2025-12-31"  # the second half of 2025


def demo(
    plan: Annotated[
        str | None, typer.Option("--plan", help="The plan whose report is drafted at the end (default: each one due).")
    ] = None,
    start: Annotated[str, typer.Option("--from", help="The first day replayed (YYYY-MM-DD).")] = DEFAULT_FROM,
    end: Annotated[str, typer.Option("--to", help="The last day replayed (YYYY-MM-DD).")] = DEFAULT_TO,
) -> None:
    """Replay a period on a fresh home (DONDOC_HOME): a sweep each working day, focal points
    confirming (some late, some never), a return, an extension, both escalation levels, the weekly
    digests and the period's report; messages to the local outbox unless SMTP is configured."""
    from cli.directory import directory_import
    from cli.plan import init
    from config import CONFIG_DIR
    from flows.demo import replay

    settings = get_settings()
    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError as exc:
        raise typer.BadParameter(f"not a date (YYYY-MM-DD): {exc}") from None
    if last < first:
        raise typer.BadParameter("--to is before --from")
    if _has_assignments(settings.db_url):
        err.print(
            f"[red]✗[/red] {escape(settings.db_url)} đã có dữ liệu: dondoc demo chạy trên một thư mục mới "
            "(DONDOC_HOME=var/demo, như make demo).",
            soft_wrap=True,
        )
        raise typer.Exit(1)
    init(notify_since=datetime.combine(first, datetime.min.time()))
    for directory in ("directory.example.csv", "directory.successors.example.csv"):
        directory_import(CONFIG_DIR / directory)
    days = (last - first).days + 1
    with Progress(
        TextColumn("[bold]Ngày mô phỏng {task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()
    ) as bar:
        task = bar.add_task(f"{first:%d/%m/%Y}", total=days)

        def advanced(day: date) -> None:
            bar.update(task, advance=1, description=f"{day:%d/%m/%Y}")

        with _quiet_console():
            files = replay(first, last, plan=plan, each_day=advanced)
    print_summary(first, last, files)


@contextmanager
def _quiet_console() -> Iterator[None]:
    """The flow runs' logs to the Prefect UI only, not over the progress bar (hundreds of lines a
    day): Prefect's console handlers at WARNING while the replay runs, as they were after."""
    from prefect.logging.handlers import PrefectConsoleHandler

    loggers = [logging.getLogger(), *(logging.getLogger(n) for n in list(logging.root.manager.loggerDict))]
    levels = {h: h.level for lg in loggers for h in lg.handlers if isinstance(h, PrefectConsoleHandler)}
    for h in levels:
        h.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for h, level in levels.items():
            h.setLevel(level)


def _has_assignments(url: str) -> bool:
    from sqlalchemy import func, inspect, select

    from models.db import get_engine
    from models.tables.assignment import Assignment

    engine = get_engine(url)
    if not inspect(engine).has_table("assignment"):
        return False
    with engine.connect() as c:
        return c.execute(select(func.count()).select_from(Assignment)).scalar_one() > 0


KINDS = {
    "daily": "Thư trong ngày: nhắc việc, nhắc quá hạn, báo cáo quá hạn (gộp mỗi người mỗi ngày)",
    "receipt": "Xác nhận đã nhận minh chứng",
    "returned": "Trả lại minh chứng",
    "extension": "Quyết định gia hạn",
    "digest-leadership": "Bản tin hằng tuần của lãnh đạo",
    "digest-coordinator": "Bản tin hằng tuần của cán bộ điều phối",
    "alert": "Cảnh báo hệ thống",
}


def print_summary(first: date, last: date, files: list[str]) -> None:
    """What the replay did, read back from the database, and where to look."""
    from prefect.settings import get_current_settings

    from flows.demo import LEFT_TO_REVIEW, summary
    from models.rules.status import Status
    from tasks.publish import ui_page

    settings = get_settings()
    done = summary(first, last)
    out.print(f"\n[bold]Đã mô phỏng {first:%d/%m/%Y} - {last:%d/%m/%Y}[/bold]", soft_wrap=True)
    sent = Table("Đã gửi", "Email", "SMS", "Địa chỉ nhận")
    for kind, label in KINDS.items():
        if done.messages[kind, "email"] or done.messages[kind, "sms"]:
            sent.add_row(
                label, str(done.messages[kind, "email"]), str(done.messages[kind, "sms"]), str(done.recipients[kind])
            )
    out.print(sent)
    st = done.statuses
    rate = f"{done.on_time_rate:.0%}" if done.on_time_rate is not None else "chưa có"
    lines = [
        f"Minh chứng đã nộp: {done.submissions} lần; trả lại {done.returned}; "
        f"gia hạn được chấp thuận {done.extensions}.",
        f"Việc đến hạn trong kỳ: {sum(st.values())}: hoàn thành đúng hạn {st[Status.done_on_time]}, hoàn thành "
        f"quá hạn {st[Status.done_late]}, chưa hoàn thành quá hạn {st[Status.overdue]}; tỷ lệ đúng hạn {rate}.",
        f"Báo cáo quá hạn: cấp 1 (thủ trưởng, cơ quan thường trực) {done.escalated[1]} việc; cấp 2 (lãnh đạo "
        f"UBND tỉnh) {done.escalated[2]} việc.",
        f"Chờ cán bộ điều phối xem xét: {done.awaiting} minh chứng nộp trong {LEFT_TO_REVIEW} ngày làm việc cuối "
        "(đăng nhập cổng thông tin để duyệt).",
        *(f"Báo cáo dự thảo: {f}" for f in files),
        "Xem tiếp:",
        f"  • Thư đã gửi: {settings.outbox_dir}/, mỗi thư một tệp .eml"
        if not settings.email_url
        else "  • Thư đã gửi qua máy chủ thư đã cấu hình (DONDOC_EMAIL_URL)",
        f"  • Giao diện Prefect: {ui_page('/runs')}, các lượt chạy theo từng ngày mô phỏng"
        if get_current_settings().ui_url
        else "  • Giao diện Prefect: không có (PREFECT_API_URL chưa đặt, các lượt chạy ở máy chủ Prefect tạm thời); "
        "`make demo` chạy cùng máy chủ Prefect cục bộ",
        f"  • Cổng thông tin và đường dẫn đăng nhập: {invoked_as()} local apps, rồi {invoked_as()} local summary",
    ]
    for line in lines:
        out.print(line, soft_wrap=True, highlight=False)
