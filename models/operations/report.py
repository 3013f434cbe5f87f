"""The consolidated report of a plan over a period, read from the database: what each body did
(status, the focal point's summary, evidence references, figures), the targets' progress from the
figures submitted, overdue and late items, difficulties raised in notes (models/rules/report.py
holds the shape; notifications/report renders it).

Periods are those of the plan's reports (NĐ 09/2019/NĐ-CP cut-offs): "2025-H1" the six-month
report, "2025" the yearly one (the December report covers the year), "2021-2025" (the plan's own
span) the final report over all its periods.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_
from sqlmodel import Session, select

from models.errors import NotFound, Refused
from models.operations.org import acting_body, predecessors
from models.operations.schedule import due_rule
from models.rules import indicators
from models.rules.calendar import WorkingCalendar
from models.rules.numbers import figure_vi
from models.rules.periods import half_year, year_period
from models.rules.report import BodySection, Figure, Line, PlanPart, Progress, Report
from models.rules.status import Status, classify
from models.tables.assignment import EFFECTIVE_DUE, Assignment
from models.tables.audit import AuditEntry
from models.tables.evidence import Evidence, EvidenceFile, TargetValue
from models.tables.org import Body
from models.tables.plan import Duty, Plan, Target
from models.types import local_date

# A paragraph of a note that raises a difficulty or asks for something begins with one of these
# words (the headings of that part of a Vietnamese report): it goes to the report's section on
# difficulties, the rest is the summary of what was done.
DIFFICULTY = re.compile(r"^[-–•*\s]*(khó khăn|vướng mắc|hạn chế|tồn tại|đề xuất|kiến nghị)", re.IGNORECASE)


Number = float | None


@dataclass(frozen=True)
class Window:
    """A report's period: its key, what officials call it, its cut-off dates, its kind."""

    key: str
    kind: str  # half, year, plan
    label: str
    start: date
    end: date

    def earlier(self, plan: Plan) -> list[Window]:
        """The trend, oldest first: the same kind of period in the plan's earlier years; for the
        plan's final report, each of its years."""
        if self.kind == "plan":
            return [window(str(y)) for y in range(plan.period_start.year, plan.period_end.year + 1)]
        years = range(plan.period_start.year, self.end.year)
        return [w for y in years if (w := _same_kind(self, y)).end >= plan.period_start]

    def year_before(self) -> Window:
        """What a change is measured against: the same period a year before (for the plan's final
        report, the year before its last)."""
        return _same_kind(self, self.end.year - 1)

    @property
    def quarters(self) -> int:
        return indicators.QUARTERS.get(self.kind) or 4 * (self.end.year - self.start.year + 1)


def _same_kind(w: Window, year: int) -> Window:
    return window(f"{year}-H1" if w.kind == "half" else str(year))  # the plan's: its years


def window(key: str, plan: Plan | None = None) -> Window:
    """ "2025-H1", "2025", or the plan's span "2021-2025" (also "plan")."""
    if plan is not None and key in ("plan", f"{plan.period_start.year}-{plan.period_end.year}"):
        span = f"{plan.period_start.year}-{plan.period_end.year}"
        return Window(span, "plan", f"giai đoạn {span}", plan.period_start, plan.period_end)
    if m := re.fullmatch(r"(\d{4})-H1", key):
        p = half_year(int(m.group(1)), 1)
        return Window(p.key, "half", f"6 tháng đầu năm {m.group(1)}", p.start, p.end)
    if re.fullmatch(r"\d{4}", key):
        p = year_period(int(key))
        return Window(p.key, "year", f"năm {key}", p.start, p.end)
    raise Refused(
        f"kỳ báo cáo '{key}' không hợp lệ: ghi YYYY-H1 (6 tháng đầu năm), YYYY (cả năm) "
        "hoặc giai đoạn của kế hoạch (ví dụ 2021-2025)"
    )


