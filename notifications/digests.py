"""The weekly digests as messages: who receives them, their context (figures, chart), queued in
the outbox once per recipient per ISO week."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from models.operations import outbox
from models.operations.digest import Digest, build
from models.operations.org import Roster, acting_body
from models.rules.calendar import WorkingCalendar
from models.rules.periods import period_label
from models.rules.status import Status
from models.tables.org import Body, Contact, Role
from models.tables.plan import Plan
from models.types import local_date
from notifications.chart import ON_TIME_CHART, on_time_chart
from notifications.wording import due_phrase, number_notes, report_of


def recipients(session: Session, kind: str, *, now: datetime, tz: ZoneInfo) -> list[Contact]:
    """Leadership: the plan's leadership body's leaders (or its head). Coordinators: the acting
    coordinating body's focal points and head, and contacts marked coordinator."""
    today = local_date(now, tz)
    plans = session.exec(select(Plan)).all()
    if kind == "leadership":
        bodies = {p.leadership_body_id for p in plans}
        roster = Roster(session, bodies)
        chosen = [c for b in bodies for c in roster.first(b, Role.leader, Role.head)]
    else:
        bodies = {acting_body(session, p.coordinating_body_id, today) for p in plans}
        roster = Roster(session, bodies)
        chosen = [c for b in bodies for c in roster.every(b, Role.focal, Role.head)]
        chosen += session.exec(select(Contact).where(Contact.coordinator, Contact.active)).all()
    unique = {c.id: c for c in chosen}
    return [c for c in unique.values() if c.email]  # a digest is an email: no SMS version


def digest_context(
    session: Session,
    kind: str,
    *,
    now: datetime,
    tz: ZoneInfo,
    calendar: WorkingCalendar,
    contact: Contact | None = None,
) -> dict:
    digest: Digest = build(session, kind=kind, now=now, tz=tz, calendar=calendar)
    plan = session.exec(select(Plan).order_by(Plan.id)).first()
    coordinating = session.get(Body, acting_body(session, plan.coordinating_body_id, digest.today))
    attachments = []
    if digest.league:
        # A fresh folder per message: the file keeps the name the HTML refers to (cid:...).
        chart = on_time_chart(digest.league, Path(tempfile.mkdtemp(prefix="dondoc-chart-")) / ON_TIME_CHART)
        attachments.append(chart)
    # Every date listed with what falls due on it and who set it, in numbered notes, in the order
    # the templates list them: the requests, the escalated items, the coming dates.
    dated = [*digest.requested_late, *digest.escalated, *digest.upcoming]
    for item in dated:
        period = period_label(item["period"])
        item["due_text"] = due_phrase(item["nature"], period, f"{item['due']:%d/%m/%Y}")
        item["report"] = report_of(item["nature"], period)
    return {
        "digest": digest,
        "notes": number_notes(dated),
        "leadership": session.get(Body, plan.leadership_body_id).name,
        "S": Status,
        "kind": kind,
        "chart": ON_TIME_CHART,
        "attachments": attachments,
        "plan": {"code": plan.code, "title": plan.title, "number": plan.number},
        "coordinator": coordinating.name,
        "contact": {"name": contact.name if contact else ""},
        "state": "open",
    }


def enqueue(session: Session, kind: str, *, now: datetime, tz: ZoneInfo) -> list[int]:
    """One digest per recipient per ISO week; the figures are those of `now` (kept in the row,
    so a retry sends the same figures)."""
    year, week, _ = local_date(now, tz).isocalendar()
    return outbox.queue(
        session,
        [
            outbox.message(
                f"digest-{kind}@{year}-W{week:02d}:email:{c.email}",
                f"digest-{kind}",
                "email",
                c.email,
                contact_id=c.id,
                step=f"{year}-W{week:02d}",
                context={"as_of": now.isoformat()},
                now=now,
            )
            for c in recipients(session, kind, now=now, tz=tz)
        ],
    )
