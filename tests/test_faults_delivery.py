"""Delivery under faults: a real SMTP server made to answer any code at any stage, hang, or store a
message and never acknowledge it; a real HTTP SMS gateway; a database that fails after a send; two
dispatchers at once. Each test records in the ledger (tests/faults.py) how many messages were
expected, delivered, duplicated and lost."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, text, update
from sqlmodel import select

from config import CONFIG_DIR
from models.db import get_engine, session_scope
from models.errors import Refused
from models.intake.catalog.load import load_catalogs
from models.operations import outbox
from models.operations.audit import SYSTEM, claim_for_events, record_many
from models.operations.catalog import sync_catalogs
from models.operations.directory import import_directory
from models.operations.isolation import skipped_at
from models.rules.calendar import WorkingCalendar
from models.rules.policy import Policy
from models.tables.assignment import Assignment
from models.tables.audit import AuditEntry, EventCursor
from models.tables.notification import Delivery, Notification
from notifications.channels import Channels
from notifications.runtime import Runtime
from tests.clock import TZ, at
from tests.conftest import LOADED_AT
from tests.faults import tally
from tests.servers import SilentServer, SMSGateway
from tests.test_delivery import REPLAY_PLAN, schedule

FOCAL = [f"dm{i:02d}@so-yte.dondoc.example" for i in range(20)]
HEAD = "thutruong@so-yte.dondoc.example"
COORDINATOR = "daumoi@so-ldtbxh.dondoc.example"
LEADER = "lanhdao@ubnd-tinh.dondoc.example"
T7 = at(date(2025, 6, 9))  # T-7 of R.1 (due 18/6/2025): one reminder to each focal point
# D+1 of R.1: level-1 notices to Sở Y tế's head and the coordinator; R.2 (due 5/5) is at level 2: the
# coordinator's notice lists both, and the leader has one.
D1 = at(date(2025, 6, 19))


def directory(head: str = HEAD, focal: list[str] = FOCAL) -> str:
    rows = [f"so-yte,Đầu mối {i:02d},focal,{e}," for i, e in enumerate(focal)]
    return (
        "\n".join(
            [
                "body,name,role,email,phone",
                *rows,
                f"so-yte,Trần Văn Hùng,head,{head},0912 345 678",
                f"so-ldtbxh,Đầu mối điều phối,focal,{COORDINATOR},",
                f"ubnd-tinh,Lãnh đạo tỉnh,leader,{LEADER},",
            ]
        )
        + "\n"
    )


@pytest.fixture
def fault_db(migrated, tmp_path):
    plan, contacts = tmp_path / "replay.yaml", tmp_path / "directory.csv"
    plan.write_text(REPLAY_PLAN, encoding="utf-8")
    contacts.write_text(directory(), encoding="utf-8")
    with session_scope(migrated) as s:
        sync_catalogs(s, load_catalogs([plan]), now=LOADED_AT)
        import_directory(s, contacts, now=LOADED_AT)
    return migrated


@pytest.fixture
def backend(fault_db) -> str:
    return "postgres" if fault_db.startswith("postgresql") else "sqlite"


RETRIED = "temporary: retried with backoff"


@pytest.fixture
def ledger(backend):
    """Record a fault in the ledger, on this test's database; returns (delivered, duplicates, lost)."""

    def write(fault: str, expected: list[str], received: Counter, rule: str) -> tuple[int, int, int]:
        entry = tally(fault, backend, expected, received, rule)
        return entry.delivered, entry.duplicates, entry.lost

    return write


@pytest.fixture
def gateway():
    gw = SMSGateway()
    yield gw
    gw.close()


def runtime(url: str, email_url: str, tmp_path, gateway: SMSGateway | None = None, **delivery) -> Runtime:
    policy = Policy.from_file(CONFIG_DIR / "policy.yaml")
    if delivery:
        policy = policy.model_copy(update={"delivery": policy.delivery.model_copy(update=delivery)})
    return Runtime(
        url=url,
        tz=TZ,
        calendar=WorkingCalendar.from_file(CONFIG_DIR / "calendar.yaml"),
        policy=policy,
        channels=Channels(
            email_url=email_url, sms_url=gateway.url if gateway else None, outbox_dir=tmp_path / "outbox"
        ),
        templates=None,
    )


