"""Confirmation with evidence and coordinator review: the same operations whichever door is used
(CLI, portal, the Prefect UI's run form).

The files themselves are received and checked in models/intake/uploads.py.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import event
from sqlmodel import Session, select

from models.db import get_or_refuse
from models.errors import EvidenceRefused
from models.intake.uploads import Upload
from models.operations.audit import CLI, By, record
from models.operations.org import stands_for
from models.rules.dates import check_typed_date
from models.tables.assignment import OPEN_STATES, Assignment, State
from models.tables.evidence import Evidence, EvidenceFile, TargetValue
from models.tables.org import Body
from models.tables.plan import Duty, Plan, Target
from models.types import local_date

# Bounds of a figure by its unit. The catalog gives no maximum per target (that would need a
# column): no count in such a plan (cases, inspections, districts) comes near a million.
MAX_COUNT = 1_000_000


def live_targets(session: Session, plan_id: int) -> list[Target]:
    return list(
        session.exec(
            select(Target).where(Target.plan_id == plan_id, Target.retired_revision.is_(None)).order_by(Target.position)
        )
    )


def reported_targets(session: Session, plan_id: int, body_code: str) -> list[Target]:
    """The targets whose figures this body reports (or a body it succeeded), with any duty's evidence."""
    codes = stands_for(session, body_code)
    return [t for t in live_targets(session, plan_id) if codes & set(t.reported_by)]


def check_values(
    session: Session, plan_id: int, body: Body, values: Mapping[str, float], bases: Mapping[str, float]
) -> list[tuple[Target, float, float | None]]:
    """The figures, each for a target the body reports: a count, or a rate's two counts (the
    numerator in `values`, the denominator in `bases`), so that several bodies' parts add up."""
    targets = {t.ref: t for t in live_targets(session, plan_id)}
    codes = stands_for(session, body.code)
    checked: list[tuple[Target, float, float | None]] = []
    for ref in bases.keys() - values.keys():
        raise EvidenceRefused(f"{ref}: có mẫu số mà không có tử số")
    for ref, value in values.items():
        target = targets.get(ref)
        if target is None:
            raise EvidenceRefused(f"không có chỉ tiêu '{ref}'")
        if not codes & set(target.reported_by):
            raise EvidenceRefused(f"{ref}: {body.label} không báo cáo chỉ tiêu này")
        base = bases.get(ref)
        check_figure(target, value, base)
        checked.append((target, value, base))
    return checked


def check_figure(target: Target, value: float, base: float | None = None) -> None:
    """Every figure is a count (a whole number from 0 to MAX_COUNT); a rate comes as two, the part
    no larger than the whole."""
    ref = target.ref
    rate = target.unit == "percent"
    if rate and base is None:
        raise EvidenceRefused(
            f"{ref}: tỷ lệ gửi bằng hai số: {target.numerator} (tử số) và {target.denominator} (mẫu số)"
        )
    if not rate and base is not None:
        raise EvidenceRefused(f"{ref}: chỉ tiêu này gửi một số, không có mẫu số")
    for what, number in (("tử số", value), ("mẫu số", base)) if rate else (("số liệu", value),):
        if not math.isfinite(number) or not (number.is_integer() and 0 <= number <= MAX_COUNT):
            raise EvidenceRefused(
                f"{ref}: {what} {number:g} không phải số lượng (số nguyên từ 0 đến {_grouped(MAX_COUNT)})"
            )
    if rate and not (base > 0 and value <= base):
        raise EvidenceRefused(f"{ref}: tử số {value:g} phải không lớn hơn mẫu số {base:g}, và mẫu số lớn hơn 0")


def _grouped(number: int) -> str:
    """1.000.000: thousands grouped the Vietnamese way."""
    return f"{number:,}".replace(",", ".")


class _TakeBackOnRollback:
    """The files kept for a transaction go if it ends without committing (a commit that fails, a
    refusal after confirm()): no file outlives its rows. Decided when the root transaction ends;
    a savepoint's commit or rollback inside it changes nothing."""

    def __init__(self, session: Session, uploads: list[Upload]):
        self.root, self.uploads, self.committed = session.get_transaction(), uploads, False
        event.listen(session, "after_commit", self._commit)
        event.listen(session, "after_transaction_end", self._end)

    def _commit(self, session: Session) -> None:
        if not session.in_nested_transaction():
            self.committed = True

    def _end(self, session: Session, transaction) -> None:
        if transaction is not self.root:
            return
        # Listeners cannot be removed while their event runs; this one is done with once the root ends.
        self.root = None
        if not self.committed:
            for upload in self.uploads:
                upload.take_back()


@dataclass(frozen=True)
class Submission:
    """What a focal point sends for an assignment, whichever the door: finished uploads, a document
    reference and its date, figures by target reference, a note; and who sent it, if known."""

    files: Sequence[Upload] = ()
    reference: str | None = None
    document_date: date | None = None
    values: Mapping[str, float] = field(default_factory=dict)  # a count, or a rate's numerator
    bases: Mapping[str, float] = field(default_factory=dict)  # a rate's denominator, by target reference
    note: str | None = None
    contact_id: int | None = None


