"""The consolidated report as a DOCX draft for the coordinator to check and sign: the layout of an
administrative report (Nghị định 30/2020/NĐ-CP, Phụ lục I, Mẫu 1.4), every number, date and verdict
written by words.py so that the DOCX, the XLSX and the HTML say the same thing."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from models.rules.report import BodySection, Line, Progress, Report
from models.rules.status import LABELS
from notifications.report.words import (
    dmy,
    figure_text,
    grouped_targets,
    number,
    rate_text,
    status_text,
    threshold_text,
    trend_text,
    value_text,
    verdict,
)

FONT = "Times New Roman"
TEXT_WIDTH = 16.5  # cm: A4's 21 cm less the 3 cm and 1.5 cm margins
CELL_MARGINS = 0.38  # cm: Word's default cell padding, both sides, which a rule's width must leave out
ROMAN = ("I", "II", "III", "IV", "V")
CHART_WIDTH = 15  # cm
CHART_CAPTION = "Biểu đồ: tỷ lệ hoàn thành đúng hạn của các cơ quan, đơn vị"
J, C, L = WD_ALIGN_PARAGRAPH.JUSTIFY, WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT


def write_docx(report: Report, target: Path, chart: Path | None = None) -> Path:
    """Write `report` to `target` as the report to sign; `chart`, a PNG of the on-time rate per body,
    goes under the bodies' section."""
    doc = Document()
    _page_setup(doc)
    subject = _subject(report)
    now = report.now
    _heading_block(doc, report, now.year)
    _para(doc, "BÁO CÁO", bold=True, align=C, indent=False, before=12, after=0)
    _para(doc, subject, bold=True, align=C, indent=False, after=0)
    _rule(doc, 3, TEXT_WIDTH)

    plan = report.plan
    _para(
        doc,
        f"Thực hiện Kế hoạch số {plan.number} ngày {dmy(plan.issued_on)} của {report.recipient} ({plan.title}), "
        f"{report.issuer} báo cáo kết quả thực hiện {report.period_label} như sau:",
    )
    _para(
        doc,
        f"Số liệu tính từ ngày {dmy(report.period_start)} đến ngày {dmy(report.period_end)}; "
        f"tổng hợp đến {now:%H:%M} ngày {dmy(now.date())}.",
        italic=True,
    )

    numerals = iter(ROMAN)
    _heading(doc, f"{next(numerals)}. KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU")
    _targets(doc, report)
    _heading(doc, f"{next(numerals)}. KẾT QUẢ THỰC HIỆN NHIỆM VỤ CỦA CÁC CƠ QUAN, ĐƠN VỊ")
    _sections(doc, report, "bodies")
    if chart is not None:
        doc.add_picture(str(chart), width=Cm(CHART_WIDTH))
        _format(doc.paragraphs[-1], align=C, indent=False, after=0)
        _para(doc, CHART_CAPTION, size=13, italic=True, align=C, indent=False)
    if any(p.requests for p in report.plans):
        _heading(doc, f"{next(numerals)}. CÁC NHIỆM VỤ ĐỀ NGHỊ PHỐI HỢP")
        _para(
            doc,
            "Các nội dung Ủy ban nhân dân tỉnh đề nghị các cơ quan, tổ chức phối hợp thực hiện "
            "(không thuộc phạm vi chỉ đạo trực tiếp):",
        )
        _sections(doc, report, "requests")
    _heading(doc, f"{next(numerals)}. NHIỆM VỤ CHẬM, QUÁ HẠN")
    _late(doc, report, now)
    _heading(doc, f"{next(numerals)}. KHÓ KHĂN, VƯỚNG MẮC VÀ ĐỀ XUẤT, KIẾN NGHỊ")
    for line, text in report.difficulties:
        _para(doc, f"- {line.body_label} ({line.ref}): {text}")
    if not report.difficulties:
        _para(doc, "Các cơ quan, đơn vị không nêu khó khăn, vướng mắc trong kỳ.")

    _para(
        doc,
        f"Trên đây là báo cáo kết quả thực hiện {report.period_label} của {report.issuer}, "
        f"kính báo cáo {report.recipient} xem xét, chỉ đạo./.",
    )
    _signature_block(doc, report)

    doc.core_properties.title = subject
    doc.core_properties.author = report.issuer
    doc.core_properties.language = "vi-VN"
    target.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(target))
    return target


