"""Confirmation with evidence and review from the CLI: stored safely, counted on time or late."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from sqlmodel import select

from models.db import session_scope
from models.tables.evidence import Evidence, EvidenceFile, TargetValue
from tests.cli import cli, status_rows
from tests.dues import H1

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def ready(env):
    cli("init")
    cli("schedule", "--until", "2025-06-30")
    rows = status_rows("2025-06-01", "so-yte")
    return next(r for r in rows if r["period"] == "2025-H1" and r["due"] == H1.isoformat())


def status_of(assignment_id: int, as_of: str) -> str:
    rows = status_rows(as_of)
    return next(r["status"] for r in rows if r["id"] == assignment_id)


def test_confirm_return_resubmit_accept(ready, tmp_path):
    report = tmp_path / "bao-cao.pdf"
    report.write_bytes(PDF)
    aid = str(ready["id"])
    assert "chờ xem xét" in cli(
        "confirm",
        aid,
        "--file",
        str(report),
        "--reference",
        "123/BC-SYT ngày 15/6/2025",
        "--value",
        "II.3.a.2b=17/20",
        "--note",
        "<script>x</script>",
        "--as-of",
        "2025-06-16T10:00",
    )
    assert status_of(ready["id"], "2025-06-17") == "submitted"
    cli("review", aid, "--return", "Thiếu số liệu", "--as-of", "2025-06-17T09:00")
    assert status_of(ready["id"], "2025-06-17T12:00") == "returned"
    cli("confirm", aid, "--reference", "130/BC-SYT", "--as-of", "2025-06-20T10:00")  # after the due date
    assert "Hoàn thành quá hạn" in cli("review", aid, "--accept", "--as-of", "2025-06-21T08:00")
    assert status_of(ready["id"], "2025-06-22") == "done_late"
    stored = Path(os.environ["DONDOC_HOME"]) / "evidence" / hashlib.sha256(PDF).hexdigest()
    assert stored.read_bytes() == PDF
    with session_scope(os.environ["DONDOC_DATABASE_URL"]) as s:
        first, second = s.exec(select(Evidence).order_by(Evidence.id)).all()
        (f,) = s.exec(select(EvidenceFile)).all()
        (v,) = s.exec(select(TargetValue)).all()
    assert (first.review, first.review_comment, second.review) == ("returned", "Thiếu số liệu", "accepted")
    assert (f.filename, f.content_type, f.size) == ("bao-cao.pdf", "application/pdf", len(PDF))
    assert (v.value, v.base) == (17, 20) and first.note == "<script>x</script>"


def test_accept_on_time(ready):
    aid = str(ready["id"])
    cli("confirm", aid, "--reference", "1/BC", "--as-of", f"{H1}T23:00")  # the whole due day counts
    cli("review", aid, "--accept", "--as-of", "2025-06-25T08:00")
    assert status_of(ready["id"], "2025-06-26") == "done_on_time"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--value", "II.3.a.2b=21/20"], "không lớn hơn mẫu số"),
        (["--value", "II.3.a.2b=85"], "tỷ lệ gửi bằng hai số"),
        (["--value", "II.3.a.2b=2.5/20"], "không phải số lượng"),
        (["--value", "II.9=1"], "không có chỉ tiêu"),
        (["--value", "II.3.a.2b"], "TARGET_REF=NUMBER"),
        ([], "cần ít nhất một tệp"),
    ],
)
def test_bad_evidence_is_refused_and_nothing_is_stored(ready, args, message):
    output = cli("confirm", str(ready["id"]), *args, code=2 if "NUMBER" in message else 1)
    assert message in output
    assert status_of(ready["id"], "2025-06-17") == "open"
    assert not (Path(os.environ["DONDOC_HOME"]) / "evidence").exists() or not any(
        (Path(os.environ["DONDOC_HOME"]) / "evidence").iterdir()
    )


def test_an_html_file_named_pdf_is_refused(ready, tmp_path):
    fake = tmp_path / "report.pdf"
    fake.write_text("<html><script>alert(1)</script></html>")
    assert "theo nội dung tệp" in cli("confirm", str(ready["id"]), "--file", str(fake), code=1)
    evidence = Path(os.environ["DONDOC_HOME"]) / "evidence"
    assert not evidence.exists() or list(evidence.iterdir()) == []  # no temporary file left


def test_a_sensitive_duty_takes_no_files(env, tmp_path):
    cli("init")
    cli("schedule", "--until", "2025-06-30")
    rows = status_rows("2025-06-01", "cong-an")
    police = next(r for r in rows if r["ref"] == "V.2.3")
    report = tmp_path / "danh-sach.pdf"
    report.write_bytes(PDF)
    assert "không gửi tệp" in cli("confirm", str(police["id"]), "--file", str(report), code=1)
    assert "chờ xem xét" in cli(
        "confirm",
        str(police["id"]),
        "--reference",
        "45/CAT-PV01",
        "--value",
        "II.3.a.1=14/14",
        "--as-of",
        "2025-06-16T10:00",
    )
    assert status_of(police["id"], "2025-06-17") == "submitted"
