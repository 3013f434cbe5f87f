"""The draft as YAML text, with its comments: the catalog's layout (double-quoted texts wrapped,
codes in flow lists) and a "# CẦN XEM LẠI:" line above every guess. Written by hand because
PyYAML drops comments; each scalar is quoted so that PyYAML reads back exactly the value meant
(checked on every render: a draft that would not read back as built is never written).
"""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from typing import Any

import yaml

from models.intake.draft.model import Draft, Entry

REVIEW = "# CẦN XEM LẠI:"
WIDTH = 110


def _comment(text: str, indent: str, review: bool) -> list[str]:
    head = f"{indent}{REVIEW} " if review else f"{indent}# "
    body = textwrap.wrap(text, WIDTH - len(head), break_long_words=False, break_on_hyphens=False) or [""]
    return [head + body[0], *(f"{indent}#   {line}" for line in body[1:])]


def _plain(value: str) -> bool:
    """A code or an enum value that YAML reads back as the same string."""
    try:
        return bool(value) and yaml.safe_load(value) == value and value.replace("-", "").replace(".", "").isalnum()
    except yaml.YAMLError:
        return False


def _quoted(text: str, indent: str, first: int) -> list[str]:
    """A double-quoted scalar wrapped at spaces: YAML folds each line break back into one space."""
    words = json.dumps(" ".join(text.split()), ensure_ascii=False).split(" ")
    lines, line, room = [], "", WIDTH - first
    for word in words:
        if line and len(line) + 1 + len(word) > room:
            lines.append(line)
            line, room = word, WIDTH - len(indent)
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return [lines[0], *(indent + rest for rest in lines[1:])]


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, dt.date)):
        return str(value) if not isinstance(value, float) else repr(value)
    if isinstance(value, str) and _plain(value):
        return value
    return json.dumps(value, ensure_ascii=False)


def _mapping(values: dict[str, Any], indent: str, notes: dict[str, list[str]] | None = None) -> list[str]:
    out: list[str] = []
    for key, value in values.items():
        for note in (notes or {}).get(key, []):
            out += _comment(note, indent, review=True)
        lead = f"{indent}{key}:"
        if isinstance(value, dict):
            out += [lead, *_mapping(value, indent + "  ")]
        elif isinstance(value, list):
            out.append(f"{lead} [{', '.join(_scalar(v) for v in value)}]")
        elif isinstance(value, str) and not _plain(value):
            first, *rest = _quoted(value, indent + "  ", len(lead) + 1)
            out += [f"{lead} {first}", *rest]
        else:
            out.append(f"{lead} {_scalar(value)}")
    return out


def _entries(name: str, entries: list[Entry]) -> list[str]:
    out = ["", f"{name}:"]
    for e in entries:
        for c in e.comments:
            out += _comment(c, "  ", review=False)
        for n in e.notes:
            out += _comment(n, "  ", review=True)
        first, *rest = _mapping(e.values, "    ")
        out += ["  - " + first.lstrip(), *rest]
    return out


def render_draft(draft: Draft, source: str) -> str:
    lines = [
        *_comment(f"Bản nháp danh mục kế hoạch, lập tự động bằng `dondoc plan draft` từ “{source}”.", "", False),
        *_comment(
            f"Mỗi chỗ chương trình phải đoán có một dòng “{REVIEW}” nói đoán gì, từ chữ nào của văn bản. Người lập "
            "danh mục đối chiếu với văn bản, sửa, rồi xóa dòng đó. Chạy `dondoc plan check <tệp>` trước khi nạp.",
            "",
            False,
        ),
        *_comment(
            "Quy ước như config/plans/lai-chau-pcmd-2021-2025.yaml: text là nguyên văn (các dòng nối bằng một dấu "
            "cách, bỏ “- ” đầu dòng, giữ cả lỗi chính tả); hạn (due) chỉ có khi văn bản nêu ngày, căn cứ plan và "
            "trích nguyên chữ; không có due thì áp dụng quy tắc reporting của kế hoạch.",
            "",
            False,
        ),
        "",
        "plan:",
        *_mapping(draft.plan.values, "  ", draft.plan_notes),
        *_entries("bodies", draft.bodies),
    ]
    lines += ["", "groups:" if draft.groups else "groups: {}"]
    if draft.groups:
        for name, g in draft.groups.items():
            lines += [c for text in g.comments for c in _comment(text, "  ", False)]
            lines += [c for text in g.notes for c in _comment(text, "  ", True)]
            lines.append(f"  {name}: [{', '.join(g.values['members'])}]")
    lines += _entries("duties", draft.duties)
    lines += _entries("targets", draft.targets) if draft.targets else ["", "targets: []"]
    text = "\n".join(lines) + "\n"
    if yaml.safe_load(text) != draft.as_catalog():
        raise AssertionError("the draft's YAML does not read back as built")  # a bug here, never the input's
    return text


def review_marks(text: str) -> int:
    return sum(line.lstrip().startswith(REVIEW) for line in text.splitlines())
