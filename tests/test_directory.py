"""Directory import: CSV (with or without BOM) and XLSX; every bad row named; all or nothing."""

from __future__ import annotations

import json

import pytest
from openpyxl import Workbook
from sqlmodel import select
from typer.testing import CliRunner

from cli import app
from config import CONFIG_DIR
from models.db import session_scope
from models.errors import InputError
from models.operations.directory import import_directory
from models.tables.audit import AuditEntry
from models.tables.org import Body, Contact
from tests.conftest import LOADED_AT
from tests.test_catalog_errors import snapshot

HEADER = "body,name,role,email,phone\n"
GOOD = (
    "so-yte,Nguyễn Thị Lan,focal,Lan.Nguyen@So-Yte.dondoc.example,0912 345 678\n"
    "so-yte,Trần Văn Hùng,head,thutruong@so-yte.dondoc.example,\n"
    "cong-an,Lò Văn Sơn,focal,,+84 98 765 4321\n"
)


def contacts(url: str) -> dict[tuple[str, str, str], Contact]:
    with session_scope(url) as s:
        rows = s.exec(select(Contact, Body.code).join(Body, Body.id == Contact.body_id)).all()
        return {(code, c.role, c.name): c for c, code in rows}


@pytest.mark.parametrize("bom", [False, True], ids=["utf8", "utf8-bom"])
def test_csv_import_normalises_phones_and_emails(loaded, tmp_path, bom):
    path = tmp_path / "directory.csv"
    path.write_text(HEADER + GOOD, encoding="utf-8-sig" if bom else "utf-8")
    with session_scope(loaded) as s:
        result = import_directory(s, path, now=LOADED_AT)
    assert (result.created, result.updated, result.deactivated) == (3, 0, 0)
    found = contacts(loaded)
    lan = found[("so-yte", "focal", "Nguyễn Thị Lan")]
    assert lan.phone == "+84912345678" and lan.email == "lan.nguyen@so-yte.dondoc.example"  # lower case
    assert found[("cong-an", "focal", "Lò Văn Sơn")].phone == "+84987654321"
    assert found[("so-yte", "head", "Trần Văn Hùng")].phone is None


def test_xlsx_import_with_a_numeric_phone_cell(loaded, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["Body", "Name", "Role", "Email", "Phone"])
    ws.append(["so-tuphap", "Bùi Thu Hà", "focal", "ha@so-tuphap.dondoc.example", 912000111])  # 0 lost
    ws.append([None, None, None, None, None])  # blank rows are skipped
    ws.append(["so-tuphap", "Đỗ Quang Long", "head", "long@so-tuphap.dondoc.example", "0212 3876 543"])
    path = tmp_path / "danh-ba.xlsx"
    wb.save(path)
    with session_scope(loaded) as s:
        assert import_directory(s, path, now=LOADED_AT).created == 2
    found = contacts(loaded)
    assert found[("so-tuphap", "focal", "Bùi Thu Hà")].phone == "+84912000111"
    assert found[("so-tuphap", "head", "Đỗ Quang Long")].phone == "+842123876543"


def test_reimport_updates_and_deactivates_without_logging_numbers(loaded, tmp_path):
    path = tmp_path / "directory.csv"
    path.write_text(HEADER + GOOD, encoding="utf-8")
    with session_scope(loaded) as s:
        import_directory(s, path, now=LOADED_AT)
    # Lan has a new phone; Hùng left; the police focal point is not in this file and stays.
    path.write_text(
        HEADER + "so-yte,Nguyễn Thị Lan,focal,lan.nguyen@so-yte.dondoc.example,0912 000 999\n", encoding="utf-8"
    )
    with session_scope(loaded) as s:
        result = import_directory(s, path, now=LOADED_AT)
    assert (result.created, result.updated, result.deactivated) == (0, 1, 1)
    found = contacts(loaded)
    assert found[("so-yte", "focal", "Nguyễn Thị Lan")].phone == "+84912000999"
    assert not found[("so-yte", "head", "Trần Văn Hùng")].active
    assert found[("cong-an", "focal", "Lò Văn Sơn")].active
    with session_scope(loaded) as s:
        details = json.dumps([e.details for e in s.exec(select(AuditEntry))], ensure_ascii=False)
    assert "0912000999" not in details and "+84912000999" not in details and "@" not in details


