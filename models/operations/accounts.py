"""Coordinator accounts for the portal's review pages: argon2 password hashes on contacts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func
from sqlmodel import Session, select

from models.db import session_scope
from models.errors import LinkRefused, NotFound, Refused
from models.operations.audit import CLI, By, record
from models.operations.links import issue, spend
from models.operations.org import acting_body
from models.operations.sessions import count_attempt, end_sessions, forget_attempts, refund_attempt, start_session
from models.tables.link import Link, Purpose
from models.tables.org import Contact, Role
from models.tables.plan import Plan

MIN_PASSWORD = 12
LOCK_AFTER, LOCK_MINUTES = 5, 15  # attempts verified per address per window
# Attempts per client address per window, across every account address: one client cannot try
# 5 guesses on each of many addresses. Known or not, an address counts the same.
CLIENT_LOCK_AFTER = 20
MAX_EMAIL = 254  # the longest address SMTP carries: a longer one names nobody
_hasher = PasswordHasher()


@cache
def _dummy() -> str:
    """Verified against when the email is unknown, so that a wrong email costs as long as a wrong
    password. Hashed on first use, not at import (argon2 is slow on purpose)."""
    return _hasher.hash("dondoc-no-such-account")


def coordinating_body_ids(session: Session, today: date) -> set[int]:
    """The bodies coordinating a plan on `today`: a plan's own coordinating body, or the body the
    role has passed to by then (Sở Y tế from 01/03/2025, not Sở LĐ-TB&XH any more)."""
    return {acting_body(session, body_id, today) for body_id in set(session.exec(select(Plan.coordinating_body_id)))}


def is_coordinator(session: Session, contact: Contact, today: date) -> bool:
    """A contact may review on `today`: marked as a coordinator in the directory, or working for a
    body coordinating a plan that day."""
    return contact.active and (contact.coordinator or contact.body_id in coordinating_body_ids(session, today))


def coordinators(session: Session, today: date) -> list[Contact]:
    """The contacts with an email who may review on `today`, a coordinating body's focal points
    first (who signs in first on a new install)."""
    bodies = coordinating_body_ids(session, today)
    found = session.exec(select(Contact).where(Contact.active, Contact.email.is_not(None)).order_by(Contact.id)).all()
    return sorted(
        (c for c in found if c.coordinator or c.body_id in bodies),
        key=lambda c: (c.body_id not in bodies, c.role != Role.focal, c.id),
    )


def find_by_email(session: Session, email: str) -> Contact | None:
    return session.exec(
        select(Contact).where(func.lower(Contact.email) == email.strip().lower(), Contact.active)
    ).first()


def coordinator_by_email(session: Session, email: str, today: date) -> Contact:
    """The active contact with this email, who must be a coordinator on `today`."""
    contact = find_by_email(session, email)
    if contact is None:
        raise NotFound(f"không có đầu mối đang hoạt động với email {email}")
    if not is_coordinator(session, contact, today):
        raise Refused(
            f"{email} không thuộc cơ quan điều phối và không được đánh dấu là cán bộ điều phối "
            "trong danh bạ (cột coordinator)"
        )
    return contact


def set_password(session: Session, email: str, password: str, *, now: datetime, by: By = CLI) -> Contact:
    contact = coordinator_by_email(session, email, now.date())  # `now` is local (the CLI passes it so)
    if len(password) < MIN_PASSWORD:
        raise Refused(f"mật khẩu cần ít nhất {MIN_PASSWORD} ký tự")
    contact.password_hash = _hasher.hash(password)
    ended = end_sessions(session, contact.id, now=now)  # a new password shuts out whoever had the old one
    record(session, "account.password_set", "contact", contact.id, now=now, by=by, sessions_ended=ended)
    return contact


def sign_in_link(session: Session, email: str, *, now: datetime, minutes: int, by: By = CLI) -> Link:
    """A one-time link that signs a coordinator in (`/s/<token>`), for `minutes`: the first sign-in
    of a coordinator without a password yet, or of one who forgot it. Whoever holds it is signed
    in: it goes to the coordinator, not through a message anyone else reads."""
    contact = coordinator_by_email(session, email, now.date())  # `now` is local (the CLI passes it so)
    return issue(session, None, Purpose.sign_in, now=now, days=minutes / (24 * 60), contact_id=contact.id, by=by)


def sign_in_by_link(
    session: Session, link: Link, *, now: datetime, today: date, session_hours: int, used: str
) -> SignedIn:
    """A session for the link's coordinator, the link spent (once: of two uses racing, one wins);
    LinkRefused if it was used (with the message `used`), or its contact is no longer a coordinator."""
    contact = session.get(Contact, link.contact_id) if link.contact_id is not None else None
    if contact is None or not is_coordinator(session, contact, today):
        raise LinkRefused("Tài khoản này không còn là cán bộ điều phối.", LinkRefused.Why.revoked)
    spend(session, link, now=now, used=used)
    by = By(f"contact:{contact.id}", "portal")
    record(session, "account.login", "contact", contact.id, now=now, by=by, link=link.id)
    return SignedIn(contact.id, contact.name, start_session(session, contact.id, now=now, hours=session_hours))


@dataclass(frozen=True)
class SignedIn:
    """A coordinator who just signed in; `token` goes in the session cookie, its digest in the database."""

    contact_id: int
    name: str
    token: str


def sign_in(
    url: str,
    email: str,
    password: str,
    *,
    now: datetime,
    today: date,
    client: str,
    session_hours: int,
    channel: str = "portal",
) -> SignedIn | None:
    """A session for the coordinator with these credentials, or None, never saying which part was wrong.

    The attempt is counted before the password is checked, per address and per client address, so
    that parallel attempts cannot outrun the count: at most LOCK_AFTER attempts on an address and
    CLIENT_LOCK_AFTER from a client are verified per LOCK_MINUTES window (argon2 alone slows one
    guess, not a patient attacker); a success gives the address its attempts back. argon2 runs
    outside any transaction: on SQLite a transaction holds the write lock, and a 0.1-0.4 s hash
    inside one stalls every other writer. Every attempt on a known account is an audit row.
    """
    address = _address(email)
    keys = (f"address:{address or '?'}", f"client:{client}")
    with session_scope(url) as session:
        allowed = _count(session, keys, now)
        contact = find_by_email(session, address) if address else None
        coordinator = contact is not None and is_coordinator(session, contact, today)
    stored = contact.password_hash if contact else None
    verified = allowed and _verify(stored, password)
    if contact is None:
        return None
    rehashed = _hasher.hash(password) if verified and _hasher.check_needs_rehash(stored) else None
    with session_scope(url) as session:
        if not (verified and coordinator):
            record(
                session,
                "account.login_failed",
                "contact",
                contact.id,
                now=now,
                by=By("anonymous", channel),
                locked=not allowed,
            )
            return None
        forget_attempts(session, keys[0])
        refund_attempt(session, keys[1])
        if rehashed:
            session.get(Contact, contact.id).password_hash = rehashed
        record(session, "account.login", "contact", contact.id, now=now, by=By(f"contact:{contact.id}", channel))
        return SignedIn(contact.id, contact.name, start_session(session, contact.id, now=now, hours=session_hours))


def _address(email: str) -> str | None:
    """The address as stored (lower case), or None for one that cannot name anybody."""
    address = email.strip().lower()
    return address if address and len(address) <= MAX_EMAIL and "\x00" not in address else None


def _count(session: Session, keys: tuple[str, str], now: datetime) -> bool:
    """Count this attempt on both keys (both, even when the first is over its limit); whether it
    may be verified."""
    window = timedelta(minutes=LOCK_MINUTES)
    on_address = count_attempt(session, keys[0], now=now, window=window)
    from_client = count_attempt(session, keys[1], now=now, window=window)
    return on_address <= LOCK_AFTER and from_client <= CLIENT_LOCK_AFTER


def _verify(stored: str | None, password: str) -> bool:
    """Whether the password matches the stored hash. With no hash, a dummy one is verified all the
    same, so that an unknown address costs as long as a wrong password."""
    try:
        _hasher.verify(stored or _dummy(), password)
    except (VerificationError, InvalidHashError):
        return False
    return bool(stored)
