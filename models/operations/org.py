"""Who is told: the contacts of bodies by role, and who acts for a body after a succession."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlmodel import Session, select

from models.tables.org import Body, Contact, Role, Succession


class Roster:
    """The active contacts of some bodies, by role: who is told what is decided by role, with a
    fallback where a body has nobody in the first role (a body without a focal point: its head)."""

    def __init__(self, session: Session, body_ids: set[int]):
        self._by_role: dict[tuple[int | None, str], list[Contact]] = defaultdict(list)
        if body_ids:
            for c in session.exec(
                select(Contact).where(Contact.body_id.in_(body_ids), Contact.active).order_by(Contact.id)
            ):
                self._by_role[(c.body_id, c.role)].append(c)

    def first(self, body_id: int | None, *roles: Role) -> list[Contact]:
        """The contacts of the first of `roles` the body has anyone in (None: no body, nobody)."""
        return next((found for role in roles if (found := self._by_role[(body_id, role)])), [])

    def every(self, body_id: int, *roles: Role) -> list[Contact]:
        return [c for role in roles for c in self._by_role[(body_id, role)]]


class Handovers:
    """The successions that move a plan-wide role (the coordinating body's), from one read: a
    listing asks who acted on each of its items' due dates."""

    def __init__(self, session: Session):
        self._moves: dict[int, list[tuple[date, int]]] = defaultdict(list)
        for origin, heir, since in session.exec(
            select(Succession.from_body_id, Succession.to_body_id, Succession.effective_from)
            .where(Succession.moves_coordinator)
            .order_by(Succession.effective_from, Succession.id)
        ):
            self._moves[origin].append((since, heir))

    @classmethod
    def of(cls, session: Session) -> Handovers:
        """The session's: read once per unit of work, however many messages or items ask. For
        reading only (a session that writes successions reads them with `acting_body`)."""
        if "handovers" not in session.info:
            session.info["handovers"] = cls(session)
        return session.info["handovers"]

    def acting(self, body_id: int, today: date) -> int:
        """The body that holds the role of `body_id` today: the successor, if the role has moved
        (and its successor, if it moved again); the latest hand-over in effect decides."""
        seen = {body_id}
        while True:
            moved = [heir for since, heir in self._moves.get(body_id, ()) if since <= today]
            if not moved or moved[-1] in seen:
                return body_id
            body_id = moved[-1]
            seen.add(body_id)


def acting_body(session: Session, body_id: int, today: date) -> int:
    """The body that holds a plan-wide role today (`Handovers.acting`), read afresh: the session
    may just have written a succession."""
    return Handovers(session).acting(body_id, today)


def is_active(session: Session, body_id: int, day: date) -> bool:
    body = session.get(Body, body_id)
    return body is not None and body.is_active(day)


def predecessors(session: Session) -> defaultdict[int, set[int]]:
    """Each body's id with the ids of the bodies whose duties passed to it, directly or in turn
    (its own included), from one read of the successions: a successor reports the figures its
    predecessors reported (Sở Y tế, Sở LĐ-TB&XH's; a commune, its district's). A body never
    succeeded stands for itself only (`get` it with that default, or read it as empty)."""
    before: dict[int, set[int]] = defaultdict(set)
    for origin, heir in session.exec(select(Succession.from_body_id, Succession.to_body_id)):
        before[heir].add(origin)
    out: defaultdict[int, set[int]] = defaultdict(set)
    for body_id in before:
        seen, todo = {body_id}, [body_id]
        while todo:
            for origin in before.get(todo.pop(), set()) - seen:
                seen.add(origin)
                todo.append(origin)
        out[body_id] = seen
    return out


def stands_for(session: Session, body_code: str) -> set[str]:
    """The body's code and those of the bodies it reports for (`predecessors`)."""
    body_id = session.exec(select(Body.id).where(Body.code == body_code)).first()
    before = predecessors(session)[body_id] if body_id is not None else set()
    return {body_code, *(session.exec(select(Body.code).where(Body.id.in_(before))) if before else ())}
