"""The shape of a plan catalog file. Field-level checks live here; cross-references in checks.py."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

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


class Reporting(Strict):
    # NĐ 09/2019 leaves the submission deadline to the body that sets the regime; 14th + 4 = 18th.
    days_after_cutoff: int = Field(4, ge=1, le=60)


class PlanSpec(Strict):
    code: Code
    title: Text
    number: Text | None = None  # số hiệu, e.g. "3742/KH-UBND"
    issued_on: dt.date | None = None
    implements: Text | None = None
    period: Period
    coordinating_body: Code
    leadership_body: Code
    reporting: Reporting = Reporting()


class BodySpec(Strict):
    code: Code
    name: Text
    short_name: Text | None = None
    kind: BodyKind
    parent: Code | None = None


class Due(Strict):
    """Exactly one rule: a fixed date (once), or days after the period's cut-off or start."""

    date: dt.date | None = None
    days_after_cutoff: int | None = Field(None, ge=0)
    days_after_start: int | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _exactly_one(self) -> Due:
        if sum(v is not None for v in (self.date, self.days_after_cutoff, self.days_after_start)) != 1:
            raise ValueError("give exactly one of date, days_after_cutoff, days_after_start")
        return self


class DutySpec(Strict):
    ref: Text
    source: Text  # where it stands in the plan, in Vietnamese, e.g. "Mục V, điểm 2, gạch đầu dòng 3"
    title: Text  # a short title for lists and task names
    text: Text  # the plan's words, verbatim
    bodies: list[Code] = Field(min_length=1)  # each gets its own assignment; group names expand
    cooperating: list[Code] = []
    cadence: Cadence
    due: Due | None = None  # default: the plan's reporting deadline after each period's cut-off
    nature: Nature = Nature.task
    evidence: list[EvidenceKind] = Field([EvidenceKind.file, EvidenceKind.reference], min_length=1)
    sensitive: bool = False  # personal data: accept a reference and aggregate figures only


class TargetSpec(Strict):
    ref: Text
    source: Text
    text: Text  # verbatim
    measure: Text  # what is counted
    unit: Unit
    threshold: float
    upper: float | None = None  # for a range such as "3 - 5%"
    per: MeasuredPer = MeasuredPer.plan
    deadline: dt.date
    reported_by: list[Code] = Field(min_length=1)


class Catalog(Strict):
    plan: PlanSpec
    bodies: list[BodySpec] = []
    groups: dict[Code, list[Code]] = {}
    duties: list[DutySpec] = Field(min_length=1)
    targets: list[TargetSpec] = []
