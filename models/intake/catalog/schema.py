"""The shape of a plan catalog file. Field-level checks live here; cross-references in checks.py."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

Code = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=40)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BodyKind(StrEnum):
    leadership = "leadership"  # UBND tỉnh: the plan's issuer, receives reports and escalations
    department = "department"  # sở, ban, ngành
    police = "police"
    military = "military"
    press = "press"
    judiciary = "judiciary"
    district = "district"  # UBND huyện/thành phố (abolished 1/7/2025)
    commune = "commune"
    front = "front"  # Mặt trận Tổ quốc
    mass_org = "mass-org"  # hội, đoàn thể
    other = "other"


class Cadence(StrEnum):
    once = "once"
    quarterly = "quarterly"
    semiannual = "semiannual"
    annual = "annual"


class Nature(StrEnum):
    task = "task"  # a deliverable of its own
    continuous = "continuous"  # "thường xuyên", "tăng cường": followed through the body's 6-month report
    report = "report"  # the periodic report itself


class EvidenceKind(StrEnum):
    file = "file"  # an uploaded document (PDF, DOCX, XLSX, image)
    reference = "reference"  # số hiệu and ngày of an official document
    figures = "figures"  # values for the plan's targets
    note = "note"


class Unit(StrEnum):
    percent = "percent"
    count = "count"  # type: ignore[assignment]  # the catalog's word, though it shadows str.count
    percent_change = "percent-change"  # year-on-year change, may be negative or above 100


class MeasuredPer(StrEnum):
    quarter = "quarter"
    year = "year"
    plan = "plan"  # by the end of the plan period


class Period(Strict):
    start: dt.date
    end: dt.date


class DueBasis(StrEnum):
    """Who set a due date (models/rules/basis.py says it the way an official reads it)."""

    plan = "plan"  # the plan's text sets it: `source` quotes the clause, verbatim
    law = "law"  # a regulation sets it: `source` names it (number, article)
    coordinator = "coordinator"  # the coordinating body sets it where the plan sets none: `source` says why


class Based(Strict):
    """A due rule's basis and source. A `plan` or `law` basis without its source would show officials
    a date as the plan's or the law's on nobody's word: refused."""

    basis: DueBasis
    source: str = Field("", validate_default=True)

    @field_validator("source")
    @classmethod
    def _sourced(cls, source: str, info: ValidationInfo) -> str:
        source = " ".join(source.split())
        basis = info.data.get("basis")
        if basis == DueBasis.plan and not source:
            raise PydanticCustomError("missing-basis-source", "a 'plan' basis needs its source: the clause, quoted")
        if basis == DueBasis.law and not source:
            raise PydanticCustomError("missing-basis-source", "a 'law' basis needs its source: the regulation, named")
        return source


def _one_rule(rule: BaseModel, keys: tuple[str, ...]) -> None:
    if sum(getattr(rule, k) is not None for k in keys) != 1:
        raise ValueError(f"give exactly one of {', '.join(keys)}")


class Reporting(Based):
    """The plan's default due rule: for every recurring duty without its own `due` (the periodic
    reports, the ongoing duties followed through them). NĐ 09/2019 sets the cut-off (the 14th of the
    period's last month), not the submission day: that is the regime's choice, hence a basis."""

    days_after_cutoff: int | None = Field(None, ge=1, le=60)
    working_days_after_cutoff: int | None = Field(None, ge=1, le=40)

    @model_validator(mode="after")
    def _exactly_one(self) -> Reporting:
        _one_rule(self, ("days_after_cutoff", "working_days_after_cutoff"))
        return self

    def as_rule(self) -> dict[str, Any]:
        return {
            "date": None,
            "days_after_cutoff": self.days_after_cutoff,
            "days_after_start": None,
            "working_days_after_cutoff": self.working_days_after_cutoff,
        }


class PlanSpec(Strict):
    code: Code
    title: Text
    number: Text | None = None  # số hiệu, e.g. "3742/KH-UBND"
    issued_on: dt.date | None = None
    implements: Text | None = None
    period: Period
    coordinating_body: Code
    leadership_body: Code
    reporting: Reporting | None = None  # needed as soon as a recurring duty has no `due` of its own
    # A plan's life: `draft` loads it without following it up; `closed_on` ends its follow-up from
    # that day (also `dondoc plan close`); `parent` is the code of the plan it implements.
    draft: bool = False
    closed_on: dt.date | None = None
    parent: Code | None = None
    # The plan's own headings of its target groups ("II.1": "Nâng cao hiệu quả ..."), verbatim: the
    # report groups the targets under them.
    headings: dict[Text, Text] = {}