def queue_reminders(rt: Runtime, now: datetime = T7) -> list[int]:
    schedule(rt, now)
    rt.enqueue(now)
    with session_scope(rt.url) as s:
        return list(s.exec(select(Notification.id).order_by(Notification.id)))


def rows(url: str) -> list[Notification]:
    with session_scope(url) as s:
        return list(s.exec(select(Notification).order_by(Notification.id)))


# ---- 1. reply codes: 4xx is temporary, 5xx permanent (RFC 5321) -----------------------------------


@pytest.mark.parametrize("stage", ["HELO", "MAIL", "RCPT", "DATA"])
def test_a_greylisting_451_is_retried_at_every_stage(fault_db, smtp, tmp_path, stage, ledger):
    rt = runtime(fault_db, smtp.url, tmp_path)
    assert len(queue_reminders(rt)) == 20
    smtp.fault(stage, "451 4.7.1 Greylisted, try again later", times=20)
    assert rt.dispatch(T7) == Counter({Delivery.failed: 20})
    for row in rows(fault_db):
        assert row.status == Delivery.failed and row.attempts == 1
        assert f"SMTP 451 4.7.1 Greylisted, try again later (at {stage})" in row.last_error
        assert row.next_attempt_at == T7 + timedelta(minutes=5)
    assert rt.dispatch(T7 + timedelta(minutes=6)) == Counter({Delivery.sent: 20})
    assert ledger(f"451 at {stage} (greylisting), 20 reminders", FOCAL, smtp.received_by(), RETRIED) == (20, 0, 0)


def test_greylisted_escalation_notices_are_retried(fault_db, smtp, tmp_path, ledger):
    rt = runtime(fault_db, smtp.url, tmp_path)
    schedule(rt, D1)
    smtp.fault("RCPT", "421 4.7.0 Try again later, closing connection", times=3)
    assert rt.escalate(D1) == 3
    assert rt.dispatch(D1) == Counter({Delivery.failed: 3})
    assert rt.dispatch(D1 + timedelta(minutes=6)) == Counter({Delivery.sent: 3})
    assert ledger("421 at RCPT, escalation notices", [HEAD, COORDINATOR, LEADER], smtp.received_by(), RETRIED) == (
        3,
        0,
        0,
    )


@pytest.mark.parametrize(
    ("stage", "reply"),
    [
        ("MAIL", "550 5.7.1 Sender rejected"),
        ("RCPT", "550 5.1.1 Mailbox unavailable"),
        ("DATA", "554 5.6.0 Message rejected"),
    ],
)
def test_a_5xx_is_final_at_once_and_keeps_its_code(fault_db, smtp, tmp_path, stage, reply):
    rt = runtime(fault_db, smtp.url, tmp_path)
    (row_id, *_) = queue_reminders(rt)
    smtp.fault(stage, reply)
    assert rt.dispatch(T7, ids=[row_id]) == Counter({Delivery.dead: 1})
    (row, *_) = rows(fault_db)
    assert row.attempts == 1 and f"SMTP {reply} (at {stage})" in row.last_error


# ---- 2. delivered but not acknowledged: unknown, resent once, never silently again -------------------


