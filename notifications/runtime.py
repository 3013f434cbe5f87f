"""Everything a sweep needs, built once from the settings: database, calendar, policy, channels."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from config.settings import Settings, get_settings
from models import escalation, reminders
from models.calendar import WorkingCalendar
from models.db import session_scope
from models.link import Links
from models.policy import Policy
from notifications.channels import Channels
from notifications.dispatch import dispatch


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
            url=s.db_url, tz=s.tz, calendar=WorkingCalendar.from_file(s.calendar_file),
            policy=Policy.from_file(s.policy_file),
            channels=Channels(email_url=secret(s.email_url), sms_url=secret(s.sms_url), outbox_dir=s.outbox_dir),
            templates=s.templates_dir, links=Links.from_settings(s),
        )

    def _plan(self, session, now: datetime, body_ids: list[int] | None) -> list[reminders.Planned]:
        return reminders.plan(session, now=now, policy=self.policy, calendar=self.calendar, tz=self.tz,
                              body_ids=body_ids)

    def body_ids(self, codes: list[str]) -> list[int]:
        from sqlmodel import select

        from models.org import Body

        with session_scope(self.url) as s:
            ids = list(s.exec(select(Body.id).where(Body.code.in_(codes))))
        if len(ids) != len(set(codes)):
            raise LookupError(f"unknown body among {', '.join(codes)}")
        return ids

    def plan(self, now: datetime, body_ids: list[int] | None = None) -> list[reminders.Planned]:
        with session_scope(self.url) as s:
            return self._plan(s, now, body_ids)

    def enqueue(self, now: datetime, body_ids: list[int] | None = None) -> int:
        with session_scope(self.url) as s:
            return reminders.enqueue(s, self._plan(s, now, body_ids), now=now, policy=self.policy, tz=self.tz)

    def escalate(self, now: datetime) -> int:
        """Queue today's escalation notices; returns how many."""
        with session_scope(self.url) as s:
            return len(escalation.escalate(s, now=now, policy=self.policy, calendar=self.calendar, tz=self.tz))

    def digest(self, kind: str, now: datetime) -> list[int]:
        """Queue this week's digest of `kind` for its recipients; returns the new outbox ids."""
        from notifications import digests

        with session_scope(self.url) as s:
            return digests.enqueue(s, kind, now=now, tz=self.tz)

    def dispatch(self, now: datetime, ids: list[int] | None = None) -> Counter:
        return dispatch(self.url, now=now, channels=self.channels, policy=self.policy, calendar=self.calendar,
                        tz=self.tz, templates=self.templates, ids=ids, links=self.links)
