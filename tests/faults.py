"""The ledger of the fault suite: for each fault, the messages expected, delivered, duplicated and
lost, as measured on the real SMTP server, with the rule that decides the outcome.

`make reliability` writes it into docs/RELIABILITY.md; any test run prints it at the end.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

MARK_BEGIN, MARK_END = "<!-- ledger: begin -->", "<!-- ledger: end -->"


@dataclass(frozen=True)
class Entry:
    fault: str
    backend: str
    expected: int
    delivered: int
    duplicates: int
    lost: int
    rule: str


LEDGER: list[Entry] = []


def tally(fault: str, backend: str, expected: Iterable[str], received: Counter, rule: str) -> Entry:
    """Count what the server got of the `expected` recipients (one message each) and record it."""
    expected = list(expected)
    delivered = sum(1 for r in expected if received[r])
    entry = Entry(
        fault,
        backend,
        len(expected),
        delivered,
        sum(max(0, received[r] - 1) for r in expected),
        len(expected) - delivered,
        rule,
    )
    LEDGER.append(entry)
    return entry


def table(entries: list[Entry]) -> str:
    """One row per fault and database, faults in the order the suite met them."""
    order = {fault: i for i, fault in reversed(list(enumerate(e.fault for e in entries)))}
    entries = sorted(entries, key=lambda e: (order[e.fault], e.backend))
    rows = [
        "| fault | database | expected | delivered | duplicates | lost | rule |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    rows += [
        f"| {e.fault} | {e.backend} | {e.expected} | {e.delivered} | {e.duplicates} | {e.lost} | {e.rule} |"
        for e in entries
    ]
    return "\n".join(rows)


def write_report(entries: list[Entry]) -> Path | None:
    """Into the file named by DONDOC_RELIABILITY_REPORT, between the ledger marks (the rest of the
    document is kept)."""
    target = os.environ.get("DONDOC_RELIABILITY_REPORT")
    if not target or not entries:
        return None
    path = Path(target)
    text = path.read_text(encoding="utf-8")
    start, end = text.index(MARK_BEGIN) + len(MARK_BEGIN), text.index(MARK_END)
    path.write_text(text[:start] + "\n" + table(entries) + "\n" + text[end:], encoding="utf-8")
    return path
