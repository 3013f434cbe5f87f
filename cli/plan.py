"""`dondoc init` (migrate, load the plan catalogs and the organisation history) and `dondoc plan
list|close|bodies|duties|targets|draft|check`."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from cli import (
    PLAN_STATES,
    AsOfOpt,
    BodyOpt,
    JsonOpt,
    PlanOpt,
    err,
    get_settings,
    listing,
    out,
    parse_moment,
    print_json,
    session,
)

app = typer.Typer(help="Xem kế hoạch: cơ quan, nhiệm vụ, chỉ tiêu.", no_args_is_help=True)


def init(
    notify_since: Annotated[
        datetime | None,
        typer.Option(
            "--notify-since",
            formats=["%Y-%m-%d"],
            help="The day dondoc began following the plans up: what fell due before it is shown but "
            "never reminded or escalated. Default: today, for the plans loaded for the first time; "
            "given, it applies to every plan.",
        ),
    ] = None,
) -> None:
    """Migrate the database, load the plan catalogs and apply the organisation history (idempotent)."""
    from models import migrate
    from models.intake.catalog.load import catalog_paths, load_catalogs
    from models.operations.audit import CLI
    from models.operations.organisation import sync_all
    from models.operations.plans import start_following

    settings = get_settings()
    now = datetime.now(settings.tz)
    since = notify_since.date() if notify_since else now.date()
    migrate.upgrade(settings.db_url)
    with session() as s:
        files = load_catalogs(catalog_paths(settings.catalog_dir))
        results, applied = sync_all(s, files, settings.organisation_file, now=now)
        following = start_following(s, since, now=now, by=CLI, every=notify_since is not None)
    for r in results:
        what = ", ".join(f"{k}: {v}" for k, v in sorted(r.counts.items())) if r.changed else "không đổi"
        out.print(f"[green]✓[/green] {r.plan} (phiên bản {r.revision}): {what}")
    if applied is not None:
        what = (
            f"{applied.bodies_created} cơ quan mới, {applied.bodies_updated} cập nhật, "
            f"{applied.successions} chuyển giao mới, {applied.moved} lượt nhiệm vụ đang mở đã chuyển"
            if applied.changed
            else "không đổi"
        )
        out.print(f"[green]✓[/green] Tổ chức bộ máy ({applied.path.name}): {what}")
    if following:
        out.print(
            f"[green]✓[/green] Theo dõi từ ngày {since:%d/%m/%Y}: {', '.join(following)} "
            "(việc đến hạn trước ngày này được hiển thị nhưng không nhắc, không báo cáo quá hạn)"
        )


@app.command("list")
def plan_list(as_json: JsonOpt = False, as_of: AsOfOpt = None) -> None:
    """Every plan on record: its state (draft, followed up, closed), its parent, its open items."""
    from models.operations.plans import plans_on

    settings = get_settings()
    today = parse_moment(as_of, settings).astimezone(settings.tz).date()
    with session() as s:
        plans = plans_on(s, today)
    if as_json:
        return print_json(plans)
    table = Table(title=f"Các kế hoạch, ngày {today:%d/%m/%Y}", box=box.SIMPLE_HEAD)
    for name, options in (
        ("Mã", {"no_wrap": True}),
        ("Kế hoạch", {"ratio": 1, "min_width": 20}),
        ("Tình trạng", {"no_wrap": True}),
        ("Chưa xong", {"justify": "right"}),
    ):
        table.add_column(name, **options)  # type: ignore[arg-type]
    for p in plans:
        closed = f"\ntừ {date.fromisoformat(p['closed_on']):%d/%m/%Y}" if p["closed_on"] else ""
        span = f"{date.fromisoformat(p['period_start']):%d/%m/%Y}-{date.fromisoformat(p['period_end']):%d/%m/%Y}"
        number = f"{p['number']}: " if p["number"] else ""
        parent = f"\nthuộc Kế hoạch {p['parent_number'] or p['parent']}" if p["parent"] else ""
        table.add_row(
            p["code"], f"{number}{p['title']}\n{span}{parent}", PLAN_STATES[p["state"]] + closed, str(p["open"])
        )
    out.print(table)


@app.command("close")
def plan_close(
    code: Annotated[str, typer.Argument(help="The plan's code (`dondoc plan list`).")], as_of: AsOfOpt = None
) -> None:
    """Close a plan from a day (default today): nothing more of it is scheduled, reminded or
    escalated; what stayed undone stays in the record as not completed, its figures readable."""
    from models.operations.plans import close_plan

    settings = get_settings()
    now = parse_moment(as_of, settings)
    day = now.astimezone(settings.tz).date()
    with session() as s:
        plan, left_open = close_plan(s, code, on=day, now=now)
        title = plan.title
    out.print(
        f"[green]✓[/green] {escape(title)}: kết thúc theo dõi từ {day:%d/%m/%Y}; "
        f"{left_open} nhiệm vụ chưa hoàn thành được giữ nguyên trong hồ sơ."
    )


@app.command("bodies")
def plan_bodies(as_json: JsonOpt = False) -> None:
    """The bodies of the plans."""
    from models.operations import listings

    with session() as s:
        rows = listings.bodies(s)
    table = Table("Mã", "Tên cơ quan", "Loại", title="Cơ quan, đơn vị")
    listing(rows, as_json, table, lambda r: [r["code"], r["name"], r["kind"]])


@app.command("duties")
def plan_duties(as_json: JsonOpt = False, body: BodyOpt = None, plan: PlanOpt = None) -> None:
    """The duties, plan by plan, one per responsible body."""
    from models.operations import listings
    from models.rules.basis import basis_label

    with session() as s:
        rows = listings.duties(s, body=body, plan=plan)
    table = Table("Kế hoạch", "Mục", "Cơ quan", "Nhiệm vụ", "Chu kỳ", "Căn cứ hạn", title="Nhiệm vụ được giao")

    def cells(r: dict) -> list[str]:
        # A request ("Đề nghị ...") is marked where it is listed: it is asked, not ordered; a duty
        # carrying out one of the parent plan's says which.
        title = f"{r['title']} (đề nghị phối hợp)" if r["request"] else r["title"]
        title += f" (thực hiện mục {r['implements']} của kế hoạch cấp trên)" if r["implements"] else ""
        cadence = CADENCE_VI.get(r["cadence"], r["cadence"])
        return [r["plan"], r["ref"], r["body"], title, cadence, basis_label(r["basis"])]

    listing(rows, as_json, table, cells)


CADENCE_VI = {"once": "một lần", "quarterly": "hằng quý", "semiannual": "6 tháng", "annual": "hằng năm"}


@app.command("targets")
def plan_targets(as_json: JsonOpt = False, plan: PlanOpt = None) -> None:
    """The targets (chỉ tiêu) of section II, plan by plan."""
    from models.operations import listings

    with session() as s:
        rows = listings.targets(s, plan=plan)

    def threshold(r: dict) -> str:
        unit = "%" if r["unit"] == "percent" else ("%/năm" if r["unit"] == "percent-change" else "")
        upper = f"-{r['upper']:g}" if r["upper"] is not None else ""
        return f"≥ {r['threshold']:g}{upper}{unit}"

    listing(
        rows,
        as_json,
        Table("Kế hoạch", "Mục", "Chỉ tiêu", "Ngưỡng", title="Chỉ tiêu"),
        lambda r: [r["plan"], r["ref"], r["measure"], threshold(r)],
    )


# `dondoc plan draft` and `dondoc plan check`: a catalog drafted from a plan's document, and
# catalog files checked before they are loaded. Neither touches the database.
DraftFileArg = Annotated[Path, typer.Argument(help="The plan's document: .docx, .pdf (with a text layer) or .txt.")]
DraftOutOpt = Annotated[Path | None, typer.Option("--out", help="Where to write the draft (default: FILE.yaml).")]
DraftCodeOpt = Annotated[str | None, typer.Option("--code", help="The plan's code (default: from the file name).")]
ForceOpt = Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")]


@app.command("draft")
def plan_draft(
    file: DraftFileArg, out_path: DraftOutOpt = None, code: DraftCodeOpt = None, force: ForceOpt = False
) -> None:
    """Draft a catalog (YAML) from a plan's document, every guess marked "# CẦN XEM LẠI:"."""
    import re

    from models.intake.draft import DocumentRefused, SectionNotFound, draft_catalog, read_document, render_draft
    from models.intake.draft.render import review_marks
    from models.intake.draft.text import ascii_slug

    target = out_path or file.with_suffix(".yaml")
    if target.exists() and not force:
        err.print(f"[red]✗[/red] {escape(str(target))} đã có: không ghi đè (thêm --force để ghi đè).", soft_wrap=True)
        raise typer.Exit(1)
    if code is not None and not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,39}", code):
        raise typer.BadParameter(f"'{code}': chỉ gồm chữ thường không dấu, số và dấu gạch ngang, tối đa 40 ký tự")
    registry, notes = _registry()
    for note in notes:
        err.print(f"[yellow]![/yellow] {escape(note)}")
    try:
        draft = draft_catalog(read_document(file), registry, code or ascii_slug(file.stem))
    except DocumentRefused as exc:
        err.print(f"[red]✗[/red] {escape(str(exc))}\n[red]Không ghi tệp nào.[/red]", soft_wrap=True)
        raise typer.Exit(1) from None
    except SectionNotFound as exc:
        err.print(
            f"[red]✗[/red] {escape(str(file))}: {escape(str(exc))}\n[red]Không ghi tệp nào.[/red]", soft_wrap=True
        )
        raise typer.Exit(1) from None
    text = render_draft(draft, file.name)
    target.write_text(text, encoding="utf-8")
    table = Table("", "Số lượng", "Chi tiết", title=f"Bản nháp danh mục: {draft.plan.values['code']}")
    table.add_row("Nhiệm vụ", str(len(draft.duties)), "")
    table.add_row("Chỉ tiêu", str(len(draft.targets)), "")
    table.add_row("Cơ quan đã có", str(len(draft.matched_bodies)), ", ".join(draft.matched_bodies))
    table.add_row("Cơ quan mới (đề xuất)", str(len(draft.new_bodies)), ", ".join(draft.new_bodies))
    table.add_row("Chỗ “CẦN XEM LẠI”", str(review_marks(text)), "")
    out.print(table)
    for warning in draft.warnings:
        err.print(f"[yellow]![/yellow] {escape(warning)}")
    out.print(
        f"[green]✓[/green] Đã ghi {escape(str(target))}. Đối chiếu với văn bản, sửa các chỗ “CẦN XEM LẠI”, "
        f"rồi chạy: dondoc plan check {escape(str(target))}",
        soft_wrap=True,
    )


