"""Signed links: how a focal point reaches one assignment's page without an account, and a leader
a plan's full lists from a digest.

A token is an itsdangerous signature over (link id, expiry), salted with its purpose, so a token
made for one purpose does not verify for another. The signature proves dondoc issued it; the
`link` row is the database state it is bound to: it can be revoked, it expires, and a confirm
link is spent by the submission it carries (a fresh one comes with the next email).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlmodel import Session, select, update

from models.errors import LinkRefused, NotFound
from models.operations.audit import SYSTEM, By, record
from models.tables.assignment import Assignment
from models.tables.link import Link, Purpose
from models.tables.org import Contact


def _serializer(secret: str, purpose: Purpose) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=f"dondoc.link.{purpose}")


def token_for(link: Link, secret: str) -> str:
    return _serializer(secret, Purpose(link.purpose)).dumps([link.id, int(link.expires_at.timestamp())])


def check_subject(session: Session, assignment_id: int, contact_id: int | None = None) -> None:
    """NotFound unless the assignment (and the contact, when one is named) exists: checked before a
    link to it is issued or its links revoked on someone's word (`dondoc link`)."""
    if session.get(Assignment, assignment_id) is None:
        raise NotFound(f"không có nhiệm vụ số {assignment_id}")
    if contact_id is not None and session.get(Contact, contact_id) is None:
        raise NotFound(f"không có đầu mối số {contact_id}")


def issue(
    session: Session,
    assignment_id: int | None,
    purpose: Purpose,
    *,
    now: datetime,
    days: float,
    contact_id: int | None,
    by: By,
    plan_id: int | None = None,
) -> Link:
    """A new link to an assignment, or (`plan_id`, an overview) to a plan's full lists, or (neither)
    for the contact alone (a sign-in)."""
    link = Link(
        purpose=purpose,
        assignment_id=assignment_id,
        plan_id=plan_id,
        contact_id=contact_id,
        issued_at=now,
        expires_at=now + timedelta(days=days),
        issued_by=by.actor,
    )
    session.add(link)
    session.flush()
    # What the link opens: an assignment, a plan, or (a sign-in) its contact's session.
    subjects = (("assignment", assignment_id), ("plan", plan_id), ("contact", contact_id))
    entity, entity_id = next((e, i) for e, i in subjects if i is not None)
    record(
        session,
        "link.issued",
        entity,
        entity_id,
        now=now,
        by=by,
        link=link.id,
        purpose=str(purpose),
        contact=contact_id,
    )
    return link


def current(
    session: Session,
    assignment_id: int | None,
    contact_id: int | None,
    *,
    purpose: Purpose,
    now: datetime,
    days: int,
    plan_id: int | None = None,
) -> Link:
    """A live link for this assignment (or plan) and contact, reused while it has at least half its
    life left: each message does not need a new row, and none carries a link about to expire."""
    link = session.exec(
        select(Link)
        .where(
            Link.assignment_id.is_(None) if assignment_id is None else Link.assignment_id == assignment_id,
            Link.plan_id.is_(None) if plan_id is None else Link.plan_id == plan_id,
            Link.contact_id.is_(None) if contact_id is None else Link.contact_id == contact_id,
            Link.purpose == purpose,
            Link.used_at.is_(None),
            Link.revoked_at.is_(None),
            Link.expires_at > now + timedelta(days=days) / 2,
        )
        .order_by(Link.id.desc())
    ).first()
    return link or issue(
        session, assignment_id, purpose, now=now, days=days, contact_id=contact_id, by=SYSTEM, plan_id=plan_id
    )


def verify(session: Session, token: str, *, purpose: Purpose, secret: str, now: datetime) -> Link:
    """The link a token opens, or LinkRefused: forged or of another purpose (403), unknown (404),
    expired or revoked (410)."""
    try:
        link_id, expires = _serializer(secret, purpose).loads(token)
        link_id, expires = int(link_id), int(expires)
    except (BadSignature, TypeError, ValueError):
        raise LinkRefused("Đường dẫn không hợp lệ.", LinkRefused.Why.forged) from None
    link = session.get(Link, link_id)
    if link is None or link.purpose != purpose:
        raise LinkRefused("Đường dẫn không hợp lệ.", LinkRefused.Why.unknown)
    if link.revoked_at is not None:
        raise LinkRefused(
            "Đường dẫn này đã bị thu hồi. Xin liên hệ Sở Lao động - Thương binh và Xã hội.", LinkRefused.Why.revoked
        )
    if now.timestamp() >= expires or now >= link.expires_at:
        raise LinkRefused("Đường dẫn này đã hết hạn. Xin dùng đường dẫn trong email mới nhất.", LinkRefused.Why.expired)
    return link


def spend(
    session: Session,
    link: Link,
    *,
    now: datetime,
    used: str = "Đường dẫn này đã được dùng để nộp. Kết quả đang chờ xem xét.",
) -> None:
    """Mark a one-time link used, atomically: of two submissions (or sign-ins) racing on one link,
    one wins; the other is refused with `used`."""
    result = session.execute(update(Link).where(Link.id == link.id, Link.used_at.is_(None)).values(used_at=now))
    if result.rowcount != 1:
        raise LinkRefused(used, LinkRefused.Why.spent)
    session.refresh(link)


def revoke(session: Session, assignment_id: int, *, now: datetime, by: By) -> int:
    """Revoke every live link to an assignment; returns how many."""
    result = session.execute(
        update(Link).where(Link.assignment_id == assignment_id, Link.revoked_at.is_(None)).values(revoked_at=now)
    )
    record(session, "link.revoked", "assignment", assignment_id, now=now, by=by, links=result.rowcount)
    return result.rowcount


# The portal's routes: /a/<token>, /v/<token>, /t/<token> ("tình hình": a plan's full lists),
# /s/<token> (a coordinator's one-time sign-in).
PATHS = {Purpose.confirm: "a", Purpose.view: "v", Purpose.overview: "t", Purpose.sign_in: "s"}


@dataclass(frozen=True)
class Links:
    """Makes the URLs that emails and `dondoc link` carry."""

    base_url: str
    secret: str
    days: int

    def url(self, link: Link) -> str:
        return f"{self.base_url.rstrip('/')}/{PATHS[Purpose(link.purpose)]}/{token_for(link, self.secret)}"

    def for_contact(
        self, session: Session, assignment_id: int, contact_id: int | None, *, purpose: Purpose, now: datetime
    ) -> str:
        return self.url(current(session, assignment_id, contact_id, purpose=purpose, now=now, days=self.days))

    def for_plan(self, session: Session, plan_id: int, contact_id: int | None, *, now: datetime) -> str:
        """A read-only link to a plan's full lists (`/t/<token>`), for a digest that caps them."""
        link = current(session, None, contact_id, purpose=Purpose.overview, now=now, days=self.days, plan_id=plan_id)
        return self.url(link)

    @classmethod
    def from_settings(cls, settings) -> Links | None:
        if not settings.portal_url:
            return None
        return cls(settings.portal_url, settings.secret_key.get_secret_value(), settings.link_days)
