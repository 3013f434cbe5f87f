"""The CLI contract that other tools rely on: --json prints a JSON array on stdout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from config import CONFIG_DIR
from tests.dues import H1, H2

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def run_json(*args: str) -> list[dict]:
    rows = json.loads(run(*args, "--json"))
    assert isinstance(rows, list)
    return rows


@pytest.fixture
def initialised(env):
    run("init")
    run("directory", "import", str(CONFIG_DIR / "directory.example.csv"))
    return env


def test_init_is_idempotent(env):
    first = run("init")
    assert "lai-chau-pcmd-2021-2025" in first and "duty.created" in first
    assert "không đổi" in run("init")


def test_plan_listings(initialised):
    bodies = run_json("plan", "bodies")
    assert {"code", "name", "kind"} <= set(bodies[0])
    codes = {b["code"] for b in bodies}
    assert {"ubnd-tinh", "so-ldtbxh", "cong-an", "bao-laichau", "muong-te", "ldld"} <= codes
    duties = run_json("plan", "duties")
    assert {"id", "ref", "body", "cooperating", "text", "cadence"} <= set(duties[0])
    assert len({d["id"] for d in duties}) == len(duties)
    press = [d for d in duties if d["ref"] == "V.10.1"]
    assert {d["body"] for d in press} == {"dai-ptth", "bao-laichau"}
    police = run_json("plan", "duties", "--body", "cong-an")
    assert police and all(d["body"] == "cong-an" for d in police)
    assert "V.BC" in {d["ref"] for d in police}
    assert any("so-ldtbxh" in d["cooperating"] for d in police)
    targets = run_json("plan", "targets")
    assert {"id", "ref", "text", "threshold", "unit"} <= set(targets[0])
    assert all(0 <= t["threshold"] <= 100 for t in targets if t["unit"] == "percent")


def test_schedule_and_status_replay(initialised):
    assert "Đã tạo" in run("schedule", "--until", "2025-12-31")
    assert "Đã tạo 0" in run("schedule", "--until", "2025-12-31")
    rows = run_json("status", "--as-of", "2025-06-01")
    assert {"id", "duty_id", "body", "period", "due", "status", "escalation_level"} <= set(rows[0])
    by_key = {(r["body"], r["period"], r["duty_id"]): r for r in rows}
    assert all(r["period"] != "2025-H2" for r in rows)  # begins 15/6/2025: not yet
    statuses = {r["status"] for r in rows}
    assert statuses == {"open", "overdue"}  # nothing confirmed yet
    assert all((r["status"] == "overdue") == (r["due"] < "2025-06-01") for r in rows)
    assert by_key and all(r["escalation_level"] == 0 for r in rows)
    one = run_json("status", "--as-of", "2025-06-01", "--body", "so-yte")
    assert one and {r["body"] for r in one} == {"so-yte"}


def test_status_board_reads_in_vietnamese(initialised):
    run("schedule", "--until", "2025-12-31")
    board = run("status", "--as-of", "2025-06-01")
    assert "Tình hình thực hiện đến" in board and "01/06/2025" in board
    yte = next(line for line in board.splitlines() if line.strip().startswith("Sở Y tế"))
    rows = run_json("status", "--as-of", "2025-06-01", "--body", "so-yte")
    counts = [
        sum(r["status"] == st for r in rows)
        for st in ("done_on_time", "done_late", "open", "overdue", "submitted", "returned")
    ]
    assert yte.split()[3:] == [*map(str, counts), "0%"]  # the board agrees with the JSON
    assert counts[3] > 0
    listing = run("status", "--as-of", "2025-06-01", "--body", "so-yte")
    assert "V.BC" in listing and f"{H1:%d/%m/%Y}" in listing  # the 2025-H1 report (17/06)
    # As a person reads it: the body's name, the period's label, no code.
    flat = " ".join(listing.split())
    assert "Sở Y tế: đến 01/06/2025" in flat and "Năm 2024" in flat and "-H2" not in listing
    assert f"{H2:%d/%m/%Y}" not in listing  # 2025-H2, the yearly report, has not begun
    assert f"{H2:%d/%m/%Y}" in run("status", "--as-of", "2025-06-16", "--body", "so-yte")


def test_bad_as_of_is_a_usage_error(initialised):
    result = runner.invoke(app, ["status", "--as-of", "1/6/2025"])
    assert result.exit_code == 2 and "ISO date" in result.output


LIGHT = """
import sys
from cli import app
try:
    app(sys.argv[1:])
except SystemExit:
    pass
heavy = sorted({m.split('.')[0] for m in sys.modules} & {'prefect', 'alembic', 'openpyxl', 'apprise'})
print('HEAVY=' + ','.join(heavy), file=sys.stderr)
"""


@pytest.mark.parametrize("args", [["--help"], ["status", "--json"], ["plan", "duties", "--json"]])
def test_quick_commands_import_no_heavy_module(env, args):
    """`dondoc --help` and `dondoc status` must start fast: they never import Prefect (nor Alembic)."""
    run("init")
    proc = subprocess.run(
        [sys.executable, "-c", LIGHT, *args], capture_output=True, text=True, cwd=ROOT, env={**os.environ}, timeout=60
    )
    assert "HEAVY=\n" in proc.stderr, proc.stderr
