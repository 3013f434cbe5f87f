"""Portal sessions and login throttles: the server-side state that a signed cookie cannot carry.

A cookie's signature proves dondoc issued it, not that it is still wanted: the session row is what
logout and a password change end. Failed logins are counted per address and per client in one
atomic statement, before the password is checked, so parallel attempts cannot outrun the count.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import case, update
from sqlmodel import Session

from models.db import dialect_insert
from models.tables.sessions import LoginThrottle, PortalSession


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, contact_id: int, *, now: datetime, hours: int) -> str:
    """A new session for the contact; returns the token for the cookie. Only its digest is stored,
    so a copy of the database opens no session."""
    token = secrets.token_urlsafe(32)
    session.add(
        PortalSession(id=_digest(token), contact_id=contact_id, created_at=now, expires_at=now + timedelta(hours=hours))
    )
    return token


def live_session(session: Session, token: object, contact_id: int, *, now: datetime) -> bool:
    """Whether the cookie's token is a session of this contact, neither ended nor expired."""
    if not isinstance(token, str):
        return False
    row = session.get(PortalSession, _digest(token))
    return row is not None and row.contact_id == contact_id and row.revoked_at is None and now < row.expires_at


def end_session(session: Session, token: str, *, now: datetime) -> None:
    session.execute(
        update(PortalSession)
        .where(PortalSession.id == _digest(token), PortalSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def end_sessions(session: Session, contact_id: int, *, now: datetime) -> int:
    """End every live session of a contact (a new password: a stolen cookie stops working); how many."""
    return session.execute(
        update(PortalSession)
        .where(PortalSession.contact_id == contact_id, PortalSession.revoked_at.is_(None))
        .values(revoked_at=now)
    ).rowcount


def count_attempt(session: Session, key: str, *, now: datetime, window: timedelta) -> int:
    """Count one more attempt under `key` and return the count in the current window, which
    starts afresh once `window` has passed. One statement: parallel attempts each get their own
    number (PostgreSQL locks the row, SQLite the database), none can read a stale count."""
    insert = dialect_insert(session, LoginThrottle).values(key=key, window_start=now, attempts=1)
    fresh = insert.excluded  # the row this attempt would start, its values typed as the columns
    expired = LoginThrottle.window_start <= now - window
    statement = insert.on_conflict_do_update(
        index_elements=["key"],
        set_={
            "attempts": case((expired, fresh.attempts), else_=LoginThrottle.attempts + 1),
            "window_start": case((expired, fresh.window_start), else_=LoginThrottle.window_start),
        },
    ).returning(LoginThrottle.attempts)
    return session.execute(statement).scalar_one()


def forget_attempts(session: Session, key: str) -> None:
    session.execute(update(LoginThrottle).where(LoginThrottle.key == key).values(attempts=0))


def refund_attempt(session: Session, key: str) -> None:
    """Take back one counted attempt: it succeeded, and only failures should use up the budget."""
    session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key == key, LoginThrottle.attempts > 0)
        .values(attempts=LoginThrottle.attempts - 1)
    )