def test_the_example_directory_imports(loaded):
    with session_scope(loaded) as s:
        result = import_directory(s, CONFIG_DIR / "directory.example.csv", now=LOADED_AT)
        bodies = s.exec(select(Body.code)).all()
    assert result.created > 0
    found = contacts(loaded)
    assert {code for code, role, _ in found if role == "focal"} == set(bodies) - {"ubnd-tinh"}


ROW_ERRORS = [
    ("unknown body", "so-xyz,Ai Đó,focal,a@b.example,", "unknown-body"),
    ("empty body", ",Ai Đó,focal,a@b.example,", "unknown-body"),
    ("unknown role", "so-yte,Ai Đó,boss,a@b.example,", "invalid-role"),
    ("bad email", "so-yte,Ai Đó,focal,not-an-email,", "invalid-email"),
    ("bad phone", "so-yte,Ai Đó,focal,,12345", "invalid-phone"),
    ("no channel", "so-yte,Ai Đó,focal,,", "no-channel"),
    ("no name", "so-yte,,focal,a@b.example,", "missing-name"),
    ("too many cells", "so-yte,Ai Đó,focal,a@b.example,,extra", "extra-cells"),
    ("duplicate", "so-yte,Nguyễn Thị Lan,focal,x@y.example,", "duplicate-contact"),
]


@pytest.mark.parametrize(("name", "row", "code"), ROW_ERRORS, ids=[e[0] for e in ROW_ERRORS])
def test_a_bad_row_refuses_the_file_naming_the_row(loaded, tmp_path, name, row, code):
    path = tmp_path / "directory.csv"
    path.write_text(HEADER + GOOD + row + "\n", encoding="utf-8")
    before = snapshot(loaded)
    with pytest.raises(InputError) as caught, session_scope(loaded) as s:
        import_directory(s, path, now=LOADED_AT)
    (problem,) = caught.value.problems
    assert (problem.code, problem.path, problem.line) == (code, "row 5", 5)
    assert problem.file == str(path)
    assert snapshot(loaded) == before


FILE_ERRORS = [
    ("wrong header", "body,name,role,mail,phone\n" + GOOD, "directory.csv", "bad-header"),
    ("header only", HEADER, "directory.csv", "empty-file"),
    ("empty", "", "directory.csv", "empty-file"),
    ("not utf-8", (HEADER + "so-yte,Ngô Vân,focal,a@b.example,\n").encode("latin-1"), "directory.csv", "encoding"),
    ("wrong format", HEADER + GOOD, "directory.txt", "unsupported-format"),
    ("broken xlsx", b"PK\x03\x04 not really a zip", "directory.xlsx", "unreadable"),
]


@pytest.mark.parametrize(("name", "content", "filename", "code"), FILE_ERRORS, ids=[e[0] for e in FILE_ERRORS])
def test_a_malformed_file_is_refused_through_the_cli(env, tmp_path, name, content, filename, code):
    runner = CliRunner()
    assert runner.invoke(app, ["init"]).exit_code == 0
    path = tmp_path / filename
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    before = snapshot(env)
    result = runner.invoke(app, ["directory", "import", str(path)])
    assert result.exit_code == 1, result.output
    assert f"[{code}]" in result.output and filename in result.output
    assert snapshot(env) == before


def test_several_bad_rows_are_all_reported(loaded, tmp_path):
    path = tmp_path / "directory.csv"
    path.write_text(HEADER + "so-yte,A,focal,bad,\n" + GOOD + "so-q,B,focal,b@c.example,\n", encoding="utf-8")
    with pytest.raises(InputError) as caught, session_scope(loaded) as s:
        import_directory(s, path, now=LOADED_AT)
    assert [(p.code, p.line) for p in caught.value.problems] == [("invalid-email", 2), ("unknown-body", 6)]