def confirm(
    session: Session,
    assignment_id: int,
    sent: Submission,
    *,
    now: datetime,
    tz: ZoneInfo,
    date_margin_days: int,
    by: By = CLI,
) -> Evidence:
    """Record evidence for an open (or returned) assignment; it becomes submitted.

    The files are finished uploads: they are kept (renamed into the store) only once everything
    else is valid, and before any row, so a refusal stores nothing and a crash leaves no orphan row;
    if the transaction then fails, the files it brought are taken back. The caller discards them
    if this raises. A document's date lies within the plan's period widened by `date_margin_days`,
    and not after today.
    """
    a = get_or_refuse(session, Assignment, assignment_id, f"không có nhiệm vụ số {assignment_id}")
    if a.state not in OPEN_STATES:
        raise EvidenceRefused(f"nhiệm vụ {assignment_id} đang ở trạng thái {a.state}: không có gì để xác nhận")
    duty = session.get(Duty, a.duty_id)
    files, document_date = sent.files, sent.document_date
    if duty.sensitive and files:
        raise EvidenceRefused(
            "nhiệm vụ này liên quan đến dữ liệu cá nhân: chỉ ghi số hiệu văn bản và số liệu "
            "tổng hợp, không gửi tệp hay danh sách người"
        )
    reference, note = (sent.reference or "").strip() or None, (sent.note or "").strip() or None
    if not (files or reference or sent.values or note):
        raise EvidenceRefused("cần ít nhất một tệp, số hiệu văn bản, số liệu hoặc ghi chú")
    if document_date is not None:
        check_typed_date(
            session.get(Plan, duty.plan_id),
            document_date,
            label="Ngày văn bản",
            margin_days=date_margin_days,
            today=local_date(now, tz),
        )
    checked = check_values(session, duty.plan_id, session.get(Body, a.body_id), sent.values, sent.bases)
    _TakeBackOnRollback(session, list(files))  # before keeping: a keep() that fails midway is taken back too
    stored = [f.keep() for f in files]
    evidence = Evidence(
        assignment_id=a.id,
        contact_id=sent.contact_id,
        channel=by.channel,
        submitted_at=now,
        document_ref=reference,
        document_date=document_date,
        note=note,
    )
    session.add(evidence)
    session.flush()
    session.add_all(EvidenceFile(evidence_id=evidence.id, **vars(f)) for f in stored)
    session.add_all(TargetValue(evidence_id=evidence.id, target_id=t.id, value=v, base=b) for t, v, b in checked)
    a.state, a.submitted_at = State.submitted, now
    record(
        session,
        "assignment.submitted",
        "assignment",
        a.id,
        now=now,
        by=by,
        evidence=evidence.id,
        files=len(stored),
        figures=len(checked),
    )
    return evidence


@dataclass(frozen=True)
class Ruling:
    """A coordinator's decision on a submission or an extension request: yes (accept, approve) or
    no (return, refuse), with a comment, which a no must have."""

    yes: bool
    comment: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "comment", (self.comment or "").strip() or None)

    @property
    def unexplained(self) -> bool:
        return not self.yes and not self.comment


def review(
    session: Session, assignment_id: int, ruling: Ruling, *, now: datetime, by: By = CLI
) -> tuple[Assignment, Evidence]:
    """A coordinator accepts (done on time or late, by the submission time) or returns it."""
    a = get_or_refuse(session, Assignment, assignment_id, f"không có nhiệm vụ số {assignment_id}")
    if a.state != State.submitted:
        raise EvidenceRefused(f"nhiệm vụ {assignment_id} đang ở trạng thái {a.state}: chỉ xem xét bài đã nộp")
    if ruling.unexplained:
        raise EvidenceRefused("cần nêu lý do trả lại")
    evidence = session.exec(
        select(Evidence)
        .where(Evidence.assignment_id == a.id)
        .order_by(Evidence.submitted_at.desc(), Evidence.id.desc())
    ).first()
    assert evidence is not None  # a submitted assignment has its evidence
    evidence.review, evidence.review_comment = ("accepted" if ruling.yes else "returned"), ruling.comment
    a.reviewed_at = now
    if ruling.yes:
        a.state, a.completed_at = State.accepted, evidence.submitted_at
    else:
        a.state = State.returned
    what = f"assignment.{evidence.review}"
    record(session, what, "assignment", a.id, now=now, by=by, evidence=evidence.id, comment=ruling.comment)
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
    for v, t in session.exec(
        select(TargetValue, Target)
        .join(Target, Target.id == TargetValue.target_id)
        .where(TargetValue.evidence_id.in_(ids))
        .order_by(Target.position)
    ):
        values[v.evidence_id].append(
            {"ref": t.ref, "measure": t.measure, "unit": t.unit, "value": v.value, "base": v.base}
        )
    return [
        {
            "id": e.id,
            "submitted_at": e.submitted_at,
            "channel": e.channel,
            "reference": e.document_ref,
            "document_date": e.document_date,
            "note": e.note,
            "review": e.review,
            "comment": e.review_comment,
            "files": files[e.id],
            "values": values[e.id],
        }
        for e in rows
    ]
