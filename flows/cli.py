"""The `dondoc` command line. Fast to start: Prefect is imported only by commands that run flows."""
from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from config import MAX_ID

if TYPE_CHECKING:
    from config.settings import Settings

# Only typer, rich and config's constants at module level: `dondoc --help` must not pay for
# SQLAlchemy or pydantic.

app = typer.Typer(help="dondoc: đôn đốc thực hiện nhiệm vụ được giao trong kế hoạch.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
plan_app = typer.Typer(help="Xem kế hoạch: cơ quan, nhiệm vụ, chỉ tiêu.", no_args_is_help=True)
directory_app = typer.Typer(help="Danh bạ đầu mối.", no_args_is_help=True)
app.add_typer(plan_app, name="plan")
app.add_typer(directory_app, name="directory")

out = Console()
err = Console(stderr=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print a JSON array on stdout.")]
AsOfOpt = Annotated[str | None, typer.Option("--as-of", help="A date (end of that day) or an ISO datetime.")]
BodyOpt = Annotated[str | None, typer.Option("--body", help="A body code, e.g. so-yte.")]
# An id outside these bounds is a usage error, not an overflow deep in the database driver.
ID_RANGE = {"min": 1, "max": MAX_ID}


def get_settings() -> Settings:
    from config.settings import get_settings

    return get_settings()


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


@app.command()
def init() -> None:
    """Migrate the database and load the plan catalogs (idempotent)."""
    from models import migrate
    from models.intake.catalog.load import catalog_paths, load_catalogs
    from models.operations.catalog import sync_catalogs

    settings = get_settings()
    migrate.upgrade(settings.db_url)
    with session() as s:
        files = load_catalogs(catalog_paths(settings.catalog_dir))
        results = sync_catalogs(s, files, now=datetime.now(settings.tz))
    for r in results:
        what = ", ".join(f"{k}: {v}" for k, v in sorted(r.counts.items())) if r.changed else "không đổi"
        out.print(f"[green]✓[/green] {r.plan} (phiên bản {r.revision}): {what}")


@directory_app.command("password")
def directory_password(
    email: Annotated[str, typer.Argument(help="A coordinator's email in the directory.")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True,
                                          help="Asked for when not given; read from stdin when piped.")],
) -> None:
    """Set a coordinator's portal password (stored as an argon2 hash)."""
    from models.operations.accounts import set_password

    with session() as s:
        contact = set_password(s, email, password, now=datetime.now(get_settings().tz))
        name = contact.name
    out.print(f"[green]✓[/green] Đã đặt mật khẩu cho {escape(name)}.")


@directory_app.command("import")
def directory_import(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Import contacts from CSV or XLSX (columns body,name,role,email,phone)."""
    from models.operations.directory import import_directory

    with session() as s:
        r = import_directory(s, file, now=datetime.now(get_settings().tz))
    out.print(f"[green]✓[/green] {file.name}: thêm {r.created}, cập nhật {r.updated}, "
              f"không đổi {r.unchanged}, ngừng {r.deactivated}")


@plan_app.command("bodies")
def plan_bodies(as_json: JsonOpt = False) -> None:
    """The bodies of the plans."""
    from sqlmodel import select

    from models.tables.org import Body

    with session() as s:
        bodies = list(s.exec(select(Body).order_by(Body.id)))
        parents = {b.id: b.code for b in bodies}
        rows = [{"code": b.code, "name": b.name, "short_name": b.short_name, "kind": b.kind,
                 "parent": parents.get(b.parent_id)} for b in bodies]
    if as_json:
        return print_json(rows)
    table = Table("Mã", "Tên cơ quan", "Loại", title="Cơ quan, đơn vị")
    for r in rows:
        table.add_row(r["code"], r["name"], r["kind"])
    out.print(table)


@plan_app.command("duties")
def plan_duties(as_json: JsonOpt = False, body: BodyOpt = None) -> None:
    """The duties, one per responsible body."""
    from sqlmodel import select

    from models.tables.org import Body
    from models.tables.plan import Duty

    with session() as s:
        query = (select(Duty, Body.code).join(Body, Body.id == Duty.body_id)
                 .where(Duty.retired_revision.is_(None)).order_by(Duty.plan_id, Duty.position, Body.id))
        if body:
            query = query.where(Body.code == body)
        rows = [{"id": d.id, "ref": d.ref, "body": code, "cooperating": d.cooperating, "title": d.title,
                 "text": d.text, "cadence": d.cadence, "nature": d.nature, "evidence": d.evidence,
                 "sensitive": d.sensitive} for d, code in s.exec(query)]
    if as_json:
        return print_json(rows)
    table = Table("Mục", "Cơ quan", "Nhiệm vụ", "Chu kỳ", title="Nhiệm vụ được giao")
    for r in rows:
        table.add_row(r["ref"], r["body"], r["title"], CADENCE_VI.get(r["cadence"], r["cadence"]))
    out.print(table)


CADENCE_VI = {"once": "một lần", "quarterly": "hằng quý", "semiannual": "6 tháng", "annual": "hằng năm"}


@plan_app.command("targets")
def plan_targets(as_json: JsonOpt = False) -> None:
    """The targets (chỉ tiêu) of section II."""
    from sqlmodel import select

    from models.tables.plan import Target

    with session() as s:
        targets = s.exec(select(Target).where(Target.retired_revision.is_(None))
                         .order_by(Target.plan_id, Target.position))
        rows = [{"id": t.id, "ref": t.ref, "text": t.text, "measure": t.measure, "threshold": t.threshold,
                 "upper": t.upper, "unit": t.unit, "per": t.per, "deadline": t.deadline.isoformat(),
                 "reported_by": t.reported_by} for t in targets]
    if as_json:
        return print_json(rows)
    table = Table("Mục", "Chỉ tiêu", "Ngưỡng", title="Chỉ tiêu")
    for r in rows:
        unit = "%" if r["unit"] == "percent" else ("%/năm" if r["unit"] == "percent-change" else "")
        upper = f"-{r['upper']:g}" if r["upper"] is not None else ""
        table.add_row(r["ref"], r["measure"], f"≥ {r['threshold']:g}{upper}{unit}")
    out.print(table)


@app.command()
def schedule(
    until: Annotated[str | None, typer.Option(help="Create assignments of periods begun by this date.")] = None,
    as_of: AsOfOpt = None,
) -> None:
    """Create the assignments of every duty for every period up to a date (idempotent)."""
    from models.operations.schedule import materialize
    from models.rules.calendar import WorkingCalendar

    settings = get_settings()
    now = parse_moment(as_of, settings)
    last = date.fromisoformat(until) if until else now.astimezone(settings.tz).date()
    with session() as s:
        created = materialize(s, until=last, now=now, calendar=WorkingCalendar.from_file(settings.calendar_file))
    out.print(f"[green]✓[/green] Đã tạo {created} lượt nhiệm vụ mới (đến {last:%d/%m/%Y}).")


@app.command()
def status(as_json: JsonOpt = False, as_of: AsOfOpt = None, body: BodyOpt = None) -> None:
    """Where every assignment stands: the board per body, or one body's list."""
    from rich import box

    from models.operations.board import BoardRow, assignment_views, board
    from models.rules.status import BOARD_ORDER, SHORT_LABELS

    settings = get_settings()
    now = parse_moment(as_of, settings)
    with session() as s:
        views = assignment_views(s, now=now, tz=settings.tz, body=body)
    if as_json:
        return print_json([v.as_json() for v in views])
    stamp = now.astimezone(settings.tz)
    if body:
        table = Table("Mục", "Nhiệm vụ", "Kỳ", "Hạn", "Tình trạng", title=f"{body}: đến {stamp:%d/%m/%Y}")
        for v in views:
            table.add_row(v.ref, v.title, v.period, f"{v.due:%d/%m/%Y}", v.status.label)
        return out.print(table)
    table = Table(title=f"Tình hình thực hiện đến {stamp:%H:%M %d/%m/%Y}", box=box.SIMPLE_HEAD,
                  collapse_padding=True)
    table.add_column("Cơ quan", min_width=14, max_width=24)
    for st in BOARD_ORDER:
        table.add_column(SHORT_LABELS[st], justify="right", max_width=6)
    table.add_column("Tỷ lệ đúng hạn", justify="right", max_width=6)
    rows = board(views)
    total = BoardRow("", "Tổng cộng", sum((row.counts for row in rows), Counter()))
    for row in [*rows, total]:
        rate = f"{row.on_time_rate:.0%}" if row.on_time_rate is not None else "-"
        if row is total:
            table.add_section()
        table.add_row(row.body_label, *(str(row.counts[st]) for st in BOARD_ORDER), rate,
                      style="bold" if row is total else None)
    out.print(table)


@app.command()
def sweep(as_of: AsOfOpt = None,
          dry_run: Annotated[bool, typer.Option("--dry-run", help="Print what would be sent; send nothing.")] = False
          ) -> None:
    """Run the daily sweep once: plan the reminders due now into the outbox, then send them."""
    from notifications.runtime import Runtime

    settings = get_settings()
    now = parse_moment(as_of, settings)
    if dry_run:
        planned = Runtime.from_settings(settings).plan(now)
        table = Table("Nhiệm vụ", "Bước", "Kênh", "Người nhận", title=f"Sẽ gửi ({len(planned)} tin)")
        for p in planned:
            table.add_row(str(p.assignment_id), p.step.name, p.channel, p.recipient)
        return out.print(table)
    from flows.sweep import daily_sweep

    result = daily_sweep(as_of=now)
    out.print("[green]✓[/green] " + ", ".join(f"{k}: {v}" for k, v in result.items()))


outbox_app = typer.Typer(help="Hộp thư đi: các tin nhắc việc và kết quả gửi.", invoke_without_command=True)
app.add_typer(outbox_app, name="outbox")


@outbox_app.callback()
def outbox_list(ctx: typer.Context, as_json: JsonOpt = False,
                status: Annotated[str | None, typer.Option("--status", help="pending, sending, sent, failed, "
                                                           "dead, unknown or cancelled")] = None) -> None:
    """List the outbox."""
    if ctx.invoked_subcommand:
        return
    from sqlmodel import select

    from models.tables.notification import Notification

    with session() as s:
        query = select(Notification).order_by(Notification.id)
        if status:
            query = query.where(Notification.status == status)
        rows = [{"id": n.id, "kind": n.kind, "channel": n.channel, "recipient": n.recipient,
                 "assignment_id": n.assignment_id, "step": n.step, "status": n.status, "attempts": n.attempts,
                 "unknown_outcomes": n.unknown_outcomes, "next_attempt_at": n.next_attempt_at.isoformat(),
                 "last_error": n.last_error}
                for n in s.exec(query)]
    if as_json:
        return print_json(rows)
    table = Table("Mã", "Loại", "Kênh", "Người nhận", "Nhiệm vụ", "Bước", "Trạng thái", "Lần", "Lỗi",
                  title="Hộp thư đi")
    for r in rows:
        # A message whose fate was unknown at least once may have reached its recipient twice.
        state = r["status"] + (" (có thể trùng)" if r["unknown_outcomes"] and r["status"] == "sent" else "")
        table.add_row(str(r["id"]), r["kind"], r["channel"], r["recipient"], str(r["assignment_id"]), r["step"],
                      state, str(r["attempts"]), escape(r["last_error"] or ""))
    out.print(table)


@outbox_app.command("retry")
def outbox_retry(row_id: Annotated[int, typer.Argument(help="The outbox row's id.", **ID_RANGE)],
                 duplicate_ok: Annotated[bool, typer.Option(
                     "--duplicate-ok", help="Resend a message whose outcome is unknown: it may already have "
                     "reached its recipient.")] = False) -> None:
    """Send a failed, dead, cancelled (or, with --duplicate-ok, unknown) message again, now."""
    from models.operations import outbox

    settings = get_settings()
    with session() as s:
        outbox.retry(s, row_id, now=datetime.now(settings.tz), duplicate_ok=duplicate_ok)
    from notifications.runtime import Runtime

    counts = Runtime.from_settings(settings).dispatch(datetime.now(settings.tz), ids=[row_id])
    out.print(f"[green]✓[/green] {row_id}: " + (", ".join(f"{k}" for k in counts) or "chưa gửi"))


def _value(text: str) -> tuple[str, float]:
    ref, sep, number = text.partition("=")
    try:
        if not sep:
            raise ValueError
        return ref.strip(), float(number.replace(",", "."))
    except ValueError:
        raise typer.BadParameter(f"'{text}': write TARGET_REF=NUMBER, e.g. II.1.a.1=75") from None


def _runtime(settings: Settings):
    from notifications.runtime import Runtime

    return Runtime.from_settings(settings)


def _send_now(runtime, ids: list[int]) -> None:
    """Send at once what an action queued (a receipt, a return); the next sweep would otherwise."""
    if ids:
        runtime.dispatch(datetime.now(runtime.tz), ids=ids)


@app.command()
def confirm(
    assignment_id: Annotated[int, typer.Argument(help="The assignment's id (in `dondoc status --json`).",
                                                 **ID_RANGE)],
    file: Annotated[list[Path] | None, typer.Option("--file", exists=True, dir_okay=False,
                                                    help="PDF, DOCX, XLSX, JPG or PNG; repeat for several.")] = None,
    reference: Annotated[str | None, typer.Option(help="Số hiệu and date of the document.")] = None,
    value: Annotated[list[str] | None, typer.Option("--value", help="TARGET_REF=NUMBER; repeat.")] = None,
    note: Annotated[str | None, typer.Option(help="What was done.")] = None,
    as_of: AsOfOpt = None,
) -> None:
    """Confirm an assignment with evidence (the same as the web page does)."""
    from models.intake.uploads import receive_file
    from models.operations.actions import submit

    settings = get_settings()
    values = dict(_value(v) for v in value or [])
    runtime = _runtime(settings)
    uploads = []
    try:
        with session() as s:
            for p in file or []:  # one by one: a refused file leaves those before it in `uploads` to discard
                uploads.append(receive_file(p, settings.evidence_dir, max_bytes=settings.max_file_bytes))
            evidence, ids = submit(s, assignment_id, now=parse_moment(as_of, settings), policy=runtime.policy,
                                   tz=runtime.tz, date_margin_days=settings.date_margin_days, files=uploads,
                                   reference=reference, values=values, note=note)
    finally:
        for u in uploads:
            u.discard()  # those not kept
    _send_now(runtime, ids)
    out.print(f"[green]✓[/green] Đã ghi nhận minh chứng số {evidence.id} cho nhiệm vụ {assignment_id}: chờ xem xét.")


@app.command()
def review(
    assignment_id: Annotated[int, typer.Argument(help="The assignment's id.", **ID_RANGE)],
    accept: Annotated[bool, typer.Option("--accept", help="Accept the submission.")] = False,
    return_reason: Annotated[str | None, typer.Option("--return", help="Return it, saying why.")] = None,
    as_of: AsOfOpt = None,
) -> None:
    """A coordinator accepts or returns a submission (a return is emailed to the focal point)."""
    from models.operations.actions import decide_submission
    from models.rules.status import classify

    if accept == (return_reason is not None):
        raise typer.BadParameter("give either --accept or --return \"lý do\"")
    settings = get_settings()
    now = parse_moment(as_of, settings)
    runtime = _runtime(settings)
    with session() as s:
        a, ids = decide_submission(s, assignment_id, accept=accept, now=now, policy=runtime.policy, tz=runtime.tz,
                                   comment=return_reason)
        label = classify(a, now, settings.tz).label
    _send_now(runtime, ids)
    out.print(f"[green]✓[/green] Nhiệm vụ {assignment_id}: {label}.")


@app.command()
def digest(
    as_of: AsOfOpt = None,
    kind: Annotated[str, typer.Option("--kind", help="leadership or coordinator.")] = "leadership",
    send: Annotated[bool, typer.Option("--send", help="Email it to its recipients (a Prefect flow run).")] = False,
    html: Annotated[Path | None, typer.Option("--html", dir_okay=False,
                                              help="Also write the email's HTML here, to open in a browser.")] = None,
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
        ctx = digest_context(s, kind, now=now, tz=settings.tz, contact=to[0] if to else None,
                             calendar=WorkingCalendar.from_file(settings.calendar_file))
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


org_app = typer.Typer(help="Tổ chức bộ máy: chuyển giao nhiệm vụ giữa các cơ quan.", no_args_is_help=True)
app.add_typer(org_app, name="org")


@org_app.command("succeed")
def org_succeed(
    from_code: Annotated[str, typer.Argument(help="The body whose duties pass on, e.g. so-ldtbxh.")],
    to_code: Annotated[str, typer.Argument(help="The body that takes them, e.g. so-yte.")],
    effective_from: Annotated[str, typer.Option("--from", help="The date it takes effect (2025-03-01).")],
    duties: Annotated[list[str] | None, typer.Option("--duties", help="Only these duty refs; repeat.")] = None,
    coordinator: Annotated[bool, typer.Option("--coordinator", help="The plan's coordinating role passes too.")] = False,
    note: Annotated[str | None, typer.Option(help="The legal basis, e.g. NĐ 45/2025/NĐ-CP.")] = None,
) -> None:
    """From a date, a body's duties (all or some) pass to another: open assignments due from then move."""
    from models.operations.succession import succeed

    try:
        day = date.fromisoformat(effective_from)
    except ValueError:
        raise typer.BadParameter(f"'{effective_from}' is not an ISO date") from None
    with session() as s:
        _, moved = succeed(s, from_code, to_code, effective_from=day, now=datetime.now(get_settings().tz),
                           duty_refs=duties, moves_coordinator=coordinator, note=note)
    out.print(f"[green]✓[/green] Từ {day:%d/%m/%Y}, nhiệm vụ của {from_code} chuyển cho {to_code}: "
              f"{moved} lượt nhiệm vụ đang mở đã chuyển." + (" Vai trò điều phối cũng chuyển." if coordinator else ""))


@org_app.command("apply")
def org_apply(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Apply a YAML file of successions (all or nothing), e.g. config/successions-2025.example.yaml."""
    from models.operations.succession import apply_overlay

    with session() as s:
        done = apply_overlay(s, file, now=datetime.now(get_settings().tz))
    for old, new, moved in done:
        out.print(f"[green]✓[/green] {old} → {new}: {moved} lượt nhiệm vụ đang mở đã chuyển.")


extension_app = typer.Typer(help="Gia hạn: xin và quyết định.", no_args_is_help=True)
app.add_typer(extension_app, name="extension")


@extension_app.command("request")
def extension_request(
    assignment_id: Annotated[int, typer.Argument(help="The assignment's id.", **ID_RANGE)],
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
        ext = request(s, assignment_id, new_due=new_due, reason=reason, now=parse_moment(as_of, settings),
                      calendar=WorkingCalendar.from_file(settings.calendar_file), tz=settings.tz,
                      date_margin_days=settings.date_margin_days)
    out.print(f"[green]✓[/green] Đề nghị gia hạn số {ext.id}: đến {ext.requested_due:%d/%m/%Y}, chờ quyết định.")


@extension_app.command("decide")
def extension_decide(
    extension_id: Annotated[int, typer.Argument(help="The request's id.", **ID_RANGE)],
    approve: Annotated[bool, typer.Option("--approve", help="Approve the new due date.")] = False,
    refuse: Annotated[str | None, typer.Option("--refuse", help="Refuse, saying why.")] = None,
    as_of: AsOfOpt = None,
) -> None:
    """A coordinator approves or refuses an extension request (the requester is emailed)."""
    from models.operations.actions import decide_extension

    if approve == (refuse is not None):
        raise typer.BadParameter("give either --approve or --refuse \"lý do\"")
    settings = get_settings()
    runtime = _runtime(settings)
    with session() as s:
        ext, ids = decide_extension(s, extension_id, approve=approve, now=parse_moment(as_of, settings),
                                    policy=runtime.policy, tz=runtime.tz, comment=refuse)
        decision = ext.decision
    _send_now(runtime, ids)
    out.print(f"[green]✓[/green] Đề nghị gia hạn số {extension_id}: "
              + ("chấp thuận." if decision == "approved" else "không chấp thuận."))


@app.command()
def link(
    assignment_id: Annotated[int, typer.Argument(help="The assignment's id.", **ID_RANGE)],
    contact: Annotated[int | None, typer.Option("--contact", help="The contact's id (default: none named).",
                                                **ID_RANGE)] = None,
    revoke: Annotated[bool, typer.Option("--revoke", help="Revoke every live link to it instead.")] = False,
    as_of: AsOfOpt = None,
) -> None:
    """Print a fresh signed link to an assignment's page, for a coordinator to resend."""
    from models.errors import NotFound
    from models.operations.links import Links, issue
    from models.operations.links import revoke as revoke_links
    from models.tables.assignment import Assignment
    from models.tables.link import Purpose
    from models.tables.org import Contact

    settings = get_settings()
    now = parse_moment(as_of, settings)
    links = Links.from_settings(settings)
    if links is None and not revoke:
        err.print("[red]✗[/red] DONDOC_PORTAL_URL is not set: the portal's public address is needed for a link.")
        raise typer.Exit(1)
    with session() as s:
        if s.get(Assignment, assignment_id) is None:
            raise NotFound(f"không có nhiệm vụ số {assignment_id}")
        if contact is not None and s.get(Contact, contact) is None:
            raise NotFound(f"không có đầu mối số {contact}")
        if revoke:
            count = revoke_links(s, assignment_id, now=now, actor="cli", channel="cli")
            out.print(f"[green]✓[/green] Đã thu hồi {count} đường dẫn.")
            return
        made = issue(s, assignment_id, purpose=Purpose.confirm, now=now, days=settings.link_days,
                     contact_id=contact, actor="cli", channel="cli")
        url = links.url(made)
        expires = made.expires_at.astimezone(settings.tz)
    sys.stdout.write(url + "\n")
    err.print(f"Hết hạn {expires:%H:%M %d/%m/%Y}.")


local_app = typer.Typer(help="Chạy trên một máy: máy chủ Prefect, cổng thông tin, các deployment.",
                        no_args_is_help=True)
app.add_typer(local_app, name="local")


def _local():
    from flows.local import Local

    return Local(get_settings().home)


@local_app.command("server")
def local_server() -> None:
    """Start a real Prefect server in the background (its own PREFECT_HOME), if not running."""
    local = _local()
    local.server()
    out.print(f"[green]✓[/green] Prefect: {local.ui_url}")


@local_app.command("apps")
def local_apps() -> None:
    """Start the portal and `dondoc serve` in the background, if not running."""
    local = _local()
    local.apps()
    out.print(f"[green]✓[/green] Giao diện Prefect: {local.ui_url}\n[green]✓[/green] Cổng thông tin: {local.portal_url}"
              f"\nNhật ký: {local.home / 'log'}; dừng: dondoc local stop")


@local_app.command("stop")
def local_stop() -> None:
    """Stop what `dondoc local` started."""
    stopped = _local().stop()
    out.print(f"[green]✓[/green] Đã dừng: {', '.join(stopped) or 'không có gì đang chạy'}.")


automations_app = typer.Typer(help="Automation của Prefect: báo cán bộ điều phối.", no_args_is_help=True)
app.add_typer(automations_app, name="automations")


@automations_app.command("apply")
def automations_apply() -> None:
    """Create or update (never duplicate) the automations that alert the coordinators: a dondoc
    flow run failed or crashed; 3 messages failed for good within 24 hours."""
    from flows.automations import apply

    for name, automation_id in apply().items():
        out.print(f"[green]✓[/green] {name} ({automation_id})")


@app.command()
def serve() -> None:
    """Serve the deployments (sync, daily sweep, one per body, digests, confirmation) to the
    Prefect server at PREFECT_API_URL. Stopping it leaves their schedules active."""
    from prefect import serve as prefect_serve

    from flows.deployments import deployments

    prefect_serve(*deployments(get_settings()), pause_on_shutdown=False)


@app.command()
def deploy(pool: Annotated[str, typer.Option("--pool", help="A Prefect work pool (process type).")] = "dondoc") -> None:
    """Create or update the same deployments in a work pool, for workers on other machines."""
    from flows.deployments import deploy_to_pool

    ids = deploy_to_pool(pool, get_settings())
    out.print(f"[green]✓[/green] {len(ids)} deployment trong work pool {pool}.")


@app.command()
def portal(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8080,
    forwarded_allow_ips: Annotated[str | None, typer.Option(
        help="The reverse proxies whose X-Forwarded-For gives the client's address (comma-separated; "
             "default: FORWARDED_ALLOW_IPS, else 127.0.0.1,::1). Only these: anyone else could name any "
             "address.")] = None,
) -> None:
    """Serve the web portal (signed links for focal points, review for coordinators)."""
    import os

    import uvicorn

    from config.settings import get_settings as settings_of
    from portal.app import create_app

    # Links in the messages it sends point at this portal unless a public address is configured.
    os.environ.setdefault("DONDOC_PORTAL_URL", f"http://{host}:{port}")
    settings_of.cache_clear()
    uvicorn.run(create_app(settings_of()), host=host, port=port, proxy_headers=True,
                forwarded_allow_ips=forwarded_allow_ips, log_level="info")