def _subject(report: Report) -> str:
    period = f"tổng kết {report.period_label}" if report.kind == "plan" else report.period_label
    return f"Kết quả thực hiện {report.plan.title}, {period}"


def _page_setup(doc) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(14)
    # Word picks a letter's font by its script slot, and the template's defaults name theme fonts
    # (Calibri): every slot, in the style and in the defaults, names the font so that none falls back.
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    for rpr in (normal.element.get_or_add_rPr(), defaults):
        fonts = rpr.get_or_add_rFonts()
        for name in [a for a in fonts.attrib if a.endswith("heme")]:
            del fonts.attrib[name]
        for slot in ("ascii", "hAnsi", "eastAsia", "cs"):
            fonts.set(qn(f"w:{slot}"), FONT)
    lang = defaults.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        defaults.append(lang)
    lang.set(qn("w:val"), "vi-VN")
    # Nghị định 30/2020, Phụ lục I: pages numbered at the top centre, the first page's number not shown.
    section.different_first_page_header_footer = True
    section.first_page_header.is_linked_to_previous = False
    _page_number(section.header.paragraphs[0])


def _page_number(p: Paragraph) -> None:
    _format(p, align=C, indent=False, after=0, line=1.0)
    begin, instr, end = OxmlElement("w:fldChar"), OxmlElement("w:instrText"), OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    end.set(qn("w:fldCharType"), "end")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    for element in (begin, instr, end):
        run = p.add_run()
        run.font.size = Pt(14)
        run._r.append(element)


