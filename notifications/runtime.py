"""Everything a sweep needs, built once from the settings: database, calendar, policy, channels."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from config.settings import Settings, get_settings
from models.db import session_scope
from models.errors import NotFound
from models.operations import escalation, reminders
from models.operations.isolation import OnError, record_skipped
from models.operations.links import Links
from models.rules.calendar import WorkingCalendar
from models.rules.policy import Policy
from notifications.channels import Channels
from notifications.dispatch import Dispatched, dispatch, wall_clock

log = logging.getLogger(__name__)
STAGES = {"reminders": "lập tin nhắc việc", "escalation": "báo cáo quá hạn"}


@dataclass(frozen=True)
class Runtime:
    url: str
    tz: ZoneInfo
    calendar: WorkingCalendar
    policy: Policy
    channels: Channels
    templates: Path | None
    links: Links | None = None  # signed portal links in messages, when DONDOC_PORTAL_URL is set

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Runtime:
        s = settings or get_settings()
        secret = lambda v: v.get_secret_value() if v else None  # noqa: E731
        return cls(
            url=s.db_url,
            tz=s.tz,
            calendar=WorkingCalendar.from_file(s.calendar_file),
            policy=Policy.from_file(s.policy_file),
            channels=Channels(email_url=secret(s.email_url), sms_url=secret(s.sms_url), outbox_dir=s.outbox_dir),
            templates=s.templates_dir,
            links=Links.from_settings(s),
        )

    def body_ids(self, codes: list[str]) -> list[int]:
        from sqlmodel import select

        from models.tables.org import Body

        with session_scope(self.url) as s:
            ids = [i for i in s.exec(select(Body.id).where(Body.code.in_(codes))) if i is not None]
        if len(ids) != len(set(codes)):
            raise NotFound(f"không có cơ quan mã {', '.join(sorted(set(codes)))}")
        return ids

    def plan(self, now: datetime, body_ids: list[int] | None = None) -> list[reminders.Planned]:
        """What the sweep would queue now (no writes)."""
        with session_scope(self.url) as s:
            return reminders.plan(s, now=now, policy=self.policy, calendar=self.calendar, tz=self.tz, body_ids=body_ids)

    def enqueue(self, now: datetime, body_ids: list[int] | None = None) -> int:
        """Queue the reminders due now; returns how many rows are new. An assignment that cannot be
        planned is skipped, recorded and alerted; the others are queued."""
        with session_scope(self.url) as s, self._isolating(s, "reminders", now) as on_error:
            planned = reminders.plan(
                s, now=now, policy=self.policy, calendar=self.calendar, tz=self.tz, body_ids=body_ids, on_error=on_error
            )
            return reminders.enqueue(s, planned, now=now, policy=self.policy, tz=self.tz)

    def escalate(self, now: datetime) -> int:
        """Queue today's escalation notices; returns how many. Isolated as `enqueue` is."""
        with session_scope(self.url) as s, self._isolating(s, "escalation", now) as on_error:
            return len(
                escalation.escalate(
                    s, now=now, policy=self.policy, calendar=self.calendar, tz=self.tz, on_error=on_error
                )
            )

    @contextmanager
    def _isolating(self, session, stage: str, now: datetime) -> Iterator[OnError]:
        """The `on_error` of a sweep step: what it skipped becomes audit rows and one alert a day
        to the coordinators, in the step's own transaction."""
        skipped: list[tuple[list[int], Exception]] = []
        yield lambda ids, exc: skipped.append((ids, exc))
        for ids, exc in skipped:
            log.error("sweep %s: %d assignments skipped (%s: %s)", stage, len(ids), exc.__class__.__name__, exc)
            record_skipped(session, ids, exc, stage=stage, now=now)
        if skipped:
            from notifications import alerts

            alerts.skipped(
                session,
                [i for ids, _ in skipped for i in ids],
                stage=STAGES[stage],
                error=skipped[0][1],
                now=now,
                tz=self.tz,
            )

    def digest(self, kind: str, now: datetime) -> list[int]:
        """Queue this week's digest of `kind` for its recipients; returns the new outbox ids."""
        from notifications import digests

        with session_scope(self.url) as s:
            return digests.enqueue(s, kind, now=now, tz=self.tz)

    def dispatch(
        self,
        now: datetime,
        ids: list[int] | None = None,
        clock: Callable[[], datetime] = wall_clock,
        body_ids: list[int] | None = None,
    ) -> Dispatched:
        """Send what is due (`ids` only; only to the contacts of `body_ids`: a shard's)."""
        return dispatch(self, now=now, ids=ids, clock=clock, body_ids=body_ids)