@pytest.mark.parametrize("stalls", [1, None], ids=["once", "always"])
def test_a_message_stored_but_never_acknowledged_is_unknown(fault_db, smtp, tmp_path, stalls, ledger):
    rt = runtime(fault_db, smtp.url_with(cto="1"), tmp_path)
    (row_id, *_) = queue_reminders(rt)
    smtp.fault("DATA", hang=True, store=True, times=stalls)
    rt.dispatch(T7, ids=[row_id])
    with session_scope(fault_db) as s:
        row = s.get(Notification, row_id)
    assert (row.status, row.unknown_outcomes) == (Delivery.failed, 1)
    assert "outcome unknown" in row.last_error
    rt.dispatch(T7 + timedelta(minutes=6), ids=[row_id])  # resent once: a duplicate is possible
    with session_scope(fault_db) as s:
        row = s.get(Notification, row_id)
    received = smtp.received_by()
    if stalls == 1:
        assert (row.status, row.unknown_outcomes, received[row.recipient]) == (Delivery.sent, 1, 2)
    else:  # unknown twice: never sent again by itself
        assert (row.status, row.unknown_outcomes, received[row.recipient]) == (Delivery.unknown, 2, 2)
        assert rt.dispatch(T7 + timedelta(days=2), ids=[row_id]) == Counter()
        with session_scope(fault_db) as s, pytest.raises(Refused, match="duplicate"):
            outbox.retry(s, row_id, now=T7)
    ledger(
        f"stored, never acknowledged ({'once' if stalls else 'always'})",
        [row.recipient],
        received,
        "unknown: resent once (shown as unknown_outcomes); a second unknown is not resent",
    )
    if stalls is None:
        smtp.faults.clear()
        with session_scope(fault_db) as s:
            outbox.retry(s, row_id, now=T7, duplicate_ok=True)
        assert rt.dispatch(T7 + timedelta(days=2), ids=[row_id]) == Counter({Delivery.sent: 1})


# ---- 3. the SMS fallback of an escalation notice renders -------------------------------------------


def test_the_sms_fallback_of_an_escalation_notice_is_sent(fault_db, smtp, gateway, tmp_path, ledger):
    rt = runtime(fault_db, smtp.url, tmp_path, gateway)
    schedule(rt, D1)
    with session_scope(fault_db) as s:
        s.execute(text("UPDATE contact SET email = 'bad-head@so-yte.dondoc.example' WHERE role = 'head'"))
    rt.escalate(D1)
    rt.dispatch(D1)
    notices = {
        r.channel: r
        for r in rows(fault_db)
        if r.kind == "escalation"
        and r.contact_id is not None
        and r.recipient in ("bad-head@so-yte.dondoc.example", "+84912345678")
    }
    assert notices["email"].status == Delivery.dead
    assert notices["sms"].status == Delivery.sent, notices["sms"].last_error
    (sms,) = gateway.received
    assert sms["to"] == "+84912345678" and sms["text"].isascii() and len(sms["text"]) <= 160
    ledger(
        "email refused 550, SMS fallback of a notice",
        ["+84912345678"],
        Counter(p["to"] for p in gateway.received),
        "permanent: SMS instead",
    )


# ---- 4. a lease is measured on the wall clock of the claim ------------------------------------------


def test_a_send_in_flight_is_not_taken_for_a_crash_by_a_later_replay(fault_db, smtp, tmp_path, ledger):
    rt = runtime(fault_db, smtp.url_with(cto="3"), tmp_path)
    (row_id, *_) = queue_reminders(rt)
    smtp.fault("MAIL", delay=2, times=1)  # a slow server: the first send takes 2 s
    first = threading.Thread(target=rt.dispatch, args=(T7,), kwargs={"ids": [row_id]})
    first.start()
    deadline = time.monotonic() + 10
    while smtp.attempts["MAIL"] == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    # Meanwhile a replay "as of" half an hour later: the row was claimed a moment ago, not 30 min.
    assert rt.dispatch(T7 + timedelta(minutes=30), ids=[row_id]) == Counter()
    first.join()
    (row, *_) = rows(fault_db)
    assert (row.status, row.attempts) == (Delivery.sent, 1)
    counts = ledger("a replay during a slow send", [row.recipient], smtp.received_by(), "leases on the wall clock")
    assert counts == (1, 0, 0)


