"""`dondoc plan draft` and `dondoc plan check`: the Lai Châu plan's text drafted back into its
hand-made catalog (config/plans/lai-chau-pcmd-2021-2025.yaml), the same text as .docx and as a
text PDF, and the documents and catalogs that must be refused. Real files in tmp_path."""

from __future__ import annotations

import shutil
from pathlib import Path

import matplotlib
import yaml

from config import CONFIG_DIR
from models.intake.catalog.load import read_catalog
from models.intake.catalog.schema import Catalog
from models.intake.draft.render import REVIEW, review_marks
from tests.cli import cli
from tests.conftest import SQLITE_ONLY

ROOT = Path(__file__).resolve().parents[1]
# The plan's text, copied verbatim into the repository (the shared copy is not in CI's clone).
SEED = ROOT / "tests" / "data" / "ke-hoach-pcmd-lai-chau-2021-2025.txt"
HAND = CONFIG_DIR / "plans" / "lai-chau-pcmd-2021-2025.yaml"
FONT = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"  # Unicode, shipped by matplotlib


def _norm(text: str) -> str:
    return " ".join(text.split())


def _expanded(catalog: Catalog, codes: list[str]) -> frozenset[str]:
    return frozenset(m for c in codes for m in catalog.groups.get(c, [c]))


def _draft(tmp_path: Path, document: Path, *extra: str) -> tuple[Path, str]:
    out = tmp_path / f"{document.stem}-{document.suffix[1:]}.yaml"
    printed = cli("plan", "draft", str(document), "--out", str(out), *extra)
    return out, printed


def _duties(path: Path) -> list[tuple[str, str, frozenset[str]]]:
    c = read_catalog(path).catalog
    return [(d.ref, _norm(d.text), _expanded(c, d.bodies)) for d in c.duties]


def _docx(lines: list[str], path: Path) -> Path:
    """One paragraph a line, as a .txt copy wraps them; bullets as Word list items (no dash)."""
    import docx

    document = docx.Document()
    for line in lines:
        if line.startswith("- ") and line[2:3].isupper():
            document.add_paragraph(line[2:], style="List Bullet")
        else:
            document.add_paragraph(line)
    document.save(str(path))
    return path


def _pdf(lines: list[str], path: Path) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("dejavu", fname=str(FONT))
    pdf.set_font("dejavu", size=9)
    pdf.add_page()
    for line in lines:
        pdf.cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


@SQLITE_ONLY
def test_seed_drafts_back_into_the_hand_made_catalog(env, tmp_path, record_property):
    document = shutil.copy(SEED, tmp_path / SEED.name)
    out, printed = _draft(tmp_path, Path(document))
    hand = read_catalog(HAND).catalog
    draft = read_catalog(out).catalog
    text = out.read_text(encoding="utf-8")

    # Duties: the verbatim text and the responsible bodies (groups expanded) of each hand-made one.
    have = {(_norm(d.text), _expanded(draft, d.bodies)) for d in draft.duties}
    missed = [d.ref for d in hand.duties if (_norm(d.text), _expanded(hand, d.bodies)) not in have]
    share = 1 - len(missed) / len(hand.duties)
    # Targets: each hand-made threshold, on the same bullet.
    found = {(_norm(t.text), t.threshold, t.upper) for t in draft.targets}
    lost = [t.ref for t in hand.targets if (_norm(t.text), t.threshold, t.upper) not in found]
    marks = review_marks(text)
    print(
        f"\nplan draft on the seed: duties {len(hand.duties) - len(missed)}/{len(hand.duties)} ({share:.0%}) "
        f"missed {missed}; targets with threshold found {len(hand.targets) - len(lost)}/{len(hand.targets)}; "
        f"drafted {len(draft.duties)} duties, {len(draft.targets)} targets; {marks} “{REVIEW}” marks"
    )
    record_property("duties_matched", f"{len(hand.duties) - len(missed)}/{len(hand.duties)}")
    record_property("review_marks", marks)
    assert share >= 0.95, missed
    assert not lost
    assert f"{marks}" in printed and "Nhiệm vụ" in printed

    # No due date the text does not state: each has basis plan and quotes the plan's words.
    source = _norm(SEED.read_text(encoding="utf-8"))
    for d in draft.duties:
        if d.due is not None:
            assert d.due.basis == "plan" and _norm(d.due.source) in source, d.ref
    assert draft.plan.reporting is not None and draft.plan.reporting.basis == "coordinator"
    assert "request: true" in text and "reporting-bodies" in text

    assert "hợp lệ" in cli("plan", "check", str(out))


@SQLITE_ONLY
def test_docx_and_text_pdf_give_the_same_duties(env, tmp_path):
    lines = SEED.read_text(encoding="utf-8").splitlines()
    txt, _ = _draft(tmp_path, Path(shutil.copy(SEED, tmp_path / SEED.name)))
    docx_out, _ = _draft(tmp_path, _docx(lines, tmp_path / "plan.docx"))
    pdf_out, _ = _draft(tmp_path, _pdf(lines, tmp_path / "plan.pdf"))
    expected = _duties(txt)
    assert _duties(docx_out) == expected
    assert _duties(pdf_out) == expected


