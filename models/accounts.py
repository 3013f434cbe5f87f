"""Coordinator accounts for the portal's review pages: argon2 password hashes on contacts."""
from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func
from sqlmodel import Session, select

from models.audit import AuditEntry, record
from models.catalog.errors import Refused
from models.org import Contact, Succession
from models.plan import Plan

MIN_PASSWORD = 12
LOCK_AFTER, LOCK_MINUTES = 5, 15
_hasher = PasswordHasher()


@cache
def _dummy() -> str:
    """Verified against when the email is unknown, so that a wrong email costs as long as a wrong
    password. Hashed on first use, not at import (argon2 is slow on purpose)."""
    return _hasher.hash("dondoc-no-such-account")


def coordinating_body_ids(session: Session) -> set[int]:
    """The plans' coordinating bodies, and those the role passed to by a succession."""
    return (set(session.exec(select(Plan.coordinating_body_id)))
            | set(session.exec(select(Succession.to_body_id).where(Succession.moves_coordinator))))


def is_coordinator(session: Session, contact: Contact) -> bool:
    return contact.active and (contact.coordinator or contact.body_id in coordinating_body_ids(session))


def find_by_email(session: Session, email: str) -> Contact | None:
    return session.exec(select(Contact).where(func.lower(Contact.email) == email.strip().lower(),
                                              Contact.active)).first()


def set_password(session: Session, email: str, password: str, *, now: datetime, actor: str = "cli") -> Contact:
    contact = find_by_email(session, email)
    if contact is None:
        raise LookupError(f"no active contact with email {email}")
    if not is_coordinator(session, contact):
        raise Refused(f"{email} is neither a contact of the coordinating body nor marked coordinator "
                      "in the directory")
    if len(password) < MIN_PASSWORD:
        raise Refused(f"mật khẩu cần ít nhất {MIN_PASSWORD} ký tự")
    contact.password_hash = _hasher.hash(password)
    record(session, now=now, actor=actor, channel="cli", action="account.password_set", entity="contact",
           entity_id=contact.id)
    return contact


def authenticate(session: Session, email: str, password: str, *, now: datetime,
                 channel: str = "portal") -> Contact | None:
    """The coordinator with these credentials, or None, never saying which part was wrong.

    After LOCK_AFTER failures within LOCK_MINUTES an account is refused even with the right
    password, until the window has passed: argon2 alone slows one guess, not a patient attacker.
    Every attempt on a known account is an audit row.
    """
    contact = find_by_email(session, email) if email else None
    stored = contact.password_hash if contact else None
    try:
        _hasher.verify(stored or _dummy(), password)
        valid = True
    except (VerificationError, InvalidHashError):
        valid = False
    if contact is None:
        return None
    locked = _recent_failures(session, contact.id, now) >= LOCK_AFTER
    if not (valid and stored and not locked and is_coordinator(session, contact)):
        record(session, now=now, actor="anonymous", channel=channel, action="account.login_failed",
               entity="contact", entity_id=contact.id, locked=locked)
        return None
    if _hasher.check_needs_rehash(stored):
        contact.password_hash = _hasher.hash(password)
    record(session, now=now, actor=f"contact:{contact.id}", channel=channel, action="account.login",
           entity="contact", entity_id=contact.id)
    return contact


def _recent_failures(session: Session, contact_id: int, now: datetime) -> int:
    return session.exec(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "account.login_failed", AuditEntry.entity_id == contact_id,
        AuditEntry.at > now - timedelta(minutes=LOCK_MINUTES), AuditEntry.at <= now)).one()
