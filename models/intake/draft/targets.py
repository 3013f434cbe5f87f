"""The thresholds of a "Chỉ tiêu" bullet: percentages ("Ít nhất 70%", a range "tăng 3 - 5%") or
counts ("ít nhất 01 địa bàn", "một quý một lần"), one per threshold, with what the clause says of
its period ("Hằng năm", "đến năm 2025"). Pure functions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_NUMBER = r"(\d+(?:[.,]\d+)?)"
_PERCENT = re.compile(rf"{_NUMBER}\s*(?:[-–]|đến)\s*{_NUMBER}\s*%|{_NUMBER}\s*%")
_CHANGE = re.compile(r"\b(tăng|giảm)\s+(?:thêm\s+|ít nhất\s+|từ\s+)?$", re.IGNORECASE)
_WORD_NUMBERS = {"một": 1, "hai": 2, "ba": 3, "bốn": 4, "năm": 5, "mười": 10}
_COUNT = re.compile(
    r"\b(?:ít nhất|tối thiểu|phấn đấu(?: có)?(?: ít nhất)?)\s+(\d+|một|hai|ba|bốn|mười)\s+(\w+(?:\s+\w+)?)",
    re.IGNORECASE,
)
_YEARLY = re.compile(r"h[ằà]ng năm|mỗi năm", re.IGNORECASE)
_QUARTER = re.compile(r"\bquý\b", re.IGNORECASE)
_BY_YEAR = re.compile(r"đến năm (\d{4})", re.IGNORECASE)


@dataclass
class Threshold:
    unit: str  # percent, percent-change or count
    value: float
    upper: float | None
    per: str  # quarter, year or plan
    by_year: int | None  # "đến năm 2025" in its clause or bullet
    measure: str  # the clause it stands in
    quote: str  # the words that gave the value
    notes: list[str] = field(default_factory=list)


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def _per(clause: str, bullet: str, first: bool) -> tuple[str, str]:
    """The period a threshold is measured on, and the words that say so."""
    if m := _BY_YEAR.search(clause):
        return "plan", m.group(0)
    if (m := _YEARLY.search(clause)) or (first and (m := _YEARLY.match(bullet))):
        return "year", m.group(0)
    if m := _QUARTER.search(clause):
        return "quarter", m.group(0)
    return "plan", ""


def thresholds(bullet: str) -> list[Threshold]:
    """One per threshold, in the order of the text. A bullet with percentages gives those only:
    "ít nhất một hình thức" next to "70%" is part of what is counted, not a second threshold."""
    clauses = [c.strip(" .;") for c in re.split(r";", bullet) if c.strip(" .;")]
    by_year = _BY_YEAR.search(bullet)
    out: list[Threshold] = []
    percent = bool(_PERCENT.search(bullet))
    for n, clause in enumerate(clauses):
        per, per_words = _per(clause, bullet, n == 0)
        year_here = _BY_YEAR.search(clause) or by_year
        year = int(year_here.group(1)) if year_here else None
        found = _PERCENT.finditer(clause) if percent else _COUNT.finditer(clause)
        for m in found:
            if percent:
                low, high, single = m.group(1), m.group(2), m.group(3)
                value, upper = (_number(low), _number(high)) if low else (_number(single), None)
                unit = "percent-change" if _CHANGE.search(clause[: m.start()]) else "percent"
            else:
                raw = m.group(1).lower()
                value, upper, unit = float(_WORD_NUMBERS.get(raw) or int(raw)), None, "count"
            t = Threshold(unit, value, upper, per, year, clause, m.group(0))
            t.notes.append(f"ngưỡng {m.group(0).strip()} → {unit} {value:g}{f'-{upper:g}' if upper else ''}")
            if per_words:
                t.notes.append(f"đo theo {per} theo chữ “{per_words}”")
            out.append(t)
            if not percent:
                break  # a count's clause names one count; "ít nhất một quý một lần" is one threshold
    return out
