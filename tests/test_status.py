"""Status from `now`: the four categories leadership reads, plus awaiting review and returned."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from models.operations.board import AssignmentView, board
from models.rules.status import Status, classify
from models.tables.assignment import Assignment, State
from tests.clock import TZ, local

DUE = date(2025, 6, 18)


def assignment(state=State.open, submitted=None, reviewed=None, completed=None, extended=None) -> Assignment:
    return Assignment(
        duty_id=1,
        body_id=1,
        period="2025-H1",
        period_start=date(2024, 12, 15),
        period_end=date(2025, 6, 14),
        due=DUE,
        extended_due=extended,
        state=state,
        submitted_at=submitted,
        reviewed_at=reviewed,
        completed_at=completed,
        created_at=datetime(2025, 1, 1, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("a", "now", "expected"),
    [
        (assignment(), "2025-06-18T23:59", Status.open),  # the whole due day counts
        (assignment(), "2025-06-19T00:00", Status.overdue),
        (assignment(extended=date(2025, 6, 30)), "2025-06-25T09:00", Status.open),
        (assignment(State.submitted, submitted=local("2025-06-17T10:00")), "2025-06-20T09:00", Status.submitted),
        (
            assignment(State.returned, submitted=local("2025-06-17T10:00"), reviewed=local("2025-06-19T10:00")),
            "2025-06-20T09:00",
            Status.returned,
        ),
        (
            assignment(
                State.accepted,
                submitted=local("2025-06-18T22:00"),
                reviewed=local("2025-06-20T08:00"),
                completed=local("2025-06-18T22:00"),
            ),
            "2025-06-21T09:00",
            Status.done_on_time,
        ),
        (
            assignment(
                State.accepted,
                submitted=local("2025-06-19T07:00"),
                reviewed=local("2025-06-20T08:00"),
                completed=local("2025-06-19T07:00"),
            ),
            "2025-06-21T09:00",
            Status.done_late,
        ),
        # Replaying the past: what happened after `now` is not seen yet.
        (
            assignment(
                State.accepted,
                submitted=local("2025-06-19T07:00"),
                reviewed=local("2025-06-20T08:00"),
                completed=local("2025-06-19T07:00"),
            ),
            "2025-06-19T12:00",
            Status.submitted,
        ),
        (
            assignment(
                State.accepted,
                submitted=local("2025-06-19T07:00"),
                reviewed=local("2025-06-20T08:00"),
                completed=local("2025-06-19T07:00"),
            ),
            "2025-06-18T12:00",
            Status.open,
        ),
    ],
)
def test_classify(a, now, expected):
    assert classify(a, local(now), TZ) == expected


def test_a_submission_late_in_utc_but_on_time_locally_is_on_time():
    # 16:30 UTC on the due day is 23:30 in Hà Nội: still on time.
    submitted = datetime(2025, 6, 18, 16, 30, tzinfo=UTC)
    a = assignment(State.accepted, submitted=submitted, reviewed=local("2025-06-20T08:00"), completed=submitted)
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
