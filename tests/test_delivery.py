"""Reminders over a replayed quarter, through a real SMTP server and a real HTTP SMS gateway."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import event
from sqlmodel import select

from config import CONFIG_DIR
from models.db import get_engine, session_scope
from models.intake.catalog.load import load_catalogs
from models.operations import outbox
from models.operations.catalog import sync_catalogs
from models.operations.directory import import_directory
from models.operations.schedule import materialize
from models.rules.calendar import WorkingCalendar
from models.rules.policy import Policy
from models.tables.assignment import Assignment, State
from models.tables.notification import Delivery, Notification
from models.tables.org import Contact
from models.tables.plan import Duty
from notifications.channels import Channels
from notifications.runtime import Runtime
from tests.clock import TZ, at
from tests.conftest import LOADED_AT
from tests.servers import SMSGateway, SMTPServer

D = date.fromisoformat

REPLAY_PLAN = """\
plan:
  code: replay
  title: Kế hoạch thử nghiệm nhắc việc
  number: 99/KH-TEST
  period: {start: 2025-04-01, end: 2025-12-31}
  coordinating_body: so-ldtbxh
  leadership_body: ubnd-tinh
  reporting: {days_after_cutoff: 4, basis: coordinator}
bodies:
  - {code: ubnd-tinh, name: Ủy ban nhân dân tỉnh Lai Châu, short_name: UBND tỉnh, kind: leadership}
  - {code: so-ldtbxh, name: Sở Lao động - Thương binh và Xã hội, short_name: Sở LĐ-TB&XH, kind: department}
  - {code: so-yte, name: Sở Y tế, kind: department}
  - {code: cong-an, name: Công an tỉnh, kind: police}
duties:
  - ref: R.1
    source: Điều 1
    title: Báo cáo quý về <script>alert(1)</script> công tác y tế
    text: Báo cáo kết quả thực hiện hằng quý <script>alert("x")</script> & các số liệu.
    bodies: [so-yte]
    cadence: quarterly
  - ref: R.2
    source: Điều 2
    title: Kế hoạch triển khai sau kỳ nghỉ 30/4
    text: Xây dựng kế hoạch triển khai.
    bodies: [cong-an]
    cadence: once
    due: {date: 2025-05-05, basis: coordinator}
