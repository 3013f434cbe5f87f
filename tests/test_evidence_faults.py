"""Issue 10, "nothing lost, nobody let in": evidence and dates that must be refused, and files that
must not outlive a refusal or a failed transaction. Through the real portal and the real CLI, on
real SQLite files and a real PostgreSQL server."""

from __future__ import annotations

import hashlib
import io
import re
import struct
import zipfile
from datetime import date
from functools import cache
from urllib.parse import unquote

import pytest
from pydantic import ValidationError
from sqlalchemy import text
from sqlmodel import select

from cli import app
from config.settings import Settings, get_settings
from models.db import session_scope
from models.tables.assignment import Assignment, State
from models.tables.evidence import Evidence, EvidenceFile, TargetValue
from models.tables.extension import Extension
from tests.cli import cli, load_example, runner, status_rows
from tests.conftest import SQLITE_ONLY
from tests.dues import H1
from tests.portal import PDF

FOCAL = "daumoi@so-yte.dondoc.example"


# ---- sample files: real ones, made by the libraries that write them -------------------------


@cache
def real_pdf() -> bytes:
    """A real PDF (Pillow's writer), larger than the 1024-byte tail where %%EOF must be."""
    from PIL import Image

    out = io.BytesIO()
    Image.effect_noise((64, 64), 60).convert("RGB").save(out, "PDF")
    return out.getvalue()


@cache
def real_image(kind: str) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.effect_noise((64, 64), 60).convert("RGB").save(out, kind)
    return out.getvalue()


@cache
def real_docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("word/document.xml", '<?xml version="1.0"?><w:document>' + "báo cáo " * 400 + "</w:document>")
    return out.getvalue()


@cache
def real_xlsx() -> bytes:
    from openpyxl import Workbook

    book, out = Workbook(), io.BytesIO()
    book.active.append(["Chỉ tiêu", "Số liệu"])
    book.save(out)
    return out.getvalue()


COMPLETE = {
    "pdf": real_pdf,
    "jpg": lambda: real_image("JPEG"),
    "png": lambda: real_image("PNG"),
    "docx": real_docx,
    "xlsx": real_xlsx,
}


