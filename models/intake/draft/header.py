"""A plan's header: issuing body, number, date, title, what it implements, its period. Pure
functions on the lines before the first section. Whatever is not found stays None: the draft
says so in a review comment and invents nothing."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from models.intake.draft.text import squash

_NUMBER = re.compile(r"(?:^|\s)Số\s*:\s*(\d+\s*/\s*[A-ZĐ][\wĐ-]*(?:/[\wĐ-]+)*)|Kế hoạch số\s+(\d+/[\wĐ/-]+)")
_PLACE_DATE = re.compile(r",\s*ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})")
_NUMBER_DATE = re.compile(r"Kế hoạch số\s+\S+\s+ngày\s+(\d{1,2})/(\d{1,2})/(\d{4})")
_ISSUER = re.compile(r"(?:^|[;.,]\s*)([^;.,]+?)\s+ban hành\s+Kế hoạch", re.IGNORECASE)
_TITLE_INTRO = re.compile(r"ban hành\s+(Kế hoạch\s.+?)(?:\s+với các nội dung sau|\s+như sau|\s*:|\s*\.)", re.IGNORECASE)
_IMPLEMENTS = re.compile(
    r"(?:Thực hiện|Căn cứ)\s+((?:Quyết định|Chỉ thị|Nghị quyết|Kế hoạch|Chương trình)\s+số\s+.+?)"
    r"(?=\s+(?:phê duyệt|về việc|về|ban hành|quy định)\s|[;,]\s)"
)
_PERIOD = re.compile(r"giai đoạn\s+(\d{4})\s*[-–]\s*(\d{4})", re.IGNORECASE)


@dataclass
class Header:
    issuer: str | None = None  # the words naming the issuing body
    number: str | None = None
    issued_on: dt.date | None = None
    title: str | None = None
    implements: str | None = None
    period: tuple[int, int] | None = None  # "giai đoạn 2021-2025"


def _date(m: re.Match[str] | None) -> dt.date | None:
    if m is None:
        return None
    try:
        return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:
        return None


def _caps_title(lines: list[str]) -> str | None:
    """The title under a "KẾ HOẠCH" line: "KẾ HOẠCH" / "Phòng, chống mại dâm giai đoạn ..."."""
    for i, line in enumerate(lines):
        if squash(line) == "KẾ HOẠCH":
            rest: list[str] = []
            for nxt in lines[i + 1 :]:
                if re.match(r"(Thực hiện|Căn cứ|I\.)\s", nxt) or set(nxt) <= {"-", "_", " "}:
                    break
                rest.append(nxt)
            if rest:
                text = squash(" ".join(rest))
                return f"Kế hoạch {text[0].lower()}{text[1:]}"
    return None


def read_header(lines: list[str]) -> Header:
    text = squash(" ".join(lines))
    h = Header()
    if m := _NUMBER.search(text):
        h.number = re.sub(r"\s+", "", m.group(1) or m.group(2))
    h.issued_on = _date(_PLACE_DATE.search(text)) or _date(_NUMBER_DATE.search(text))
    caps = [line for line in lines[:4] if line.isupper()]
    if caps:
        h.issuer = squash(" ".join(caps[:2]))
    elif m := _ISSUER.search(text):
        h.issuer = m.group(1).strip()
    h.title = _caps_title(lines)
    if h.title is None and (m := _TITLE_INTRO.search(text)):
        h.title = m.group(1).strip()
    if m := _IMPLEMENTS.search(text):
        h.implements = m.group(1).strip()
    if m := _PERIOD.search(h.title or "") or _PERIOD.search(text):
        h.period = (int(m.group(1)), int(m.group(2)))
    return h