def test_a_row_left_sending_by_a_crash_is_retried_after_the_lease(fault_db, smtp, tmp_path):
    rt = runtime(fault_db, smtp.url, tmp_path)
    (row_id, *_) = queue_reminders(rt)
    claimed = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # the wall clock when a dispatcher died
    with session_scope(fault_db) as s:
        s.execute(
            update(Notification)
            .where(Notification.id == row_id)
            .values(status=Delivery.sending, claimed_at=claimed, attempts=1)
        )
    assert rt.dispatch(T7, ids=[row_id], clock=lambda: claimed + timedelta(minutes=5)) == Counter()
    assert rt.dispatch(T7, ids=[row_id], clock=lambda: claimed + timedelta(minutes=16)) == Counter({Delivery.sent: 1})
    (row, *_) = rows(fault_db)
    assert row.unknown_outcomes == 1  # the crash's attempt may have gone out: a duplicate is possible


# ---- 5. a database error after a send fails that row only -------------------------------------------


def _fail_marking_sent(url: str, row_id: int) -> None:
    """A real database error: a trigger refuses to record one row as sent."""
    with get_engine(url).begin() as conn:
        if url.startswith("sqlite"):
            conn.exec_driver_sql(
                f"CREATE TRIGGER fault BEFORE UPDATE OF status ON notification "
                f"WHEN NEW.status = 'sent' AND NEW.id = {row_id} "
                f"BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"
            )
        else:
            conn.exec_driver_sql(
                f"CREATE FUNCTION fault() RETURNS trigger AS $$ BEGIN IF NEW.status = 'sent' "
                f"AND NEW.id = {row_id} THEN RAISE EXCEPTION 'disk I/O error'; END IF; "
                f"RETURN NEW; END $$ LANGUAGE plpgsql"
            )
            conn.exec_driver_sql(
                "CREATE TRIGGER fault BEFORE UPDATE ON notification FOR EACH ROW EXECUTE FUNCTION fault()"
            )


def test_a_database_error_after_a_send_fails_that_row_only(fault_db, backend, smtp, tmp_path, ledger):
    rt = runtime(fault_db, smtp.url, tmp_path)
    ids = queue_reminders(rt)
    _fail_marking_sent(fault_db, ids[3])
    counts = rt.dispatch(T7)
    assert counts == Counter({Delivery.sent: 19, "unrecorded": 1})
    assert len(smtp.received) == 20  # every message went out, none waits for tomorrow
    statuses = Counter(r.status for r in rows(fault_db))
    assert statuses == Counter({Delivery.sent: 19, Delivery.sending: 1})
    with get_engine(fault_db).begin() as conn:  # the database recovers
        conn.exec_driver_sql("DROP TRIGGER fault" if backend == "sqlite" else "DROP TRIGGER fault ON notification")
    later = datetime.now(UTC) + timedelta(minutes=16)
    rt.dispatch(T7, clock=lambda: later)  # past the lease: resent, as a possible duplicate
    (row,) = [r for r in rows(fault_db) if r.id == ids[3]]
    assert (row.status, row.unknown_outcomes) == (Delivery.sent, 1)
    ledger(
        "database error after one send",
        FOCAL,
        smtp.received_by(),
        "that row stays sending; resent after the lease (a duplicate, shown)",
    )


# ---- 6. a relay that never answers costs a bounded time ---------------------------------------------


def test_a_silent_relay_stops_the_email_channel_after_three_timeouts(fault_db, smtp, tmp_path, ledger):
    silent = SilentServer()
    try:
        rt = runtime(fault_db, silent.url + "&cto=0.5", tmp_path)
        queue_reminders(rt)
        counts = rt.dispatch(T7)
    finally:
        silent.close()
    assert counts == Counter({Delivery.failed: 3, "left": 17})
    statuses = Counter((r.status, r.attempts) for r in rows(fault_db))
    assert statuses == Counter({(Delivery.failed, 1): 3, (Delivery.pending, 0): 17})
    runtime(fault_db, smtp.url, tmp_path).dispatch(T7 + timedelta(minutes=6))  # the relay is back
    assert ledger(
        "a relay that accepts and never answers",
        FOCAL,
        smtp.received_by(),
        "3 timeouts, then the channel rests until the next run",
    ) == (20, 0, 0)


