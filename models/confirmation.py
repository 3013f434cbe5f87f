"""Confirmation with evidence and coordinator review: the same operations whichever door is used
(CLI, portal, the Prefect UI's run form)."""
from __future__ import annotations

import hashlib
import math
import os
import re
import tempfile
import time
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlmodel import Session, select

from models.assignment import Assignment, State
from models.audit import record
from models.catalog.errors import Refused
from models.evidence import Evidence, EvidenceFile, TargetValue
from models.plan import Duty, Target
from models.policy import OPEN_STATES

MAX_FILE_BYTES = 20 * 1024 * 1024
CHUNK = 1024 * 1024
HEAD = 8  # bytes needed to tell the accepted types apart


class EvidenceRefused(Refused):
    """The submission was refused as a whole; nothing was stored."""


class TooLarge(EvidenceRefused):
    pass


def sniff(head: bytes) -> str | None:
    """The accepted type a file's first bytes show, whatever its name says."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"PK\x03\x04"):
        return "application/zip"  # DOCX and XLSX are zip containers: told apart by what they hold
    return None


# The part every DOCX and XLSX holds, by which an office file is told from any other zip.
OFFICE = {"word/document.xml": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
          "xl/workbook.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def clean_filename(name: str | None) -> str:
    """The client's name for a file, safe to show and to put in a header: its last path part,
    NFC (Vietnamese typed on a Mac arrives decomposed), without control characters, bounded."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    return name[:200] or "tep-dinh-kem"


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    filename: str
    content_type: str


class Upload:
    """One file received chunk by chunk into a temporary file beside the evidence store.

    The size limit is checked on every chunk, so nothing larger is ever held or written; the type
    is checked from the first bytes. `keep()` renames it to its SHA-256 after an fsync, so a crash
    leaves no half file under a real name; `discard()` removes it.
    """

    def __init__(self, evidence_dir: Path, filename: str | None, *, max_bytes: int = MAX_FILE_BYTES):
        evidence_dir.mkdir(parents=True, exist_ok=True)
        self.dir, self.filename, self.max_bytes = evidence_dir, clean_filename(filename), max_bytes
        fd, self._tmp = tempfile.mkstemp(dir=evidence_dir, prefix=".upload-")
        self._out = os.fdopen(fd, "wb")
        self._digest, self.size, self._head = hashlib.sha256(), 0, b""
        self.content_type: str | None = None

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise TooLarge(f"{self.filename}: lớn hơn {self.max_bytes // (1024 * 1024)} MB")
        if self.content_type is None and len(self._head) < HEAD:
            self._head += chunk[:HEAD]
            if len(self._head) >= HEAD:
                self._check_type()
        self._digest.update(chunk)
        self._out.write(chunk)

    def _check_type(self) -> None:
        self.content_type = sniff(self._head)
        if self.content_type is None:
            raise EvidenceRefused(f"{self.filename}: không phải tệp PDF, DOCX, XLSX, JPG hay PNG (theo nội dung tệp)")

    def finish(self) -> Upload:
        """The whole file is in: check what could not be checked chunk by chunk, flush to disk."""
        if self.content_type is None:
            self._check_type()  # shorter than HEAD bytes
        self._out.flush()
        os.fsync(self._out.fileno())
        self._out.close()
        if self.content_type == "application/zip":
            self.content_type = self._office_type()
        return self

    def _office_type(self) -> str:
        try:
            with zipfile.ZipFile(self._tmp) as z:
                names = set(z.namelist())
        except zipfile.BadZipFile:
            names = set()
        for part, kind in OFFICE.items():
            if part in names:
                return kind
        raise EvidenceRefused(f"{self.filename}: tệp nén không phải văn bản DOCX hay bảng tính XLSX")

    def keep(self) -> StoredFile:
        sha = self._digest.hexdigest()
        os.replace(self._tmp, self.dir / sha)  # the same content twice is one file
        return StoredFile(sha, self.size, self.filename, self.content_type)

    def discard(self) -> None:
        self._out.close()
        Path(self._tmp).unlink(missing_ok=True)


def remove_stale_uploads(evidence_dir: Path, *, older_than_s: float = 24 * 3600) -> int:
    """Temporary files a crash left mid-upload (never under a real name): removed at start-up."""
    if not evidence_dir.exists():
        return 0
    cutoff, removed = time.time() - older_than_s, 0
    for tmp in evidence_dir.glob(".upload-*"):
        if tmp.stat().st_mtime < cutoff:
            tmp.unlink(missing_ok=True)
            removed += 1
    return removed


def receive_file(source: Path, evidence_dir: Path, *, max_bytes: int = MAX_FILE_BYTES) -> Upload:
    """An Upload of a local file (the CLI's door), checked as the portal checks a request's."""
    upload = Upload(evidence_dir, source.name, max_bytes=max_bytes)
    try:
        with open(source, "rb") as src:
            while chunk := src.read(CHUNK):
                upload.write(chunk)
        return upload.finish()
    except BaseException:
        upload.discard()
        raise


