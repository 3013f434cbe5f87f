"""A malformed catalog is refused with the file, the path inside it and the line, and writes nothing."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import inspect, text
from typer.testing import CliRunner

from cli import app
from config import CONFIG_DIR
from models.db import get_engine
from models.errors import CatalogError
from models.intake.catalog.load import load_catalogs

BASE = """\
plan:
  code: test-plan
  title: Kế hoạch thử nghiệm
  period: {start: 2022-01-01, end: 2023-12-31}
  coordinating_body: so-a
  leadership_body: ubnd
  reporting: {days_after_cutoff: 4, basis: coordinator}
bodies:
  - {code: ubnd, name: UBND tỉnh, kind: leadership}
  - {code: so-a, name: Sở A, kind: department}
  - {code: so-b, name: Sở B, kind: department, parent: ubnd}
groups:
  all-depts: [so-a, so-b]
duties:
  - ref: D.1
    source: Điều 1
    title: Báo cáo định kỳ
    text: Báo cáo định kỳ 6 tháng.
    bodies: [all-depts]
    cooperating: [so-a]
    cadence: semiannual
  - ref: D.2
    source: Điều 2
    title: Lập kế hoạch
    text: Lập kế hoạch triển khai.
    bodies: [so-b]
    cadence: once
    due: {basis: coordinator, date: 2022-03-31}
targets:
  - ref: T.1
    source: Mục T
    text: Ít nhất 70% đơn vị tham gia.
    measure: Tỷ lệ đơn vị tham gia
    unit: percent
    threshold: 70
    deadline: 2023-12-31
    reported_by: [all-depts]
    numerator: Số đơn vị tham gia
    denominator: Tổng số đơn vị