def test_the_send_phase_is_bounded_in_time(fault_db, smtp, tmp_path, ledger):
    rt = runtime(fault_db, smtp.url, tmp_path, send_seconds=1)
    queue_reminders(rt)
    smtp.fault("DATA", delay=0.3)  # a slow relay: 0.3 s a message
    counts = rt.dispatch(T7)
    assert 1 <= counts[Delivery.sent] < 20 and counts[Delivery.sent] + counts["left"] == 20
    smtp.faults.clear()
    assert rt.dispatch(T7 + timedelta(minutes=1))[Delivery.sent] == counts["left"]  # the rest, next run
    assert ledger(
        "slow relay, send phase bounded to 1 s", FOCAL, smtp.received_by(), "left pending for the next run"
    ) == (20, 0, 0)


# ---- 7. one bad row is isolated -----------------------------------------------------------------------


def test_one_row_with_an_impossible_date_does_not_stop_the_sweep(fault_db, smtp, tmp_path):
    rt = runtime(fault_db, smtp.url, tmp_path)
    schedule(rt, D1)
    with session_scope(fault_db) as s:  # written before dates were bounded
        bad = s.exec(select(Assignment.id).order_by(Assignment.id)).first()
        s.execute(update(Assignment).where(Assignment.id == bad).values(extended_due=date(9999, 12, 31)))
    rt.enqueue(D1)
    assert rt.escalate(D1) == 2  # R.1 is skipped: R.2's notices, to the coordinator and the leader
    assert rt.dispatch(D1)[Delivery.sent] == 3  # and the alert
    with session_scope(fault_db) as s:
        skipped = s.exec(select(AuditEntry).where(AuditEntry.action == "assignment.skipped")).all()
        assert skipped_at(s, D1) == 2
    assert {(e.entity_id, e.details["stage"]) for e in skipped} == {(bad, "reminders"), (bad, "escalation")}
    (alert,) = [m for m in smtp.received if m.to == COORDINATOR and "không xử lý được" in m.subject]
    assert f"R.1 của Sở Y tế (mã {bad})" in alert.part("plain")


# ---- 8. concurrent mirrors claim the events cursor atomically ---------------------------------------


def test_mirrors_running_at_once_claim_each_audit_row_once(fault_db):
    with session_scope(fault_db) as s:
        record_many(s, "notification.failed", "notification", list(range(1, 601)), now=T7, by=SYSTEM)
        total = s.exec(select(func.count()).select_from(AuditEntry)).one()
    claimed: list[int] = []
    start = threading.Barrier(4)

    def mirror() -> None:
        start.wait()
        while True:
            with session_scope(fault_db) as s:
                entries = claim_for_events(s, limit=25)
            claimed.extend(e.id for e in entries)
            with session_scope(fault_db) as s:  # stop once the cursor is at the end
                if s.exec(select(EventCursor.position)).one() >= s.exec(select(func.max(AuditEntry.id))).one():
                    return

    threads = [threading.Thread(target=mirror) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(claimed) == len(set(claimed)) == total  # every row once: one event each


# ---- 9. an address whose case changed is the same recipient -------------------------------------------


def test_an_address_whose_case_changed_is_not_a_new_recipient(fault_db, smtp, tmp_path, ledger):
    rt = runtime(fault_db, smtp.url, tmp_path)
    queue_reminders(rt)
    rt.dispatch(T7)
    shouting = tmp_path / "directory-2.csv"
    shouting.write_text(directory(focal=[e.replace("dm", "DM", 1) for e in FOCAL]), encoding="utf-8")
    with session_scope(fault_db) as s:
        import_directory(s, shouting, now=T7)
    rt.enqueue(T7 + timedelta(hours=1))
    rt.dispatch(T7 + timedelta(hours=1))
    received = Counter(r.to.lower() for r in smtp.received)
    counts = ledger("directory re-imported with DM@ for dm@", FOCAL, received, "addresses compared in lower case")
    assert counts == (20, 0, 0)
