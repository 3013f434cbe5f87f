"""The duties of the "Tổ chức thực hiện" section: one per bullet or paragraph of each numbered
item, for the bodies its head names, and the closing paragraph's periodic report. Pure functions;
the bodies are codes (or, for a name the registry lacks, the name itself: parse.py gives it a code).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from models.intake.draft.heads import Head, head_rule, read_head
from models.intake.draft.registry import Registry
from models.intake.draft.structure import Para, Section, paragraphs
from models.intake.draft.text import fold
from models.intake.draft.timing import Timing, read_timing

# The closing paragraph speaks to every body at once ("Căn cứ nội dung Kế hoạch này, UBND tỉnh
# yêu cầu Thủ trưởng các sở, ban, ngành ...") and asks for the periodic report.
_CLOSING = re.compile(
    r"^(Căn cứ (nội dung )?Kế hoạch|Trên đây|Yêu cầu|(UBND|Ủy ban nhân dân) tỉnh yêu cầu)", re.IGNORECASE
)
_SENSITIVE = re.compile(r"danh sách[^.;]*(địa chỉ|họ tên|họ và tên|số điện thoại)", re.IGNORECASE)
_VIA = re.compile(r"\bqua\s+", re.IGNORECASE)
TITLE_LENGTH = 90


@dataclass
class RawDuty:
    ref: str
    source: str
    text: str
    head: Head | None  # None for the closing paragraph
    timing: Timing
    sensitive: bool = False
    notes: list[str] = field(default_factory=list)


@dataclass
class Section5:
    """What the section gives: its duties, the closing paragraph's, the body reports go through."""

    duties: list[RawDuty]
    closing: RawDuty | None
    via: str | None  # the code named after "qua" in the closing paragraph (the coordinating body)
    items: int


def title_of(text: str) -> str:
    """A short title: the first clause, cut at a word. Only a proposal (marked for review)."""
    first = re.split(r"[;.:](?:\s|$)", text, maxsplit=1)[0].strip(" ,")
    if len(first) <= TITLE_LENGTH:
        return first
    cut = first[:TITLE_LENGTH].rsplit(" ", 1)[0].rstrip(" ,")
    return f"{cut}…"


def _raw(ref: str, source: str, text: str, head: Head | None) -> RawDuty:
    duty = RawDuty(ref, source, text, head, read_timing(text))
    if m := _SENSITIVE.search(text):
        duty.sensitive = True
        duty.notes.append(
            f"sensitive: true vì văn bản nói đến dữ liệu cá nhân (“{m.group(0)}”): chỉ nhận số hiệu văn bản và số liệu"
        )
    return duty


def read_section(section: Section, registry: Registry) -> Section5:
    paras = paragraphs(section.lines, head_rule(registry))
    duties: list[RawDuty] = []
    closing: RawDuty | None = None
    head: Head | None = None
    item, n = "", 0
    last_item = max((i for i, p in enumerate(paras) if p.kind == "item"), default=-1)
    for i, p in enumerate(paras):
        if p.kind == "item":
            head, item, n = read_head(p.text, registry), p.label, 0
            continue
        if head is None:
            continue  # an introduction before the first item: no body to give it to
        if i > last_item and (closing is not None or _is_closing(p)):
            closing = _join(closing, p, section.numeral)
            continue
        n += 1
        kind = "gạch đầu dòng thứ" if p.kind == "bullet" else "đoạn"
        duties.append(
            _raw(f"{section.numeral}.{item}.{n}", f"Mục {section.numeral}, điểm {item}, {kind} {n}", p.text, head)
        )
    via = None
    if closing is not None and (m := _VIA.search(closing.text)):
        found = registry.find(closing.text[m.end() :])
        via = found[0].code if found and found[0].start == 0 else None
    return Section5(duties, closing, via, sum(p.kind == "item" for p in paras))


def _is_closing(p: Para) -> bool:
    return p.kind == "text" and bool(_CLOSING.match(p.text)) and "báo cáo" in fold(p.text)


def _join(closing: RawDuty | None, p: Para, numeral: str) -> RawDuty:
    text = p.text if closing is None else f"{closing.text} {p.text}"
    return _raw(f"{numeral}.BC", f"Mục {numeral}, đoạn kết", text, None)
