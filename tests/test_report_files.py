"""The consolidated report's files apart from the database: the XLSX annex read back cell by cell,
the HTML page parsed, the chart's PNG; all from the hand-made sample (tests/report_sample.py)."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from html.parser import HTMLParser

import openpyxl
import pytest

from models.rules.report import Figure, Report
from models.rules.status import LABELS, Status
from notifications.report.chart import rate_chart
from notifications.report.html import render_html
from notifications.report.words import MISSING, threshold_text, value_text, verdict
from notifications.report.xlsx import HEADER_ROW, write_xlsx
from tests.report_sample import sample_report

SCRIPT = "<script>alert(1)</script>"


# --- XLSX ---------------------------------------------------------------------------------------


def _rows(book, sheet: str) -> list[dict]:
    """The sheet's rows under its header, each as {heading: cell}."""
    ws = book[sheet]
    headings = [c.value for c in ws[HEADER_ROW]]
    return [dict(zip(headings, row, strict=True)) for row in ws.iter_rows(min_row=HEADER_ROW + 1)]


@pytest.fixture
def book(tmp_path):
    return openpyxl.load_workbook(write_xlsx(sample_report(), tmp_path / "phu-luc.xlsx"))


def _target_row(book, ref: str, body: str) -> dict:
    [row] = [r for r in _rows(book, "Chỉ tiêu") if r["Mã chỉ tiêu"].value == ref and r["Cơ quan báo cáo"].value == body]
    return row


def test_xlsx_writes_each_body_figure_as_numeric_cells(book):
    report = sample_report()
    reported = [(p, f) for p in report.plan.targets for f in p.figures if not f.missing]
    assert len(reported) == 3
    for p, f in reported:
        row = _target_row(book, p.ref, f.body_label)
        assert row["Chỉ tiêu"].value == p.measure
        for heading, expected in (("Tử số / số lượng", f.value), ("Mẫu số", f.base)):
            assert row[heading].data_type == "n" and row[heading].value == expected
            assert row[heading].number_format == "#,##0"
        assert row["Tỷ lệ (%)"].value == pytest.approx(100 * f.value / f.base)
        assert row["Tỷ lệ (%)"].number_format == "0.0"
        assert row["Đã duyệt"].value == ("Có" if f.reviewed else "Chưa")
        assert row["Nguồn"].value == f.source


def test_xlsx_writes_a_missing_figure_as_missing_never_zero(book):
    row = _target_row(book, "II.1.a.1", "UBND huyện Sìn Hồ")
    for heading in ("Tử số / số lượng", "Mẫu số", "Tỷ lệ (%)"):
        assert row[heading].value == MISSING
    assert all(cell.value != 0 for cell in row.values())


def test_xlsx_province_row_holds_the_totals_the_requirement_and_the_verdict(book):
    row = _target_row(book, "II.1.a.1", "Toàn tỉnh")
    assert (row["Tử số / số lượng"].value, row["Mẫu số"].value) == (22, 30)
    assert row["Tỷ lệ (%)"].data_type == "n" and row["Tỷ lệ (%)"].value == pytest.approx(100 * 22 / 30)
    assert row["Yêu cầu"].value == "≥ 70%"
    assert row["Đánh giá"].value == "Chưa đủ số liệu"
    assert row["Mã chỉ tiêu"].font.bold
    met = _target_row(book, "II.3.a.2b", "Toàn tỉnh")
    assert (met["Tỷ lệ (%)"].value, met["Đánh giá"].value) == (80, "Đạt")


def test_xlsx_province_rows_follow_their_bodies(book):
    order = [(r["Mã chỉ tiêu"].value, r["Cơ quan báo cáo"].value) for r in _rows(book, "Chỉ tiêu")]
    assert order == [
        ("II.1.a.1", "UBND huyện Tam Đường"),
        ("II.1.a.1", "UBND huyện Phong Thổ"),
        ("II.1.a.1", "UBND huyện Sìn Hồ"),
        ("II.1.a.1", "Toàn tỉnh"),
        ("II.3.a.2b", "Sở Y tế"),
        ("II.3.a.2b", "Toàn tỉnh"),
    ]


def test_xlsx_puts_a_count_and_a_change_in_percent_where_their_values_go(tmp_path):
    report = sample_report()
    communes = report.plan.targets[0]
    sent, silent = Figure("tam-duong", "UBND huyện Tam Đường", 9, None, True), Figure("sin-ho", "UBND huyện Sìn Hồ")
    count = dataclasses.replace(
        communes, ref="C.1", unit="count", figures=[sent, silent], value=9, numerator_total=9, denominator_total=None
    )
    change = dataclasses.replace(count, ref="C.2", unit="percent-change", value=12.5, met=False)
    plan = dataclasses.replace(report.plan, targets=[count, change])
    book = openpyxl.load_workbook(write_xlsx(dataclasses.replace(report, plans=[plan]), tmp_path / "a.xlsx"))
    cells = ("Tử số / số lượng", "Mẫu số", "Tỷ lệ (%)")
    for ref, total in (("C.1", (9, None, None)), ("C.2", (9, None, 12.5))):
        assert tuple(_target_row(book, ref, "UBND huyện Tam Đường")[c].value for c in cells) == (9, None, None)
        assert tuple(_target_row(book, ref, "UBND huyện Sìn Hồ")[c].value for c in cells) == (MISSING, None, None)
        assert tuple(_target_row(book, ref, "Toàn tỉnh")[c].value for c in cells) == total
    assert _target_row(book, "C.2", "Toàn tỉnh")["Đánh giá"].value == "Chưa đạt"
    assert _target_row(book, "C.2", "Toàn tỉnh")["Đánh giá"].font.color.rgb.endswith("C8102E")


