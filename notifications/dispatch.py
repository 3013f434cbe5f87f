"""Send what the outbox holds: claim a row, render it, send it through Apprise, record the outcome.
The reminders, nags and escalation notices due for one person on one channel are claimed together
and sent as one message of the day (notifications/daily.py), each row keeping its own outcome.

Each row is claimed in its own short transaction, sent with no transaction open, and finished in
another, so several dispatchers (threads, processes, machines) share one outbox safely. One row's
failure stays that row's: a template error, a database error after the send, a plugin bug. A run
is bounded: its send phase stops claiming after `delivery.send_seconds`, and a channel that
answers nothing `delivery.pause_after_silences` times in a row rests until the next run; what is
left stays pending, its attempts untouched.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from sqlalchemy import event
from sqlmodel import select

from models.db import session_scope
from models.operations import outbox
from models.rules.policy import Policy
from models.tables.notification import Delivery, Notification
from notifications.channels import Outcome, Redact
from notifications.context import Rendering, prefetch
from notifications.daily import DAILY, daily_context
from notifications.kinds import DAILY_KINDS, KINDS
from notifications.render import Message, make_message

if TYPE_CHECKING:
    from notifications.runtime import Runtime

log = logging.getLogger(__name__)
log.addFilter(Redact())  # an SMTP refusal may quote the address
BATCH = 200
LEFT, UNRECORDED = "left", "unrecorded"  # not tried in this run; sent, but the database refused the mark
RECORD_RETRIES = (0.2, 1.0, 3.0)  # seconds before each new try to record an outcome


def wall_clock() -> datetime:
    return datetime.now(UTC)


class _Run:
    """One dispatch run's limits: its deadline, and the channels resting after repeated silence."""

    def __init__(self, policy: Policy):
        self.deadline = time.monotonic() + policy.delivery.send_seconds
        self.pause_after = policy.delivery.pause_after_silences
        self._silences: Counter = Counter()
        self._lock = threading.Lock()

    def may_send(self, channel: str) -> bool:
        return time.monotonic() < self.deadline and self._silences[channel] < self.pause_after

    def heard(self, channel: str, outcome: Outcome) -> None:
        with self._lock:
            if outcome.unreachable:
                self._silences[channel] += 1
            elif self._silences[channel] < self.pause_after:
                self._silences[channel] = 0


