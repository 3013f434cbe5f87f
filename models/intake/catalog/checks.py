"""Cross-reference checks over validated catalog files: the errors pydantic cannot see alone."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from models.errors import Problem
from models.intake.catalog.schema import BodySpec, Cadence, Unit
from models.rules.periods import CADENCE_DAYS, DueRule, plan_periods

if TYPE_CHECKING:
    from models.intake.catalog.load import CatalogFile


def check_catalogs(files: list[CatalogFile]) -> list[Problem]:
    problems: list[Problem] = []
    bodies: dict[str, BodySpec] = {}
    for f in files:
        for i, body in enumerate(f.catalog.bodies):
            known = bodies.setdefault(body.code, body)
            if known is not body and known != body:
                problems.append(
                    f.problem(
                        ("bodies", i, "code"),
                        "conflicting-body",
                        f"body '{body.code}' is defined differently elsewhere",
                    )
                )
    plans: set[str] = set()
    for f in files:
        if f.catalog.plan.code in plans:
            problems.append(
                f.problem(("plan", "code"), "duplicate-plan", f"plan '{f.catalog.plan.code}' is defined twice")
            )
        plans.add(f.catalog.plan.code)
        problems.extend(_check_file(f, set(bodies)))
    return problems


def _duplicates(items: Iterable[str]) -> Iterable[tuple[int, str]]:
    seen: set[str] = set()
    for i, item in enumerate(items):
        if item in seen:
            yield i, item
        seen.add(item)


def _check_file(f: CatalogFile, body_codes: set[str]) -> list[Problem]:
    c = f.catalog
    out: list[Problem] = []

    def need_body(loc, code: str, groups_allowed: bool = True) -> None:
        if code in body_codes or (groups_allowed and code in c.groups):
            return
        hint = " (nor a group)" if groups_allowed else ""
        out.append(f.problem(loc, "unknown-body", f"unknown body code '{code}'{hint}"))

    for i, code in _duplicates(b.code for b in c.bodies):
        out.append(f.problem(("bodies", i, "code"), "duplicate-body", f"body '{code}' is listed twice"))
    for i, body in enumerate(c.bodies):
        if body.parent is not None:
            need_body(("bodies", i, "parent"), body.parent, groups_allowed=False)
    for key in ("coordinating_body", "leadership_body"):
        need_body(("plan", key), getattr(c.plan, key), groups_allowed=False)
    for name, members in c.groups.items():
        if name in body_codes:
            out.append(f.problem(("groups", name), "group-shadows-body", f"group '{name}' has the code of a body"))
        for j, code in enumerate(members):
            need_body(("groups", name, j), code, groups_allowed=False)

    start, end = c.plan.period.start, c.plan.period.end
    if start > end:
        out.append(f.problem(("plan", "period"), "impossible-period", "the period ends before it starts"))

    for i, ref in _duplicates(d.ref for d in c.duties):
        out.append(f.problem(("duties", i, "ref"), "duplicate-ref", f"duty reference '{ref}' is used twice"))
    for i, duty in enumerate(c.duties):
        for key in ("bodies", "cooperating"):
            for j, code in enumerate(getattr(duty, key)):
                need_body(("duties", i, key, j), code)
        if duty.sensitive and "file" in duty.evidence:
            out.append(
                f.problem(
                    ("duties", i, "evidence"),
                    "sensitive-files",
                    "a sensitive duty accepts a reference and figures, never files",
                )
            )
        if start <= end:
            out.extend(_check_cadence(f, i, c.plan.reporting.days_after_cutoff))

    for i, ref in _duplicates(t.ref for t in c.targets):
        out.append(f.problem(("targets", i, "ref"), "duplicate-ref", f"target reference '{ref}' is used twice"))
    for i, target in enumerate(c.targets):
        for j, code in enumerate(target.reported_by):
            need_body(("targets", i, "reported_by", j), code)
        out.extend(_check_target(f, i))
    return out


def _check_cadence(f: CatalogFile, i: int, default_days: int) -> list[Problem]:
    duty, plan = f.catalog.duties[i], f.catalog.plan
    loc = ("duties", i, "due")
    bad = lambda msg: [f.problem(loc, "impossible-cadence", msg)]  # noqa: E731
    due = duty.due
    if duty.cadence == Cadence.once:
        if due is None or due.date is None:
            return bad("a one-off duty needs a fixed date: due: {date: YYYY-MM-DD}")
        if not plan.period.start <= due.date <= plan.period.end:
            return [f.problem(loc, "due-outside-plan", f"{due.date} is outside the plan's period")]
        return []
    if due is not None and due.date is not None:
        return bad(f"a {duty.cadence} duty recurs: give days_after_cutoff or days_after_start, not a date")
    offset = (due.days_after_cutoff if due else None) or (due.days_after_start if due else None) or default_days
    if offset >= CADENCE_DAYS[duty.cadence]:
        return bad(f"{offset} days is longer than a {duty.cadence} period: it would fall in the next one")
    rule = (
        DueRule(days_after_cutoff=default_days)
        if due is None
        else DueRule(days_after_cutoff=due.days_after_cutoff, days_after_start=due.days_after_start)
    )
    if not plan_periods(duty.cadence, rule, plan.period.start, plan.period.end):
        return bad(f"no {duty.cadence} due date falls inside the plan's period")
    return []


def _check_target(f: CatalogFile, i: int) -> list[Problem]:
    t, plan = f.catalog.targets[i], f.catalog.plan
    out = []
    if t.unit == Unit.percent:
        for key in ("threshold", "upper"):
            value = getattr(t, key)
            if value is not None and not 0 <= value <= 100:
                out.append(
                    f.problem(
                        ("targets", i, key), "percent-out-of-range", f"{value} is not a percentage between 0 and 100"
                    )
                )
    if t.unit == Unit.count and t.threshold < 0:
        out.append(f.problem(("targets", i, "threshold"), "negative-count", "a count cannot be negative"))
    if t.upper is not None and t.upper < t.threshold:
        out.append(f.problem(("targets", i, "upper"), "impossible-range", "upper is below threshold"))
    if not plan.period.start <= t.deadline <= plan.period.end:
        out.append(
            f.problem(("targets", i, "deadline"), "due-outside-plan", f"{t.deadline} is outside the plan's period")
        )
    return out