def test_xlsx_duty_sheet_has_date_cells_statuses_and_marks_requests(book):
    rows = {r["Mã"].value: r for r in _rows(book, "Nhiệm vụ")}
    assert set(rows) == {"V.1.1", "V.6.1", "V.BC", "V.11.1"}
    due = rows["V.BC"]["Hạn"]
    assert due.is_date and due.value.date() == date(2025, 6, 17) and due.number_format == "dd/mm/yyyy"
    assert rows["V.BC"]["Tình trạng"].value == LABELS[Status.overdue]
    assert rows["V.BC"]["Số ngày làm việc quá hạn"].value == 8
    assert rows["V.11.1"]["Đề nghị phối hợp"].value == "Có"
    assert {rows[ref]["Đề nghị phối hợp"].value for ref in ("V.1.1", "V.6.1", "V.BC")} == {None}
    assert rows["V.6.1"]["Văn bản, tài liệu"].value == "45/BC-SYT ngày 16/06/2025\nbao-cao-6-thang.pdf"
    assert rows["V.6.1"]["Khó khăn, vướng mắc"].value.startswith("Khó khăn: thiếu kinh phí")


def test_xlsx_body_sheet_counts_by_status_with_the_on_time_rate(book):
    rows = {r["Cơ quan"].value: r for r in _rows(book, "Cơ quan")}
    health = rows["Sở Y tế"]
    assert health[LABELS[Status.done_on_time]].value == 1 and health[LABELS[Status.overdue]].value == 1
    assert health["Tổng số"].value == 2 and health["Tỷ lệ hoàn thành đúng hạn (%)"].value == 50
    ended = rows["Sở Lao động - Thương binh và Xã hội"]["Hoạt động đến ngày"]
    assert ended.is_date and ended.value == datetime(2025, 2, 28)
    court = rows["Tòa án nhân dân tỉnh"]
    assert court["Đề nghị phối hợp"].value == "Có" and court["Tỷ lệ hoàn thành đúng hạn (%)"].value == "-"


def test_xlsx_sheets_have_a_bold_frozen_filterable_header(book):
    assert book.sheetnames == ["Chỉ tiêu", "Nhiệm vụ", "Cơ quan"]
    assert book.properties.creator == "Sở Y tế" and "6 tháng đầu năm 2025" in book.properties.title
    for ws in book:
        assert ws.freeze_panes == f"A{HEADER_ROW + 1}"
        assert ws.auto_filter.ref.startswith(f"A{HEADER_ROW}:")
        assert all(c.font.bold for c in ws[HEADER_ROW])


# --- HTML ---------------------------------------------------------------------------------------


