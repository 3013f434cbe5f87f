"""Every due date says who set it; the December report is the yearly one; requests are marked.

The catalog side (every rule has a basis, a `plan` basis quotes the plan, the December dates) is
in tests/test_catalog_source.py; the schema's refusals in tests/test_catalog_errors.py.
"""

from __future__ import annotations

from datetime import date

import pytest

from models.rules.basis import BASES, basis_label
from models.rules.calendar import WorkingCalendar
from models.rules.periods import DueRule, half_year, period_label, quarter, report_name, year_period
from tests.cli import cli, cli_json, init, status_rows
from tests.conftest import SQLITE_ONLY

D = date.fromisoformat


@pytest.mark.parametrize(
    ("key", "label", "report"),
    [
        ("2025-H1", "6 tháng đầu năm 2025", "Báo cáo 6 tháng đầu năm 2025"),
        # "định kỳ 06 tháng, 01 năm": the December report is the year's, though the key stays H2.
        ("2025-H2", "Năm 2025", "Báo cáo năm 2025"),
        ("2025", "Năm 2025", "Báo cáo năm 2025"),
        ("2025-Q3", "Quý III/2025", "Báo cáo quý III/2025"),
        ("2021-2025", "Giai đoạn 2021-2025", "Báo cáo giai đoạn 2021-2025"),
    ],
)
def test_period_labels_and_report_names(key, label, report):
    assert period_label(key) == label
    assert report_name(key) == report


def test_working_days_are_counted_from_the_cut_off_whatever_day_it_is(calendar):
    rule = DueRule(working_days_after_cutoff=2)
    # Saturday 14/6/2025: Monday 16/6 is the first working day after it, Tuesday 17/6 the second.
    assert rule.nominal(half_year(2025, 1), calendar) == D("2025-06-17")
    # Friday 14/3/2025: Monday 17/3, Tuesday 18/3.
    assert rule.nominal(quarter(2025, 1), calendar) == D("2025-03-18")
    assert calendar.is_working_day(rule.nominal(half_year(2025, 2), calendar))
    with pytest.raises(ValueError, match="working calendar"):
        rule.nominal(half_year(2025, 1))  # never guessed without the calendar


def test_days_before_the_cut_off_give_the_same_day_every_year():
    rule = DueRule(days_after_cutoff=-24)  # the catalog's `days_before_cutoff: 24`
    assert {rule.nominal(year_period(y)).strftime("%d/%m") for y in range(2021, 2031)} == {"20/11"}
    assert WorkingCalendar().roll_forward(rule.nominal(year_period(2021))) == D("2021-11-22")


@SQLITE_ONLY
def test_status_and_duty_listings_carry_the_basis_and_the_requests(env):
    init()
    cli("schedule", "--until", "2025-12-31")
    rows = status_rows("2025-12-31")
    assert rows and all(r["basis"] in BASES and r["basis_source"] for r in rows)
    assert {r["basis"] for r in rows} == {"coordinator"}  # the plan sets no date: never shown as its
    bc = next(r for r in rows if r["ref"] == "V.BC" and r["period"] == "2025-H2" and r["body"] == "so-yte")
    assert bc["due"] == "2025-12-16" and "Nghị định số 09/2019/NĐ-CP" in bc["basis_source"]
    consolidation = next(r for r in rows if r["ref"] == "V.1.5" and r["period"] == "2025-H2")
    assert consolidation["due"] == "2025-12-18" and "5109/BLĐTBXH-PCTNXH" in consolidation["basis_source"]
    assert {r["ref"] for r in rows if r["request"]} == {"V.11.1", "V.13.1"}
    # The coordinating body that set a date is the one acting on it: Sở LĐ-TB&XH until 28/02/2025,
    # Sở Y tế from 01/03/2025 (the organisation history), whenever the item is read.
    setter = {r["due"][:4]: r["basis_text"] for r in rows if r["ref"] == "V.1.5" and r["period"].endswith("H2")}
    assert "(Sở LĐ-TB&XH)" in setter["2021"] and "(Sở LĐ-TB&XH)" in setter["2024"], setter
    assert "(Sở Y tế)" in setter["2025"], setter
    # V.BC is asked only of the bodies its paragraph names: not of those the plan only requests.
    requested = {r["body"] for r in rows if r["request"]}
    assert not requested & {r["body"] for r in rows if r["ref"] == "V.BC"}

    duties = cli_json("plan", "duties", "--json")
    by_ref = {d["ref"]: d for d in duties}
    assert by_ref["V.BC"]["due"] == {"working_days_after_cutoff": 2}
    assert by_ref["V.8.1"]["due"] == {"days_before_cutoff": 24}
    assert by_ref["V.12.1-5y"]["due"] == {"date": "2022-03-31"}
    assert all(d["basis"] in BASES and d["basis_source"] for d in duties)
    assert {d["ref"] for d in duties if d["request"]} == {"V.11.1", "V.13.1"}
    table = cli("plan", "duties", "--body", "vks")
    cells = " ".join(" ".join(line.strip("│┃ ").split()) for line in table.splitlines())  # wrapped cells
    for words in (basis_label("coordinator"), "(đề nghị phối hợp)"):
        assert all(word in cells for word in words.split()), words
