"""The shipped catalog quotes the plan verbatim and covers every bullet of section V.

Checked against the public plan text kept in tests/data (the product never reads it).
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from config import CONFIG_DIR
from models.intake.catalog.checks import due_rule
from models.intake.catalog.load import load_catalogs
from models.operations.catalog import expand
from models.rules.basis import BASES
from models.rules.periods import half_year, year_period
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


def item_bodies(catalog, item: int) -> set[str]:
    return {code for d in catalog.duties if d.ref.startswith(f"V.{item}.") for code in expand(catalog, d.bodies)}


def test_the_bodies_the_closing_paragraph_names_report_and_the_labour_department_consolidates(catalog):
    """ "Thủ trưởng các sở, ban, ngành tỉnh; Chủ tịch UBND các huyện, thành phố": not the bodies the
    plan only requests work from (items 11 and 13), nor UBND tỉnh (it receives), nor Sở LĐ-TB&XH
    (it consolidates)."""
    report = next(d for d in catalog.duties if d.ref == "V.BC")
    assert "định kỳ 06 tháng 01 năm báo cáo UBND tỉnh" in normalize(report.text)
    assert "Thủ trưởng các sở, ban, ngành tỉnh; Chủ tịch UBND các huyện, thành phố" in normalize(report.text)
    reporters = set(expand(catalog, report.bodies))
    requested = item_bodies(catalog, 11) | item_bodies(catalog, 13)
    assert requested == {"vks", "tand", "mttq", "hlhpn", "tinh-doan", "hoi-nong-dan", "hoi-ccb", "ldld"}
    assert reporters == {b.code for b in catalog.bodies} - {"ubnd-tinh", "so-ldtbxh"} - requested
    assert item_bodies(catalog, 12) <= reporters  # the districts
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


def test_requests_are_exactly_the_duties_of_items_11_and_13(catalog):
    """ "11. Đề nghị Viện Kiểm sát ..., Tòa án ...", "13. Đề nghị Mặt trận ...": the only items the plan
    opens with "Đề nghị"; their duties, and no other, are requests."""
    section = SRC.text[SECTION_V_START:CLOSING]
    asked = {int(n) for n in re.findall(r"(\d{1,2})\. Đề nghị", section)}
    assert asked == {11, 13}
    requests = {d.ref for d in catalog.duties if d.request}
    assert requests == {d.ref for d in catalog.duties if d.ref.split(".")[1] in {"11", "13"}}
    assert requests == {"V.11.1", "V.13.1"}


def test_every_due_date_has_a_basis_and_a_plan_basis_quotes_the_plan(catalog):
    """Every duty's rule (its own, or the plan's default) says who set it; a `plan` basis quotes a
    clause found in the plan's text, a `law` basis names a regulation."""
    rules = [(d.ref, d.due or catalog.plan.reporting) for d in catalog.duties]
    assert all(rule is not None for _, rule in rules)
    for ref, rule in rules:
        assert rule.basis in BASES, ref
        if rule.basis == "plan":
            assert rule.source and normalize(rule.source) in SRC.text, f"{ref}: the quote is not the plan's"
        if rule.basis == "law":
            assert rule.source, ref
    # The plan's text sets no date at all: every date here is the coordinator's (or a law's).
    assert {rule.basis for _, rule in rules} == {"coordinator"}
    assert all(rule.source for _, rule in rules)  # each says why that day


def test_titles_hold_no_words_their_paragraph_does_not(catalog):
    """A title shortens its paragraph; what the catalog adds (a cadence, a period) goes in a comment
    with its basis. Allowed: connectives, the abbreviation Sở LĐ-TB&XH, and "hằng" for "hàng"."""
    allowed = {"và", "đối", "với", "gửi", "lđ", "tb", "xh", "hằng"}
    for d in catalog.duties:
        words = set(re.findall(r"\w+", d.text.lower())) | allowed
        extra = [w for w in re.findall(r"\w+", d.title.lower()) if w not in words]
        assert not extra, f"{d.ref}: {extra} are not in its paragraph"


def dues(catalog, ref: str, period, calendar) -> date:
    index = next(i for i, d in enumerate(catalog.duties) if d.ref == ref)
    return calendar.roll_forward(due_rule(catalog, index).nominal(period, calendar))


@pytest.mark.parametrize("year", range(2021, 2031))
def test_the_consolidation_falls_between_the_bodies_reports_and_the_ministry(catalog, calendar, year):
    """On the province's calendar, every year: the bodies report (V.BC), Sở LĐ-TB&XH consolidates
    (V.1.5) after them, and the yearly report reaches the ministry by 20/12 (Văn bản
    5109/BLĐTBXH-PCTNXH asked "trước ngày 20/12/2023"). The June report likewise, in order."""
    for h in (1, 2):
        period = half_year(year, h)
        bodies, consolidation = dues(catalog, "V.BC", period, calendar), dues(catalog, "V.1.5", period, calendar)
        assert period.end < bodies < consolidation, (period.key, bodies, consolidation)
    assert consolidation <= date(year, 12, 20)


@pytest.mark.parametrize("year", range(2021, 2026))
def test_the_budget_proposal_comes_before_the_peoples_council_votes(catalog, calendar, year):
    """V.8.1 (Sở Tài chính's proposal of next year's funding) is due after the Prime Minister gives
    the province its figures (before 20/11) and well before the vote (before 10/12)."""
    due = dues(catalog, "V.8.1", year_period(year), calendar)
    assert date(year, 11, 20) <= due < date(year, 12, 10)


def test_the_district_plans_follow_the_provinces_own(catalog, calendar):
    """The province's annual plan came on 15/3/2022 (768/KH-UBND) and 24/01/2025 (434/KH-UBND): the
    districts' annual plan, and their five-year plan with the first one, come after it."""
    province = {2022: date(2022, 3, 15), 2025: date(2025, 1, 24)}
    for year, issued in province.items():
        assert dues(catalog, "V.12.1", year_period(year), calendar) > issued
    five_year = next(d for d in catalog.duties if d.ref == "V.12.1-5y")
    assert five_year.due.date == dues(catalog, "V.12.1", year_period(2022), calendar) == date(2022, 3, 31)


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
