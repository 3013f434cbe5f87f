"""The figures annex of the consolidated report ("Phụ lục số liệu"), as a workbook a reader can
sort, filter and sum: the targets' figures per body with the province's total, the period's duties,
and the counts per body (openpyxl).

Figures are numeric cells, so that a sum or a chart works in Excel or LibreOffice; a missing figure
is the text "Thiếu số liệu", never 0 nor an empty cell that a sum would read as 0. Every body's
figure is a count (a rate's two counts are its numerator and base); the province's value is in
"Tỷ lệ (%)" where the target is a rate or a change in percent, in "Tử số / số lượng" where it is
a count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from models.rules.basis import basis_label
from models.rules.periods import period_label
from models.rules.report import Figure, Progress, Report
from models.rules.status import LABELS, Status
from notifications.report.words import MISSING, VERDICTS, threshold_text, verdict

HEADER_ROW = 2  # row 1 is the sheet's title: a printed page says what it is
PROVINCE = "Toàn tỉnh"
YES, NO = "Có", "Chưa"
COUNT = "#,##0"  # Excel writes the grouping the reader's locale uses: 1.234 in Vietnamese
FRACTION = "#,##0.0"  # a count that is not whole (none should be) is not rounded away
RATE = "0.0"
DAY = "dd/mm/yyyy"
# Worth a second look, in red and in words: the colour only repeats what the text says.
ALERTS = {VERDICTS[False], LABELS[Status.overdue]}

BOLD = Font(bold=True)
RED = Font(color="C8102E")
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")


@dataclass(frozen=True)
class Column:
    heading: str
    width: float  # in characters
    number_format: str = COUNT  # of its numeric cells
    wrap: bool = False


TARGET_COLUMNS = (
    Column("Mã chỉ tiêu", 12),
    Column("Chỉ tiêu", 48, wrap=True),
    Column("Cơ quan báo cáo", 30, wrap=True),
    Column("Tử số / số lượng", 14),
    Column("Mẫu số", 12),
    Column("Tỷ lệ (%)", 11, RATE),
    Column("Đã duyệt", 10),
    Column("Nguồn", 36, wrap=True),
    Column("Yêu cầu", 22, wrap=True),
    Column("Đánh giá", 16, wrap=True),
)
LINE_COLUMNS = (
    Column("Mã", 10),
    Column("Nhiệm vụ", 48, wrap=True),
    Column("Cơ quan", 30, wrap=True),
    Column("Kỳ", 20),
    Column("Hạn", 12, DAY),
    Column("Căn cứ hạn", 18, wrap=True),
    Column("Tình trạng", 24, wrap=True),
    Column("Số ngày làm việc quá hạn", 14),
    Column("Đề nghị phối hợp", 12),
    Column("Kết quả thực hiện", 40, wrap=True),
    Column("Văn bản, tài liệu", 32, wrap=True),
    Column("Số liệu", 24, wrap=True),
    Column("Khó khăn, vướng mắc", 40, wrap=True),
)
BODY_COLUMNS = (
    Column("Kế hoạch", 16),
    Column("Cơ quan", 34, wrap=True),
    Column("Đề nghị phối hợp", 12),
    Column("Hoạt động đến ngày", 14, DAY),
    *(Column(LABELS[s], 14, wrap=True) for s in Status),
    Column("Tổng số", 10),
    Column("Tỷ lệ hoàn thành đúng hạn (%)", 16, RATE),
)


@dataclass(frozen=True)
class Row:
    values: tuple
    total: bool = False  # the province's row of a target, set apart from its bodies'


def write_xlsx(report: Report, target: Path) -> Path:
    """Write the figures annex of `report` to `target` (.xlsx)."""
    book = Workbook()
    book.remove(book.active)
    book.properties.title = f"Phụ lục số liệu: kết quả thực hiện {report.plan.title}, {report.period_label}"
    book.properties.creator = report.issuer
    about = f"{report.plan.title}, {report.period_label}"
    _sheet(book, "Chỉ tiêu", f"Kết quả thực hiện các chỉ tiêu: {about}", TARGET_COLUMNS, _target_rows(report))
    _sheet(book, "Nhiệm vụ", f"Tình hình thực hiện nhiệm vụ: {about}", LINE_COLUMNS, _line_rows(report))
    _sheet(book, "Cơ quan", f"Tổng hợp theo cơ quan, đơn vị: {about}", BODY_COLUMNS, _body_rows(report))
    target.parent.mkdir(parents=True, exist_ok=True)
    book.save(target)
    return target


def _target_rows(report: Report) -> list[Row]:
    rows = []
    for p in report.targets:
        for f in p.figures:
            reviewed = "" if f.missing else (YES if f.reviewed else NO)
            rows.append(Row((p.ref, p.measure, f.body_label, *_figure_cells(p, f), reviewed, f.source, "", "")))
        total = (p.ref, p.measure, PROVINCE, *_total_cells(p), "", "", threshold_text(p), verdict(p))
        rows.append(Row(total, total=True))
    return rows


def _figure_cells(p: Progress, f: Figure) -> tuple:
    """Count, base, percentage. Every figure is a count (a rate's are its numerator and base): a
    body's change in percent is not known, only the count it changes."""
    if p.unit != "percent":
        return _known(f.value), "", ""
    if f.value is None or f.base is None:
        return _known(f.value), MISSING, MISSING
    return f.value, f.base, 100 * f.value / f.base if f.base else "-"


def _total_cells(p: Progress) -> tuple:
    """The province's count, base and percentage: a rate's or a change's value is the percentage."""
    if p.unit == "count":
        return _known(p.value), "", ""
    base = _known(p.denominator_total) if p.unit == "percent" else ""
    return _known(p.numerator_total), base, _known(p.value)


def _known(value: float | None) -> float | str:
    return MISSING if value is None else value


def _line_rows(report: Report) -> list[Row]:
    return [
        Row(
            (
                ln.ref,
                ln.title,
                ln.body_label,
                period_label(ln.period),
                ln.due,
                basis_label(ln.due_basis),
                LABELS[ln.status],
                ln.days_late,
                YES if ln.request else "",
                ln.summary,
                "\n".join(ln.references),
                "\n".join(ln.figures),
                "\n".join(ln.difficulties),
            )
        )
        for ln in report.lines
    ]


def _body_rows(report: Report) -> list[Row]:
    rows = []
    for part in report.plans:
        for asked, sections in (("", part.bodies), (YES, part.requests)):
            for s in sections:
                counts = [s.counts.get(status, 0) for status in Status]
                rate = "-" if s.on_time_rate is None else 100 * s.on_time_rate
                rows.append(Row((part.number, s.body_label, asked, s.ended or "", *counts, sum(counts), rate)))
    return rows


def _sheet(book: Workbook, name: str, title: str, columns: tuple[Column, ...], rows: list[Row]) -> Worksheet:
    sheet = book.create_sheet(name)
    sheet.cell(1, 1, title).font = Font(bold=True, size=13)
    for i, column in enumerate(columns, 1):
        cell = sheet.cell(HEADER_ROW, i, column.heading)
        cell.font, cell.fill = BOLD, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        sheet.column_dimensions[get_column_letter(i)].width = column.width
    for r, row in enumerate(rows, HEADER_ROW + 1):
        for i, (column, value) in enumerate(zip(columns, row.values, strict=True), 1):
            cell = sheet.cell(r, i, value)
            cell.alignment = Alignment(wrap_text=column.wrap, vertical="top")
            if isinstance(value, date):
                cell.number_format = DAY
            elif isinstance(value, int | float):
                whole = column.number_format != COUNT or float(value).is_integer()
                cell.number_format = column.number_format if whole else FRACTION
            if row.total:
                cell.font, cell.fill = BOLD, TOTAL_FILL
            if value in ALERTS:
                cell.font = Font(bold=row.total, color=RED.color)
    last = get_column_letter(len(columns))
    sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, 1)
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{last}{HEADER_ROW + max(len(rows), 1)}"
    # Printed as an annex: landscape, the columns on one page's width, the header on every page.
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    return sheet
