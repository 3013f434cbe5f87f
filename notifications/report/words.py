"""How the report writes its numbers, dates and verdicts, the same in every format: Vietnamese
grouping (1.234; 70,5%), dates as dd/mm/yyyy, and a missing figure written as missing, never 0."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from models.rules.numbers import number_vi
from models.rules.report import Figure, Line, Progress, Report
from models.rules.status import LABELS

MISSING = "Thiếu số liệu"
VERDICTS = {True: "Đạt", False: "Chưa đạt", None: "Chưa đủ số liệu"}
UNITS = {"percent": "%", "percent-change": "%", "count": ""}
PER = {"quarter": "/quý", "year": "/năm", "plan": ""}


def number(value: float, digits: int = 1) -> str:
    """1.234 and 70,5: the messages' way (thousands grouped with dots, a decimal comma), rounded."""
    return number_vi(round(value, digits))


def percent(value: float) -> str:
    return f"{number(value)}%"


def dmy(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def value_text(p: Progress) -> str:
    """The province's value: "75%", "12", "+4,2%"; "Thiếu số liệu" when no body reported."""
    if p.value is None:
        return MISSING
    if p.unit == "percent-change":
        return f"{'+' if p.value > 0 else ''}{percent(p.value)}"
    return percent(p.value) if p.unit == "percent" else number(p.value)


def threshold_text(p: Progress) -> str:
    """What the plan asks: "≥ 70%", "≥ 1 lần/quý (2 trong kỳ)", "tăng 3 - 5%/năm"."""
    unit = UNITS[p.unit]
    if p.unit == "percent-change":
        span = f"{number(p.threshold)} - {number(p.upper)}" if p.upper is not None else number(p.threshold)
        return f"tăng {span}%{PER[p.per]}"
    text = f"≥ {number(p.threshold)}{unit}{PER[p.per]}"
    if p.required is not None and p.required != p.threshold:
        text += f" ({number(p.required)} trong kỳ)"
    return text


def figure_text(p: Progress, f: Figure) -> str:
    """One body's figure: "45/60 (75%)" for a rate, "12" for a count, "Thiếu số liệu"."""
    if f.value is None:
        return MISSING
    if p.unit == "percent" and f.base is not None:
        share = f" ({percent(100 * f.value / f.base)})" if f.base else ""
        return f"{number(f.value)}/{number(f.base)}{share}"
    return number(f.value)


def verdict(p: Progress) -> str:
    return MISSING if p.value is None else VERDICTS[p.met]


def rate_text(rate: float | None) -> str:
    """An on-time rate (0..1), or a dash when nothing fell due."""
    return "-" if rate is None else percent(100 * rate)


def trend_text(p: Progress, kind: str) -> str:
    """Earlier values, each written as its own period's (a missing one as missing): "Các kỳ trước:
    6 tháng đầu năm 2024: 68%"; in the plan's final report, "Qua các năm: năm 2022: ...". Empty
    when no earlier period has a value: a row of "Thiếu số liệu" would only push the figures away."""
    if all(value is None for _, value in p.trend):
        return ""
    past = "; ".join(f"{label}: {value_text(replace(p, value=value))}" for label, value in p.trend)
    return f"{'Qua các năm' if kind == 'plan' else 'Các kỳ trước'}: {past}"


def grouped_targets(report: Report) -> list[tuple[str, list[Progress]]]:
    """The targets under the plan's headings, numbered as the plan numbers them (II.3 is 3), in
    the plan's order; a group without a heading (an annual plan's own) still shows, under its code."""
    targets = report.targets
    codes = [*report.target_groups, *dict.fromkeys(t.group for t in targets if t.group not in report.target_groups)]
    groups = [
        (f"{code.rsplit('.', 1)[-1]}. {report.target_groups.get(code, code)}", [t for t in targets if t.group == code])
        for code in codes
    ]
    return [(heading, group) for heading, group in groups if group]


def status_text(line: Line) -> str:
    """An item's status with how late it is: "Chưa hoàn thành, quá hạn 8 ngày làm việc" (not
    "quá hạn, quá hạn"), "Bị trả lại, quá hạn 2 ngày làm việc"."""
    status = LABELS[line.status]
    if line.days_late:
        status += " " if status.endswith("quá hạn") else ", quá hạn "
        status += f"{number(line.days_late)} ngày làm việc"
    return status
