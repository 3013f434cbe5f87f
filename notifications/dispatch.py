"""Send what the outbox holds: claim a row, render it, send it through Apprise, record the outcome.

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
from typing import TYPE_CHECKING

from models.db import session_scope
from models.operations import outbox
from models.rules.policy import Policy
from models.tables.notification import Delivery, Notification
from notifications.channels import Outcome, Redact
from notifications.context import Rendering
from notifications.kinds import KINDS
from notifications.render import make_message

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


class _Dispatcher:
    def __init__(self, runtime: Runtime, now: datetime, clock: Callable[[], datetime]):
        self.runtime, self.clock = runtime, clock
        self.at = Rendering(now, runtime.calendar, runtime.tz, runtime.links)
        self.run = _Run(runtime.policy)

    def send_one(self, row_id: int, channel: str) -> str | None:
        """The row's status after this attempt; None if another dispatcher has it; LEFT if this
        run's limits leave it for the next; UNRECORDED if it went out but could not be recorded
        (it stays `sending`, and is resent after the lease, as a possible duplicate)."""
        if not self.run.may_send(channel):
            return LEFT
        try:
            prepared = self._claim_and_render(row_id)
        except Exception:  # the database, most likely: the row is left as it was, or `sending`
            log.exception("outbox row %d could not be claimed or rendered", row_id)
            return UNRECORDED
        if not isinstance(prepared, tuple):
            return prepared
        recipient, message = prepared
        try:
            outcome = self.runtime.channels.send(channel, recipient, message)
        except Exception as exc:  # a plugin bug must not leave the row "sending" until it goes stale
            outcome = Outcome(f"{exc.__class__.__name__}: {exc}")
        finally:
            message.discard()
        self.run.heard(channel, outcome)
        if outcome.error:
            log.warning("outbox row %d (%s): %s", row_id, channel, outcome.error)
        return self._record(row_id, outcome)

    def _claim_and_render(self, row_id: int):
        with session_scope(self.runtime.url) as s:  # the claim commits before the send: others see "sending"
            if not outbox.claim(s, row_id, now=self.at.now, claimed_at=self.clock()):
                return None  # another dispatcher has it
            row = s.get(Notification, row_id)
            try:
                kind = KINDS.get(row.kind)
                if kind is None:
                    raise LookupError(f"no message kind {row.kind!r} is registered")
                context = kind.context(s, row, self.at)
                if not kind.wanted(context):
                    row.status = Delivery.cancelled
                    return row.status
                message = make_message(row.kind, context, self.runtime.templates).prepare(row.channel)
            except Exception as exc:  # a broken template or record fails this row, not the whole run
                log.error("outbox row %d could not be rendered: %s", row_id, exc.__class__.__name__)
                return self._fail(s, row, Outcome(f"rendering failed: {exc}", permanent=True))
            return row.recipient, message

    def _record(self, row_id: int, outcome: Outcome) -> str:
        """Record the outcome, trying again for a while: a message that went out and is not
        recorded as such would be sent again."""
        for pause in (*RECORD_RETRIES, None):
            try:
                with session_scope(self.runtime.url) as s:
                    if outcome.error is None:
                        outbox.mark_sent(s, row_id, now=self.at.now)
                        return Delivery.sent
                    return self._fail(s, s.get(Notification, row_id), outcome)
            except Exception as exc:
                if pause is None:
                    what = "sent" if outcome.error is None else "failed"
                    log.error(
                        "outbox row %d: the outcome (%s) could not be recorded: %s",
                        row_id,
                        what,
                        exc.__class__.__name__,
                    )
                    return UNRECORDED
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
    runtime: Runtime, *, now: datetime, ids: list[int] | None = None, clock: Callable[[], datetime] = wall_clock
) -> Counter:
    """Send every row due by `now` (or those of `ids`); returns counts by final status, with LEFT
    and UNRECORDED. `now` decides what is due; `clock` (the wall clock) measures the leases."""
    with session_scope(runtime.url) as s:
        recovered = outbox.recover_stale(s, now=now, wall=clock(), policy=runtime.policy)
    if recovered:
        log.warning("%d outbox rows were left sending by a crash: retrying them", recovered)
    sender = _Dispatcher(runtime, now, clock)
    counts: Counter = Counter()
    tried: set[int] = set()
    with ThreadPoolExecutor(runtime.policy.delivery.concurrency, thread_name_prefix="dondoc-send") as pool:
        while True:
            with session_scope(runtime.url) as s:
                ready = [r for r in outbox.ready(s, now=now, limit=BATCH, ids=ids) if r[0] not in tried]
            if not ready:
                break
            tried.update(row_id for row_id, _ in ready)
            for status in pool.map(lambda r: sender.send_one(*r), ready):
                if status is not None:
                    counts[status] += 1
    if counts[LEFT]:
        log.warning(
            "dispatch: %d messages left for the next run (time limit, or a channel not answering)", counts[LEFT]
        )
    log.info("dispatch: %s", dict(counts) or "nothing due")
    return counts