def _heading_block(doc, report: Report, year: int) -> None:
    """The issuer and the national motto side by side; the number and the place and date on a second
    row, so that they line up whatever the names' lengths."""
    left, right = 6.0, 10.5  # the motto in 12-13 pt bold needs 10 cm on one line
    table = _table(doc, [left, right], rows=2, borders=False)
    issuer, motto = table.rows[0].cells
    _para(issuer, report.issuer_parent.upper(), size=13, align=C, indent=False, after=0, line=1.0)
    _para(issuer, report.issuer.upper(), size=13, bold=True, align=C, indent=False, after=0, line=1.0)
    _rule(issuer, 2.5, left - CELL_MARGINS)
    _para(motto, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", size=12, bold=True, align=C, indent=False, after=0, line=1.0)
    _para(motto, "Độc lập - Tự do - Hạnh phúc", bold=True, align=C, indent=False, after=0, line=1.0)
    _rule(motto, 6, right - CELL_MARGINS)
    numbered, dated = table.rows[1].cells
    # Left blank: the clerk writes the number and the day when the report is signed and registered.
    _para(numbered, f"Số:        /BC-{report.issuer_abbr}", size=13, align=C, indent=False, after=0)
    _para(dated, f"{report.province}, ngày      tháng      năm {year}", italic=True, align=C, indent=False, after=0)


def _heading(doc, text: str) -> None:
    _para(doc, text, bold=True, keep=True, before=6)


def _targets(doc, report: Report) -> None:
    groups = grouped_targets(report)
    if not groups:
        _para(doc, "Kế hoạch không có chỉ tiêu đánh giá trong kỳ báo cáo.")
    for heading, group in groups:
        _para(doc, heading, bold=True, keep=True)
        table = _table(doc, [6.7, 3.0, 3.3, 3.5], header=("Chỉ tiêu", "Yêu cầu", "Kết quả", "Đánh giá"))
        for t in group:
            cells = _row(table).cells
            ref = _para(cells[0], t.ref, size=13, bold=True, align=L, indent=False, after=0, line=1.0)
            ref.add_run(f" {t.measure}").font.size = Pt(13)
            for cell, text in zip(cells[1:], (threshold_text(t), value_text(t), verdict(t)), strict=True):
                _para(cell, text, size=13, align=C, indent=False, after=0, line=1.0)
        for t in group:
            _para(doc, _target_detail(t, report.kind), before=6)


def _target_detail(t: Progress, kind: str) -> str:
    """Where the value comes from: each body's figure, the bodies that sent none, earlier periods."""
    text = f"Chỉ tiêu {t.ref}."
    given = [f"{f.body_label} {figure_text(t, f)}" for f in t.figures if not f.missing]
    if given:
        text += f" Số liệu các cơ quan: {'; '.join(given)}."
    if t.missing:
        text += f" Chưa có số liệu của: {', '.join(f.body_label for f in t.missing)}."
    if trend := trend_text(t, kind):
        text += f" {trend}."
    return text


def _sections(doc, report: Report, kind: str) -> None:
    """The bodies (`kind` "bodies") or the requested bodies ("requests") of every plan in the report,
    numbered under a plan's heading when the report holds more than one plan."""
    parts = [p for p in report.plans if getattr(p, kind)]
    for i, part in enumerate(parts, 1):
        prefix = ""
        if len(report.plans) > 1:
            prefix = f"{i}."
            _para(doc, f"{i}. Kế hoạch số {part.number} ngày {dmy(part.issued_on)}: {part.title}", bold=True)
        for j, section in enumerate(getattr(part, kind), 1):
            _body_section(doc, section, f"{prefix}{j}.")


def _body_section(doc, section: BodySection, numbering: str) -> None:
    ended = f" (đến ngày {dmy(section.ended)})" if section.ended else ""
    _para(doc, f"{numbering} {section.body_label}{ended}", bold=True, keep=True)
    counts = [f"{LABELS[s][0].lower()}{LABELS[s][1:]}: {number(n)}" for s, n in section.counts.items() if n]
    text = f"Tổng số nhiệm vụ: {number(sum(section.counts.values()))}"
    if counts:
        text += f" ({'; '.join(counts)})"
    if section.on_time_rate is None:
        text += ". Chưa có nhiệm vụ đến hạn."
    else:
        text += f". Tỷ lệ hoàn thành đúng hạn: {rate_text(section.on_time_rate)}."
    _para(doc, text)
    for line in section.lines:
        _para(doc, _line_text(line))


def _line_text(line: Line) -> str:
    parts = [f"- {line.ref} {line.title}: {status_text(line)}."]
    if line.summary:
        parts.append(_sentence(line.summary))
    if line.references:
        parts.append(f"Văn bản, tài liệu: {'; '.join(line.references)}.")
    if line.figures:
        parts.append(f"Số liệu: {'; '.join(line.figures)}.")
    return " ".join(parts)


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?", ":", "…")) else f"{text}."


def _late(doc, report: Report, now: datetime) -> None:
    if report.overdue:
        _para(doc, f"Các nhiệm vụ chưa hoàn thành, đã quá hạn (tính đến ngày {dmy(now.date())}):")
        table = _table(
            doc, [1.1, 6.6, 3.9, 2.6, 2.3], header=("TT", "Nhiệm vụ", "Cơ quan", "Hạn", "Số ngày làm việc quá hạn")
        )
        for i, line in enumerate(report.overdue, 1):
            cells = _row(table).cells
            texts = (number(i), f"{line.ref} {line.title}", line.body_label, dmy(line.due), number(line.days_late))
            for cell, text, align in zip(cells, texts, (C, L, L, C, C), strict=True):
                _para(cell, text, size=13, align=align, indent=False, after=0, line=1.0)
    if report.done_late:
        done = [
            f"{ln.ref} {ln.title} ({ln.body_label}, quá hạn {number(ln.days_late)} ngày làm việc)"
            for ln in report.done_late
        ]
        _para(doc, f"Hoàn thành nhưng quá hạn: {'; '.join(done)}.", before=6)
    if not report.overdue and not report.done_late:
        _para(doc, "Không có nhiệm vụ quá hạn.")


def _signature_block(doc, report: Report) -> None:
    table = _table(doc, [5.5, 11], borders=False)
    recipients, signer = table.rows[0].cells
    _para(recipients, "Nơi nhận:", size=12, bold=True, italic=True, align=L, indent=False, after=0, line=1.0)
    for text in (
        f"- {report.recipient} (b/c);",
        "- Các cơ quan, đơn vị liên quan;",
        f"- Lưu: VT, {report.issuer_abbr}.",
    ):
        _para(recipients, text, size=11, align=L, indent=False, after=0, line=1.0)
    _para(signer, "GIÁM ĐỐC", bold=True, align=C, indent=False, after=0, line=1.0)
    # The signer is not known to the application: the space to sign and a placeholder for the name.
    for _ in range(3):
        _para(signer, "", align=C, indent=False, after=0)
    _para(signer, "(Ký, ghi rõ họ tên, đóng dấu)", size=13, italic=True, align=C, indent=False, after=0)


def _table(doc, widths: list[float], *, rows: int = 1, header: tuple[str, ...] = (), borders: bool = True) -> Table:
    """A table of fixed column widths (cm), with its heading row bold and repeated on every page."""
    table = doc.add_table(rows=rows, cols=len(widths))
    table.autofit = False
    if borders:
        table.style = doc.styles["Table Grid"]
    else:
        edges = OxmlElement("w:tblBorders")
        for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
            nil = OxmlElement(f"w:{edge}")
            nil.set(qn("w:val"), "nil")
            edges.append(nil)
        table._tbl.tblPr.insert_element_before(edges, "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook")
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Cm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Cm(width)
    if header:
        for cell, text in zip(table.rows[0].cells, header, strict=True):
            _para(cell, text, size=13, bold=True, align=C, indent=False, after=0, line=1.0)
        table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    return table


def _row(table: Table):
    """A new row kept whole on one page: a task cut between two pages reads as two."""
    row = table.add_row()
    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    return row


def _para(
    parent,
    text: str,
    *,
    size: float = 14,
    bold: bool = False,
    italic: bool = False,
    align=J,
    indent: bool = True,
    before: float = 0,
    after: float = 6,
    line: float = 1.15,
    keep: bool = False,
) -> Paragraph:
    """A paragraph of the body by default: justified, first line indented, 14 pt. In a table cell the
    first paragraph is the empty one Word requires, so it is filled before another is added."""
    if isinstance(parent, _Cell) and len(parent.paragraphs) == 1 and not parent.paragraphs[0].runs:
        p = parent.paragraphs[0]
    else:
        p = parent.add_paragraph()
    _format(p, align=align, indent=indent, before=before, after=after, line=line)
    p.paragraph_format.keep_with_next = keep or None
    if text:
        run = p.add_run(text)
        run.font.size, run.bold, run.italic = Pt(size), bold or None, italic or None
    return p


def _format(p: Paragraph, *, align, indent: bool, before: float = 0, after: float = 6, line: float = 1.15) -> None:
    f = p.paragraph_format
    f.alignment = align
    f.first_line_indent = Cm(1.27) if indent else None
    f.space_before, f.space_after, f.line_spacing = Pt(before), Pt(after), line


def _rule(parent, width: float, room: float) -> None:
    """The short line under a heading: the bottom border of an empty, 1 pt high paragraph narrowed by
    its indents to `width` cm of the `room` cm it is centred in."""
    p = parent.add_paragraph()
    borders, bottom = OxmlElement("w:pBdr"), OxmlElement("w:bottom")
    for name, value in (("val", "single"), ("sz", "6"), ("space", "1"), ("color", "auto")):
        bottom.set(qn(f"w:{name}"), value)
    borders.append(bottom)
    # Before the spacing and the indents, which python-docx then inserts after it: the schema's order.
    p._p.get_or_add_pPr().append(borders)
    f = p.paragraph_format
    f.left_indent = f.right_indent = Cm((room - width) / 2)
    f.space_before, f.space_after, f.line_spacing = Pt(0), Pt(6), Pt(1)
