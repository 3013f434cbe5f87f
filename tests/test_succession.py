"""Successions by hand: after `dondoc org succeed`, reminders for later periods go to the
successor's contacts, escalation goes to the successor coordinator when the role moved, and history
keeps the original body. A file of successions (`dondoc org apply`) applies all or nothing. These
start from the plan's own bodies (no organisation file); the shipped history is tested in
tests/test_organisation.py."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlmodel import select

from config import CONFIG_DIR
from config.settings import get_settings
from models.db import session_scope
from models.tables.assignment import Assignment, State
from models.tables.notification import Notification
from models.tables.org import Body
from notifications.runtime import Runtime
from tests.cli import cli, load_example, status_rows
from tests.clock import TZ


@pytest.fixture
def plan(env, monkeypatch):
    monkeypatch.setenv("DONDOC_ORGANISATION_FILE", "")  # the plan's bodies, as before any history
    get_settings.cache_clear()
    load_example("2025-02-28")
    with session_scope(env) as s:  # everything before 2025 done, so that only 2025 is news
        for a in s.exec(select(Assignment).where(Assignment.due < date(2025, 1, 1))):
            done = datetime(a.due.year, a.due.month, a.due.day, 9, tzinfo=TZ)
            a.state, a.submitted_at, a.reviewed_at, a.completed_at = State.accepted, done, done, done
    return env


def test_succession_moves_reminders_escalation_and_keeps_history(plan, smtp, monkeypatch):
    listed = status_rows("2025-02-28")
    before = {r["id"]: r["body"] for r in listed}
    assert "so-tttt" in before.values()
    assert "0 lượt" not in cli("org", "succeed", "so-tttt", "so-vhttdl", "--from", "2025-03-01")
    assert "Vai trò điều phối" in cli(
        "org", "succeed", "so-ldtbxh", "so-yte", "--from", "2025-03-01", "--coordinator", "--note", "NĐ 45/2025/NĐ-CP"
    )
    cli("schedule", "--until", "2025-06-30")  # later periods are created for the successors
    after = {r["id"]: r for r in status_rows("2025-06-30")}
    moved = [i for i, body in before.items() if body == "so-tttt" and i in after and after[i]["body"] == "so-vhttdl"]
    kept = [i for i, body in before.items() if body == "so-tttt" and i in after and after[i]["body"] == "so-tttt"]
    # so-vhttdl has its own V.BC: so-tttt's, untouched, is not moved but removed (it would report twice)
    gone = [i for i, body in before.items() if body == "so-tttt" and i not in after]
    assert gone and {r["ref"] for r in listed if r["id"] in gone} == {"V.BC"}
    assert moved and kept  # open ones due from 1/3 moved; finished ones (history) stayed
    assert all(after[i]["status"] == "done_on_time" for i in kept)
    assert not [r for r in after.values() if r["body"] == "so-tttt" and r["due"] >= "2025-03-01"]

    monkeypatch.setenv("DONDOC_EMAIL_URL", smtp.url)
    get_settings.cache_clear()
    runtime = Runtime.from_settings(get_settings())
    morning = datetime(2025, 6, 9, 8, tzinfo=TZ)  # T-7 for 18/6
    runtime.enqueue(morning)
    with session_scope(plan) as s:
        recipients = set(s.exec(select(Notification.recipient)))
    assert "daumoi@so-vhttdl.dondoc.example" in recipients
    assert not {r for r in recipients if "so-tttt" in r or "so-ldtbxh" in r}

    runtime.escalate(datetime(2025, 6, 19, 8, tzinfo=TZ))  # D+1: level 1 to the new coordinator
    runtime.dispatch(datetime(2025, 6, 19, 8, tzinfo=TZ))
    # A notice alone, or in the day's one message with the reader's own reminders (Sở Y tế's).
    notices = [
        m for m in smtp.received if m.subject.startswith("[Quá hạn – cấp 1]") or "NHIỆM VỤ QUÁ HẠN" in m.part("plain")
    ]
    told = {m.to for m in notices}
    assert "daumoi@so-yte.dondoc.example" in told and "daumoi@so-ldtbxh.dondoc.example" not in told
    (coordinator_notice,) = [m for m in notices if m.to == "daumoi@so-yte.dondoc.example"]
    assert "Sở Văn hóa" in coordinator_notice.part("plain")
    signed = " ".join(coordinator_notice.part("plain").split())
    assert "Trân trọng, Sở Y tế --" in signed  # signed by the new coordinator, above the footer


def test_the_organisation_file_applies_by_hand_all_or_nothing(plan, tmp_path):
    out = cli("org", "apply", str(CONFIG_DIR / "organisation" / "lai-chau.yaml"))
    assert "39 cơ quan mới" in out and "47 chuyển giao mới" in out
    with session_scope(plan) as s:
        so_tttt = s.exec(select(Body.id).where(Body.code == "so-tttt")).one()
        assert not s.exec(
            select(Assignment).where(Assignment.body_id == so_tttt, Assignment.due >= date(2025, 3, 1))
        ).all()
    assert "0 chuyển giao mới" in cli("org", "apply", str(CONFIG_DIR / "organisation" / "lai-chau.yaml"))
    bad = tmp_path / "overlay.yaml"
    bad.write_text(
        "successions:\n"
        "  - {from: so-yte, to: so-vhttdl, effective_from: 2025-09-01, source: x, verified: y}\n"
        "  - from: so-nowhere\n    to: so-yte\n    effective_from: 2025-09-01\n    source: x\n    verified: y\n",
        encoding="utf-8",
    )
    before = status_rows("2025-12-31")
    error = cli("org", "apply", str(bad), code=1)
    assert "overlay.yaml:3" in error and "successions[1].from" in error and "so-nowhere" in error
    assert status_rows("2025-12-31") == before  # the valid first entry was not applied either
