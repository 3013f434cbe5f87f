"""The status of an assignment at a moment, in the categories Vietnamese leadership reads.

QĐ 42/2014/QĐ-TTg (amended by QĐ 23/2018): done on time / done late; not done within the deadline
/ overdue. Submitted-awaiting-review and returned are shown apart, as coordinators act on them.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from models.tables.assignment import Assignment, State
from models.types import local_date


class Status(StrEnum):
    done_on_time = "done_on_time"
    done_late = "done_late"
    open = "open"  # within the deadline
    overdue = "overdue"
    submitted = "submitted"  # awaiting review
    returned = "returned"

    @property
    def label(self) -> str:
        return LABELS[self]


LABELS = {
    Status.done_on_time: "Hoàn thành đúng hạn",
    Status.done_late: "Hoàn thành quá hạn",
    Status.open: "Chưa hoàn thành, trong hạn",
    Status.overdue: "Chưa hoàn thành, quá hạn",
    Status.submitted: "Đã nộp, chờ xem xét",
    Status.returned: "Bị trả lại",
}
# Column headings of the board: the leadership categories, short enough for an 80-column terminal.
SHORT_LABELS = {
    Status.done_on_time: "Xong đúng hạn",
    Status.done_late: "Xong quá hạn",
    Status.open: "Chưa xong trong hạn",
    Status.overdue: "Chưa xong quá hạn",
    Status.submitted: "Chờ duyệt",
    Status.returned: "Trả lại",
}
BOARD_ORDER = list(Status)
# Names of the Prefect states a body's check ends each duty's task run in: what the UI lists.
STATE_NAMES = {
    Status.done_on_time: "Đúng hạn",
    Status.done_late: "Xong quá hạn",
    Status.open: "Trong hạn",
    Status.overdue: "Quá hạn",
    Status.submitted: "Chờ duyệt",
    Status.returned: "Bị trả lại",
}


def _by(moment: datetime | None, now: datetime) -> bool:
    return moment is not None and moment <= now


def classify(a: Assignment, now: datetime, tz: ZoneInfo) -> Status:
    """Status of `a` at `now`. Events stamped after `now` are ignored, so a replay sees the past."""
    due: date = a.effective_due
    if a.state == State.accepted and _by(a.reviewed_at, now):
        assert a.completed_at is not None
        return Status.done_on_time if local_date(a.completed_at, tz) <= due else Status.done_late
    if a.state in (State.submitted, State.accepted) and _by(a.submitted_at, now):
        return Status.submitted
    if a.state == State.returned and _by(a.reviewed_at, now):
        return Status.returned
    return Status.overdue if local_date(now, tz) > due else Status.open


def on_time_rate(counts) -> float | None:
    """Done on time over what was due by now (done, on time or late, or open past its deadline);
    None when nothing was due yet. `counts` maps a Status to a number."""
    due = counts[Status.done_on_time] + counts[Status.done_late] + counts[Status.overdue]
    return counts[Status.done_on_time] / due if due else None