def _registry() -> tuple[Any, list[str]]:
    """The bodies a draft can name: the installed catalogs' and the organisation file's. A file
    that does not read is skipped with a note: the draft then proposes its bodies as new."""
    from models.errors import InputError
    from models.intake.catalog.load import catalog_paths, read_catalog
    from models.intake.draft import Registry
    from models.intake.organisation import read_organisation

    settings = get_settings()
    catalogs, notes = [], []
    for path in catalog_paths(settings.catalog_dir):
        try:
            catalogs.append((path.name, read_catalog(path).catalog))  # named in the draft's comments
        except InputError as exc:
            notes.append(f"bỏ qua danh mục {path} (lỗi: {exc.problems[0]}): cơ quan của nó không được dùng")
    org = None
    if settings.organisation_file is not None and settings.organisation_file.is_file():
        try:
            org = read_organisation(settings.organisation_file)
        except InputError as exc:
            notes.append(f"bỏ qua tệp tổ chức {settings.organisation_file} (lỗi: {exc.problems[0]})")
    return Registry.build(catalogs, org), notes


CheckFilesArg = Annotated[list[Path], typer.Argument(help="Catalog files (YAML) to check.")]
AloneOpt = Annotated[
    bool, typer.Option("--alone", help="Check the files among themselves only, not with the installed catalogs.")
]


