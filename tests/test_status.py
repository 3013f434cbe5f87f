"""Status from `now`: the four categories leadership reads, plus awaiting review and returned."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from models.operations.board import AssignmentView, board
from models.rules.status import Status, classify
from models.tables.assignment import Assignment, State
from tests.clock import TZ, local
from tests.factories import assignment

DUE = date(2025, 6, 18)


def accepted(submitted: str, reviewed: str = "2025-06-20T08:00") -> Assignment:
    """Submitted at `submitted` (local time), accepted at `reviewed`."""
    return assignment(
        DUE, State.accepted, submitted=local(submitted), reviewed=local(reviewed), completed=local(submitted)
    )


@pytest.mark.parametrize(
    ("a", "now", "expected"),
    [
        (assignment(DUE), "2025-06-18T23:59", Status.open),  # the whole due day counts
        (assignment(DUE), "2025-06-19T00:00", Status.overdue),
        (assignment(DUE, extended=date(2025, 6, 30)), "2025-06-25T09:00", Status.open),
        (assignment(DUE, State.submitted, submitted=local("2025-06-17T10:00")), "2025-06-20T09:00", Status.submitted),
        (
            assignment(DUE, State.returned, submitted=local("2025-06-17T10:00"), reviewed=local("2025-06-19T10:00")),
            "2025-06-20T09:00",
            Status.returned,
        ),
        (accepted("2025-06-18T22:00"), "2025-06-21T09:00", Status.done_on_time),
        (accepted("2025-06-19T07:00"), "2025-06-21T09:00", Status.done_late),
        # Replaying the past: what happened after `now` is not seen yet.
        (accepted("2025-06-19T07:00"), "2025-06-19T12:00", Status.submitted),
        (accepted("2025-06-19T07:00"), "2025-06-18T12:00", Status.open),
    ],
)
def test_classify(a, now, expected):
    assert classify(a, local(now), TZ) == expected


def test_a_submission_late_in_utc_but_on_time_locally_is_on_time():
    # 16:30 UTC on the due day is 23:30 in Hà Nội: still on time.
    submitted = datetime(2025, 6, 18, 16, 30, tzinfo=UTC)
    a = assignment(DUE, State.accepted, submitted=submitted, reviewed=local("2025-06-20T08:00"), completed=submitted)
    assert classify(a, local("2025-06-21T00:00"), TZ) == Status.done_on_time


def test_board_counts_and_on_time_rate():
    def view(body, status):
        return AssignmentView(1, 1, "V.1", "t", body, body.upper(), "2025-H1", DUE, status, 0)

    rows = board(
        [
            view("a", Status.done_on_time),
            view("a", Status.done_on_time),
            view("a", Status.done_late),
            view("a", Status.overdue),
            view("a", Status.open),
            view("b", Status.open),
        ]
    )
    a, b = rows
    assert (a.body, a.total, a.counts[Status.done_on_time]) == ("a", 5, 2)
    assert a.on_time_rate == pytest.approx(2 / 4)
    assert b.on_time_rate is None  # nothing due yet


@pytest.mark.parametrize(
    ("status", "kind", "name"),
    [
        (Status.done_on_time, "COMPLETED", "Đúng hạn"),
        (Status.done_late, "COMPLETED", "Xong quá hạn"),
        (Status.open, "COMPLETED", "Trong hạn"),
        (Status.overdue, "FAILED", "Quá hạn"),
        (Status.submitted, "COMPLETED", "Chờ duyệt"),
        (Status.returned, "COMPLETED", "Bị trả lại"),
    ],
)
def test_each_status_ends_its_task_run_in_the_state_the_readme_documents(status, kind, name):
    """The names and colours of README's "Colour is status" (a task run's state; the run's table
    uses the same names): only overdue is red (Failed); done late is told from done on time by its
    name."""
    from flows.body import check_duty

    state = check_duty.fn("V.6.1", "Năm 2025", "Thanh tra", status, "Kế hoạch 3742/KH-UBND.")
    assert (state.type.value, state.name, state.message) == (kind, name, "Kế hoạch 3742/KH-UBND.")
