"""One message a day (issue 14): a month of sweeps with many overdue items, against the real SMTP
server and SMS gateway. Each contact receives at most one email and one SMS a day; every item the
sweep queued for them is in that day's email; a second sweep the same day sends nothing."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from sqlalchemy import event
from sqlmodel import select

from config.settings import get_settings
from models.db import get_engine, session_scope
from models.tables.assignment import Assignment
from models.tables.notification import Delivery, Notification
from models.tables.plan import Duty
from notifications.runtime import Runtime
from tests.cli import load_example
from tests.clock import TZ, at
from tests.dues import CALENDAR
from tests.servers import SMSGateway

MONTH = [d for d in (date(2025, 12, 1) + timedelta(days=n) for n in range(31)) if CALENDAR.is_working_day(d)]


def test_a_month_sends_one_email_and_one_sms_a_day_to_each_contact(env, smtp, monkeypatch):
    gateway = SMSGateway()
    monkeypatch.setenv("DONDOC_EMAIL_URL", smtp.url)
    monkeypatch.setenv("DONDOC_SMS_URL", gateway.url)
    monkeypatch.setenv("DONDOC_PORTAL_URL", "")  # items show their number: the test finds each in its email
    get_settings.cache_clear()
    load_example("2025-12-31")
    runtime = Runtime.from_settings(get_settings())
    emails: Counter = Counter()
    texts: dict[tuple, str] = {}
    try:
        for day in MONTH:
            seen = (len(smtp.received), len(gateway.received))
            runtime.enqueue(at(day))
            runtime.escalate(at(day))
            runtime.dispatch(at(day, 9))  # after the quiet hours: the SMS go too
            after = (len(smtp.received), len(gateway.received))
            runtime.enqueue(at(day, 14))  # a second sweep the same day sends nothing
            runtime.escalate(at(day, 14))
            runtime.dispatch(at(day, 14))
            assert (len(smtp.received), len(gateway.received)) == after
            for r in smtp.received[seen[0] :]:
                emails[(day, "email", r.to)] += 1
                texts[(day, r.to)] = r.part("plain")
            for p in gateway.received[seen[1] :]:
                emails[(day, "sms", p["to"])] += 1
                assert p["text"].isascii() and len(p["text"]) <= 160
    finally:
        gateway.close()
    assert emails and max(emails.values()) == 1, "at most one email and one SMS per contact per day"

    with session_scope(env) as s:
        rows = s.exec(select(Notification).where(Notification.kind.in_(["reminder", "overdue", "escalation"]))).all()
        refs = dict(s.exec(select(Assignment.id, Duty.ref).join(Duty, Duty.id == Assignment.duty_id)).all())
        for row in rows:
            assert row.status in (Delivery.sent, Delivery.cancelled), (row.id, row.status)
            if row.status != Delivery.sent or row.channel != "email":
                continue
            text = texts[(row.created_at.astimezone(TZ).date(), row.recipient)]
            if row.assignment_id:  # the reader's own item, with its number (no portal link here)
                assert f"(mã nhiệm vụ {row.assignment_id})" in text
            else:  # a notice: every item it reported, by its reference
                assert all(f"; mã {refs[i]})" in text for i, _ in row.context["items"])
    per_item = Counter(r.channel for r in rows if r.status == Delivery.sent)
    sent = Counter(channel for _, channel, _ in emails)
    print(
        f"\nDecember 2025, {len(MONTH)} working days: {per_item['email']} emails and {per_item['sms']} SMS "
        f"one per item (before issue 14) -> {sent['email']} emails and {sent['sms']} SMS "
        f"to {len({to for _, _, to in emails})} addresses"
    )
    assert sent["email"] < per_item["email"] / 3 and sent["sms"] < per_item["sms"] / 3


def test_the_day_lists_the_most_urgent_first_grouped_by_plan_and_body():
    from notifications.context import Rendering
    from notifications.daily import daily_context

    def item(plan: str, body: str, ref: str, days_left: int) -> dict:
        return {
            "plan": {"code": plan},
            "body": {"code": body, "name": body},
            "duty": {"ref": ref},
            "days_left": days_left,
            "request": False,
            "basis": "Hạn theo Kế hoạch",
            "contact": {"name": "A", "addressee": "Đồng chí A"},
            "coordinator": "Sở Y tế",
        }

    parts = [
        ("reminder", item("annual", "so-yte", "1.2", 3)),
        ("overdue", item("five-year", "so-yte", "V.6.1", -2)),
        ("overdue", item("annual", "xa-a", "1.1", -9)),
        ("reminder", item("five-year", "so-yte", "V.1.1", 0)),
    ]
    ctx = daily_context(parts, Rendering(at("2025-12-12"), CALENDAR, TZ))
    listed = [(p["code"], b["code"], [i["duty"]["ref"] for i in b["items"]]) for p in ctx["plans"] for b in p["bodies"]]
    # The plan with the longest overdue item first; in it, its bodies and items by urgency.
    assert listed == [
        ("annual", "xa-a", ["1.1"]),
        ("annual", "so-yte", ["1.2"]),
        ("five-year", "so-yte", ["V.6.1", "V.1.1"]),
    ]
    assert (ctx["overdue"], ctx["due"], ctx["plan"], ctx["notes"]) == (2, 2, None, ["Hạn theo Kế hoạch"])


def test_a_daily_message_reads_its_items_in_one_statement(env):
    """The dispatch reads a message's assignments together: one statement per item made the
    national day 434,406 statements for 383,952 rows (docs/PERFORMANCE.md)."""
    load_example("2025-12-31")
    runtime = Runtime.from_settings(get_settings())
    day = at(MONTH[12])  # mid-December: the year's reports overdue everywhere
    runtime.enqueue(day)
    with session_scope(env) as s:
        rows = s.exec(
            select(Notification.id, Notification.recipient).where(
                Notification.channel == "email", Notification.status == Delivery.pending
            )
        ).all()
    recipient, items = Counter(r for _, r in rows).most_common(1)[0]
    ids = [i for i, r in rows if r == recipient]
    assert items >= 10

    statements: list[str] = []
    engine = get_engine(env)
    listener = lambda _conn, _cursor, statement, *_args: statements.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        sent = runtime.dispatch(day + timedelta(hours=1), ids=ids)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert sent["sent"] == items and sent.messages["email"] == 1
    # Claim, read the rows, their assignments, the contact, the bodies and plans once, record:
    # a handful, not one or more per item.
    assert len(statements) < items / 2, (items, len(statements), statements[:40])