@app.command("check")
def plan_check(files: CheckFilesArg, alone: AloneOpt = False) -> None:
    """Check catalog files as `dondoc init` would load them (with the installed catalogs and the
    organisation file): every problem with its file, path and line. Writes nothing."""
    from models.errors import InputError, Problem
    from models.intake.catalog.load import catalog_paths, load_catalogs
    from models.operations.organisation import load_organisation

    settings = get_settings()
    problems: list[Problem] = [
        Problem(str(f), "no-file", "", None, "không có tệp này") for f in files if not f.is_file()
    ]
    given = {f.resolve() for f in files}
    others = [] if alone else [p for p in catalog_paths(settings.catalog_dir) if p.resolve() not in given]
    loaded = []
    if not problems:
        try:
            loaded = load_catalogs([*files, *others])
        except InputError as exc:
            problems += exc.problems
    org_path = None if alone else settings.organisation_file
    if loaded and org_path is not None and org_path.is_file():
        try:
            load_organisation(None, org_path, loaded)
        except InputError as exc:
            problems += exc.problems
    if problems:
        for problem in problems:
            err.print(f"[red]✗[/red] {escape(str(problem))}", highlight=False, soft_wrap=True)
        err.print(f"[red]{len(problems)} lỗi[/red]: sửa rồi chạy lại. Không ghi gì vào cơ sở dữ liệu.")
        raise typer.Exit(1)
    for f in loaded:
        if f.path.resolve() in given:
            c = f.catalog
            out.print(
                f"[green]✓[/green] {escape(str(f.path))}: hợp lệ ({len(c.duties)} nhiệm vụ, "
                f"{len(c.targets)} chỉ tiêu, {len(c.bodies)} cơ quan)",
                soft_wrap=True,
            )