def build(
    session: Session,
    plan_code: str,
    period: str,
    *,
    now: datetime,
    tz: ZoneInfo,
    calendar: WorkingCalendar,
    abbreviation: str | None = None,
) -> Report:
    """The report of the plan (and its annual plans within the period) as of `now`."""
    plan = session.exec(select(Plan).where(Plan.code == plan_code)).first()
    if plan is None:
        raise NotFound(f"không có kế hoạch '{plan_code}'")
    w = window(period, plan)
    bodies = {b.id: b for b in session.exec(select(Body))}
    heirs = predecessors(session)
    children = session.exec(
        select(Plan).where(Plan.parent_id == plan.id, Plan.period_start <= w.end, Plan.period_end >= w.start)
    ).all()
    parts = [
        _part(session, p, w, bodies, heirs, now=now, tz=tz, calendar=calendar)
        for p in [plan, *sorted(children, key=lambda c: c.period_start)]
    ]
    issuer = bodies[acting_body(session, plan.coordinating_body_id, w.end)]
    leadership = bodies[plan.leadership_body_id]
    # The place of the date line: the province (or city) the leadership body is named after.
    place = re.search(r"(?:tỉnh|thành phố)\s+(.+)$", leadership.name)
    province = place.group(1) if place else leadership.name
    return Report(
        kind=w.kind,
        period_key=w.key,
        period_label=w.label,
        period_start=w.start,
        period_end=w.end,
        now=now.astimezone(tz),
        province=province,
        issuer=issuer.name,
        issuer_parent=leadership.name.replace("Ủy ban nhân dân", "UBND"),
        issuer_abbr=abbreviation or initials(issuer.name),
        recipient=leadership.name,
        target_groups=dict(plan.headings),
        plans=parts,
    )


def drafted_for(session: Session, code: str | None = None) -> list[Plan]:
    """The plans the report flow drafts for (or the one named among them): followed up, not a
    draft, and not an annual plan of another (its parent's report shows it)."""
    query = select(Plan).where(Plan.draft.is_(False), Plan.parent_id.is_(None))
    return list(session.exec((query.where(Plan.code == code) if code else query).order_by(Plan.code)))


def root_plans(session: Session) -> list[str]:
    """The codes of the plans that are not an annual plan of another: what a report is of."""
    return list(session.exec(select(Plan.code).where(Plan.parent_id.is_(None)).order_by(Plan.code)))


def drafting_days(session: Session, plan: Plan, calendar: WorkingCalendar) -> list[tuple[str, date]]:
    """The plan's reports and the day each is drafted: the working day after the bodies' deadline
    (the latest due date of the six-monthly duties of the bodies that report to the coordinating
    body, not of its own consolidation, V.1.5, which comes after; the December half is the year's
    report). The last one is also the day of the plan's final report."""
    duties = session.exec(
        select(Duty).where(
            Duty.plan_id == plan.id,
            Duty.cadence == "semiannual",
            Duty.body_id != plan.coordinating_body_id,
            Duty.retired_revision.is_(None),
        )
    ).all()
    out = []
    for year in range(plan.period_start.year, plan.period_end.year + 1):
        for half, key in ((1, f"{year}-H1"), (2, str(year))):
            period = half_year(year, half)
            dues = [
                due
                for d in duties
                if plan.period_start <= (due := due_rule(d, plan).nominal(period, calendar)) <= plan.period_end
            ]
            if dues:
                out.append((key, calendar.add_working_days(calendar.roll_forward(max(dues)), 1)))
    return out


def due_reports(session: Session, plan: Plan, today: date, calendar: WorkingCalendar) -> list[str]:
    """What to draft on `today`: the latest report whose drafting day has come, and the plan's final
    report once its last one has."""
    days = drafting_days(session, plan, calendar)
    come = [key for key, day in days if day <= today]
    if not come:
        return []
    final = [window("plan", plan).key] if come[-1] == days[-1][0] else []
    return [come[-1], *final]


def drafted(session: Session, plan_id: int, *, since: datetime, until: datetime) -> list[dict]:
    """The reports drafted for the plan in (since, until], newest first: what the coordinators'
    digest says is ready."""
    rows = session.exec(
        select(AuditEntry)
        .where(
            AuditEntry.action == "report.drafted",
            AuditEntry.entity == "plan",
            AuditEntry.entity_id == plan_id,
            AuditEntry.at > since,
            AuditEntry.at <= until,
        )
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    )
    return [{"at": r.at, **r.details} for r in rows]


def initials(name: str) -> str:
    """The usual abbreviation of a body in a document number: Sở Y tế -> SYT, Sở Lao động -
    Thương binh và Xã hội -> SLĐTBXH ("và" dropped). A setting overrides it."""
    return "".join(w[0].upper() for w in re.findall(r"\w+", name) if w.lower() != "và")


