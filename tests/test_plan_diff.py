"""`dondoc plan diff OLD NEW`: what a revision of the real catalog adds, changes and removes, and
how many open assignments of the plan on record each change reaches."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import CONFIG_DIR
from tests.cli import cli, cli_json, init, status_rows

CATALOG = CONFIG_DIR / "plans" / "lai-chau-pcmd-2021-2025.yaml"
ADDED = """  - ref: V.99.1
    source: "Mục V, điểm 99"
    title: "Nhiệm vụ bổ sung"
    text: "Nhiệm vụ bổ sung khi sửa kế hoạch."
    bodies: [so-yte]
    nature: task
    cadence: once
    due: {date: 2025-09-30, basis: coordinator, source: "thử nghiệm"}
    evidence: [reference]
"""


def revised(tmp_path: Path) -> Path:
    """The catalog with V.1.2 removed, V.1.3 made annual, a new duty and II.1.a.1 at 80%."""
    text = CATALOG.read_text(encoding="utf-8")
    start = text.index("  - ref: V.1.2\n")
    end = text.index("  - ref: V.1.3\n")
    text = text[:start] + text[end:]
    v13 = text.index("  - ref: V.1.3\n")
    cadence = text.index("    cadence: semiannual", v13)
    text = text[:cadence] + "    cadence: annual" + text[cadence + len("    cadence: semiannual") :]
    text = text.replace("targets:\n", ADDED + "\ntargets:\n", 1)
    t1 = text.index("  - ref: II.1.a.1\n")
    threshold = text.index("    threshold: 70", t1)
    text = text[:threshold] + "    threshold: 80" + text[threshold + len("    threshold: 70") :]
    path = tmp_path / "revised.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_revision_names_each_change_and_the_open_items_it_reaches(env, tmp_path):
    new = revised(tmp_path)
    fresh = {(r["section"], r["key"], r["kind"]): r for r in cli_json("plan", "diff", str(CATALOG), str(new), "--json")}
    assert set(fresh) == {
        ("duties", "V.1.2", "removed"),
        ("duties", "V.1.3", "changed"),
        ("duties", "V.99.1", "added"),
        ("targets", "II.1.a.1", "changed"),
    }
    assert fresh[("duties", "V.1.3", "changed")]["fields"] == {"cadence": {"old": "semiannual", "new": "annual"}}
    assert fresh[("targets", "II.1.a.1", "changed")]["fields"]["threshold"] == {"old": 70, "new": 80}
    assert all(r["open_assignments"] == 0 for r in fresh.values())  # nothing on record yet

    init()
    cli("schedule", "--until", "2025-06-30")
    rows = status_rows("2025-06-30")
    still_open = {
        ref: sum(r["ref"] == ref and r["status"] not in ("done_on_time", "done_late") for r in rows)
        for ref in ("V.1.2", "V.1.3")
    }
    assert all(still_open.values())
    loaded = {(r["section"], r["key"]): r for r in cli_json("plan", "diff", str(CATALOG), str(new), "--json")}
    assert loaded[("duties", "V.1.2")]["open_assignments"] == still_open["V.1.2"]
    assert loaded[("duties", "V.1.3")]["open_assignments"] == still_open["V.1.3"]
    assert loaded[("duties", "V.99.1")]["open_assignments"] == 0
    table = " ".join(cli("plan", "diff", str(CATALOG), str(new)).split())
    for word in ("V.1.2", "bỏ", "V.99.1", "thêm", "cadence: semiannual", "threshold: 70 →"):  # cells wrap at 80
        assert word in table, word
    assert "giống nhau" in cli("plan", "diff", str(CATALOG), str(CATALOG))


@pytest.mark.parametrize("broken", ["duties: [\n", "plan: {code: x}\n"])
def test_a_malformed_revision_is_named_with_its_file(env, tmp_path, broken):
    bad = tmp_path / "bad.yaml"
    bad.write_text(broken, encoding="utf-8")
    output = cli("plan", "diff", str(CATALOG), str(bad), code=1)
    assert "bad.yaml" in output