class BodySpec(Strict):
    code: Code
    name: Text
    short_name: Text | None = None
    kind: BodyKind
    parent: Code | None = None


class Due(Based):
    """Exactly one rule: a fixed date (once), days after the period's cut-off or start, days before
    the cut-off (a day of the month every year, e.g. 20/11 = 24 days before the annual cut-off
    14/12, leap years or not), or working days after the cut-off (on the province's working
    calendar); and who set it (`basis`, `source`)."""

    date: dt.date | None = None
    days_after_cutoff: int | None = Field(None, ge=0)
    days_before_cutoff: int | None = Field(None, ge=1)
    days_after_start: int | None = Field(None, ge=0)
    working_days_after_cutoff: int | None = Field(None, ge=1)

    RULES: ClassVar[tuple[str, ...]] = (
        "date",
        "days_after_cutoff",
        "days_before_cutoff",
        "days_after_start",
        "working_days_after_cutoff",
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> Due:
        _one_rule(self, self.RULES)
        return self

    def as_rule(self) -> dict[str, Any]:
        """The rule as a duty row stores it: days before the cut-off are a negative offset after it."""
        after = -self.days_before_cutoff if self.days_before_cutoff is not None else self.days_after_cutoff
        return {
            "date": self.date,
            "days_after_cutoff": after,
            "days_after_start": self.days_after_start,
            "working_days_after_cutoff": self.working_days_after_cutoff,
        }


class DutySpec(Strict):
    ref: Text
    source: Text  # where it stands in the plan, in Vietnamese, e.g. "Mục V, điểm 2, gạch đầu dòng 3"
    title: Text  # a short title for lists and task names
    text: Text  # the plan's words, verbatim
    bodies: list[Code] = Field(min_length=1)  # each gets its own assignment; group names expand
    cooperating: list[Code] = []
    cadence: Cadence
    due: Due | None = None  # default: the plan's `reporting` rule, with its basis
    nature: Nature = Nature.task
    evidence: list[EvidenceKind] = Field([EvidenceKind.file, EvidenceKind.reference], min_length=1)
    sensitive: bool = False  # personal data: accept a reference and aggregate figures only
    # A request ("Đề nghị ...") to a body the province does not direct (the procuracy, the court,
    # the Front and mass organisations): asked, not ordered, and followed up with the coordinator.
    request: bool = False
    # The parent plan's duty this one carries out (its ref), for an annual plan under a five-year
    # one: shown with the duty, checked against the parent's catalog.
    implements: Text | None = None


class Combine(StrEnum):
    """How the province's value is made of the reporting bodies' figures."""

    sum = "sum"  # the bodies count apart (each its communes): add them up
    max = "max"  # they count the same things from different sides (joint inspections): the largest


class TargetSpec(Strict):
    ref: Text
    source: Text
    text: Text  # verbatim
    measure: Text  # what the value is: "Tỷ lệ ..." for a rate
    unit: Unit
    threshold: float
    upper: float | None = None  # for a range such as "3 - 5%"
    per: MeasuredPer = MeasuredPer.plan
    deadline: dt.date
    reported_by: list[Code] = Field(min_length=1)
    # What a body counts and sends: a rate is sent as its two counts (numerator/denominator), so
    # that the parts of several bodies add up; a change is sent as the count it changes.
    numerator: Text | None = None  # defaults to the measure, for a count
    denominator: Text | None = None  # what a rate is of: a percent target must say
    combine: Combine = Combine.sum
    implements: Text | None = None  # the parent plan's target this one contributes to (its ref)

    @model_validator(mode="after")
    def _parts(self) -> TargetSpec:
        if self.unit == Unit.percent and not self.denominator:
            raise ValueError("a percent target needs `denominator`: what the rate is of (e.g. Tổng số xã)")
        if self.unit != Unit.percent and self.denominator:
            raise ValueError(f"`denominator` is for a percent target; this one is {self.unit.value}")
        if self.unit != Unit.count and not self.numerator:
            raise ValueError("a rate or a change needs `numerator`: the count a body sends (e.g. Số xã ...)")
        return self


class Catalog(Strict):
    plan: PlanSpec
    bodies: list[BodySpec] = []
    groups: dict[Code, list[Code]] = {}
    duties: list[DutySpec] = Field(min_length=1)
    targets: list[TargetSpec] = []
