"""A target's value from the bodies' figures, by the catalog's rule, against its threshold. Pure.

Every figure is a count: a rate comes as two (its numerator and denominator), so that the parts of
several bodies add up (`sum`: each counts its own, a district its communes) or the largest stands
for all (`max`: they count the same things from different sides). A missing figure stays missing:
it is never read as zero, and it leaves the verdict open unless no figure could change it.
"""

from __future__ import annotations

from collections.abc import Sequence

from models.rules.report import Figure

QUARTERS = {"half": 2, "year": 4}  # quarters in a report's period; a plan's: 4 per year


def combined(figures: Sequence[Figure], unit: str, combine: str) -> tuple[float | None, float | None]:
    """The province's (numerator, denominator) from the figures present; (None, None) if none."""
    present = [(f.value, f.base) for f in figures if f.value is not None and (unit != "percent" or f.base is not None)]
    if not present:
        return None, None
    if combine == "max":
        return max(present, key=lambda vb: vb[0] / vb[1] if unit == "percent" and vb[1] else vb[0])
    return sum(v for v, _ in present), (sum(b or 0 for _, b in present) if unit == "percent" else None)


def value_of(unit: str, numerator: float | None, denominator: float | None, earlier: float | None) -> float | None:
    """A rate in percent, a count as it is, a change in percent over `earlier` (the same period a
    year before); None where it cannot be known (no figure; a change without the year before)."""
    if numerator is None:
        return None
    if unit == "percent":
        return 100 * numerator / denominator if denominator else None
    if unit == "percent-change":
        return 100 * (numerator - earlier) / earlier if earlier else None
    return numerator


def required(threshold: float, unit: str, per: str, quarters: int) -> float:
    """The threshold over the report's period: a count per quarter adds up over its quarters (one a
    quarter is two in a half-year); a rate or a change is the same whatever the period."""
    return threshold * quarters if unit == "count" and per == "quarter" else threshold


def verdict(value: float | None, need: float, *, missing: bool, unit: str, combine: str) -> bool | None:
    """Met, not met, or None (undecided): figures are missing and could still change it. A count
    summed or a largest figure only grows with more figures, so reaching the need is final."""
    if value is None:
        return None
    if value >= need:
        return True if not missing or unit == "count" or combine == "max" else None
    return None if missing else False
