"""The shipped plan's due dates the tests lean on, derived from the catalog's rule and the working
calendar (config/calendar.yaml), never typed in: a changed rule moves them all."""

from __future__ import annotations

from datetime import date

from config import CONFIG_DIR
from models.intake.catalog.load import load_catalogs
from models.rules.calendar import WorkingCalendar
from models.rules.periods import DueRule, half_year

_CATALOG = load_catalogs([CONFIG_DIR / "plans" / "lai-chau-pcmd-2021-2025.yaml"])[0].catalog
CALENDAR = WorkingCalendar.from_file(CONFIG_DIR / "calendar.yaml")  # the province's, as the product uses


def report_due(year: int, half: int) -> date:
    """When the bodies' report of a half-year is due (V.BC, and the ongoing duties followed through
    it): the plan's `reporting` rule, on the province's calendar."""
    assert _CATALOG.plan.reporting is not None
    rule = DueRule(**_CATALOG.plan.reporting.as_rule())
    return CALENDAR.roll_forward(rule.nominal(half_year(year, half), CALENDAR))


H1 = report_due(2025, 1)  # the six-month report of 2025: Tuesday 17/06/2025
H2 = report_due(2025, 2)  # the yearly report of 2025: Tuesday 16/12/2025
