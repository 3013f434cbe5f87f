"""Send what the outbox holds: claim a row, render it, send it through Apprise, record the outcome.

Each row is claimed in its own short transaction, sent with no transaction open, and finished in
another, so several dispatchers (threads, processes, machines) share one outbox safely.
"""
from __future__ import annotations

import logging
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from models import outbox
from models.calendar import WorkingCalendar
from models.db import session_scope
from models.link import Links
from models.notification import Delivery, Notification
from models.policy import Policy
from notifications.channels import Channels, Outcome
from notifications.context import notification_context
from notifications.render import make_message

log = logging.getLogger(__name__)
BATCH = 200


def _send_one(url: str, row_id: int, *, now: datetime, channels: Channels, policy: Policy,
              calendar: WorkingCalendar, tz: ZoneInfo, templates: Path | None, links: Links | None) -> str | None:
    with session_scope(url) as s:  # the claim commits before the send: others see "sending"
        if not outbox.claim(s, row_id, now=now):
            return None  # another dispatcher has it
        row = s.get(Notification, row_id)
        try:
            context = notification_context(s, row, now=now, calendar=calendar, tz=tz, links=links)
            if not outbox.still_wanted(row.kind, context["state"]):
                row.status = Delivery.cancelled
                return row.status
            message = make_message(row.kind, context, templates).prepare(row.channel)
        except Exception as exc:  # a broken template or record fails this row, not the whole run
            log.error("outbox row %d could not be rendered: %s", row_id, exc.__class__.__name__)
            outbox.fail(s, row, now=now, error=f"rendering failed: {exc}", permanent=True, policy=policy,
                          tz=tz)
            return row.status
        channel, recipient = row.channel, row.recipient
    try:
        result = channels.send(channel, recipient, message)
    except Exception as exc:  # a plugin bug must not leave the row "sending" until it goes stale
        result = Outcome(f"{exc.__class__.__name__}: {exc}")
    with session_scope(url) as s:
        if result.error is None:
            outbox.mark_sent(s, row_id, now=now)
            return Delivery.sent
        row = s.get(Notification, row_id)
        outbox.fail(s, row, now=now, error=result.error, permanent=result.permanent, policy=policy, tz=tz)
        return row.status


def dispatch(url: str, *, now: datetime, channels: Channels, policy: Policy, calendar: WorkingCalendar,
             tz: ZoneInfo, templates: Path | None = None, ids: list[int] | None = None,
             links: Links | None = None) -> Counter:
    """Send every row due by `now` (or those of `ids`); returns counts by final status."""
    with session_scope(url) as s:
        recovered = outbox.recover_stale(s, now=now, policy=policy)
    if recovered:
        log.warning("%d outbox rows were left sending by a crash: retrying them", recovered)
    counts: Counter = Counter()
    tried: set[int] = set()
    with ThreadPoolExecutor(policy.delivery.concurrency, thread_name_prefix="dondoc-send") as pool:
        while True:
            with session_scope(url) as s:
                ready = [i for i in outbox.ready_ids(s, now=now, limit=BATCH, ids=ids) if i not in tried]
            if not ready:
                break
            tried.update(ready)
            for status in pool.map(lambda i: _send_one(url, i, now=now, channels=channels, policy=policy,
                                                       calendar=calendar, tz=tz, templates=templates, links=links), ready):
                if status is not None:
                    counts[status] += 1
    log.info("dispatch: %s", dict(counts) or "nothing due")
    return counts
