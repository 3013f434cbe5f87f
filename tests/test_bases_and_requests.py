"""What officials read about a due date (issue 12, part 1), over a replayed June-July 2025 with the
example directory: every message that shows a date says who set it (never its SMS); ongoing duties
("thường xuyên") speak of the report due on them; requests to bodies the province does not direct
are asked for, followed up by the coordinating body only, and never reach provincial leadership
unless the policy says so.

The duties' bases, natures and requests are set here, whatever the catalog says of them; the days
are counted from the half-year's report date, whichever the catalog sets."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import date, datetime
from html import escape
from typing import NamedTuple

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from config import CONFIG_DIR
from config.settings import get_settings
from models.db import session_scope
from models.operations.org import acting_body
from models.rules.policy import Level, Policy
from models.tables.assignment import Assignment, State
from models.tables.notification import Notification
from models.tables.org import Body, Contact, Role
from models.tables.plan import Duty, Plan
from notifications.context import Rendering
from notifications.kinds import KINDS
from notifications.render import make_message
from notifications.runtime import Runtime
from notifications.sms import fold
from notifications.wording import CONTINUOUS_REPORT
from tests.cli import cli, load_example
from tests.clock import TZ, at

CLAUSE = "định kỳ 06 tháng 01 năm báo cáo UBND tỉnh"
SENTENCE = f"Hạn theo Kế hoạch số 3742/KH-UBND: “{CLAUSE}”."
REQUESTED = ("vks", "tand")  # item 11: "Đề nghị Viện Kiểm sát nhân dân tỉnh, Tòa án nhân dân tỉnh"
ORDERS = ("khẩn trương", "yêu cầu", "Đề nghị đơn vị", "chỉ đạo các cơ quan")
LEADER = "lanhdao@ubnd-tinh.dondoc.example"


class June(NamedTuple):
    runtime: Runtime
    db: str
    due: date  # the day most of the half-year's reports fall due

    def day(self, offset: int) -> date:
        """`offset` working days from the due day."""
        return self.runtime.calendar.add_working_days(self.due, offset)

    def sweep(self, offset: int) -> None:
        self.runtime.enqueue(at(self.day(offset)))
        self.runtime.escalate(at(self.day(offset)))

    def stamp(self, offset: int, hour: int = 9) -> str:
        return f"{self.day(offset).isoformat()}T{hour:02d}:00"

    def ids(self, *codes: str) -> set[int]:
        with session_scope(self.db) as s:
            return ids_of(s, self.due, *codes)

    def coordinator(self) -> tuple[str, str]:
        """The coordinating body acting on the due day (the organisation's history decides which):
        its label and its focal point's address."""
        with session_scope(self.db) as s:
            plan = s.exec(select(Plan)).first()
            body = s.get(Body, acting_body(s, plan.coordinating_body_id, self.due))
            focal = s.exec(select(Contact).where(Contact.body_id == body.id, Contact.role == Role.focal)).first()
            return body.label, focal.email


def ids_of(s: Session, due: date, *codes: str) -> set[int]:
    query = select(Assignment.id).join(Body, Body.id == Assignment.body_id).where(Assignment.due == due)
    return set(s.exec(query.where(Body.code.in_(codes)) if codes else query))


@pytest.fixture
def june(env, smtp, monkeypatch) -> June:
    """The plan up to 2025-H1 with the example directory, everything done but what falls due on
    the half-year's report day. Every date set by the plan's closing clause; Sở Y tế's duties
    ongoing work; item 11 a request to the procuracy and the court."""
    monkeypatch.setenv("DONDOC_EMAIL_URL", smtp.url)
    get_settings.cache_clear()
    load_example("2025-06-30")
    done = datetime(2025, 5, 1, tzinfo=TZ)
    with session_scope(env) as s:
        dues = Counter(
            s.exec(select(Assignment.due).where(Assignment.due.between(date(2025, 6, 1), date(2025, 6, 30))))
        )
        ((due, _),) = dues.most_common(1)
        s.execute(
            update(Assignment)
            .where(Assignment.due != due)
            .values(state=State.accepted, submitted_at=done, reviewed_at=done, completed_at=done)
        )
        s.execute(update(Duty).values(due_basis="plan", due_source=CLAUSE, request=False))
        s.execute(update(Duty).where(Duty.ref.like("V.11.%")).values(request=True))
        yte = s.exec(select(Body.id).where(Body.code == "so-yte")).one()
        s.execute(update(Duty).where(Duty.body_id == yte).values(nature="continuous"))
        assert ids_of(s, due, *REQUESTED) and len(ids_of(s, due)) > 10
    return June(Runtime.from_settings(get_settings()), env, due)


def rendered(june: June, **where) -> list[tuple[Notification, object]]:
    """Every outbox row still wanted (by its kind), rendered now, as the dispatcher would."""
    out = []
    with session_scope(june.db) as s:
        for row in s.exec(select(Notification).filter_by(**where).order_by(Notification.id)):
            kind = KINDS[row.kind]
            ctx = kind.context(s, row, Rendering(row.created_at, june.runtime.calendar, TZ))
            if kind.wanted(ctx):
                out.append((row, make_message(row.kind, ctx).prepare("email")))
    return out


def escalation_levels(june: June) -> dict[int, int]:
    with session_scope(june.db) as s:
        return {a.id: a.escalation_level for a in s.exec(select(Assignment).where(Assignment.due == june.due))}


def test_every_date_in_every_message_carries_its_basis_and_no_sms_does(june):
    with session_scope(june.db) as s:  # two items of bodies the province directs: one extended, one returned
        lan, police, *_ = sorted(
            s.exec(
                select(Assignment.id)
                .join(Duty, Duty.id == Assignment.duty_id)
                .where(Assignment.due == june.due, Duty.request.is_(False))
            )
        )
    until = june.day(8).isoformat()
    cli("extension", "request", str(lan), "--until", until, "--reason", "Chờ số liệu", "--as-of", june.stamp(-2))
    cli("extension", "decide", "1", "--approve", "--as-of", june.stamp(-1))
    for offset in (-3, 1, 3):
        june.sweep(offset)
    cli("confirm", str(police), "--reference", "45/CAT-PV01", "--as-of", june.stamp(5))
    cli("review", str(police), "--return", "Thiếu số liệu", "--as-of", june.stamp(6))
    june.sweep(10)
    june.runtime.digest("leadership", at(june.day(10), 17))
    june.runtime.digest("coordinator", at(june.day(10), 17))

    # An approved extension is the coordinating body's date, the original one named.
    label, _ = june.coordinator()
    extended = f"Hạn theo đề nghị của cơ quan thường trực ({label}): đã gia hạn, hạn ban đầu {june.due:%d/%m/%Y}."
    messages = rendered(june)
    kinds = {row.kind for row, _ in messages}
    assert kinds >= {"reminder", "overdue", "escalation", "receipt", "returned", "extension"}
    assert kinds >= {"digest-leadership", "digest-coordinator"}
    for row, m in messages:
        # A message about one item says its basis; a notice or a digest lists several (the
        # extended item's own notice only it).
        expected = {lan: [extended]}.get(row.assignment_id, [SENTENCE] if row.assignment_id else [SENTENCE, extended])
        assert any(e in m.text for e in expected), (row.kind, m.text)
        assert any(escape(e, quote=False) in m.html for e in expected), (row.kind, m.html)
        if KINDS[row.kind].sms:
            assert "Han theo" not in m.sms and fold(CLAUSE) not in m.sms, m.sms


def test_ongoing_work_is_spoken_of_as_its_report(june):
    with session_scope(june.db) as s:  # every duty ongoing work, so that every notice lists only such
        s.execute(update(Duty).values(nature="continuous"))
    for offset in (-3, 1, 3):
        june.sweep(offset)
    emails = [(row, m) for row, m in rendered(june) if row.channel == "email"]
    assert {row.kind for row, _ in emails} == {"reminder", "overdue", "escalation"}
    for row, m in emails:
        for part in (m.text, m.html):
            assert CONTINUOUS_REPORT in part.lower(), (row.kind, part)
            assert "hạn hoàn thành" not in part.lower(), (row.kind, part)
    reminders = [m.text for row, m in emails if row.kind == "reminder"]
    assert reminders and all(f"Còn 3 ngày làm việc đến hạn gửi {CONTINUOUS_REPORT} kỳ " in t for t in reminders)
    assert all(
        "Báo cáo cần gửi: Báo cáo kết quả thực hiện nhiệm vụ thường xuyên kỳ 6 tháng đầu năm 2025" in t
        for t in reminders
        if "Kỳ:       6 tháng đầu năm 2025" in t
    )


def test_a_request_is_asked_for_never_ordered(june):
    for offset in (-3, 3):
        june.sweep(offset)
    requested = june.ids(*REQUESTED)
    with session_scope(june.db) as s:
        text_of = {
            a.id: d.text
            for a, d in s.exec(
                select(Assignment, Duty).join(Duty, Duty.id == Assignment.duty_id).where(Assignment.id.in_(requested))
            )
        }
    asked = [(row, m) for row, m in rendered(june) if row.assignment_id in requested and row.channel == "email"]
    assert {row.kind for row, _ in asked} == {"reminder", "overdue"}
    for row, m in asked:
        for part in (m.text, m.html):
            letter = part.replace(text_of[row.assignment_id], "")  # the plan's own words aside
            assert "đề nghị quý cơ quan" in letter and "Trân trọng" in letter, letter
            assert "Nội dung đề nghị" in letter
            for order in ORDERS:
                assert order not in letter, (row.kind, order)
    overdue = next(m.text for row, m in asked if row.kind == "overdue")
    assert "Ủy ban nhân dân tỉnh Lai Châu trân trọng đề nghị quý cơ quan quan tâm" in overdue


def test_a_request_is_followed_up_by_the_coordinator_and_never_reaches_leadership(june):
    requested = june.ids(*REQUESTED)
    june.sweep(1)  # D+1: level 1
    notices = rendered(june, kind="escalation", channel="email")
    assert not [row for row, _ in notices if row.recipient.split("@")[1].split(".")[0] in REQUESTED]
    (notice,) = [m for row, m in notices if row.recipient == june.coordinator()[1]]
    directed, asked = notice.text.split("CÁC NỘI DUNG ĐỀ NGHỊ PHỐI HỢP")
    assert "Viện Kiểm sát nhân dân tỉnh" in asked and "Tòa án nhân dân tỉnh" in asked
    assert "Viện Kiểm sát" not in directed and "Sở Y tế" in directed
    assert "liên hệ, trao đổi" in asked and "khẩn trương" not in asked

    june.sweep(10)  # D+10: level 2 for what the province directs, not for requests
    levels = escalation_levels(june)
    assert {levels[a] for a in requested} == {1}
    assert {levels[a] for a in june.ids("so-yte", "cong-an")} == {2}
    (leader,) = [m for row, m in rendered(june, kind="escalation", recipient=LEADER)]
    assert "Viện Kiểm sát" not in leader.text and "Tòa án" not in leader.text


def test_a_policy_can_report_requests_to_leadership_and_tell_their_heads(june):
    requests = [
        Level(level=1, after=1, notify=["head", "coordinator"]),
        Level(level=2, after=10, notify=["leadership"]),
    ]
    shipped = june.runtime.policy.model_dump()
    policy = Policy.model_validate(
        {**shipped, "escalation": {**shipped["escalation"], "requests": [lv.model_dump() for lv in requests]}}
    )
    june = june._replace(runtime=dataclasses.replace(june.runtime, policy=policy))
    requested = june.ids(*REQUESTED)
    june.sweep(1)
    (head,) = [m for row, m in rendered(june, kind="escalation", recipient="thutruong@vks.dondoc.example")]
    # The head of a body the province does not direct is asked too, in the words of a request.
    assert "trân trọng đề nghị quý cơ quan" in head.text and "khẩn trương" not in head.text
    june.sweep(10)
    assert {escalation_levels(june)[a] for a in requested} == {2}
    (leader,) = [m for row, m in rendered(june, kind="escalation", recipient=LEADER)]
    assert "Viện Kiểm sát nhân dân tỉnh" in leader.text


def test_the_default_ladders():
    esc = Policy().escalation
    assert [lv.notify for lv in esc.ladder("p", "V.11.1", True)] == [["coordinator"]]
    assert [lv.notify for lv in esc.ladder("p", "V.2.1")] == [["head", "coordinator"], ["leadership"]]
    # A duty's own ladder still wins; an empty one for requests escalates none.
    own = [Level(level=1, after=2, notify=["focal"])]
    assert Policy(escalation={"duties": {"V.11.1": own}}).escalation.ladder("p", "V.11.1", True) == tuple(own)
    assert Policy(escalation={"requests": []}).escalation.ladder("p", "V.11.1", True) == ()
    shipped = Policy.from_file(CONFIG_DIR / "policy.yaml").escalation
    assert shipped.ladder("lai-chau-pcmd-2021-2025", "V.11.1", True) == esc.ladder("p", "V.11.1", True)
