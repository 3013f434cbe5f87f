"""Who an item of "Tổ chức thực hiện" is for: its head ("1. Sở Lao động - Thương binh và Xã
hội", "11. Đề nghị Viện Kiểm sát nhân dân tỉnh, Tòa án nhân dân tỉnh"), matched to body codes;
the words that name no known body are proposed as new bodies. Pure functions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from models.intake.draft.registry import Registry
from models.intake.draft.structure import HeadRule, ends_sentence
from models.intake.draft.text import fold, starts_upper, words

_REQUEST = re.compile(r"^\s*Đề nghị\s*", re.IGNORECASE)
_SEPARATORS = re.compile(r"[,;]|\s(?:và|cùng)\s")


@dataclass
class Head:
    text: str  # the head as written, without its number
    request: bool  # "Đề nghị ...": asked, not ordered
    named: list[tuple[str, str]] = field(default_factory=list)  # (code, the words that named it)
    unknown: list[str] = field(default_factory=list)  # names no body of the registry answers to


def split_request(head: str) -> tuple[bool, str]:
    rest = _REQUEST.sub("", head, count=1)
    return rest != head, rest.strip().rstrip(":").strip()


def head_rule(registry: Registry) -> HeadRule:
    """Whether a head goes on onto the next line: a line starting in lower case always does; one
    starting with a capital does only while the head ends inside a known name ("4. Sở" /
    "Thông tin và Truyền thông") or with nothing named yet ("13. Đề nghị" / "Mặt trận ...")."""

    def continues(head: str, line: str) -> bool:
        if ends_sentence(head):
            return False
        if not starts_upper(line):
            return True
        _, rest = split_request(head)
        if not fold(rest) or rest.endswith((",", "-", "–")) or fold(rest).endswith(" và"):
            return True
        return _incomplete(registry, rest)

    return continues


def _incomplete(registry: Registry, rest: str) -> bool:
    """The last names of the head, taken from a separator on (a name starts after one)."""
    segments = [s for s in re.split(r"[,;]", rest) if s.strip()]
    tails = [" ".join(segments[-k:]) for k in range(1, len(segments) + 1)]
    keys = [tuple(fold(t).split()) for t in tails]
    if any(k in registry.phrases for k in keys):
        return False
    return any(k in registry.prefixes for k in keys)


def read_head(text: str, registry: Registry) -> Head:
    request, rest = split_request(text)
    head = Head(text, request)
    matches = registry.find(rest)
    for m in matches:
        head.named.append((m.code, rest[m.start : m.end]))
    # What lies between the names: a capitalised run of words is a body the registry lacks.
    covered = [(m.start, m.end) for m in matches]
    runs: list[list[tuple[int, int]]] = [[]]
    for w in words(rest):
        inside = any(s <= w.start < e for s, e in covered)
        gap = rest[runs[-1][-1][1] : w.start] if runs[-1] else ""
        if inside or (_SEPARATORS.search(f" {gap} ") and runs[-1]):
            runs.append([])
        if not inside:
            runs[-1].append((w.start, w.end))
    for run in runs:
        if run:
            name = rest[run[0][0] : run[-1][1]]
            if starts_upper(name) and fold(name) not in ("và", "các"):
                head.unknown.append(name)
    return head