class Page(HTMLParser):
    """The page's table rows (their cells' text) and each section's text, by the section's id."""

    def __init__(self, html: str):
        super().__init__()
        self.rows: list[tuple[str, list[str], list[str]]] = []  # section, cells' text, cells' classes
        self.sections: dict[str, str] = {}
        self._section = ""
        self._cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section":
            self._section = attrs["id"]
            self.sections[self._section] = ""
        elif tag == "tr":
            self.rows.append((self._section, [], []))
        elif tag in ("td", "th"):
            self._cell = []
            self.rows[-1][2].append(attrs.get("class") or "")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1][1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "section":
            self._section = ""

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._section:
            self.sections[self._section] += data

    def text(self, section: str) -> str:
        return " ".join(self.sections[section].split())


def test_html_targets_table_writes_requirement_result_and_verdict_as_words_does():
    report = sample_report()
    page = Page(render_html(report))
    rows = {cells[0]: cells for section, cells, _ in page.rows if section == "targets"}
    for p in report.plan.targets:
        assert rows[f"{p.ref}. {p.measure}"][1:] == [threshold_text(p), value_text(p), verdict(p)]
    communes = rows["II.1.a.1. Tỷ lệ xã, phường, thị trấn tổ chức được ít nhất một hình thức tuyên truyền"]
    assert communes[1:] == ["≥ 70%", "73,3%", "Chưa đủ số liệu"]
    assert rows["Chỉ tiêu"] == ["Chỉ tiêu", "Yêu cầu", "Kết quả", "Đánh giá"]
    headings = page.text("targets")  # numbered as the plan numbers its groups: II.3 is 3
    assert "1. Nâng cao hiệu quả công tác truyền thông" in headings and "3. Tăng cường thanh tra" in headings


def test_html_writes_a_missing_figure_as_missing_and_names_who_sent_none():
    text = Page(render_html(sample_report())).text("targets")
    assert "UBND huyện Sìn Hồ: Thiếu số liệu" in text
    assert "Chưa có số liệu của: UBND huyện Sìn Hồ." in text
    assert "UBND huyện Phong Thổ: 12/17 (70,6%) (chưa duyệt)" in text
    assert "Các kỳ trước: 6 tháng đầu năm 2024: 75%; 6 tháng cuối năm 2024: Thiếu số liệu." in text


def test_html_header_gives_the_subject_and_the_local_time_the_figures_were_read():
    html = render_html(sample_report())
    assert '<html lang="vi">' in html and '<meta charset="utf-8">' in html
    assert "Kết quả thực hiện Kế hoạch phòng, chống mại dâm giai đoạn 2021-2025 trên địa bàn tỉnh Lai Châu, " in html
    assert "Số liệu tính từ ngày 15/12/2024 đến ngày 14/06/2025; tổng hợp đến 08:00 ngày 20/06/2025." in html
    assert not any(external in html for external in ('src="http', "<link", "<script", "@import"))


def test_html_shows_requested_bodies_in_their_own_section():
    page = Page(render_html(sample_report()))
    assert "Tòa án nhân dân tỉnh" in page.text("requests")
    assert "Tòa án nhân dân tỉnh" not in page.text("bodies")
    assert page.text("requests").startswith("III. CÁC NHIỆM VỤ ĐỀ NGHỊ PHỐI HỢP")
    assert "Sở Lao động - Thương binh và Xã hội (đến ngày 28/02/2025)" in page.text("bodies")


def test_html_renumbers_the_sections_when_no_body_was_requested():
    report = sample_report()
    alone = dataclasses.replace(report, plans=[dataclasses.replace(report.plan, requests=[])])
    page = Page(render_html(alone))
    assert "requests" not in page.sections
    assert page.text("late").startswith("III. NHIỆM VỤ CHẬM, QUÁ HẠN")
    assert page.text("difficulties").startswith("IV. KHÓ KHĂN, VƯỚNG MẮC VÀ ĐỀ XUẤT, KIẾN NGHỊ")


def test_html_marks_overdue_in_red_and_in_words():
    html = render_html(sample_report())
    page = Page(html)
    [(cells, classes)] = [(c, k) for s, c, k in page.rows if s == "late" and c[0] == "V.BC"]
    assert cells == ["V.BC", "Báo cáo định kỳ 06 tháng, 01 năm", "Sở Y tế", "17/06/2025", "8"]
    assert "alert" in classes[-1]
    assert '<span class="alert">Chưa hoàn thành, quá hạn 8 ngày làm việc</span>' in html
    assert "tình trạng: Hoàn thành quá hạn 3 ngày làm việc." in page.text("bodies")
    assert "Khó khăn: thiếu kinh phí cho đoàn kiểm tra liên ngành." in page.text("difficulties")


def test_html_escapes_what_bodies_wrote():
    report = sample_report()
    plan = report.plan
    labour, health = plan.bodies
    lines = [dataclasses.replace(ln, body_label=SCRIPT, summary=SCRIPT) for ln in health.lines]
    communes = plan.targets[0]
    figures = [dataclasses.replace(f, body_label=SCRIPT) for f in communes.figures]
    hostile = dataclasses.replace(
        plan,
        bodies=[labour, dataclasses.replace(health, body_label=SCRIPT, lines=lines)],
        targets=[dataclasses.replace(communes, figures=figures), *plan.targets[1:]],
    )
    html = render_html(dataclasses.replace(report, plans=[hostile]), chart='x" onerror="alert(1)')
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'onerror="alert' not in html
    page = Page(html)  # the text a reader sees is what the body wrote, shown, not run
    assert f"2. {SCRIPT}" in page.text("bodies")
    assert f"Chưa có số liệu của: {SCRIPT}." in page.text("targets")


def test_html_shows_the_chart_given():
    html = render_html(sample_report(), chart="data:image/png;base64,iVBORw0KGgo=")
    assert '<img src="data:image/png;base64,iVBORw0KGgo=" alt="Biểu đồ tỷ lệ hoàn thành đúng hạn' in html
    assert "<img" not in render_html(sample_report())


# --- chart --------------------------------------------------------------------------------------


def test_rate_chart_writes_a_png_16_cm_wide_at_200_dpi(tmp_path):
    png = rate_chart(sample_report(), tmp_path / "ty-le.png")
    assert png == tmp_path / "ty-le.png"
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(data[16:20], "big")
    assert abs(width - round(16 / 2.54 * 200)) <= 2


def _without_rates(report: Report) -> Report:
    def idle(s):  # every line open, within its deadline: nothing fell due
        return dataclasses.replace(s, lines=[dataclasses.replace(ln, status=Status.open) for ln in s.lines])

    bodies = [idle(s) for s in report.plan.bodies]
    return dataclasses.replace(report, plans=[dataclasses.replace(report.plan, bodies=bodies)])


def test_rate_chart_is_none_when_no_body_had_anything_due(tmp_path):
    assert rate_chart(_without_rates(sample_report()), tmp_path / "ty-le.png") is None
    assert not (tmp_path / "ty-le.png").exists()