DiffFileArg = Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A catalog file (YAML).")]


@app.command("diff")
def plan_diff(old: DiffFileArg, new: DiffFileArg, as_json: JsonOpt = False) -> None:
    """What a revision of a catalog adds, changes and removes, and how many open assignments of the
    plan on record each change reaches. Writes nothing."""
    from sqlalchemy import func, inspect
    from sqlmodel import select

    from models.intake.catalog.diff import diff, touches_assignments
    from models.intake.catalog.load import read_catalog
    from models.tables.assignment import OPEN_STATES, Assignment
    from models.tables.plan import Duty, Plan

    with session() as s:  # a file refused is reported as `init` reports it, with file, path and line
        before, after = read_catalog(old).catalog, read_catalog(new).catalog
        changes = diff(before, after)
        # The plan on record (a fresh home has none): its open items per duty ref, what a removed or
        # rescheduled duty reaches.
        open_items: dict[str, int] = {}
        if inspect(s.get_bind()).has_table("plan"):
            open_items = dict(
                s.exec(
                    select(Duty.ref, func.count(Assignment.id))
                    .join(Assignment, Assignment.duty_id == Duty.id)
                    .join(Plan, Plan.id == Duty.plan_id)
                    .where(Plan.code == before.plan.code, Assignment.state.in_(OPEN_STATES))
                    .group_by(Duty.ref)
                ).all()
            )
    rows = [
        {
            "section": c.section,
            "key": c.key,
            "kind": c.kind,
            "fields": {f: {"old": o, "new": n} for f, (o, n) in c.fields.items()},
            "open_assignments": open_items.get(c.key, 0) if touches_assignments(c) else 0,
        }
        for c in changes
    ]
    if as_json:
        return print_json(rows)
    kinds = {"added": "[green]thêm[/green]", "changed": "[yellow]sửa[/yellow]", "removed": "[red]bỏ[/red]"}
    table = Table(
        "Phần", "Mục", "Thay đổi", "Chi tiết", "Nhiệm vụ đang mở bị ảnh hưởng", title=f"{old.name} → {new.name}"
    )
    for r in rows:
        detail = "; ".join(f"{f}: {_shown(v['old'])} → {_shown(v['new'])}" for f, v in r["fields"].items())
        table.add_row(r["section"], r["key"], kinds[r["kind"]], detail, str(r["open_assignments"] or ""))
    out.print(table if rows else "[green]✓[/green] Hai danh mục giống nhau về nội dung.")


def _shown(value: Any) -> str:
    """A field's value in a table cell: 70, not 70.0; a long text cut."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    return escape(text if len(text) <= 60 else text[:59] + "…")
