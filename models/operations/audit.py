"""Writing the audit log, and claiming its rows for the Prefect event feed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, update
from sqlmodel import Session, select

from models.db import insert_ignoring_conflicts
from models.tables.audit import AuditEntry, EventCursor


@dataclass(frozen=True)
class By:
    """Who acted and through which door: every audit row says both. The actor is "system", "cli",
    a contact ("contact:12"), a link ("link:7") or a Prefect run; the door "cli", "portal",
    "prefect" or "system"."""

    actor: str
    channel: str


CLI = By("cli", "cli")
SYSTEM = By("system", "system")
# The system's own work asked for from the command line (`dondoc init`, `dondoc schedule`).
SETUP = By("system", "cli")
PREFECT = By("system", "prefect")  # the system's own work in a Prefect flow (a sync, a report)


def record(
    session: Session, action: str, entity: str, entity_id: int | None = None, *, now: datetime, by: By, **details: Any
) -> AuditEntry:
    """What happened (`action`) to what (`entity` and its id), when and by whom, with its details."""
    entry = AuditEntry(
        at=now, actor=by.actor, channel=by.channel, action=action, entity=entity, entity_id=entity_id, details=details
    )
    session.add(entry)
    return entry


def record_many(
    session: Session, action: str, entity: str, ids: list[int], *, now: datetime, by: By, **details: Any
) -> None:
    """The same action on many entities, in one statement (a sweep touches hundreds)."""
    if ids:
        row = {"at": now, "actor": by.actor, "channel": by.channel, "action": action, "entity": entity}
        session.execute(insert(AuditEntry), [{**row, "entity_id": i, "details": details} for i in ids])


def claim_for_events(session: Session, *, limit: int, cursor: str = "prefect") -> list[AuditEntry]:
    """The next audit rows to mirror as events, claimed: the cursor moves past them with one
    conditional UPDATE before anything is emitted, so of two mirrors running at once only one
    gets them (the other gets nothing). Commit before emitting."""
    session.execute(insert_ignoring_conflicts(session, EventCursor, ["name"]).values(name=cursor, position=0))
    start = session.exec(select(EventCursor.position).where(EventCursor.name == cursor)).one()
    entries = list(session.exec(select(AuditEntry).where(AuditEntry.id > start).order_by(AuditEntry.id).limit(limit)))
    if not entries:
        return []
    moved = session.execute(
        update(EventCursor)
        .where(EventCursor.name == cursor, EventCursor.position == start)
        .values(position=entries[-1].id)
    ).rowcount
    return entries if moved == 1 else []
