"""Timing phrases of a duty's text: its cadence, its nature, and a due date only where the words
state one. Pure functions. Every proposal comes with the words it came from, for the review
comment; a due date is never made up (the plan's `reporting` rule applies where none is stated).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

# (pattern, cadence), shortest period first: "định kỳ 06 tháng 01 năm" is a six-month report.
_CADENCES = (
    (re.compile(r"h[ằà]ng quý|mỗi quý|theo quý|quý một lần|\bquý\b", re.IGNORECASE), "quarterly"),
    (re.compile(r"(?:định kỳ\s+)?\b0?6 tháng|sáu tháng", re.IGNORECASE), "semiannual"),
    (re.compile(r"h[ằà]ng năm|mỗi năm|năm một lần", re.IGNORECASE), "annual"),
)
_CONTINUOUS = re.compile(r"thường xuyên|tăng cường", re.IGNORECASE)
_REPORT = re.compile(r"định kỳ[^.;]*báo cáo|báo cáo[^.;]*định kỳ|^tổng hợp báo cáo", re.IGNORECASE)
_DUE = re.compile(
    r"(?:trước|chậm nhất|không muộn hơn|hạn chót|hoàn thành trong)\s+(?:là\s+)?(?:ngày\s+)?"
    r"(\d{1,2})\s*(?:/|-|\.|\s+tháng\s+)\s*(\d{1,2})(?:\s*(?:/|-|\.|\s+năm\s+)\s*(\d{4}))?",
    re.IGNORECASE,
)
ANNUAL_CUTOFF = (12, 14)  # the annual reporting period ends on 14/12 (NĐ 09/2019/NĐ-CP)


@dataclass
class Timing:
    cadence: str = "semiannual"
    nature: str = "continuous"
    due: dict[str, Any] | None = None  # a catalog `due`, basis plan, source the quoted words
    notes: list[str] = field(default_factory=list)  # what was guessed, from which words (Vietnamese)


def _quote(m: re.Match[str]) -> str:
    return f"“{m.group(0)}”"


def read_timing(text: str) -> Timing:
    t = Timing()
    cadences = [(m, cadence) for pattern, cadence in _CADENCES if (m := pattern.search(text))]
    if cadences:
        m, t.cadence = cadences[0]
        t.notes.append(f"chu kỳ {t.cadence} theo chữ {_quote(m)}")
    report, continuous = _REPORT.search(text), _CONTINUOUS.search(text)
    if report:
        t.nature = "report"
        t.notes.append(f"tính chất report (báo cáo) theo chữ {_quote(report)}")
    elif continuous:
        t.notes.append(f"tính chất continuous (thường xuyên) theo chữ {_quote(continuous)}")
    elif cadences and t.cadence == "annual":
        t.nature = "task"
        t.notes.append("tính chất task (sản phẩm hằng năm) vì văn bản nêu chu kỳ năm")
    else:
        t.notes.append("tính chất continuous: văn bản không nêu sản phẩm hay thời hạn (mặc định của danh mục)")
    if not cadences:
        t.notes.append("chu kỳ semiannual: văn bản không nêu chu kỳ, theo dõi qua báo cáo 6 tháng (mặc định)")
    if m := _DUE.search(text):
        _due(t, m)
    return t


def _due(t: Timing, m: re.Match[str]) -> None:
    """The date the words state, as a rule the catalog holds: a fixed date (with its year, once),
    or days before/after the annual cut-off (a day and month every year)."""
    day, month, year = int(m.group(1)), int(m.group(2)), m.group(3)
    phrase = m.group(0)
    try:
        stated = dt.date(int(year) if year else 2001, month, day)  # 2001: any year without 29/02
    except ValueError:
        t.notes.append(f"ngày {_quote(m)} không phải ngày hợp lệ: không đặt hạn, hãy đặt tay")
        return
    if year:
        t.cadence, t.nature = "once", "task"
        t.due = {"date": stated, "basis": "plan", "source": phrase}
        t.notes.append(f"hạn {stated:%d/%m/%Y} (một lần) đúng như văn bản nêu: {_quote(m)}")
        return
    if t.cadence != "annual":
        t.notes.append(
            f"văn bản nêu {_quote(m)} nhưng chu kỳ là {t.cadence}: không chuyển được thành quy tắc hạn, hãy đặt tay"
        )
        return
    cutoff = dt.date(2001, *ANNUAL_CUTOFF)
    days = (stated - cutoff).days
    rule = {"days_after_cutoff": days} if days >= 0 else {"days_before_cutoff": -days}
    t.due = {**rule, "basis": "plan", "source": phrase}
    t.nature = "task" if t.nature == "continuous" else t.nature
    t.notes.append(f"hạn ngày {day:02d}/{month:02d} hằng năm (so với ngày chốt số liệu 14/12) theo chữ {_quote(m)}")