def truncated(kind: str) -> bytes:
    """The file as a source that ended mid-read leaves it: the first two thirds."""
    whole = COMPLETE[kind]()
    return whole[: len(whole) * 2 // 3]


@cache
def many_entries_docx(entries: int) -> bytes:
    """A DOCX in name (word/document.xml is there) holding `entries` more empty parts."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
        for i in range(entries):
            z.writestr(zipfile.ZipInfo(f"{i:x}"), b"")
    return out.getvalue()


def with_claimed_entries(zipped: bytes, claimed: int) -> bytes:
    """The same zip with its end record claiming `claimed` entries: the directory stays as large."""
    at = zipped.rfind(b"PK\x05\x06")
    return zipped[: at + 8] + struct.pack("<HH", claimed, claimed) + zipped[at + 12 :]


# ---- helpers ---------------------------------------------------------------------------------


def stored_names() -> list[str]:
    evidence = get_settings().evidence_dir
    return sorted(p.name for p in evidence.iterdir()) if evidence.exists() else []


def rows(model: type) -> list:
    with session_scope(get_settings().db_url) as s:
        return list(s.exec(select(model)))


def assignment_of(body: str, ref: str) -> int:
    return next(r["id"] for r in status_rows("2025-06-01", body) if r["ref"] == ref and r["due"] == H1.isoformat())


@pytest.fixture
def example(env):
    load_example("2025-06-30")


def assert_nothing_stored() -> None:
    assert stored_names() == []
    assert rows(Evidence) == [] and rows(EvidenceFile) == [] and rows(TargetValue) == []


# ---- 7: every date a user types is bounded ---------------------------------------------------


def test_dates_out_of_the_plan_are_refused_on_the_portal(portal):
    """The plan runs 12/11/2021-31/12/2025; with the default margin of 366 days an extension may
    go to 1/1/2027 and a document date back to 11/11/2020, but never after today (10/6/2025)."""
    url = portal.link(portal.assignment(), portal.contact_id(FOCAL))
    with portal.client() as c:
        csrf = portal.csrf(c.get(url).text)
        for due in ("9999-12-31", "2027-01-04"):
            r = c.post(f"{url}/extension", data={"csrf": csrf, "due": due, "reason": "Chờ số liệu"})
            assert r.status_code == 422 and "nằm ngoài khoảng cho phép" in r.text and "01/01/2027" in r.text
        for day, message in (
            ("9999-12-31", "nằm ngoài khoảng cho phép"),
            ("1900-01-01", "nằm ngoài khoảng cho phép"),
            ("2020-11-10", "11/11/2020"),
            ("2025-06-11", "chưa đến"),
        ):
            r = portal.submit(c, url, files=[("bao-cao.pdf", PDF)], reference="12/BC", document_date=day)
            assert r.status_code == 422 and message in r.text, (day, r.status_code)
        assert_nothing_stored_in(portal)
        assert portal.submit(c, url, files=[("bao-cao.pdf", PDF)], document_date="2025-06-10").status_code == 200
    with session_scope(portal.db) as s:
        assert [e.document_date for e in s.exec(select(Evidence))] == [date(2025, 6, 10)]
        assert s.exec(select(Extension)).all() == []


def assert_nothing_stored_in(portal) -> None:
    assert portal.evidence_dir_entries() == []
    with session_scope(portal.db) as s:
        assert s.exec(select(Evidence)).all() == [] and s.exec(select(Extension)).all() == []


def test_an_extension_to_9999_is_refused_by_the_cli(example):
    aid = str(assignment_of("so-yte", "V.6.1"))
    refused = cli(
        "extension", "request", aid, "--until", "9999-12-31", "--reason", "x", "--as-of", "2025-06-10", code=1
    )
    assert "nằm ngoài khoảng cho phép" in refused and "01/01/2027" in refused
    assert rows(Extension) == []
    assert "số 1" in cli("extension", "request", aid, "--until", "2026-12-31", "--reason", "x", "--as-of", "2025-06-10")


@SQLITE_ONLY
def test_the_date_margin_is_a_setting(example, monkeypatch):
    aid = str(assignment_of("so-yte", "V.6.1"))
    monkeypatch.setenv("DONDOC_DATE_MARGIN_DAYS", "0")
    get_settings.cache_clear()
    refused = cli(
        "extension", "request", aid, "--until", "2026-01-05", "--reason", "x", "--as-of", "2025-06-10", code=1
    )
    assert "31/12/2025" in refused
    assert "31/12/2025" in cli(
        "extension", "request", aid, "--until", "2025-12-31", "--reason", "x", "--as-of", "2025-06-10"
    )
    for bad in (-1, 100_000):
        with pytest.raises(ValidationError, match="date_margin_days"):
            Settings(date_margin_days=bad)


# ---- 11: no temporary file left when the CLI refuses a later file ----------------------------


def test_a_refused_second_file_leaves_no_temporary_copy_of_the_first(example, tmp_path):
    first, second = tmp_path / "a.pdf", tmp_path / "notes.txt"
    first.write_bytes(PDF)
    second.write_text("ghi chú, không phải PDF")
    refused = cli("confirm", str(assignment_of("so-yte", "V.6.1")), "--file", str(first), "--file", str(second), code=1)
    assert "notes.txt" in refused and "theo nội dung tệp" in refused
    assert_nothing_stored()


# ---- 12: a failed transaction takes back the files it stored ---------------------------------


def fail_the_submitted_audit_row(url: str) -> None:
    """A real trigger makes the insert of the `assignment.submitted` audit row fail, as a full disk would."""
    with session_scope(url) as s:
        if s.get_bind().dialect.name == "sqlite":
            s.exec(
                text(
                    "CREATE TRIGGER disk_full BEFORE INSERT ON auditentry "
                    "WHEN NEW.action = 'assignment.submitted' BEGIN SELECT RAISE(ABORT, 'disk full'); END"
                )
            )
        else:
            s.exec(
                text(
                    "CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$ BEGIN RAISE EXCEPTION 'disk full'; END $$"
                )
            )
            s.exec(
                text(
                    "CREATE TRIGGER disk_full BEFORE INSERT ON auditentry FOR EACH ROW "
                    "WHEN (NEW.action = 'assignment.submitted') EXECUTE FUNCTION disk_full()"
                )
            )


def sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def test_a_failed_commit_removes_the_files_it_stored_but_not_older_ones_cli(example, tmp_path):
    earlier, new = tmp_path / "bao-cao.pdf", tmp_path / "phu-luc.png"
    earlier.write_bytes(PDF)
    new.write_bytes(real_image("PNG"))
    cli("confirm", str(assignment_of("cong-an", "V.2.1")), "--file", str(earlier), "--as-of", "2025-06-10T09:00")
    assert stored_names() == [sha(PDF)]
    fail_the_submitted_audit_row(get_settings().db_url)
    failed = runner.invoke(
        app,
        [
            "confirm",
            str(assignment_of("so-yte", "V.6.1")),
            "--file",
            str(earlier),
            "--file",
            str(new),
            "--as-of",
            "2025-06-10T10:00",
        ],
    )
    assert failed.exit_code == 1 and "disk full" in str(failed.exception)
    assert stored_names() == [sha(PDF)]  # the new file went, the one an earlier row holds stayed
    assert len(rows(Evidence)) == len(rows(EvidenceFile)) == 1


def test_a_failed_commit_removes_the_files_it_stored_but_not_older_ones_portal(portal):
    earlier, new = PDF, real_image("JPEG")
    with portal.client() as c:
        url = portal.link(portal.assignment(body="cong-an", ref="V.2.1"))
        assert portal.submit(c, url, files=[("bao-cao.pdf", earlier)]).status_code == 200
        fail_the_submitted_audit_row(portal.db)
        url = portal.link(portal.assignment())
        r = portal.submit(c, url, files=[("bao-cao.pdf", earlier), ("anh.jpg", new)], note="x")
        assert r.status_code == 500
    assert [p.name for p in portal.evidence_dir_entries()] == [sha(earlier)]
    with session_scope(portal.db) as s:
        assert len(s.exec(select(Evidence)).all()) == len(s.exec(select(EvidenceFile)).all()) == 1


# ---- 13: an incomplete file is not evidence --------------------------------------------------


def test_truncated_files_are_refused_by_the_portal_and_the_link_still_works(portal):
    url = portal.link(portal.assignment(), portal.contact_id(FOCAL))
    with portal.client() as c:
        for kind in COMPLETE:
            r = portal.submit(c, url, files=[(f"bao-cao.{kind}", truncated(kind))], note="x")
            assert r.status_code == 422 and "tệp bị hỏng hoặc không đầy đủ" in r.text, (kind, r.status_code)
            assert portal.evidence_dir_entries() == []
        complete = [(f"bao-cao.{kind}", make()) for kind, make in COMPLETE.items()]
        assert portal.submit(c, url, files=complete, note="đủ").status_code == 200
    with session_scope(portal.db) as s:
        kept = {f.filename: f.content_type for f in s.exec(select(EvidenceFile))}
    assert sorted(kept) == sorted(name for name, _ in complete)


@SQLITE_ONLY
@pytest.mark.parametrize("kind", list(COMPLETE))
def test_truncated_files_are_refused_by_the_cli(example, tmp_path, kind):
    part = tmp_path / f"bao-cao.{kind}"
    part.write_bytes(truncated(kind))
    assert "tệp bị hỏng hoặc không đầy đủ" in cli(
        "confirm", str(assignment_of("so-yte", "V.6.1")), "--file", str(part), code=1
    )
    assert_nothing_stored()


# ---- 14: a zip's directory is sized up before it is read -------------------------------------


@SQLITE_ONLY
def test_a_zip_with_100000_entries_is_refused_from_its_end_record(portal):
    zipped = many_entries_docx(100_000)  # ~8 MB, its counts in a ZIP64 end record
    url = portal.link(portal.assignment())
    with portal.client() as c:
        r = portal.submit(c, url, files=[("bao-cao.docx", zipped)])
        assert r.status_code == 422 and "100001 mục" in r.text
        few = many_entries_docx(3_000)  # no ZIP64: the plain end record's count
        r = portal.submit(c, url, files=[("bao-cao.docx", few)])
        assert r.status_code == 422 and "3001 mục" in r.text
        lying = with_claimed_entries(few, 10)  # a directory far larger than 10 entries need
        r = portal.submit(c, url, files=[("bao-cao.docx", lying)])
        assert r.status_code == 422 and "tệp bị hỏng hoặc không đầy đủ" in r.text
        assert portal.evidence_dir_entries() == []
        assert portal.submit(c, url, files=[("bao-cao.docx", many_entries_docx(200))]).status_code == 200


# ---- 15: the stored name's extension follows the content -------------------------------------


@SQLITE_ONLY
def test_the_download_name_follows_the_type_found_inside(portal):
    sent = [
        ("bao-cao.html", real_pdf(), "bao-cao.pdf"),
        ("anh-chup", real_image("PNG"), "anh-chup.png"),
        ("anh.jpeg", real_image("JPEG"), "anh.jpeg"),
        ("anh.PNG", real_image("JPEG") + b"\0", "anh.jpg"),
        ("so-lieu v1.2", real_xlsx(), "so-lieu v1.2.xlsx"),
        ("Báo cáo.pdf", real_docx(), "Báo cáo.docx"),
    ]
    url = portal.link(portal.assignment())
    with portal.client() as c:
        assert portal.submit(c, url, files=[(name, content) for name, content, _ in sent]).status_code == 200
        with session_scope(portal.db) as s:
            files = s.exec(select(EvidenceFile).order_by(EvidenceFile.id)).all()
        assert [f.filename for f in files] == [expected for _, _, expected in sent]
        for f, (_, content, expected) in zip(files, sent, strict=True):
            r = c.get(f"{url}/files/{f.id}")
            assert r.status_code == 200 and r.content == content
            assert download_name(r.headers["content-disposition"]) == expected


def download_name(disposition: str) -> str:
    """The name in a Content-Disposition header, plain or RFC 5987 encoded (non-ASCII, spaces)."""
    if encoded := re.search(r"filename\*=utf-8''(\S+)", disposition):
        return unquote(encoded.group(1))
    return re.search(r'filename="([^"]*)"', disposition).group(1)


# ---- 16: figures only for the body's targets, within the measure's bounds ---------------------


def test_figures_are_checked_against_the_body_and_the_measure_on_the_portal(portal):
    health = portal.assignment()  # Sở Y tế
    url = portal.link(health, portal.contact_id(FOCAL))
    with portal.client() as c:
        page = c.get(url).text
        assert 'name="value.II.3.a.2b"' in page and 'name="value.II.1.a.1"' not in page
        assert 'name="base.II.3.a.2b"' in page  # a rate is sent as its two counts
        r = portal.submit(c, url, note="x", **{"value.II.1.a.1": "50"})  # the districts' target
        assert r.status_code == 422 and "II.1.a.1" in r.text and "không báo cáo chỉ tiêu này" in r.text
        labour = portal.link(portal.assignment(body="so-ldtbxh"))
        for figure, message in (("1e308", "1.000.000"), ("2,5", "số nguyên"), ("-1", "số nguyên")):
            r = portal.submit(c, labour, **{"value.II.4.a.1": figure})
            assert r.status_code == 422 and message in r.text, (figure, r.status_code)
        rate = {"value.II.4.a.1": "3", "value.II.3.a.2b": "16"}  # a numerator without its denominator
        r = portal.submit(c, labour, **rate)
        assert r.status_code == 422 and "tỷ lệ gửi bằng hai số" in r.text
        assert portal.submit(c, labour, **rate, **{"base.II.3.a.2b": "20"}).status_code == 200
    with session_scope(portal.db) as s:
        assert sorted((v.value, v.base) for v in s.exec(select(TargetValue))) == [(3, None), (16, 20)]
        assert s.get(Assignment, health).state == State.open


def test_figures_are_checked_against_the_body_and_the_measure_on_the_cli(example):
    # V.1.1 passed to Sở Y tế on 1/3/2025, with the figures Sở LĐ-TB&XH reported (II.4.a.1).
    health, labour = str(assignment_of("so-yte", "V.6.1")), str(assignment_of("so-yte", "V.1.1"))
    refused = cli("confirm", health, "--value", "II.1.a.1=50", code=1)
    assert "II.1.a.1" in refused and "không báo cáo chỉ tiêu này" in refused
    assert "1.000.000" in cli("confirm", labour, "--value", "II.4.a.1=1e308", code=1)
    assert "số nguyên" in cli("confirm", labour, "--value", "II.4.a.1=2.5", code=1)
    # A change ("tăng 3 - 5%") is sent as the count it changes; the report compares the years.
    assert "số nguyên" in cli("confirm", str(assignment_of("cong-an", "V.2.1")), "--value", "II.3.a.2a=-3", code=1)
    assert_nothing_stored()
    assert "chờ xem xét" in cli("confirm", labour, "--value", "II.4.a.1=3", "--value", "II.3.a.2b=17/20")
    assert sorted((v.value, v.base) for v in rows(TargetValue)) == [(3, None), (17, 20)]
