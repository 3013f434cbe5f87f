"""`dondoc init` (migrate, load the plan catalogs and the organisation history) and
`dondoc plan bodies|duties|targets`."""

from __future__ import annotations

from datetime import datetime

import typer
from rich.table import Table

from cli import BodyOpt, JsonOpt, get_settings, listing, out, session

app = typer.Typer(help="Xem kế hoạch: cơ quan, nhiệm vụ, chỉ tiêu.", no_args_is_help=True)


def init() -> None:
    """Migrate the database, load the plan catalogs and apply the organisation history (idempotent)."""
    from models import migrate
    from models.intake.catalog.load import catalog_paths, load_catalogs
    from models.operations.organisation import sync_all

    settings = get_settings()
    migrate.upgrade(settings.db_url)
    with session() as s:
        files = load_catalogs(catalog_paths(settings.catalog_dir))
        results, applied = sync_all(s, files, settings.organisation_file, now=datetime.now(settings.tz))
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


@app.command("bodies")
def plan_bodies(as_json: JsonOpt = False) -> None:
    """The bodies of the plans."""
    from models.operations import listings

    with session() as s:
        rows = listings.bodies(s)
    table = Table("Mã", "Tên cơ quan", "Loại", title="Cơ quan, đơn vị")
    listing(rows, as_json, table, lambda r: [r["code"], r["name"], r["kind"]])


@app.command("duties")
def plan_duties(as_json: JsonOpt = False, body: BodyOpt = None) -> None:
    """The duties, one per responsible body."""
    from models.operations import listings
    from models.rules.basis import basis_label

    with session() as s:
        rows = listings.duties(s, body=body)
    table = Table("Mục", "Cơ quan", "Nhiệm vụ", "Chu kỳ", "Căn cứ hạn", title="Nhiệm vụ được giao")

    def cells(r: dict) -> list[str]:
        # A request ("Đề nghị ...") is marked where it is listed: it is asked, not ordered.
        title = f"{r['title']} (đề nghị phối hợp)" if r["request"] else r["title"]
        return [r["ref"], r["body"], title, CADENCE_VI.get(r["cadence"], r["cadence"]), basis_label(r["basis"])]

    listing(rows, as_json, table, cells)


CADENCE_VI = {"once": "một lần", "quarterly": "hằng quý", "semiannual": "6 tháng", "annual": "hằng năm"}


@app.command("targets")
def plan_targets(as_json: JsonOpt = False) -> None:
    """The targets (chỉ tiêu) of section II."""
    from models.operations import listings

    with session() as s:
        rows = listings.targets(s)

    def threshold(r: dict) -> str:
        unit = "%" if r["unit"] == "percent" else ("%/năm" if r["unit"] == "percent-change" else "")
        upper = f"-{r['upper']:g}" if r["upper"] is not None else ""
        return f"≥ {r['threshold']:g}{upper}{unit}"

    listing(
        rows,
        as_json,
        Table("Mục", "Chỉ tiêu", "Ngưỡng", title="Chỉ tiêu"),
        lambda r: [r["ref"], r["measure"], threshold(r)],
    )
