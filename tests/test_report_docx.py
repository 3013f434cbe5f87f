"""The consolidated report as the DOCX to sign: read back with python-docx, the layout of an
administrative report and the figures as words.py writes them."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from PIL import Image

from notifications.report.docx import CHART_CAPTION, write_docx
from notifications.report.words import MISSING, threshold_text, value_text, verdict
from tests.report_sample import sample_report

SECTION = re.compile(r"^[IVX]+\. ")


def _write(tmp_path: Path, report=None, chart: Path | None = None):
    return Document(str(write_docx(report or sample_report(), tmp_path / "bao-cao.docx", chart)))


def _texts(doc) -> list[str]:
    return [p.text for p in doc.paragraphs]


def _section(doc, starts: str) -> list[str]:
    """The paragraphs of the numbered section whose heading starts with `starts` ("II."), heading excluded."""
    texts = _texts(doc)
    first = next(i for i, t in enumerate(texts) if t.startswith(starts))
    end = next((i for i in range(first + 1, len(texts)) if SECTION.match(texts[i])), len(texts))
    return texts[first + 1 : end]


def _rows(doc) -> list[list[str]]:
    return [[c.text for c in row.cells] for table in doc.tables for row in table.rows]


def test_heading_block_names_issuer_number_motto_and_place_line(tmp_path):
    doc = _write(tmp_path)
    text = "\n".join(c.text for row in doc.tables[0].rows for c in row.cells)
    for expected in (
        "UBND TỈNH LAI CHÂU",
        "SỞ Y TẾ",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Số:",
        "/BC-SYT",
        "Lai Châu, ngày",
        "năm 2025",
    ):
        assert expected in text
    borders = doc.tables[0]._tbl.tblPr.find(qn("w:tblBorders"))
    assert {b.get(qn("w:val")) for b in borders} == {"nil"}


def test_title_is_centered_bold_with_the_plan_and_period_as_subject(tmp_path):
    doc = _write(tmp_path)
    title = next(p for p in doc.paragraphs if p.text == "BÁO CÁO")
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert all(r.bold for r in title.runs)
    subject = (
        "Kết quả thực hiện Kế hoạch phòng, chống mại dâm giai đoạn 2021-2025 trên địa bàn tỉnh Lai Châu, "
        "6 tháng đầu năm 2025"
    )
    assert subject in _texts(doc)
    assert doc.core_properties.title == subject
    assert doc.core_properties.author == "Sở Y tế"


def test_whole_plan_report_is_titled_as_the_final_review(tmp_path):
    report = replace(sample_report(), kind="plan", period_key="2021-2025", period_label="giai đoạn 2021-2025")
    assert any(t.endswith(", tổng kết giai đoạn 2021-2025") for t in _texts(_write(tmp_path, report)))


def test_page_is_a4_with_the_decree_margins_in_times_new_roman_13_to_14(tmp_path):
    doc = _write(tmp_path)
    section = doc.sections[0]
    sizes = (section.page_width, section.page_height, section.top_margin, section.bottom_margin)
    assert [round(s.mm) for s in sizes] == [210, 297, 20, 20]
    assert (round(section.left_margin.mm), round(section.right_margin.mm)) == (30, 15)
    normal = doc.styles["Normal"]
    assert normal.font.name == "Times New Roman"
    assert normal.font.size.pt == 14
    fonts = normal.element.rPr.rFonts
    assert fonts.get(qn("w:eastAsia")) == fonts.get(qn("w:cs")) == "Times New Roman"
    body = [r for p in doc.paragraphs for r in p.runs if r.text.strip()]
    assert body
    assert all(r.font.name in (None, "Times New Roman") for r in body)
    assert all(13 <= (r.font.size or normal.font.size).pt <= 14 for r in body)


def test_page_number_is_a_field_on_every_page_but_the_first(tmp_path):
    section = _write(tmp_path).sections[0]
    assert section.different_first_page_header_footer
    assert "PAGE" in "".join(t.text for t in section.header._element.iter(qn("w:instrText")))
    assert not list(section.first_page_header._element.iter(qn("w:instrText")))


def test_data_note_gives_the_period_and_the_local_time_the_figures_were_read(tmp_path):
    note = "Số liệu tính từ ngày 15/12/2024 đến ngày 14/06/2025; tổng hợp đến 08:00 ngày 20/06/2025."
    assert note in _texts(_write(tmp_path))


def test_target_cells_are_written_as_words_writes_them(tmp_path):
    report = sample_report()
    doc = _write(tmp_path, report)
    for target in report.plan.targets:
        row = next(r for r in _rows(doc) if r[0].startswith(f"{target.ref} {target.measure}"))
        assert row[1:] == [threshold_text(target), value_text(target), verdict(target)]
    groups = [t for t in _section(doc, "I.") if t[:2] in ("1.", "3.")]
    assert [g.split(" ", 2)[:2] for g in groups] == [["1.", "Nâng"], ["3.", "Tăng"]]


def test_a_body_that_sent_no_figure_is_named_under_its_target_not_counted_as_zero(tmp_path):
    doc = _write(tmp_path)
    detail = next(t for t in _texts(doc) if t.startswith("Chỉ tiêu II.1.a.1."))
    assert "Số liệu các cơ quan: UBND huyện Tam Đường 10/13 (76,9%); UBND huyện Phong Thổ 12/17 (70,6%)." in detail
    assert "Chưa có số liệu của: UBND huyện Sìn Hồ." in detail
    assert "Các kỳ trước: 6 tháng cuối năm 2024: 68%." in detail
    assert "Sìn Hồ 0" not in detail


def test_a_target_with_no_figure_at_all_reads_missing_never_zero(tmp_path):
    report = sample_report()
    plan = report.plan
    empty = replace(
        plan.targets[1],
        figures=[replace(f, value=None, base=None) for f in plan.targets[1].figures],
        value=None,
        numerator_total=None,
        denominator_total=None,
        met=None,
    )
    doc = _write(tmp_path, replace(report, plans=[replace(plan, targets=[plan.targets[0], empty])]))
    row = next(r for r in _rows(doc) if r[0].startswith("II.3.a.2b"))
    assert row[2:] == [MISSING, MISSING]
    assert not {"0", "0%"} & set(row)
    detail = next(t for t in _texts(doc) if t.startswith("Chỉ tiêu II.3.a.2b."))
    assert "Chưa có số liệu của: Sở Y tế." in detail
    assert "6 tháng cuối năm 2024: Thiếu số liệu" in detail


def test_overdue_table_lists_the_late_duty_with_its_working_days(tmp_path):
    doc = _write(tmp_path)
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "TT")
    assert [c.text for c in table.rows[0].cells][-1] == "Số ngày làm việc quá hạn"
    assert [c.text for c in table.rows[1].cells] == [
        "1",
        "V.BC Báo cáo định kỳ 06 tháng, 01 năm",
        "Sở Y tế",
        "17/06/2025",
        "8",
    ]
    late = _section(doc, "IV.")
    assert any(t.startswith("Hoàn thành nhưng quá hạn: V.1.1 ") for t in late)


def test_bodies_section_gives_counts_rate_and_each_duty(tmp_path):
    bodies = _section(_write(tmp_path), "II.")
    assert "2. Sở Y tế" in bodies
    assert (
        "Tổng số nhiệm vụ: 2 (hoàn thành đúng hạn: 1; chưa hoàn thành, quá hạn: 1). "
        "Tỷ lệ hoàn thành đúng hạn: 50%." in bodies
    )
    assert "- V.BC Báo cáo định kỳ 06 tháng, 01 năm: Chưa hoàn thành, quá hạn 8 ngày làm việc." in bodies
    inspected = next(t for t in bodies if t.startswith("- V.6.1 "))
    assert "Văn bản, tài liệu: 45/BC-SYT ngày 16/06/2025; bao-cao-6-thang.pdf." in inspected
    assert inspected.endswith("Số liệu: II.3.a.2b: 12/15 (80%).")


def test_an_ended_body_is_reported_under_its_name_until_its_end(tmp_path):
    bodies = _section(_write(tmp_path), "II.")
    assert "1. Sở Lao động - Thương binh và Xã hội (đến ngày 28/02/2025)" in bodies


def test_requested_body_has_its_own_section_apart_from_the_directed_ones(tmp_path):
    doc = _write(tmp_path)
    requests = _section(doc, "III. CÁC NHIỆM VỤ ĐỀ NGHỊ PHỐI HỢP")
    assert "1. Tòa án nhân dân tỉnh" in requests
    assert not any("Tòa án nhân dân tỉnh" in t for t in _section(doc, "II."))


def test_without_requests_the_sections_are_numbered_on(tmp_path):
    report = sample_report()
    doc = _write(tmp_path, replace(report, plans=[replace(report.plan, requests=[])]))
    headings = [t for t in _texts(doc) if SECTION.match(t)]
    assert [h.split(".")[0] for h in headings] == ["I", "II", "III", "IV"]
    assert headings[2] == "III. NHIỆM VỤ CHẬM, QUÁ HẠN"


def test_difficulties_are_quoted_with_their_body_and_duty(tmp_path):
    difficulties = _section(_write(tmp_path), "V.")
    assert "- Sở Y tế (V.6.1): Khó khăn: thiếu kinh phí cho đoàn kiểm tra liên ngành." in difficulties


@pytest.mark.parametrize("given", [True, False])
def test_chart_is_inserted_with_its_caption_only_when_given(tmp_path, given):
    chart = None
    if given:
        chart = tmp_path / "ty-le.png"
        Image.new("RGB", (300, 200), "white").save(chart)
    doc = _write(tmp_path, chart=chart)
    assert len(doc.inline_shapes) == (1 if given else 0)
    assert (CHART_CAPTION in _section(doc, "II.")) is given
    if given:
        assert round(doc.inline_shapes[0].width.cm) == 15


def test_closing_and_recipients_end_the_report(tmp_path):
    doc = _write(tmp_path)
    assert _texts(doc)[-1].startswith("Trên đây là báo cáo kết quả thực hiện 6 tháng đầu năm 2025 của Sở Y tế")
    recipients, signer = doc.tables[-1].rows[0].cells
    assert recipients.paragraphs[0].text == "Nơi nhận:"
    assert "- Lưu: VT, SYT." in recipients.text
    assert signer.paragraphs[0].text == "GIÁM ĐỐC"
