"""A plan's structure from its lines: Roman-numbered sections, numbered items, lettered
sub-items ("a) Chỉ tiêu"), bullets and paragraphs. Pure functions.

Lines may be wrapped anywhere (a .txt copied from a web page, a PDF), so a paragraph is rebuilt
from its lines: a new one starts at a bullet, an item or a lettered sub-item, or after a line that
ends a sentence (".", ";", ":") when the next line starts with a capital. An item's head ("3. Bộ
Chỉ huy Bộ đội Biên phòng tỉnh") ends no sentence, so where it ends is asked of `head_continues`
(registry.py knows the bodies' names, the one thing that tells a wrapped name from a new line).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from models.intake.draft.text import fold, starts_upper

_ROMAN_RE = re.compile(r"^(X{0,1}(?:IX|IV|V?I{0,3}))\s*[.:]\s*(\S.*)$")
_ITEM_RE = re.compile(r"^(\d{1,2})\s*\.\s+(\S.*)$")
_LETTER_RE = re.compile(r"^([a-zđ])\s*\)\s*(\S.*)$")
_BULLET_RE = re.compile(r"^(?:[-–+]\s+|•\s*)(\S.*)$")
_CLOSERS = "”\"')]»"
# Where the plan's body ends: the recipients' list and the signature follow.
_END_MARKS = ("nơi nhận",)

HeadRule = Callable[[str, str], bool]


@dataclass
class Para:
    kind: str  # "item" (numbered), "letter" (a), b)), "bullet" or "text"
    text: str  # verbatim, lines joined with single spaces; without the bullet, number or letter
    label: str = ""  # the item's number or the sub-item's letter
    lines: list[str] = field(default_factory=list)  # the lines it came from, as they were
    open: bool = True  # an item's head still taking lines

    def add(self, line: str, text: str | None = None) -> None:
        self.lines.append(line)
        text = line if text is None else text
        self.text = f"{self.text} {text}" if self.text else text


@dataclass
class Section:
    numeral: str  # "V"
    title: str  # "TỔ CHỨC THỰC HIỆN"
    lines: list[str]


def _is_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


def split_sections(lines: list[str]) -> tuple[list[str], list[Section]]:
    """The lines before the first Roman heading (the header), and the sections. A heading's
    title is in capitals and may wrap onto the next capitalised lines ("V. TỔ CHỨC" / "THỰC
    HIỆN"). The recipients' list ("Nơi nhận:") and what follows belong to no section."""
    header: list[str] = []
    sections: list[Section] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if fold(line).startswith(_END_MARKS):
            break
        m = _ROMAN_RE.match(line)
        if m and m.group(1) and _is_upper(m.group(2)):
            title = m.group(2)
            while i + 1 < len(lines) and _is_upper(lines[i + 1]) and not _ROMAN_RE.match(lines[i + 1]):
                i += 1
                title = f"{title} {lines[i]}"
            sections.append(Section(m.group(1), title, []))
        elif sections:
            sections[-1].lines.append(line)
        else:
            header.append(line)
        i += 1
    return header, sections


def ends_sentence(line: str) -> bool:
    return line.rstrip().rstrip(_CLOSERS).endswith((".", ";", ":", "!", "?", "…"))


def _generic_head(head: str, line: str) -> bool:
    return not ends_sentence(head)


def paragraphs(lines: list[str], head_continues: HeadRule = _generic_head) -> list[Para]:
    """The paragraphs of a section's lines. A numbered item is taken only in sequence (1, 2, 3 ...:
    a wrapped line may well start with "15. ")."""
    out: list[Para] = []
    last_item = 0
    for line in lines:
        cur = out[-1] if out else None
        item, letter, bullet = _ITEM_RE.match(line), _LETTER_RE.match(line), _BULLET_RE.match(line)
        after_break = cur is None or cur.kind in ("item", "letter") or ends_sentence(cur.lines[-1])
        if cur is not None and cur.kind == "item" and cur.open:
            if not (item or bullet or letter) and head_continues(cur.text, line):
                cur.add(line)
                continue
            cur.open = False
        if item and int(item.group(1)) == last_item + 1 and after_break:
            last_item += 1
            out.append(Para("item", item.group(2), item.group(1), [line]))
        elif letter and after_break and starts_upper(letter.group(2)):
            out.append(Para("letter", letter.group(2), letter.group(1), [line], open=False))
        elif bullet and after_break and starts_upper(bullet.group(1)):
            out.append(Para("bullet", bullet.group(1), "", [line], open=False))
        elif cur is None or (after_break and starts_upper(line)):
            out.append(Para("text", line, "", [line], open=False))
        else:
            cur.add(line)
    return out