def check_values(session: Session, plan_id: int, values: dict[str, float]) -> list[tuple[Target, float]]:
    """The figures, each against its target: a percentage within 0-100, a count not negative."""
    targets = {t.ref: t for t in session.exec(select(Target).where(Target.plan_id == plan_id,
                                                                   Target.retired_revision.is_(None)))}
    checked: list[tuple[Target, float]] = []
    for ref, value in values.items():
        target = targets.get(ref)
        if target is None:
            raise EvidenceRefused(f"không có chỉ tiêu '{ref}'")
        if not math.isfinite(value):
            raise EvidenceRefused(f"{ref}: không phải một số")
        if target.unit == "percent" and not 0 <= value <= 100:
            raise EvidenceRefused(f"{ref}: {value:g} không phải tỷ lệ phần trăm từ 0 đến 100")
        if target.unit == "count" and value < 0:
            raise EvidenceRefused(f"{ref}: số lượng không thể âm")
        checked.append((target, value))
    return checked


def confirm(session: Session, assignment_id: int, *, now: datetime, files: list[Upload] = (),
            reference: str | None = None, document_date: date | None = None, values: dict[str, float] | None = None,
            note: str | None = None, contact_id: int | None = None, actor: str = "cli",
            channel: str = "cli") -> Evidence:
    """Record evidence for an open (or returned) assignment; it becomes submitted.

    `files` are finished uploads: they are kept (renamed into the store) only once everything
    else is valid, and before any row, so a refusal stores nothing and a crash leaves no orphan row.
    The caller discards them if this raises.
    """
    a = session.get(Assignment, assignment_id)
    if a is None:
        raise LookupError(f"no assignment {assignment_id}")
    if a.state not in OPEN_STATES:
        raise EvidenceRefused(f"nhiệm vụ {assignment_id} đang ở trạng thái {a.state}: không có gì để xác nhận")
    duty = session.get(Duty, a.duty_id)
    if duty.sensitive and files:
        raise EvidenceRefused("nhiệm vụ này liên quan đến dữ liệu cá nhân: chỉ ghi số hiệu văn bản và số liệu "
                              "tổng hợp, không gửi tệp hay danh sách người")
    reference, note = (reference or "").strip() or None, (note or "").strip() or None
    if not (files or reference or values or note):
        raise EvidenceRefused("cần ít nhất một tệp, số hiệu văn bản, số liệu hoặc ghi chú")
    checked = check_values(session, duty.plan_id, values or {})
    stored = [f.keep() for f in files]
    evidence = Evidence(assignment_id=a.id, contact_id=contact_id, channel=channel, submitted_at=now,
                        document_ref=reference, document_date=document_date, note=note)
    session.add(evidence)
    session.flush()
    session.add_all(EvidenceFile(evidence_id=evidence.id, **vars(f)) for f in stored)
    session.add_all(TargetValue(evidence_id=evidence.id, target_id=t.id, value=v) for t, v in checked)
    a.state, a.submitted_at = State.submitted, now
    record(session, now=now, actor=actor, channel=channel, action="assignment.submitted", entity="assignment",
           entity_id=a.id, evidence=evidence.id, files=len(stored), figures=len(checked))
    return evidence


def review(session: Session, assignment_id: int, *, now: datetime, accept: bool, comment: str | None = None,
           actor: str = "cli", channel: str = "cli") -> tuple[Assignment, Evidence]:
    """A coordinator accepts (done on time or late, by the submission time) or returns it."""
    a = session.get(Assignment, assignment_id)
    if a is None:
        raise LookupError(f"no assignment {assignment_id}")
    if a.state != State.submitted:
        raise EvidenceRefused(f"nhiệm vụ {assignment_id} đang ở trạng thái {a.state}: chỉ xem xét bài đã nộp")
    comment = (comment or "").strip() or None
    if not accept and not comment:
        raise EvidenceRefused("cần nêu lý do trả lại")
    evidence = session.exec(select(Evidence).where(Evidence.assignment_id == a.id)
                            .order_by(Evidence.submitted_at.desc(), Evidence.id.desc())).first()
    evidence.review, evidence.review_comment = ("accepted" if accept else "returned"), comment
    a.reviewed_at = now
    if accept:
        a.state, a.completed_at = State.accepted, evidence.submitted_at
    else:
        a.state = State.returned
    record(session, now=now, actor=actor, channel=channel, action=f"assignment.{evidence.review}",
           entity="assignment", entity_id=a.id, evidence=evidence.id, comment=comment)
    return a, evidence


def submissions(session: Session, assignment_id: int, *, evidence_id: int | None = None) -> list[dict]:
    """Earlier submissions of an assignment, newest first (or just `evidence_id`), as plain data
    for the page, the receipt and the review."""
    query = select(Evidence).where(Evidence.assignment_id == assignment_id)
    if evidence_id is not None:
        query = query.where(Evidence.id == evidence_id)
    rows = session.exec(query.order_by(Evidence.submitted_at.desc(), Evidence.id.desc())).all()
    ids = [e.id for e in rows]
    files: dict[int, list] = {i: [] for i in ids}
    values: dict[int, list] = {i: [] for i in ids}
    for f in session.exec(select(EvidenceFile).where(EvidenceFile.evidence_id.in_(ids)).order_by(EvidenceFile.id)):
        files[f.evidence_id].append({"id": f.id, "filename": f.filename, "size": f.size})
    for v, t in session.exec(select(TargetValue, Target).join(Target, Target.id == TargetValue.target_id)
                             .where(TargetValue.evidence_id.in_(ids)).order_by(Target.position)):
        values[v.evidence_id].append({"ref": t.ref, "measure": t.measure, "unit": t.unit, "value": v.value})
    return [{"id": e.id, "submitted_at": e.submitted_at, "channel": e.channel, "reference": e.document_ref,
             "document_date": e.document_date, "note": e.note, "review": e.review, "comment": e.review_comment,
             "files": files[e.id], "values": values[e.id]} for e in rows]