"""

# (name, old text, new text, expected code, the text whose line the error must name)
# A table: a case a line reads better than the formatter's value a line.
# fmt: off
VARIANTS = [
    ("yaml syntax", "  title: Kế hoạch thử nghiệm", "  title: 'Kế hoạch thử nghiệm", "yaml-syntax", None),
    ("duplicate key", "    cadence: semiannual", "    cadence: semiannual\n    cadence: annual",
     "duplicate-key", "    cadence: annual"),
    ("missing text", "    text: Lập kế hoạch triển khai.\n", "", "missing-field", "  - ref: D.2"),
    ("misspelt field", "    cooperating: [so-a]", "    coperating: [so-a]", "unknown-field", "coperating"),
    ("unknown cadence", "cadence: semiannual", "cadence: monthly", "unknown-cadence", "cadence: monthly"),
    ("unknown body", "    bodies: [so-b]", "    bodies: [so-x]", "unknown-body", "bodies: [so-x]"),
    ("unknown cooperating", "cooperating: [so-a]", "cooperating: [so-z]", "unknown-body", "so-z"),
    ("unknown coordinator", "coordinating_body: so-a", "coordinating_body: so-q", "unknown-body", "so-q"),
    ("unknown group member", "all-depts: [so-a, so-b]", "all-depts: [so-a, so-c]", "unknown-body",
     "all-depts"),
    ("unknown parent", "parent: ubnd}", "parent: ubnd-x}", "unknown-body", "parent: ubnd-x"),
    ("duplicate duty ref", "  - ref: D.2", "  - ref: D.1", "duplicate-ref", None),
    ("once without a date", "    due: {basis: coordinator, date: 2022-03-31}\n", "", "impossible-cadence",
     "  - ref: D.2"),
    ("once with an offset", "date: 2022-03-31}", "days_after_cutoff: 5}", "impossible-cadence",
     "days_after_cutoff: 5"),
    ("offset past the period", "    cadence: semiannual",
     "    cadence: semiannual\n    due: {days_after_cutoff: 200, basis: coordinator}", "impossible-cadence",
     "cutoff: 200"),
    ("due outside the plan", "date: 2022-03-31}", "date: 2030-01-01}", "due-outside-plan", "2030-01-01"),
    ("two due rules", "date: 2022-03-31}", "date: 2022-03-31, days_after_start: 3}", "invalid-value",
     "days_after_start: 3"),
    ("percent above 100", "threshold: 70", "threshold: 120", "percent-out-of-range", "threshold: 120"),
    ("range upside down", "threshold: 70", "threshold: 70\n    upper: 50", "impossible-range", "upper: 50"),
    ("sensitive with files", "    cadence: once", "    cadence: once\n    sensitive: true\n    evidence: [file]",
     "sensitive-files", "evidence: [file]"),
    ("impossible period", "{start: 2022-01-01, end: 2023-12-31}", "{start: 2024-01-01, end: 2023-12-31}",
     "impossible-period", "period:"),
    ("impossible date", "deadline: 2023-12-31", "deadline: 2023-13-31", "invalid-value", "2023-13-31"),
    ("duplicate body", "  - {code: so-b, name: Sở B", "  - {code: so-a, name: Sở B", "duplicate-body",
     "{code: so-a, name: Sở B"),
    ("group shadows a body", "  all-depts: [so-a, so-b]", "  so-a: [so-a, so-b]", "group-shadows-body",
     "  so-a: ["),
    ("a body defined differently elsewhere", "{code: so-a, name: Sở A, kind: department}",
     "{code: so-yte, name: Sở Y tế khác, kind: department}\n  - {code: so-a, name: Sở A, kind: department}",
     "conflicting-body", "Sở Y tế khác"),
    ("same plan code as the shipped one", "code: test-plan", "code: lai-chau-pcmd-2021-2025",
     "duplicate-plan", "code: lai-chau"),
    ("a list, not a catalog", BASE, "- just\n- a list\n", "not-a-catalog", None),
    # Who set a due date: always said; the plan's or a law's word is quoted or named, or refused.
    ("a plan basis without its quote", "due: {basis: coordinator,", "due: {basis: plan,", "missing-basis-source",
     "due: {basis: plan"),
    ("a law basis with a blank source", "due: {basis: coordinator,", "due: {basis: law, source: '  ',",
     "missing-basis-source", "basis: law"),
    ("a due without a basis", "due: {basis: coordinator, date", "due: {date", "missing-field", "due: {date"),
    ("an unknown basis", "basis: coordinator, date", "basis: ministry, date", "invalid-value",
     "basis: ministry"),
    ("a plan quote the plan does not hold", "due: {basis: coordinator,",
     "due: {basis: plan, source: trước ngày 31/3,", "unquoted-basis", "source: trước ngày 31/3"),
    ("a reporting default with a plan basis it cannot quote", "reporting: {days_after_cutoff: 4, basis: coordinator}",
     "reporting: {days_after_cutoff: 4, basis: plan, source: định kỳ hằng tháng}", "unquoted-basis",
     "reporting:"),
    ("a recurring duty with no rule at all", "  reporting: {days_after_cutoff: 4, basis: coordinator}\n", "",
     "no-due-rule", "  - ref: D.1"),
    ("two default rules", "reporting: {days_after_cutoff: 4,", "reporting: {days_after_cutoff: 4, "
     "working_days_after_cutoff: 2,", "invalid-value", "reporting:"),
    ("working days past the period", "    cadence: semiannual",
     "    cadence: semiannual\n    due: {working_days_after_cutoff: 130, basis: coordinator}",
     "impossible-cadence", "working_days_after_cutoff: 130"),
    ("a request that is not a yes or no", "    cadence: once", "    cadence: once\n    request: perhaps",
     "invalid-value", "request: perhaps"),
]
# fmt: on


def mutate(old: str, new: str) -> str:
    assert old in BASE, old
    return BASE.replace(old, new, 1)


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def snapshot(url: str) -> dict[str, list]:
    engine = get_engine(url)
    with engine.connect() as conn:
        return {
            t: sorted(map(tuple, conn.execute(text(f'SELECT * FROM "{t}"'))), key=repr)
            for t in inspect(engine).get_table_names()
        }


def test_the_base_catalog_is_valid_beside_the_shipped_one(tmp_path):
    (tmp_path / "test.yaml").write_text(BASE, encoding="utf-8")
    files = load_catalogs([CONFIG_DIR / "plans" / "lai-chau-pcmd-2021-2025.yaml", tmp_path / "test.yaml"])
    assert [f.catalog.plan.code for f in files] == ["lai-chau-pcmd-2021-2025", "test-plan"]


@pytest.mark.parametrize(("name", "old", "new", "code", "marker"), VARIANTS, ids=[v[0] for v in VARIANTS])
def test_each_error_is_named_with_its_line(tmp_path, name, old, new, code, marker):
    bad = mutate(old, new)
    path = tmp_path / "bad.yaml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(CatalogError) as caught:
        load_catalogs([CONFIG_DIR / "plans" / "lai-chau-pcmd-2021-2025.yaml", path])
    problems = [p for p in caught.value.problems if p.code == code]
    assert problems, f"{name}: expected [{code}], got {caught.value}"
    assert all(p.file == str(path) for p in problems)
    if marker is not None:
        assert problems[0].line == line_of(bad, marker), str(problems[0])
    assert str(path) in str(caught.value) and f"[{code}]" in str(caught.value)


def test_a_plan_quote_found_in_the_duty_s_own_text_is_accepted(tmp_path):
    """ "Lập kế hoạch triển khai." is D.2's own text: quoting it (whitespace aside) is a plan basis."""
    path = tmp_path / "quoted.yaml"
    path.write_text(mutate("due: {basis: coordinator,", "due: {basis: plan, source: '  Lập  kế hoạch\n triển khai',"))
    (f,) = load_catalogs([path])
    due = f.catalog.duties[1].due
    assert (due.basis, due.source) == ("plan", "Lập kế hoạch triển khai")


def test_not_utf8(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(BASE.encode("utf-16"))
    with pytest.raises(CatalogError) as caught:
        load_catalogs([path])
    assert caught.value.codes == {"encoding"}


def test_several_errors_are_reported_together(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        BASE.replace("bodies: [so-b]", "bodies: [so-x]").replace("threshold: 70", "threshold: 170"), encoding="utf-8"
    )
    with pytest.raises(CatalogError) as caught:
        load_catalogs([path])
    assert caught.value.codes == {"unknown-body", "percent-out-of-range"}


@pytest.mark.parametrize("variant", [VARIANTS[1], VARIANTS[5], VARIANTS[16], VARIANTS[23]], ids=lambda v: v[0])
def test_init_with_a_bad_catalog_writes_nothing(env, tmp_path, monkeypatch, variant):
    """Through the CLI, on each database: the first init loads, a bad catalog then changes nothing."""
    plans = tmp_path / "plans"
    plans.mkdir()
    shutil.copy(CONFIG_DIR / "plans" / "lai-chau-pcmd-2021-2025.yaml", plans)
    monkeypatch.setenv("DONDOC_CATALOG_DIR", str(plans))
    from config.settings import get_settings

    get_settings.cache_clear()
    runner = CliRunner()
    assert runner.invoke(app, ["init"]).exit_code == 0
    before = snapshot(env)
    _name, old, new, code, _marker = variant
    (plans / "second.yaml").write_text(mutate(old, new), encoding="utf-8")
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 1
    assert f"[{code}]" in result.output and "second.yaml" in result.output
    assert snapshot(env) == before
