"""The consolidated report of a plan over a period, as plain data: what the DOCX, XLSX and HTML
renderers show, and what tests compare against. No I/O: models/operations/report.py fills it.

The report follows the organisation of its period: each body is named as it was then (a body that
ended in 2025 is reported under the name it had), and a figure is missing, never zero, when a body
that reports it sent nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from models.rules.status import Status, on_time_rate


@dataclass(frozen=True)
class Figure:
    """One reporting body's figure for one target in the period. `value` None: missing."""

    body: str  # code
    body_label: str  # the body's short name in the period (lists of figures name many bodies)
    value: float | None = None  # the count, or the numerator of a rate
    base: float | None = None  # the denominator of a rate
    reviewed: bool = False  # the submission carrying it was accepted by the coordinator
    source: str = ""  # where it came from: "nhiệm vụ V.BC, văn bản số 45/BC-SYT ngày 16/06/2025"

    @property
    def missing(self) -> bool:
        return self.value is None


@dataclass(frozen=True)
class Progress:
    """A section II target (chỉ tiêu) in the period: the province's value from the bodies'
    figures by the catalog's rule, against the threshold."""

    ref: str  # II.1.a.1
    group: str  # II.1
    text: str  # the plan's words
    measure: str  # what the value is
    unit: str  # percent, count, percent-change
    threshold: float
    upper: float | None  # a range "3 - 5%"
    per: str  # plan, year, quarter
    combine: str  # sum, max
    numerator: str  # what is counted
    denominator: str | None  # what it is a rate of (percent targets)
    figures: list[Figure]  # one per reporting body, missing ones included
    value: float | None  # None: no figure at all
    numerator_total: float | None = None
    denominator_total: float | None = None
    required: float | None = None  # the threshold over this period (a quarterly count over a half: 2)
    met: bool | None = None  # None: undecided, figures are missing
    trend: list[tuple[str, float | None]] = field(default_factory=list)  # earlier periods, oldest first

    @property
    def missing(self) -> list[Figure]:
        return [f for f in self.figures if f.missing]


@dataclass(frozen=True)
class Line:
    """One assignment of the period: a duty held by a body."""

    id: int
    ref: str  # V.6.1
    title: str
    body: str  # code of the body that held it
    body_label: str
    period: str  # 2025-H1
    due: date
    due_basis: str  # plan, law, coordinator: who set the date
    status: Status  # at the report's moment
    days_late: int  # working days past the due date (0 when not late)
    request: bool  # asked of a body the province does not direct
    submitted_at: datetime | None = None
    summary: str = ""  # the focal point's note, without its difficulties
    references: list[str] = field(default_factory=list)  # "45/BC-SYT ngày 16/06/2025", file names
    figures: list[str] = field(default_factory=list)  # "II.3.a.2b: 12/15"
    difficulties: list[str] = field(default_factory=list)  # paragraphs of the note that raise them


@dataclass(frozen=True)
class BodySection:
    """A body of section V and its lines in the period."""

    body: str
    body_label: str
    ended: date | None  # the body ended on this day (named as it was)
    lines: list[Line]

    @property
    def counts(self) -> dict[Status, int]:
        return {s: sum(ln.status == s for ln in self.lines) for s in Status}

    @property
    def on_time_rate(self) -> float | None:
        """Done on time over what fell due."""
        return on_time_rate(self.counts)


@dataclass(frozen=True)
class PlanPart:
    """A plan in the report: the plan itself, or one of its annual plans."""

    code: str
    number: str  # 3742/KH-UBND
    title: str
    issued_on: date
    bodies: list[BodySection]  # directed bodies, by the plan's order
    requests: list[BodySection]  # bodies the province does not direct, shown apart
    targets: list[Progress]


@dataclass(frozen=True)
class Report:
    kind: str  # half (six-month), year, plan (the whole plan's final report)
    period_key: str  # 2025-H1, 2025, 2021-2025
    period_label: str  # "6 tháng đầu năm 2025", "năm 2025", "giai đoạn 2021-2025"
    period_start: date  # the data cut-off period
    period_end: date
    now: datetime  # the moment the figures were read, in the plan's time zone (as every date shown)
    province: str  # "Lai Châu": the place line
    issuer: str  # the coordinating body, acting at the period's end: "Sở Y tế"
    issuer_parent: str  # its governing body: "UBND TỈNH LAI CHÂU"
    issuer_abbr: str  # for "Số: .../BC-SYT", a coordinator setting
    recipient: str  # "Ủy ban nhân dân tỉnh Lai Châu"
    target_groups: dict[str, str]  # II.1 -> the plan's heading of that group
    plans: list[PlanPart]  # the plan, then its annual plans in the period

    @property
    def plan(self) -> PlanPart:
        return self.plans[0]

    @property
    def targets(self) -> list[Progress]:
        """Every part's targets: the plan's, then its annual plans'."""
        return [t for p in self.plans for t in p.targets]

    @property
    def missing_figures(self) -> int:
        """How many figures the bodies still owe, over every target."""
        return sum(len(t.missing) for t in self.targets)

    @property
    def lines(self) -> list[Line]:
        return [ln for p in self.plans for s in (*p.bodies, *p.requests) for ln in s.lines]

    @property
    def overdue(self) -> list[Line]:
        """Unfinished past the due date, longest late first."""
        late = [ln for ln in self.lines if ln.status == Status.overdue]
        return sorted(late, key=lambda ln: (-ln.days_late, ln.ref, ln.body_label))

    @property
    def done_late(self) -> list[Line]:
        return [ln for ln in self.lines if ln.status == Status.done_late]

    @property
    def difficulties(self) -> list[tuple[Line, str]]:
        return [(ln, d) for ln in self.lines for d in ln.difficulties]
