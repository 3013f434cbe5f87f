"""Escalation over a replayed June-July 2025 against the real SMTP server: level 1 the day after
the due date to the body's head and the coordinating body, level 2 ten working days later to
provincial leadership; one notice per recipient per day; stopped by a submission, resumed by a
return, moved by an extension; reruns send nothing twice."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select

from config.settings import get_settings
from models.db import session_scope
from models.tables.assignment import Assignment, State
from models.tables.audit import AuditEntry
from models.tables.plan import Duty
from notifications.runtime import Runtime
from tests.cli import cli, init, load_example, status_rows
from tests.clock import TZ, at
from tests.dues import CALENDAR, H1

HEAD_YTE = "thutruong@so-yte.dondoc.example"
COORDINATOR = "daumoi@so-ldtbxh.dondoc.example"
LEADER = "lanhdao@ubnd-tinh.dondoc.example"
DUE = H1  # the six-month report of 2025 and the ongoing duties: Tuesday 17/6/2025
D1, D10 = CALENDAR.add_working_days(DUE, 1), CALENDAR.add_working_days(DUE, 10)  # 18/6, 1/7


@pytest.fixture
def june(env, smtp, monkeypatch):
    """The plan up to 2025-H1, everything done but what falls due on DUE; mail to the real SMTP
    server."""
    monkeypatch.setenv("DONDOC_EMAIL_URL", smtp.url)
    # The plan's own bodies: the ladder's mechanics. With the organisation history, Sở Y tế
    # coordinates from 1/3/2025 and the districts end on 30/6 (tests/test_organisation.py).
    monkeypatch.setenv("DONDOC_ORGANISATION_FILE", "")
    get_settings.cache_clear()
    load_example("2025-06-30")
    done = datetime(2025, 5, 1, tzinfo=TZ)
    with session_scope(env) as s:
        s.execute(
            update(Assignment)
            .where(Assignment.due != DUE)
            .values(state=State.accepted, submitted_at=done, reviewed_at=done, completed_at=done)
        )
        due = s.exec(select(Assignment).where(Assignment.due == DUE)).all()
        assert len(due) > 10
    return Runtime.from_settings(get_settings())


def sweep(runtime: Runtime, day: date) -> None:
    runtime.escalate(at(day))
    runtime.dispatch(at(day))


def notices(smtp, to: str) -> list:
    return [m for m in smtp.received if m.to == to and m.subject.startswith("[Quá hạn – cấp")]


def assignment_of(db: str, body: str) -> int:
    rows = status_rows(DUE.isoformat(), body)
    return next(r["id"] for r in rows if r["due"] == DUE.isoformat())


def test_the_ladder_over_a_replayed_period(june, smtp, env):
    yte, congan, lan = (assignment_of(env, b) for b in ("so-yte", "cong-an", "so-vhttdl"))
    # 16/6: an extension to 27/6 for Sở VHTT&DL, approved before the due date.
    cli(
        "extension",
        "request",
        str(lan),
        "--until",
        "2025-06-27",
        "--reason",
        "Chờ số liệu",
        "--as-of",
        "2025-06-13T09:00",
    )
    cli("extension", "decide", "1", "--approve", "--as-of", "2025-06-16T09:00")

    sweep(june, DUE)  # the due day: nothing yet
    assert not [m for m in smtp.received if m.subject.startswith("[Quá hạn – cấp")]

    sweep(june, D1)  # D+1: level 1
    sweep(june, D1)  # a rerun the same morning
    (head,) = notices(smtp, HEAD_YTE)
    (coordinator,) = notices(smtp, COORDINATOR)
    assert head.subject.startswith("[Quá hạn – cấp 1]") and "Sở Y tế" in head.subject
    assert "Công an" not in head.part("plain")  # the head reads only their own body's items
    # Each reader is asked what is theirs to do: the head to direct the body, the coordinating body
    # to follow up; provincial leadership (below) is reported to, for direction.
    assert head.part("plain").startswith("Kính gửi: Đồng chí ") and ", Thủ trưởng Sở Y tế." in head.part("plain")
    assert "Đề nghị đồng chí chỉ đạo đơn vị khẩn trương thực hiện" in head.part("plain")
    text = coordinator.part("plain")
    assert "Đề nghị đồng chí đôn đốc các cơ quan" in text and "chỉ đạo đơn vị" not in text
    assert "Sở Y tế" in text and "Công an tỉnh" in text and "quá hạn 1 ngày" in text
    with session_scope(env) as s:
        overdue = len(s.exec(select(Assignment).where(Assignment.due == DUE)).all()) - 1  # one extended
        # Requests (to bodies the province does not direct) go no further than the coordinator.
        requests = len(
            s.exec(
                select(Assignment).join(Duty, Duty.id == Assignment.duty_id).where(Assignment.due == DUE, Duty.request)
            ).all()
        )
    assert f"{overdue} nhiệm vụ quá hạn của" in coordinator.subject
    assert not notices(smtp, LEADER)

    # 25/6: Công an submits (the ladder stops); Sở Y tế stays silent.
    cli("confirm", str(congan), "--reference", "45/CAT-PV01", "--as-of", "2025-06-25T10:00")
    day = D1 + timedelta(days=1)
    while day < D10:  # no new notice until D+10, whatever the number of sweeps
        sweep(june, day)
        day += timedelta(days=1)
    assert len(notices(smtp, HEAD_YTE)) == 1
    # The extended item is due 27/6: its D+1 is 30/6, when its head and the coordinator hear of it.
    _, extended = notices(smtp, "thutruong@so-vhttdl.dondoc.example")
    assert extended.subject.startswith("[Quá hạn – cấp 1] Kế hoạch 3742/KH-UBND: 1 nhiệm vụ quá hạn của Sở")
    assert [m.subject.split(": ", 1)[1].split(" quá")[0] for m in notices(smtp, COORDINATOR)] == [
        f"{overdue} nhiệm vụ",
        "1 nhiệm vụ",
    ]

    sweep(june, D10)  # D+10: level 2 to leadership
    sweep(june, D10)
    (leader,) = notices(smtp, LEADER)
    assert leader.subject.startswith("[Quá hạn – cấp 2]")
    assert "Sở Y tế" in leader.part("plain") and "quá hạn 10 ngày làm việc" in leader.part("plain")
    assert "kính báo cáo đồng chí xem xét, chỉ đạo" in leader.part("plain") and "Đề nghị" not in leader.subject
    # Addressed by the position the directory gives (config/directory.example.csv), not the role.
    assert leader.part("plain").startswith(
        "Kính gửi: Đồng chí Trần Thị Hằng, Phó Chủ tịch Ủy ban nhân dân tỉnh Lai Châu."
    )
    # All but the one submitted (and the extended one, and the requests).
    assert f": {overdue - 1 - requests} nhiệm vụ" in leader.subject

    # 3/7: Công an's submission is returned: the ladder resumes, straight to the level it missed.
    cli("review", str(congan), "--return", "Thiếu số liệu", "--as-of", "2025-07-03T09:00")
    sweep(june, date(2025, 7, 4))
    assert len(notices(smtp, LEADER)) == 2
    # Only the returned item: the others were told at this level already.
    assert (
        notices(smtp, LEADER)[1].subject
        == "[Quá hạn – cấp 2] Kế hoạch 3742/KH-UBND: 1 nhiệm vụ quá hạn của Công an tỉnh"
    )
    assert "bị trả lại" in notices(smtp, LEADER)[1].part("plain")

    rows = {r["id"]: r for r in status_rows("2025-07-04")}
    assert (rows[yte]["escalation_level"], rows[congan]["escalation_level"], rows[lan]["escalation_level"]) == (2, 2, 1)
    with session_scope(env) as s:
        levels = [
            e.details["level"]
            for e in s.exec(
                select(AuditEntry).where(AuditEntry.action == "assignment.escalated", AuditEntry.entity_id == yte)
            )
        ]
    assert levels == [1, 2]


def test_without_a_directory_levels_rise_and_nothing_is_queued(env, monkeypatch):
    monkeypatch.setenv("DONDOC_ORGANISATION_FILE", "")  # the plan's bodies: none ends before 4/7
    get_settings.cache_clear()
    init()
    cli("schedule", "--until", "2025-06-30")
    runtime = Runtime.from_settings(get_settings())
    assert runtime.escalate(at(date(2025, 7, 4))) == 0
    rows = status_rows("2025-07-04")
    # Requests (to bodies the province does not direct) stop at level 1 by default.
    assert {r["escalation_level"] for r in rows if r["due"] == H1.isoformat() and not r["request"]} == {2}
    assert {r["escalation_level"] for r in rows if r["due"] == H1.isoformat() and r["request"]} <= {1}