def _part(session, plan: Plan, w: Window, bodies, heirs, *, now, tz, calendar) -> PlanPart:
    today = local_date(now, tz)
    rows = session.exec(
        select(Assignment, Duty)
        .join(Duty, Duty.id == Assignment.duty_id)
        .where(Duty.plan_id == plan.id, Assignment.period_start <= today, _in(w))
        .order_by(Duty.position, Assignment.period_start, Assignment.id)
    ).all()
    notes = _evidence(session, [a.id for a, _ in rows], now)
    by_body: dict[tuple[int, bool], list[Line]] = defaultdict(list)
    for a, duty in rows:
        by_body[(a.body_id, duty.request)].append(_line(a, duty, bodies[a.body_id], notes.get(a.id), now, tz, calendar))
    sections = {
        (b, request): BodySection(bodies[b].code, bodies[b].name, bodies[b].active_until, lines)
        for (b, request), lines in by_body.items()
    }
    return PlanPart(
        code=plan.code,
        number=plan.number or "",
        title=plan.title,
        issued_on=plan.issued_on or plan.period_start,
        bodies=[s for (_, request), s in sections.items() if not request],
        requests=[s for (_, request), s in sections.items() if request],
        targets=_targets(session, plan, w, bodies, heirs, now),
    )


@dataclass(frozen=True)
class _Latest:
    """The latest submission of an assignment by the report's moment, as the report shows it."""

    evidence: Evidence
    files: list[str]
    figures: list[str]


def _evidence(session: Session, ids: list[int], now: datetime) -> dict[int, _Latest]:
    latest: dict[int, Evidence] = {}
    for e in session.exec(
        select(Evidence)
        .where(Evidence.assignment_id.in_(ids), Evidence.submitted_at <= now)
        .order_by(Evidence.submitted_at, Evidence.id)
    ):
        latest[e.assignment_id] = e
    chosen = [e.id for e in latest.values()]
    files, figures = defaultdict(list), defaultdict(list)
    for f in session.exec(select(EvidenceFile).where(EvidenceFile.evidence_id.in_(chosen)).order_by(EvidenceFile.id)):
        files[f.evidence_id].append(f.filename)
    # The columns only: a whole Target row decodes its reported_by list (hundreds of codes at
    # national scale) for every figure.
    for evidence_id, value, base, ref, unit in session.exec(
        select(TargetValue.evidence_id, TargetValue.value, TargetValue.base, Target.ref, Target.unit)
        .join(Target, Target.id == TargetValue.target_id)
        .where(TargetValue.evidence_id.in_(chosen))
        .order_by(Target.position)
    ):
        figures[evidence_id].append(f"{ref}: {figure_vi({'value': value, 'base': base, 'unit': unit})}")
    return {a: _Latest(e, files[e.id], figures[e.id]) for a, e in latest.items()}


def _line(a: Assignment, duty: Duty, body: Body, latest: _Latest | None, now, tz, calendar) -> Line:
    status = classify(a, now, tz)
    # Late: done late (until the accepted submission) or still undone past the due date (until now).
    until = {Status.done_late: a.completed_at, Status.overdue: now}.get(status)
    late = calendar.days_late(a.effective_due, local_date(until, tz)) if until else 0
    summary, difficulties, references = "", [], []
    if latest is not None:
        e = latest.evidence
        paragraphs = [p.strip() for p in re.split(r"\n+", e.note or "") if p.strip()]
        difficulties = [p for p in paragraphs if DIFFICULTY.match(p)]
        summary = " ".join(p for p in paragraphs if not DIFFICULTY.match(p))
        if e.document_ref:
            dated = f" ngày {e.document_date:%d/%m/%Y}" if e.document_date else ""
            references.append(f"{e.document_ref}{dated}")
        references += latest.files
    return Line(
        id=a.id,
        ref=duty.ref,
        title=duty.title,
        body=body.code,
        body_label=body.name,
        period=a.period,
        due=a.effective_due,
        due_basis=duty.due_basis,
        status=status,
        days_late=late,
        request=duty.request,
        submitted_at=latest.evidence.submitted_at if latest else None,
        summary=summary,
        references=references,
        figures=latest.figures if latest else [],
        difficulties=difficulties,
    )


def _in(w: Window):
    """In SQL: the item (a query over Assignment and Duty) belongs to the period: its own period
    ends within it (the December report of 2024 is the 2024 report's, though due in 2025), or, for
    a one-off duty (its period is the plan's), it falls due within it."""
    return or_(
        and_(Duty.cadence != "once", Assignment.period_end.between(w.start, w.end)),
        and_(Duty.cadence == "once", EFFECTIVE_DUE.between(w.start, w.end)),
    )