"""
DIRECTORY = """\
body,name,role,email,phone
so-yte,Nguyễn Thị Lan,focal,lan@so-yte.dondoc.example,0912 345 678
so-yte,Trần Văn Hùng,head,hung@so-yte.dondoc.example,
cong-an,Lò Văn Sơn,focal,son@cong-an.dondoc.example,
"""


@pytest.fixture
def replay_db(migrated, tmp_path):
    plan = tmp_path / "replay.yaml"
    plan.write_text(REPLAY_PLAN, encoding="utf-8")
    directory = tmp_path / "directory.csv"
    directory.write_text(DIRECTORY, encoding="utf-8")
    with session_scope(migrated) as s:
        sync_catalogs(s, load_catalogs([plan]), now=LOADED_AT)
        import_directory(s, directory, now=LOADED_AT)
    return migrated


@pytest.fixture
def gateway():
    gw = SMSGateway()
    yield gw
    gw.close()


def runtime(url: str, smtp: SMTPServer, gateway: SMSGateway, tmp_path) -> Runtime:
    return Runtime(
        url=url,
        tz=TZ,
        calendar=WorkingCalendar.from_file(CONFIG_DIR / "calendar.yaml"),
        policy=Policy.from_file(CONFIG_DIR / "policy.yaml"),
        channels=Channels(email_url=smtp.url, sms_url=gateway.url, outbox_dir=tmp_path / "outbox"),
        templates=None,
    )


def days(start: str, end: str):
    day = D(start)
    while day <= D(end):
        yield day
        day += timedelta(days=1)


def schedule(rt: Runtime, now: datetime) -> None:
    with session_scope(rt.url) as s:
        materialize(s, until=now.astimezone(TZ).date(), now=now, calendar=rt.calendar)


def sweep(rt: Runtime, now: datetime) -> Counter:
    schedule(rt, now)
    rt.enqueue(now)
    return rt.dispatch(now)


def lan_rows(url: str) -> list[Notification]:
    with session_scope(url) as s:
        return list(
            s.exec(
                select(Notification)
                .where(Notification.contact_id.in_(select(Contact.id).where(Contact.name == "Nguyễn Thị Lan")))
                .order_by(Notification.id)
            )
        )


def replay(rt, smtp, gateway, start, end, *, each_day=None, runs=1) -> list[tuple[date, str, str, str]]:
    """Sweep every morning; returns (day, channel, recipient, subject or SMS text) as received."""
    log = []
    for day in days(start, end):
        if each_day:
            each_day(day)
        seen = (len(smtp.received), len(gateway.received))
        for _ in range(runs):
            sweep(rt, at(day))
        log += [(day, "email", r.to, r.subject) for r in smtp.received[seen[0] :]]
        log += [(day, "sms", p["to"], p["text"]) for p in gateway.received[seen[1] :]]
    return log


# Counted by hand with the Vietnamese calendar (config/calendar.yaml, policy T-7, T-3, T-1, D0, then
# every 3 working days): R.1 2025-Q2 is due Wed 18/6/2025; R.2 is due Mon 5/5/2025, after the
# 30/4, 1/5 and 2/5 holidays, with the make-up Saturday 26/4 a working day.
YTE_EMAIL_DAYS = ["2025-06-09", "2025-06-13", "2025-06-17", "2025-06-18", "2025-06-23", "2025-06-26"]
YTE_SMS_DAYS = ["2025-06-17", "2025-06-18", "2025-06-23", "2025-06-26"]
CONG_AN_DAYS = ["2025-04-22", "2025-04-26", "2025-04-29", "2025-05-05", "2025-05-08", "2025-05-13"]


def submit(url: str, ref: str, day: date) -> None:
    with session_scope(url) as s:
        a = s.exec(select(Assignment).join(Duty).where(Duty.ref == ref)).first()
        a.state, a.submitted_at = State.submitted, at(day)


def test_a_replayed_quarter_reaches_the_right_people_on_the_right_days(replay_db, smtp, gateway, tmp_path):
    rt = runtime(replay_db, smtp, gateway, tmp_path)

    def on(day):  # the police submit their plan on 14/5: the nags stop
        if day == D("2025-05-14"):
            submit(replay_db, "R.2", day)

    log = replay(rt, smtp, gateway, "2025-04-01", "2025-06-30", each_day=on, runs=2)  # every sweep twice
    sent = sorted((d.isoformat(), ch, to) for d, ch, to, _ in log)
    assert len(sent) == len(set(sent))  # nothing twice
    by_key = {(d, ch, to): what for d, ch, to, what in log}
    assert [d for d, ch, to in sent if to == "lan@so-yte.dondoc.example"] == YTE_EMAIL_DAYS
    assert [d for d, ch, to in sent if to == "+84912345678"] == YTE_SMS_DAYS
    assert [d for d, ch, to in sent if to == "son@cong-an.dondoc.example"] == CONG_AN_DAYS
    assert not [to for _, _, to in sent if to.startswith("hung")]  # the head is not reminded
    assert len(smtp.received) == 12 and len(gateway.received) == 4  # nothing twice

    first = by_key[(D("2025-06-09"), "email", "lan@so-yte.dondoc.example")]
    assert first.startswith("[Nhắc việc] R.1 – hạn 18/06/2025")
    t1 = next(r for r in smtp.received if r.to.startswith("lan@") and "Còn 1 ngày làm việc" in r.part("plain"))
    text, html = t1.part("plain"), t1.part("html")
    assert "Kính gửi: Đồng chí Nguyễn Thị Lan, cán bộ đầu mối của Sở Y tế." in text and "Quý II/2025" in text
    assert "Thứ Tư, 18/06/2025" in text and "; mã R.1)" in text
    assert 'Báo cáo kết quả thực hiện hằng quý <script>alert("x")</script> & các số liệu.' in text
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    overdue = by_key[(D("2025-06-23"), "email", "lan@so-yte.dondoc.example")]
    assert overdue.startswith("[Quá hạn] R.1 – quá hạn 3 ngày làm việc")
    sms = by_key[(D("2025-06-18"), "sms", "+84912345678")]
    # True whenever it arrives (quiet hours, a retry): the date, never "hom nay"
    assert sms.isascii() and len(sms) <= 160 and "han 18/06/2025" in sms and "hom nay" not in sms
    assert "y te" not in sms.lower() and "Lan" not in sms  # neutral: no subject matter, no person


def test_smtp_down_for_a_week_loses_nothing(replay_db, smtp, gateway, tmp_path):
    rt = runtime(replay_db, smtp, gateway, tmp_path)

    def outage(day):
        if day == D("2025-04-21"):
            smtp.stop()
        if day == D("2025-04-28"):
            smtp.start()

    replay(rt, smtp, gateway, "2025-04-01", "2025-05-13", each_day=outage)
    received = [r for r in smtp.received if r.to == "son@cong-an.dondoc.example"]
    with session_scope(replay_db) as s:
        rows = s.exec(select(Notification).where(Notification.recipient == "son@cong-an.dondoc.example")).all()
    # Six steps, none lost; the two the outage held back went in one message when it ended.
    assert len(rows) == len(CONG_AN_DAYS) and len(received) == len(CONG_AN_DAYS) - 1
    assert sorted(r.step.split("@")[0] for r in rows) == sorted(["T-7", "T-3", "T-1", "D0", "D+3", "D+6"])
    assert {r.status for r in rows} == {Delivery.sent}
    # T-7 (22/4) was tried every morning of the outage and went on the 7th try, when it ended.
    assert max(r.attempts for r in rows) == 7


def test_a_gateway_error_in_a_200_body_is_a_failure(replay_db, smtp, gateway, tmp_path):
    rt = runtime(replay_db, smtp, gateway, tmp_path)
    gateway.mode = "error-body"
    sweep(rt, at(D("2025-06-17")))
    with session_scope(replay_db) as s:
        (row,) = s.exec(select(Notification).where(Notification.channel == "sms")).all()
    assert row.status == Delivery.failed and "invalid sender" in row.last_error
    assert row.next_attempt_at > at(D("2025-06-17"))
    gateway.mode = "ok"
    assert sweep(rt, at(D("2025-06-18")))[Delivery.sent] >= 1
    with session_scope(replay_db) as s:
        assert s.get(Notification, row.id).status == Delivery.sent


def test_a_refused_address_is_dead_at_once_and_sms_takes_over(replay_db, smtp, gateway, tmp_path):
    with session_scope(replay_db) as s:
        lan = s.exec(select(Contact).where(Contact.name == "Nguyễn Thị Lan")).one()
        lan.email = "bad-lan@so-yte.dondoc.example"
    rt = runtime(replay_db, smtp, gateway, tmp_path)
    sweep(rt, at(D("2025-06-09")))  # T-7: email only
    email, fallback = lan_rows(replay_db)
    assert email.status == Delivery.dead and email.attempts == 1 and "SMTP 550" in email.last_error
    assert (fallback.channel, fallback.status, fallback.step) == ("sms", Delivery.sent, "T-7@2025-06-18")
    assert gateway.received[0]["to"] == "+84912345678"


def test_a_reminder_is_cancelled_when_the_duty_was_submitted_meanwhile(replay_db, smtp, gateway, tmp_path):
    rt = runtime(replay_db, smtp, gateway, tmp_path)
    now = at(D("2025-06-09"))
    schedule(rt, now)
    rt.enqueue(now)
    submit(replay_db, "R.1", D("2025-06-09"))
    (row,) = lan_rows(replay_db)
    assert rt.dispatch(now, ids=[row.id]) == Counter({Delivery.cancelled: 1})
    assert smtp.received == []


def test_five_late_runs_send_each_reminder_once(replay_db, smtp, gateway, tmp_path):
    """After an outage the scheduler fires five missed sweeps at once: all decide from `now`."""
    rt = runtime(replay_db, smtp, gateway, tmp_path)
    now = at(D("2025-06-13"))  # T-3, after T-7 was missed during the outage
    for _ in range(5):
        sweep(rt, now)
    to_lan = [r.subject for r in smtp.received if r.to.startswith("lan@")]
    assert [subject.split(":")[0] for subject in to_lan] == ["[Nhắc việc] R.1 – hạn 18/06/2025"]
    assert [r.step.split("@")[0] for r in lan_rows(replay_db)] == ["T-3"]


def test_a_message_that_cannot_be_rendered_fails_alone(replay_db, smtp, gateway, tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "overdue-subject.txt").write_text("{{ no_such_value }}", encoding="utf-8")
    rt = runtime(replay_db, smtp, gateway, tmp_path)
    rt = Runtime(**{**rt.__dict__, "templates": templates})
    counts = sweep(rt, at(D("2025-05-08")))  # police: D+3 nag (broken); others unaffected
    assert counts[Delivery.dead] == 1
    with session_scope(replay_db) as s:
        (row,) = s.exec(select(Notification).where(Notification.status == Delivery.dead)).all()
    assert row.step.startswith("D+3@") and "rendering failed" in row.last_error


def test_after_three_failed_emails_the_sms_channel_is_tried(replay_db, smtp, gateway, tmp_path):
    rt = runtime(replay_db, smtp, gateway, tmp_path)
    smtp.stop()
    for day in ("2025-06-09", "2025-06-10"):  # T-7 is email only; the server is down
        sweep(rt, at(D(day)))
    assert [r.channel for r in lan_rows(replay_db)] == ["email"]
    sweep(rt, at(D("2025-06-11")))  # the third failed attempt
    email, sms = lan_rows(replay_db)
    assert (email.status, email.attempts) == (Delivery.failed, 3)
    assert (sms.channel, sms.step.split("@")[0], sms.status) == ("sms", "T-7", Delivery.sent)
    assert [p["to"] for p in gateway.received] == ["+84912345678"]
    smtp.start()
    sweep(rt, at(D("2025-06-12")))
    assert lan_rows(replay_db)[0].status == Delivery.sent  # the email still goes once the server is back


def test_a_per_duty_override_changes_the_steps_of_that_duty_only(replay_db, smtp, gateway, tmp_path):
    from models.rules.policy import Override

    rt = runtime(replay_db, smtp, gateway, tmp_path)
    policy = rt.policy.model_copy(update={"overrides": {"R.1": Override(steps=[-10, 0])}})
    rt = Runtime(**{**rt.__dict__, "policy": policy})
    schedule(rt, at(D("2025-06-04")))
    planned = rt.plan(
        at(D("2025-06-04"))
    )  # T-10 of 18/6 for R.1; R.2 (due 5/5) is 21 days late: its weekly nag is D+19
    assert {p.step.name for p in planned} == {"T-10", "D+19"}
    assert {p.step.name for p in rt.plan(at(D("2025-06-09")))} == {"T-10", "D+24"}  # no T-7 for R.1


def test_a_shard_sends_to_its_own_bodies_contacts_only(replay_db, smtp, gateway, tmp_path):
    """A sweep shard (`bodies`) sends what is queued for its bodies' contacts and leaves the rest
    for their own shard: shards running at once do not all reach for the same rows."""
    rt = runtime(replay_db, smtp, gateway, tmp_path)
    for day in days("2025-04-25", "2025-06-20"):  # R.2 (Công an) falls due in May, R.1 (Sở Y tế) in June
        schedule(rt, at(day))
        rt.enqueue(at(day))
    end = at(D("2025-06-20"))
    with session_scope(replay_db) as s:
        body_of = dict(s.exec(select(Contact.id, Contact.body_id)).all())
        rows = s.exec(select(Notification.contact_id, Notification.recipient)).all()
    (police,) = rt.body_ids(["cong-an"])
    ours = {r for c, r in rows if body_of[c] == police}
    theirs = {r for c, r in rows if body_of[c] != police}
    assert ours and theirs
    rt.dispatch(end, body_ids=[police])
    assert {m.to for m in smtp.received} == {r for r in ours if "@" in r}
    with session_scope(replay_db) as s:
        pending = {n.recipient for n in s.exec(select(Notification).where(Notification.status == Delivery.pending))}
    assert pending == theirs
    rt.dispatch(end)  # the other shard's turn: the rest, and nothing twice
    assert Counter(m.to for m in smtp.received) == Counter({r: 1 for r in ours | theirs if "@" in r})


def test_the_outbox_queues_a_batch_at_a_time_and_a_rerun_queues_nothing(migrated, monkeypatch):
    """A day's national reminders are some 320,000 rows: made and inserted QUEUE_BATCH at a time
    (a gigabyte as dicts at once); across the batches' edges, each row once."""
    monkeypatch.setattr(outbox, "QUEUE_BATCH", 7)
    made: list[int] = []

    def rows():
        for i in range(20):
            made.append(i)
            yield outbox.message(
                f"batch-{i}", "alert", "email", f"u{i}@x.example", contact_id=None, step="s", now=at("2025-06-16")
            )

    inserts: list[int] = []  # how many rows had been made as each INSERT went out

    def watch(_conn, _cursor, statement, *_args) -> None:
        if statement.lstrip().upper().startswith("INSERT"):
            inserts.append(len(made))

    event.listen(get_engine(migrated), "before_cursor_execute", watch)
    try:
        with session_scope(migrated) as s:
            ids = outbox.queue(s, rows())
    finally:
        event.remove(get_engine(migrated), "before_cursor_execute", watch)
    assert inserts == [7, 14, 20] and len(set(ids)) == 20  # made a batch at a time, each row once
    with session_scope(migrated) as s:
        assert outbox.queue(s, rows()) == []  # the same keys again: nothing queued twice
        assert sorted(s.exec(select(Notification.dedupe_key))) == sorted(f"batch-{i}" for i in range(20))
