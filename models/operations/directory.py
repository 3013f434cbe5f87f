"""Import the contact directory: contacts upserted by (body, role, name), the rest deactivated."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, select

from models.intake.directory import parse_directory
from models.operations.audit import CLI, By, record
from models.tables.org import Body, Contact


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    deactivated: int = 0
    unchanged: int = 0


def import_directory(session: Session, path: Path, *, now: datetime, by: By = CLI) -> ImportResult:
    bodies = {b.code: b for b in session.exec(select(Body))}
    rows = parse_directory(path, set(bodies))
    result = ImportResult()
    audit = {"now": now, "by": by}
    body_ids = {bodies[r.body].id for r in rows}
    existing = {
        (c.body_id, c.role, c.name.casefold()): c
        for c in session.exec(select(Contact).where(Contact.body_id.in_(body_ids)))
    }
    kept: set[int] = set()
    for r in rows:
        body_id = bodies[r.body].id
        contact = existing.get((body_id, r.role.value, r.name.casefold()))
        values = {
            "name": r.name,
            "email": r.email,
            "phone": r.phone,
            "active": True,
            "coordinator": r.coordinator,
            "position": r.position,
        }
        if contact is None:
            contact = Contact(body_id=body_id, role=r.role.value, updated_at=now, **values)
            session.add(contact)
            session.flush()
            record(session, "contact.created", "contact", contact.id, **audit, body=r.body, role=r.role)
            result.created += 1
        else:
            changed = sorted(k for k, v in values.items() if getattr(contact, k) != v)
            if changed:
                for k in changed:
                    setattr(contact, k, values[k])
                contact.updated_at = now
                # field names only: the audit log carries no phone numbers or addresses in clear
                record(session, "contact.updated", "contact", contact.id, **audit, fields=changed)
                result.updated += 1
            else:
                result.unchanged += 1
        kept.add(contact.id)
    for contact in existing.values():
        if contact.id not in kept and contact.active:
            contact.active = False
            contact.updated_at = now
            record(session, "contact.deactivated", "contact", contact.id, **audit)
            result.deactivated += 1
    record(session, "directory.imported", "contact", now=now, by=by, file=path.name, rows=len(rows))
    return result
