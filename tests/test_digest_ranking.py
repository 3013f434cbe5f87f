"""The digest's first screen, as rules: the bodies ranked worst first, the sentence naming who
needs attention, and the lists capped per body. No database: the digest's figures are given."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from models.operations.board import BoardRow
from models.operations.digest import Digest
from models.rules.status import Status
from notifications.digests import LISTED_PER_BODY, attention, per_body
from tests.clock import TZ


def row(name: str, *, on_time: int = 0, late: int = 0, open: int = 0, overdue: int = 0) -> BoardRow:
    counts = Counter({Status.done_on_time: on_time, Status.done_late: late, Status.open: open, Status.overdue: overdue})
    return BoardRow(name.lower(), name, counts)


def digest(bodies: list[BoardRow], late_days: dict[str, int] | None = None) -> Digest:
    now = datetime(2025, 7, 4, 17, tzinfo=TZ)
    return Digest("leadership", now, now.date(), bodies, [], [], [], [], [], late_days=late_days or {})


def test_the_bodies_are_ranked_worst_first_never_alphabetically_among_unequal():
    bodies = [
        row("A", on_time=9, overdue=2),  # 2 overdue, 4 days late in all
        row("B", overdue=2),  # 2 overdue, 30 days late: worse than A
        row("C", on_time=1, overdue=5),  # the most overdue
        row("D", on_time=1, late=1),  # nothing overdue, 50% on time
        row("E", on_time=4),  # nothing overdue, all on time: the best
        row("F", on_time=1, late=1),  # as D in every way: then by name
        row("G", open=3),  # nothing due yet: not ranked
        row("H", on_time=1, overdue=2),  # as B's count and days, a better rate than B's 0%
    ]
    ranked = digest(bodies, {"a": 4, "b": 30, "c": 1, "h": 30}).league
    assert [b.body_label for b in ranked] == ["C", "B", "H", "A", "D", "F", "E"]


def test_the_sentence_names_the_worst_bodies_and_counts_the_others():
    ranked = [row(f"Cơ quan {n}", overdue=n) for n in (12, 9, 4, 3, 2, 1, 1)] + [row("Sở Y tế", on_time=2)]
    assert attention(ranked) == (
        "Cần đôn đốc: Cơ quan 12 (12 nhiệm vụ quá hạn), Cơ quan 9 (9), Cơ quan 4 (4) và 4 cơ quan khác."
    )
    assert attention(ranked[:2]) == "Cần đôn đốc: Cơ quan 12 (12 nhiệm vụ quá hạn) và Cơ quan 9 (9)."
    assert attention(ranked[:1]) == "Cần đôn đốc: Cơ quan 12 (12 nhiệm vụ quá hạn)."


def test_the_sentence_says_so_when_nothing_is_overdue():
    assert attention([row("Sở Y tế", on_time=2), row("Công an tỉnh", late=1, open=4)]) == (
        "Không có cơ quan nào cần đôn đốc: không có nhiệm vụ nào quá hạn mà chưa hoàn thành."
    )
    assert attention([]).startswith("Không có cơ quan nào cần đôn đốc")


def test_a_list_keeps_the_first_items_of_each_body_in_the_ranking_order():
    due = date(2025, 6, 17)
    items = [
        {"body": body, "ref": f"{body}.{n}", "due": due} for body, k in (("A", 2), ("B", 7), ("Z", 4)) for n in range(k)
    ]
    groups = per_body(items, ["B", "A"])  # Z, not ranked (a request's body), after them
    assert [(g["body"], g["total"], g["more"]) for g in groups] == [
        ("B", 7, 7 - LISTED_PER_BODY),
        ("A", 2, 0),
        ("Z", 4, 4 - LISTED_PER_BODY),
    ]
    assert [i["ref"] for i in groups[0]["shown"]] == [f"B.{n}" for n in range(LISTED_PER_BODY)]
    assert 1 <= LISTED_PER_BODY <= 5