@SQLITE_ONLY
def test_a_document_without_the_duties_section_is_refused(env, tmp_path):
    text = SEED.read_text(encoding="utf-8")
    document = tmp_path / "no-section.txt"
    document.write_text(text.split("V. TỔ CHỨC")[0], encoding="utf-8")
    printed = cli("plan", "draft", str(document), code=1)
    assert "TỔ CHỨC THỰC HIỆN" in printed and "không tìm thấy" in printed
    assert not (tmp_path / "no-section.yaml").exists()


@SQLITE_ONLY
def test_a_scanned_pdf_and_an_unknown_extension_are_refused(env, tmp_path):
    from fpdf import FPDF
    from PIL import Image

    pdf = FPDF()
    pdf.add_page()
    pdf.image(Image.new("RGB", (200, 100), "white"), x=10, y=10, w=100)
    pdf.output(str(tmp_path / "scan.pdf"))
    printed = cli("plan", "draft", str(tmp_path / "scan.pdf"), code=1)
    assert "bản quét" in printed and "OCR" in printed and ".docx" in printed
    assert not (tmp_path / "scan.yaml").exists()

    (tmp_path / "plan.odt").write_bytes(b"not a plan")
    assert "không đọc được tệp đuôi" in cli("plan", "draft", str(tmp_path / "plan.odt"), code=1)
    assert not (tmp_path / "plan.yaml").exists()


SMALL_PLAN = """\
ỦY BAN NHÂN DÂN
TỈNH LAI CHÂU
Số: 15/KH-UBND
Lai Châu, ngày 05 tháng 01 năm 2024
KẾ HOẠCH
Phòng, chống mua bán người giai đoạn 2024-2025
Thực hiện Kế hoạch số 99/KH-UBND ngày 02/01/2024 của UBND tỉnh, UBND tỉnh ban hành Kế hoạch như sau:
I. MỤC ĐÍCH
Nâng cao nhận thức.
II. TỔ CHỨC
THỰC HIỆN
1. Sở Lao động - Thương binh và Xã hội
- Chủ trì tổng hợp, báo cáo kết quả thực hiện trước ngày 15/12 hằng năm.
- Phối hợp với Công an tỉnh tổ chức tuyên truyền thường xuyên.
2. Ban Dân tộc tỉnh
Chủ trì tuyên truyền tại vùng đồng bào dân tộc thiểu số.
"""


@SQLITE_ONLY
def test_an_unknown_body_is_proposed_and_a_stated_date_kept(env, tmp_path):
    document = tmp_path / "small.txt"
    document.write_text(SMALL_PLAN, encoding="utf-8")
    out, printed = _draft(tmp_path, document, "--code", "pcmbn-2024")
    text = out.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    new = [b for b in data["bodies"] if b["code"] == "ban-dan-toc-tinh"]
    assert new == [{"code": "ban-dan-toc-tinh", "name": "Ban Dân tộc tỉnh", "kind": "department"}]
    before = text.split("- code: ban-dan-toc-tinh")[0].splitlines()[-4:]
    assert any(line.lstrip().startswith(REVIEW) for line in before) and "Ban Dân tộc tỉnh" in " ".join(before)
    assert "ban-dan-toc-tinh" in printed
    plan = data["plan"]
    assert (plan["code"], plan["number"], str(plan["issued_on"])) == ("pcmbn-2024", "15/KH-UBND", "2024-01-05")
    assert plan["title"] == "Kế hoạch phòng, chống mua bán người giai đoạn 2024-2025"
    assert plan["leadership_body"] == "ubnd-tinh" and plan["coordinating_body"] == "so-ldtbxh"
    first, second, third = data["duties"]
    # "trước ngày 15/12 hằng năm": the plan's own date, one day after the annual cut-off (14/12).
    assert first["cadence"] == "annual"
    assert first["due"] == {"days_after_cutoff": 1, "basis": "plan", "source": "trước ngày 15/12"}
    assert second["cooperating"] == ["cong-an"] and "due" not in second
    assert third["bodies"] == ["ban-dan-toc-tinh"] and "due" not in third
    assert "hợp lệ" in cli("plan", "check", str(out))


@SQLITE_ONLY
def test_check_names_file_and_line_of_a_malformed_catalog(env, tmp_path):
    lines = HAND.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip() == "cadence: semiannual")
    lines[at] = lines[at].replace("semiannual", "weekly")
    bad = tmp_path / "bad.yaml"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    printed = cli("plan", "check", "--alone", str(bad), code=1)
    assert f"{bad}:{at + 1}:" in printed and "unknown-cadence" in printed

    broken = tmp_path / "broken.yaml"
    broken.write_text("plan:\n  code: x\n  title: [unclosed\n", encoding="utf-8")
    printed = cli("plan", "check", "--alone", str(broken), code=1)
    assert f"{broken}:" in printed and "yaml-syntax" in printed


@SQLITE_ONLY
def test_draft_does_not_overwrite_without_force(env, tmp_path):
    document = tmp_path / "small.txt"
    document.write_text(SMALL_PLAN, encoding="utf-8")
    (tmp_path / "small.yaml").write_text("kept\n", encoding="utf-8")
    assert "--force" in cli("plan", "draft", str(document), code=1)
    assert (tmp_path / "small.yaml").read_text(encoding="utf-8") == "kept\n"
    cli("plan", "draft", str(document), "--force")
    assert REVIEW in (tmp_path / "small.yaml").read_text(encoding="utf-8")