def _targets(session, plan: Plan, w: Window, bodies, heirs, now) -> list[Progress]:
    targets = session.exec(
        select(Target).where(Target.plan_id == plan.id, Target.retired_revision.is_(None)).order_by(Target.position)
    ).all()
    if not targets:
        return []
    earlier = w.earlier(plan)
    read: dict[str, dict[int, list[Figure]]] = {}
    standing: dict[str, dict[int, set[str]]] = {}

    def sent(x: Window) -> dict[int, list[Figure]]:
        """The figures sent for period `x`, per target: read once per period."""
        if x.key not in read:
            read[x.key] = _figures(session, plan, x, bodies, heirs, now)
        return read[x.key]

    def reporters(t: Target, x: Window) -> list[Body]:
        """The bodies that owe the target's figures for period `x`, in the organisation of its end."""
        if x.key not in standing:
            standing[x.key] = _standing(x, bodies, heirs)
        named = set(t.reported_by)
        return [bodies[b] for b, codes in standing[x.key].items() if codes & named]

    out = []
    for t in targets:
        figures, num, den, value = _measured(t, w, sent, reporters)
        need = indicators.required(t.threshold, t.unit, t.per, w.quarters)
        missing = any(f.missing for f in figures)
        out.append(
            Progress(
                ref=t.ref,
                group=".".join(t.ref.split(".")[:2]),
                text=t.text,
                measure=t.measure,
                unit=t.unit,
                threshold=t.threshold,
                upper=t.upper,
                per=t.per,
                combine=t.combine,
                numerator=t.numerator or t.measure,
                denominator=t.denominator,
                figures=figures,
                value=value,
                numerator_total=num,
                denominator_total=den,
                required=need,
                met=indicators.verdict(value, need, missing=missing, unit=t.unit, combine=t.combine),
                trend=[(x.label, _measured(t, x, sent, reporters)[3]) for x in earlier],
            )
        )
    return out


def _measured(
    t: Target,
    w: Window,
    sent: Callable[[Window], dict[int, list[Figure]]],
    reporters: Callable[[Target, Window], list[Body]],
) -> tuple[list[Figure], Number, Number, Number]:
    """The figures of every body that owes them in `w` (missing ones included), the province's
    numerator and denominator, and the value (a change: over the same period a year before)."""
    found = {f.body: f for f in sent(w).get(t.id, [])}
    figures = [found.get(b.code) or Figure(b.code, b.label) for b in reporters(t, w)]
    num, den = indicators.combined(figures, t.unit, t.combine)
    prior = None
    if t.unit == "percent-change":
        prior, _ = indicators.combined(sent(w.year_before()).get(t.id, []), "count", t.combine)
    return figures, num, den, indicators.value_of(t.unit, num, den, prior)


def _standing(w: Window, bodies: dict[int, Body], heirs) -> dict[int, set[str]]:
    """The bodies active at the period's end, each with the codes it reports for: its own and
    those of the bodies whose duties passed to it (a district's communes; Sở Y tế for Sở LĐ-TB&XH
    from 1/3/2025)."""
    return {
        b.id: {bodies[i].code for i in heirs[b.id] | {b.id}} for _, b in sorted(bodies.items()) if b.is_active(w.end)
    }


def _figures(session, plan: Plan, w: Window, bodies, heirs, now) -> dict[int, list[Figure]]:
    """Per target, each reporting body's latest figure sent for an item of the period (not
    returned), under the body that reports for it at the period's end."""
    reporter_of: dict[int, int] = {}
    for reporter in _standing(w, bodies, heirs):
        for origin in heirs[reporter] | {reporter}:
            reporter_of.setdefault(origin, reporter)
    latest: dict[tuple[int, int], tuple] = {}
    for row in session.exec(
        select(
            TargetValue.target_id,
            TargetValue.value,
            TargetValue.base,
            Evidence.document_ref,
            Evidence.review,
            Assignment.id,
            Assignment.body_id,
            Duty.ref,
        )
        .join(Evidence, Evidence.id == TargetValue.evidence_id)
        .join(Assignment, Assignment.id == Evidence.assignment_id)
        .join(Duty, Duty.id == Assignment.duty_id)
        .where(
            Duty.plan_id == plan.id,
            Evidence.submitted_at <= now,
            or_(Evidence.review.is_(None), Evidence.review != "returned"),
            _in(w),
        )
        .order_by(Evidence.submitted_at, Evidence.id)
    ):
        latest[(row[0], reporter_of.get(row[6], row[6]))] = row
    out: dict[int, list[Figure]] = defaultdict(list)
    for (target_id, reporter), (_, value, base, reference, review, item, _, ref) in latest.items():
        body = bodies[reporter]
        where = f"nhiệm vụ {ref} (mã {item})" + (f", văn bản {reference}" if reference else "")
        out[target_id].append(Figure(body.code, body.label, value, base, review == "accepted", where))
    return out
