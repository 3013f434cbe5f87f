"""Directory import: CSV (with or without BOM) and XLSX; every bad row named; all or nothing. A
coordinator's password, piped or typed on a terminal."""

from __future__ import annotations

import json
import os
import pty
import selectors
import subprocess
import sys
import time
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from openpyxl import Workbook
from sqlmodel import select
from typer.testing import CliRunner

from cli import app
from config import CONFIG_DIR
from config.settings import get_settings
from models.db import session_scope
from models.errors import InputError
from models.operations.directory import import_directory
from models.tables.audit import AuditEntry
from models.tables.org import Body, Contact
from tests.cli import cli
from tests.conftest import LOADED_AT
from tests.test_catalog_errors import snapshot

ROOT = Path(__file__).resolve().parents[1]
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


def test_an_optional_position_column_gives_the_title_letters_use(loaded, tmp_path):
    from notifications.context import reader

    path = tmp_path / "directory.csv"
    path.write_text(
        "body,name,role,email,phone,position\n"
        "so-yte,Trần Văn Hùng,head,thutruong@so-yte.dondoc.example,,Giám đốc Sở Y tế\n"
        "so-yte,Nguyễn Thị Lan,focal,lan@so-yte.dondoc.example,,\n",
        encoding="utf-8",
    )
    with session_scope(loaded) as s:
        import_directory(s, path, now=LOADED_AT)
    found = contacts(loaded)
    head, lan = found[("so-yte", "head", "Trần Văn Hùng")], found[("so-yte", "focal", "Nguyễn Thị Lan")]
    assert (head.position, lan.position) == ("Giám đốc Sở Y tế", None)
    with session_scope(loaded) as s:
        assert reader(s, head)["addressee"] == "Đồng chí Trần Văn Hùng, Giám đốc Sở Y tế"
        assert reader(s, lan)["addressee"] == "Đồng chí Nguyễn Thị Lan, cán bộ đầu mối của Sở Y tế"  # by role


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


COORDINATOR = "daumoi@so-ldtbxh.dondoc.example"
PASSWORD = "mật-khẩu-đủ-dài-2025"


@pytest.fixture
def directory(env, monkeypatch) -> str:
    """The example directory, its plan coordinated by Sở LĐ-TB&XH whatever the day (the CLI reads the
    real clock): the plan's own bodies, not the 2025 reorganisation."""
    monkeypatch.setenv("DONDOC_ORGANISATION_FILE", "")
    get_settings.cache_clear()
    cli("init")
    cli("directory", "import", str(CONFIG_DIR / "directory.example.csv"))
    return env


def _password_hash(url: str) -> str | None:
    with session_scope(url) as s:
        return s.exec(select(Contact.password_hash).where(Contact.email == COORDINATOR)).one()


def test_a_password_piped_on_one_line_is_set(directory):
    """A script or a secret manager pipes the password once: one line, its newline not part of it."""
    assert "Đã đặt mật khẩu" in cli("directory", "password", COORDINATOR, input=f"{PASSWORD}\n")
    stored = _password_hash(directory)
    assert PasswordHasher().verify(stored, PASSWORD)
    with pytest.raises(VerificationError):
        PasswordHasher().verify(stored, f"{PASSWORD}\n")


def test_the_help_does_not_call_the_asked_for_password_required():
    result = CliRunner().invoke(app, ["directory", "password", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    (option,) = [line for line in result.stdout.splitlines() if "--password" in line]
    assert "required" not in option and "stdin" in option


def _on_a_terminal(args: list[str], answers: list[tuple[str, str]], timeout: float = 30) -> tuple[int, str]:
    """`dondoc args` with a pseudo-terminal for stdin and stdout, typing each answer once its prompt
    shows; its exit code and what the terminal showed."""
    main, child = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-c", "from cli import app; app(prog_name='dondoc')", *args],
        stdin=child,
        stdout=child,
        stderr=child,
        cwd=ROOT,
        env={**os.environ, "COLUMNS": "200"},
    )
    os.close(child)
    terminal = selectors.DefaultSelector()
    terminal.register(main, selectors.EVENT_READ)
    received, shown, seen, deadline = b"", "", 0, time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            # The prompt's last space comes once echo is off and typed-ahead input flushed.
            if answers and (found := shown.find(answers[0][0] + ": ", seen)) >= 0:
                seen = found + len(answers[0][0])
                os.write(main, f"{answers.pop(0)[1]}\n".encode())
            if not terminal.select(0.2):
                continue
            try:
                chunk = os.read(main, 4096)
            except OSError:  # the command ended and closed the terminal
                break
            if not chunk:
                break
            received += chunk
            shown = received.decode(errors="replace")  # whole: a read may end inside a character
        else:
            proc.kill()  # a prompt that never came
        return proc.wait(timeout=10), shown
    finally:
        terminal.close()
        os.close(main)
        if proc.poll() is None:
            proc.kill()


def test_on_a_terminal_the_password_is_asked_twice_in_vietnamese(directory):
    args = ["directory", "password", COORDINATOR]
    code, shown = _on_a_terminal(args, [("Mật khẩu", PASSWORD), ("Nhập lại mật khẩu", "another-password-2025")])
    assert code == 1 and "không khớp" in shown, shown
    assert _password_hash(directory) is None
    code, shown = _on_a_terminal(args, [("Mật khẩu", PASSWORD), ("Nhập lại mật khẩu", PASSWORD)])
    assert code == 0 and "Đã đặt mật khẩu" in shown, shown
    assert PASSWORD not in shown  # typed unseen
    assert PasswordHasher().verify(_password_hash(directory), PASSWORD)