class Dispatched(Counter):
    """A run's outbox rows by final status (with LEFT and UNRECORDED); `messages`, the messages
    that went out by channel: a message of the day carries several rows."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: Counter = Counter()


class Unit(NamedTuple):
    """What one message carries: one row, or (`recipient` set) every row of a daily kind due for
    that recipient on that channel, found when the unit is claimed."""

    row_id: int
    channel: str
    recipient: str | None = None


def units(ready: list[outbox.Ready]) -> list[Unit]:
    """The messages of a batch: a row each, but one per recipient and channel for the daily kinds
    (reminders, nags, escalation notices), so a person gets one email and one SMS a day."""
    out: list[Unit] = []
    gathered: set[tuple[str, str]] = set()
    for r in ready:
        kind = KINDS.get(r.kind)
        if kind is None or not kind.daily:
            out.append(Unit(r.id, r.channel))
        elif (r.channel, r.recipient) not in gathered:
            gathered.add((r.channel, r.recipient))
            out.append(Unit(r.id, r.channel, r.recipient))
    return out


def compose(parts: list[tuple[Notification, dict]], at: Rendering, templates: Path | None = None) -> Message:
    """The message of one or more rows with their contexts: a row alone in its kind's own
    templates, several in the message of the day."""
    if len(parts) == 1:
        row, context = parts[0]
        return make_message(row.kind, context, templates)
    return make_message(DAILY, daily_context([(row.kind, context) for row, context in parts], at), templates)


class _Dispatcher:
    def __init__(self, runtime: Runtime, now: datetime, clock: Callable[[], datetime], ids: list[int] | None):
        self.runtime, self.clock, self.ids = runtime, clock, ids
        self.at = Rendering(now, runtime.calendar, runtime.tz, runtime.links)
        self.began = clock()
        self.run = _Run(runtime.policy)
        self.messages: Counter = Counter()
        self._lock = threading.Lock()

    def send(self, unit: Unit) -> list[str | None]:
        """The status of each row after this attempt: None if another dispatcher has it; LEFT if
        this run's limits leave it for the next; UNRECORDED if it went out but could not be
        recorded (it stays `sending`, and is resent after the lease, as a possible duplicate)."""
        if not self.run.may_send(unit.channel):
            return [LEFT]
        try:
            settled, prepared = self._claim_and_render(unit)
        except Exception:  # the database, most likely: the rows are left as they were, or `sending`
            log.exception("outbox row %d could not be claimed or rendered", unit.row_id)
            return [UNRECORDED]
        if prepared is None:
            return settled
        ids, recipient, message = prepared
        try:
            # Sent at the dispatch's moment plus the time it has taken: the clock's time in
            # production, the simulated day's in a replay.
            sent_at = self.at.now + (self.clock() - self.began)
            outcome = self.runtime.channels.send(unit.channel, recipient, message, sent_at)
        except Exception as exc:  # a plugin bug must not leave the rows "sending" until they go stale
            outcome = Outcome(f"{exc.__class__.__name__}: {exc}")
        finally:
            message.discard()
        self.run.heard(unit.channel, outcome)
        if outcome.error:
            log.warning("outbox rows %s (%s): %s", ids, unit.channel, outcome.error)
        else:
            with self._lock:
                self.messages[unit.channel] += 1
        return settled + self._record(ids, outcome)

    def _claim_and_render(self, unit: Unit) -> tuple[list[str | None], tuple[list[int], str, Message] | None]:
        """Claim the unit's rows and render their message. Returns the statuses of the rows settled
        here (cancelled, unrenderable, or None when another dispatcher had the row), and what to
        send: the rows, the address, the message."""
        with session_scope(self.runtime.url) as s:  # the claim commits before the send: others see "sending"
            claimed_at = self.clock()
            if unit.recipient is None:
                ids = [unit.row_id] if outbox.claim(s, unit.row_id, now=self.at.now, claimed_at=claimed_at) else []
            else:
                ids = outbox.claim_for(
                    s, unit.channel, unit.recipient, DAILY_KINDS, now=self.at.now, claimed_at=claimed_at, ids=self.ids
                )
            if not ids:
                return [None], None
            settled: list[str | None] = []
            parts: list[tuple[Notification, dict]] = []
            # What the unit's rows load is held until the message is made: the session's identity
            # map keeps an object only while something refers to it, and the hundred rows of a daily
            # message ask for the same contact, bodies and plan, each of which would be read again.
            held: list = []
            event.listen(s, "loaded_as_persistent", lambda _session, loaded: held.append(loaded))
            rows = s.exec(select(Notification).where(Notification.id.in_(ids)).order_by(Notification.id)).all()
            prefetch(s, (row.assignment_id for row in rows))
            for row in rows:
                try:
                    kind = KINDS.get(row.kind)
                    if kind is None:
                        raise LookupError(f"no message kind {row.kind!r} is registered")
                    context = kind.context(s, row, self.at)
                except Exception as exc:  # a broken record fails its row, not the whole run
                    settled.append(self._unrenderable(s, row, exc))
                    continue
                if kind.wanted(context):
                    parts.append((row, context))
                else:
                    row.status = Delivery.cancelled
                    settled.append(row.status)
            if not parts:
                return settled, None
            try:
                message = compose(parts, self.at, self.runtime.templates).prepare(unit.channel)
            except Exception as exc:  # a broken template fails its rows, not the whole run
                return settled + [self._unrenderable(s, row, exc) for row, _ in parts], None
            return settled, ([row.id for row, _ in parts], parts[0][0].recipient, message)

    def _unrenderable(self, session, row: Notification, exc: Exception) -> str:
        log.error("outbox row %d could not be rendered: %s", row.id, exc.__class__.__name__)
        return self._fail(session, row, Outcome(f"rendering failed: {exc}", permanent=True))

    def _record(self, ids: list[int], outcome: Outcome) -> list[str | None]:
        """Record the outcome on every row the message carried, trying again for a while: a
        message that went out and is not recorded as such would be sent again."""
        for pause in (*RECORD_RETRIES, None):
            try:
                with session_scope(self.runtime.url) as s:
                    if outcome.error is None:
                        outbox.mark_sent(s, ids, now=self.at.now)
                        return [Delivery.sent] * len(ids)
                    return [self._fail(s, s.get_one(Notification, row_id), outcome) for row_id in ids]
            except Exception as exc:
                if pause is None:
                    what = "sent" if outcome.error is None else "failed"
                    log.error(
                        "outbox rows %s: the outcome (%s) could not be recorded: %s", ids, what, exc.__class__.__name__
                    )
                    return [UNRECORDED] * len(ids)
                time.sleep(pause)
        raise AssertionError("unreachable")

    def _fail(self, session, row: Notification, outcome: Outcome) -> str:
        kind = KINDS.get(row.kind)
        outbox.fail(
            session,
            row,
            now=self.at.now,
            error=outcome.error or "",
            permanent=outcome.permanent,
            unknown=outcome.unknown,
            sms_fallback=kind is not None and kind.sms,
            policy=self.runtime.policy,
            tz=self.at.tz,
        )
        return row.status


def dispatch(
    runtime: Runtime,
    *,
    now: datetime,
    ids: list[int] | None = None,
    clock: Callable[[], datetime] = wall_clock,
    body_ids: list[int] | None = None,
) -> Dispatched:
    """Send every row due by `now` (or those of `ids`); returns counts by final status, with LEFT
    and UNRECORDED. `now` decides what is due; `clock` (the wall clock) measures the leases."""
    with session_scope(runtime.url) as s:
        recovered = outbox.recover_stale(s, now=now, wall=clock(), policy=runtime.policy)
    if recovered:
        log.warning("%d outbox rows were left sending by a crash: retrying them", recovered)
    sender = _Dispatcher(runtime, now, clock, ids)
    counts = Dispatched()
    tried: set[int] = set()
    with ThreadPoolExecutor(runtime.policy.delivery.concurrency, thread_name_prefix="dondoc-send") as pool:
        while True:
            with session_scope(runtime.url) as s:
                due = outbox.ready(s, now=now, limit=BATCH, ids=ids, body_ids=body_ids)
                ready = [r for r in due if r.id not in tried]
            if not ready:
                break
            tried.update(r.id for r in ready)
            for statuses in pool.map(sender.send, units(ready)):
                counts.update(status for status in statuses if status is not None)
    if counts[LEFT]:
        log.warning(
            "dispatch: %d messages left for the next run (time limit, or a channel not answering)", counts[LEFT]
        )
    counts.messages = sender.messages
    log.info("dispatch: %s in messages %s", dict(counts) or "nothing due", dict(counts.messages))
    return counts
