"""Cross-reference checks over validated catalog files: the errors pydantic cannot see alone."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from models.errors import Problem
from models.intake.catalog.schema import BodySpec, Cadence, Catalog, DueBasis, DutySpec, TargetSpec, Unit
from models.rules.calendar import WorkingCalendar
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
    problems.extend(_check_parents(files, plans))
    return problems


def _check_parents(files: list[CatalogFile], plans: set[str]) -> list[Problem]:
    """A plan's parent is loaded with it; what its duties and targets `implement` is in the parent."""
    problems: list[Problem] = []
    by_code = {f.catalog.plan.code: f.catalog for f in files}
    for f in files:
        parent = f.catalog.plan.parent
        known = by_code.get(parent) if parent and parent != f.catalog.plan.code else None
        sections: tuple[tuple[str, Sequence[DutySpec | TargetSpec], set[str]], ...] = (
            ("duties", f.catalog.duties, {d.ref for d in known.duties} if known else set()),
            ("targets", f.catalog.targets, {t.ref for t in known.targets} if known else set()),
        )
        for section, items, refs in sections:
            for i, item in enumerate(items):
                if item.implements is not None and item.implements not in refs:
                    where = f"plan '{parent}'" if parent else "no parent plan (plan.parent is not set)"
                    problems.append(
                        f.problem(
                            (section, i, "implements"),
                            "unknown-parent-ref",
                            f"'{item.implements}' is not among the {section} of {where}",
                        )
                    )
        if parent is not None and (parent not in plans or parent == f.catalog.plan.code):
            problems.append(
                f.problem(
                    ("plan", "parent"),
                    "unknown-parent",
                    f"plan '{parent}' is not among the catalogs loaded together (its parent must be)"
                    if parent != f.catalog.plan.code
                    else "a plan cannot be its own parent",
                )
            )
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
            out.extend(_check_cadence(f, i))
        if duty.due is not None:
            out.extend(_check_quote(f, ("duties", i, "due", "source"), duty.due.basis, duty.due.source, duty.text))
    if c.plan.reporting is not None:
        out.extend(_check_quote(f, ("plan", "reporting", "source"), c.plan.reporting.basis, c.plan.reporting.source))

    for i, ref in _duplicates(t.ref for t in c.targets):
        out.append(f.problem(("targets", i, "ref"), "duplicate-ref", f"target reference '{ref}' is used twice"))
    for i, target in enumerate(c.targets):
        for j, code in enumerate(target.reported_by):
            need_body(("targets", i, "reported_by", j), code)
        out.extend(_check_target(f, i))
    return out


def _normal(text: str) -> str:
    return " ".join(text.split())


def _check_quote(f: CatalogFile, loc, basis: DueBasis, source: str, own_text: str | None = None) -> list[Problem]:
    """A `plan` basis quotes the clause that sets the date: it must be the plan's words.

    Where to look: the duty's own text first, else any text the catalog quotes from the plan (duty
    and target texts, all verbatim: tests/test_catalog_source.py holds them to the plan's text). So
    the catalog stays the one file the product reads, and a quote cannot be paraphrased unseen.
    """
    if basis != DueBasis.plan:
        return []
    quote = _normal(source)
    texts = [own_text] if own_text is not None else []
    texts += [d.text for d in f.catalog.duties] + [t.text for t in f.catalog.targets]
    if any(quote in _normal(text) for text in texts):
        return []
    where = "the duty's text nor " if own_text is not None else ""
    message = f"a 'plan' basis must quote the plan: not found in {where}any text the catalog quotes"
    return [f.problem(loc, "unquoted-basis", message)]


def due_rule(catalog: Catalog, i: int) -> DueRule | None:
    """The rule a duty's dates follow: its own `due`, else the plan's `reporting` (None if neither)."""
    rule = catalog.duties[i].due or catalog.plan.reporting
    return None if rule is None else DueRule(**rule.as_rule())


def _check_cadence(f: CatalogFile, i: int) -> list[Problem]:
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
        return bad(f"a {duty.cadence} duty recurs: give an offset (days or working days), not a date")
    rule = due_rule(f.catalog, i)
    if rule is None:
        message = "a recurring duty without `due` follows the plan's `reporting` rule, and the plan has none"
        return [f.problem(loc, "no-due-rule", message)]
    if rule.working_days_after_cutoff is not None:
        # At least this many calendar days: five working days a week, holidays only add to it.
        shown, offset, unit = rule.working_days_after_cutoff, rule.working_days_after_cutoff * 7 // 5, "working days"
    else:
        offset = rule.days_after_cutoff if rule.days_after_cutoff is not None else rule.days_after_start or 0
        shown, unit = abs(offset), "days"
    if abs(offset) >= CADENCE_DAYS[duty.cadence]:
        return bad(f"{shown} {unit} is longer than a {duty.cadence} period: it would fall in another one")
    # The package's holidays are enough here: whether a date falls in the plan, not which day exactly.
    if not plan_periods(duty.cadence, rule, plan.period.start, plan.period.end, WorkingCalendar()):
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
