"""The shipped catalog quotes the plan verbatim and covers every bullet of section V.

Checked against the public plan text kept in tests/data (the product never reads it).
"""

from __future__ import annotations

import re

import pytest

from config import CONFIG_DIR
from models.intake.catalog.load import load_catalogs
from models.operations.catalog import expand
from tests.conftest import DATA

PLAN_FILE = CONFIG_DIR / "plans" / "lai-chau-pcmd-2021-2025.yaml"
SOURCE = (DATA / "ke-hoach-pcmd-lai-chau-2021-2025.txt").read_text(encoding="utf-8")


def normalize(text: str) -> str:
    return " ".join(text.split())


class Source:
    """The source text, whitespace-normalised, knowing where each original line starts and ends."""

    def __init__(self, raw: str):
        self.text = ""
        self.line_starts: set[int] = set()
        self.line_ends: set[int] = set()
        for line in raw.splitlines():
            line = normalize(line)
            if not line:
                continue
            if self.text:
                self.text += " "
            self.line_starts.add(len(self.text))
            self.text += line
            self.line_ends.add(len(self.text))


SRC = Source(SOURCE)
SECTION_V_START = SRC.text.index("V. TỔ CHỨC THỰC HIỆN") + len("V. TỔ CHỨC THỰC HIỆN")
CLOSING = SRC.text.index("Căn cứ nội dung Kế hoạch này")


@pytest.fixture(scope="module")
def catalog():
    (f,) = load_catalogs([PLAN_FILE])
    return f.catalog


def test_every_quote_is_verbatim_and_starts_and_ends_on_a_line(catalog):
    for item in [*catalog.duties, *catalog.targets]:
        text = normalize(item.text)
        at = SRC.text.find(text)
        assert at >= 0, f"{item.ref} is not verbatim: {text[:60]}…"
        assert at in SRC.line_starts or (at - 2 in SRC.line_starts and SRC.text[at - 2 : at] == "- "), (
            f"{item.ref} does not start where a line starts"
        )
        assert at + len(text) in SRC.line_ends, f"{item.ref} does not end where a line ends"


def test_section_v_bullets_are_all_there_in_order(catalog):
    """Taking every duty text out of section V, in order, leaves only the item headings."""
    section = SRC.text[SECTION_V_START:CLOSING]
    texts = list(dict.fromkeys(normalize(d.text) for d in catalog.duties if d.ref.startswith("V.") and d.ref != "V.BC"))
    leftovers, cursor = [], 0
    for text in texts:
        at = section.find(text, cursor)
        assert at >= 0, f"out of order or missing: {text[:60]}…"
        leftovers.append(section[cursor:at])
        cursor = at + len(text)
    leftovers.append(section[cursor:])
    headings = [normalize(piece.strip().removesuffix("-")) for piece in leftovers]
    headings = [h for h in headings if h]
    assert all(re.fullmatch(r"\d{1,2}\. [^.;]+", h) for h in headings), headings
    assert [int(h.split(".")[0]) for h in headings] == list(range(1, 14))


def test_every_dash_bullet_of_section_v_starts_a_duty(catalog):
    starts = {SRC.text.find(normalize(d.text)) for d in catalog.duties}
    bullet_lines = [
        pos for pos in SRC.line_starts if SECTION_V_START <= pos < CLOSING and SRC.text.startswith("- ", pos)
    ]
    assert len(bullet_lines) == 8  # five in item 1, three in item 2
    assert all(pos + 2 in starts for pos in bullet_lines)


def test_the_thirteen_items_have_their_bodies(catalog):
    bodies = {b.code for b in catalog.bodies}
    item_bodies: dict[int, set[str]] = {}
    for d in catalog.duties:
        if d.ref.startswith("V.") and d.ref != "V.BC":
            item = int(d.ref.split(".")[1].split("-")[0])
            item_bodies.setdefault(item, set()).update(expand(catalog, d.bodies))
    assert sorted(item_bodies) == list(range(1, 14))
    assert item_bodies[10] == {"dai-ptth", "bao-laichau"}
    assert item_bodies[11] == {"vks", "tand"}
    assert len(item_bodies[12]) == 8 and all(c in bodies for c in item_bodies[12])
    assert item_bodies[13] == {"mttq", "hlhpn", "tinh-doan", "hoi-nong-dan", "hoi-ccb", "ldld"}
    assert catalog.plan.coordinating_body == "so-ldtbxh"
    assert catalog.plan.leadership_body == "ubnd-tinh"


def test_every_body_reports_every_six_months_and_the_labour_department_consolidates(catalog):
    report = next(d for d in catalog.duties if d.ref == "V.BC")
    assert "định kỳ 06 tháng 01 năm báo cáo UBND tỉnh" in normalize(report.text)
    reporters = set(expand(catalog, report.bodies))
    assert reporters == {b.code for b in catalog.bodies} - {"ubnd-tinh", "so-ldtbxh"}
    assert report.cadence == "semiannual"
    consolidation = next(d for d in catalog.duties if d.ref == "V.1.5")
    assert consolidation.bodies == ["so-ldtbxh"] and consolidation.cadence == "semiannual"
    assert normalize(consolidation.text).startswith("Tổng hợp báo cáo")


def test_special_duties(catalog):
    by_ref = {d.ref: d for d in catalog.duties}
    assert by_ref["V.10.1"].cadence == "quarterly"  # "ít nhất một quý một lần"
    assert by_ref["V.12.1"].cadence == "annual" and by_ref["V.12.1-5y"].cadence == "once"
    police = by_ref["V.2.3"]
    assert police.sensitive and "file" not in police.evidence  # never a list of persons


def test_targets_of_section_ii(catalog):
    section_ii = SRC.text[SRC.text.index("II. CÁC CHỈ TIÊU") : SRC.text.index("III. CÁC GIẢI PHÁP")]
    assert all(normalize(t.text) in section_ii for t in catalog.targets)
    groups = {t.ref.split(".")[1] for t in catalog.targets}
    assert groups == {"1", "2", "3", "4", "5"}
    by_ref = {t.ref: t for t in catalog.targets}
    assert any(t.unit == "percent" and t.threshold == 70 for t in catalog.targets)
    assert any(t.per == "quarter" for t in catalog.targets)
    crimes = [t for t in by_ref.values() if t.unit == "percent-change"]
    assert crimes and (crimes[0].threshold, crimes[0].upper) == (3, 5)
