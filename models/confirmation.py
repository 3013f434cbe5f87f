"""Confirmation with evidence and coordinator review: the same operations whichever door is used
(CLI, portal, the Prefect UI's run form)."""
from __future__ import annotations

import hashlib
import os
import tempfile
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


class EvidenceRefused(Refused):
    """The submission was refused as a whole; nothing was stored."""


def sniff(head: bytes) -> str | None:
    """The accepted type a file's first bytes show, whatever its name says."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"PK\x03\x04"):
        return "application/zip"  # DOCX and XLSX are zip containers; told apart by the name below
    return None


OFFICE = {".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
          ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    filename: str
    content_type: str


def store_file(source: Path, evidence_dir: Path, *, max_bytes: int = MAX_FILE_BYTES) -> StoredFile:
    """Copy a file under its SHA-256, checking size while reading and type by content.

    Written to a temporary file in the same folder, flushed to disk, then renamed: a crash leaves
    no half file under a real name.
    """
    evidence_dir.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    fd, tmp_name = tempfile.mkstemp(dir=evidence_dir, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
            head = src.read(8)
            kind = sniff(head)
            name = source.name
            if kind == "application/zip":
                kind = OFFICE.get(Path(name).suffix.lower())
            if kind is None:
                raise EvidenceRefused(f"{name}: not a PDF, DOCX, XLSX, JPG or PNG file (by its content)")
            chunk = head
            while chunk:
                size += len(chunk)
                if size > max_bytes:
                    raise EvidenceRefused(f"{name}: larger than {max_bytes // (1024 * 1024)} MB")
                digest.update(chunk)
                out.write(chunk)
                chunk = src.read(CHUNK)
            out.flush()
            os.fsync(out.fileno())
        target = evidence_dir / digest.hexdigest()
        os.replace(tmp_name, target)  # the same content twice is one file
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return StoredFile(digest.hexdigest(), size, name, kind)


def confirm(session: Session, assignment_id: int, *, now: datetime, evidence_dir: Path,
            files: list[Path] = (), reference: str | None = None, document_date: date | None = None,
            values: dict[str, float] | None = None, note: str | None = None, contact_id: int | None = None,
            actor: str = "cli", channel: str = "cli") -> Evidence:
    """Record evidence for an open (or returned) assignment; it becomes submitted."""
    a = session.get(Assignment, assignment_id)
    if a is None:
        raise LookupError(f"no assignment {assignment_id}")
    if a.state not in OPEN_STATES:
        raise EvidenceRefused(f"assignment {assignment_id} is {a.state}: nothing to confirm")
    duty = session.get(Duty, a.duty_id)
    if duty.sensitive and files:
        raise EvidenceRefused("this duty concerns personal data: give the document reference and "
                              "aggregate figures only, never files or lists of persons")
    if not (files or reference or values or note):
        raise EvidenceRefused("give at least a file, a document reference, figures or a note")
    targets = {t.ref: t for t in session.exec(select(Target).where(Target.plan_id == duty.plan_id,
                                                                   Target.retired_revision.is_(None)))}
    checked: list[tuple[Target, float]] = []
    for ref, value in (values or {}).items():
        target = targets.get(ref)
        if target is None:
            raise EvidenceRefused(f"unknown target '{ref}'")
        if target.unit == "percent" and not 0 <= value <= 100:
            raise EvidenceRefused(f"{ref}: {value:g} is not a percentage between 0 and 100")
        if target.unit == "count" and value < 0:
            raise EvidenceRefused(f"{ref}: a count cannot be negative")
        checked.append((target, value))
    stored = [store_file(path, evidence_dir) for path in files]  # before any row: no orphan row
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
           actor: str = "cli", channel: str = "cli") -> Assignment:
    """A coordinator accepts (done on time or late, by the submission time) or returns it."""
    a = session.get(Assignment, assignment_id)
    if a is None:
        raise LookupError(f"no assignment {assignment_id}")
    if a.state != State.submitted:
        raise EvidenceRefused(f"assignment {assignment_id} is {a.state}: only a submitted one is reviewed")
    if not accept and not comment:
        raise EvidenceRefused("say why it is returned")
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
    return a
