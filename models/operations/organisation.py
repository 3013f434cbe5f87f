"""The organisation history applied: the bodies the catalogs do not hold, the lifetimes of bodies
and the successions, from the organisation file (settings.organisation_file, checked by
models/intake/organisation.py). Applied by default wherever the catalogs are synced, after them and
before any assignment is materialized; applying it again changes nothing.

An entry removed from the file is not undone in the database (a succession recorded is history);
a corrected entry (a name, a date of a body, the duties of a succession) is updated, with its audit
row.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, func, select

from models.errors import Problem, Refused
from models.intake.catalog.load import CatalogFile
from models.intake.organisation import Organisation, OrganisationError, check_organisation, read_organisation
from models.operations.audit import SETUP, By, record
from models.operations.catalog import SyncResult, expand, sync_catalogs
from models.operations.org import acting_body
from models.operations.succession import held_refs, succeed
from models.tables.org import Body, Succession, active_on
from models.tables.plan import Plan


@dataclass
class Applied:
    """What applying the organisation file changed (all zero: nothing)."""

    path: Path
    bodies_created: int = 0
    bodies_updated: int = 0
    successions: int = 0  # rows created
    moved: int = 0  # open assignments moved to a successor

    @property
    def changed(self) -> bool:
        return bool(self.bodies_created or self.bodies_updated or self.successions or self.moved)


def load_organisation(session: Session | None, path: Path | None, catalogs: list[CatalogFile]) -> Organisation | None:
    """The organisation file read and checked against the catalogs and the database (nothing is
    written; without a session, against the catalogs alone: `dondoc plan check`), or None when
    there is none (the setting empty). A file named but missing is refused: a mistyped path must
    not silently give the plan's bodies forever. Raises OrganisationError."""
    if path is None:
        return None
    if not path.is_file():
        raise OrganisationError([Problem(str(path), "no-file", "", None, "no such file")])
    org = read_organisation(path)
    catalog_codes = {b.code for f in catalogs for b in f.catalog.bodies}
    duties: dict[str, set[str]] = defaultdict(set)
    for f in catalogs:
        for d in f.catalog.duties:
            for code in expand(f.catalog, d.bodies):
                duties[code].add(d.ref)
    recorded = {}
    if session is not None:
        recorded = {b.code: (b.active_from, b.active_until) for b in session.exec(select(Body))}
        moving = select(Body).where(Body.code.in_({s.from_ for s in org.successions}))
        for b in session.exec(moving):
            assert b.id is not None
            duties[b.code] |= held_refs(session, b.id)
    check_organisation(org, catalog_codes=catalog_codes, recorded=recorded, duties=duties)
    return org


def apply_organisation(session: Session, org: Organisation, *, now: datetime, by: By = SETUP) -> Applied:
    """Upsert the file's bodies and lifetimes, then record its successions in date order (open
    assignments move as `succeed` says). One transaction with the caller's: a succession the
    database refuses names its entry and line, and nothing is applied."""
    applied = Applied(org.path)
    by_code = {b.code: b for b in session.exec(select(Body))}
    new: set[str] = set()
    for entry in org.bodies:
        values: dict[str, Any] = {
            "name": entry.name,
            "short_name": entry.short_name,
            "kind": entry.kind.value,
            "active_from": entry.active_from,
            "active_until": entry.active_until,
        }
        if (body := by_code.get(entry.code)) is None:
            body = by_code[entry.code] = Body(code=entry.code, **values)
            session.add(body)
            session.flush()
            record(session, "body.created", "body", body.id, now=now, by=by, code=entry.code, source=entry.source)
            applied.bodies_created += 1
            new.add(entry.code)
        elif _update(session, body, values, now=now, by=by, source=entry.source):
            applied.bodies_updated += 1
    for entry in org.bodies:  # parents once every body exists
        parent_id = by_code[entry.parent].id if entry.parent else None
        if _update(session, by_code[entry.code], {"parent_id": parent_id}, now=now, by=by, source=entry.source):
            applied.bodies_updated += entry.code not in new
    for lt in org.lifetimes:
        dates = {"active_from": lt.active_from, "active_until": lt.active_until}
        if _update(session, by_code[lt.body], dates, now=now, by=by, source=lt.source):
            applied.bodies_updated += 1
    session.flush()
    order = sorted(range(len(org.successions)), key=lambda i: org.successions[i].effective_from)
    for i in order:
        s = org.successions[i]
        before = _count(session)
        try:
            _, moved = succeed(
                session,
                s.from_,
                s.to,
                effective_from=s.effective_from,
                now=now,
                duty_refs=s.duties,
                moves_coordinator=s.coordinator,
                note=s.source,
                by=by,
            )
        except (LookupError, Refused) as exc:
            raise OrganisationError(
                [org.problem(("successions", i), "invalid-succession", str(exc).strip("'\""))]
            ) from exc
        applied.successions += _count(session) - before
        applied.moved += moved
    return applied


def _count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Succession)).one()


def _update(session: Session, body: Body, values: dict[str, Any], *, now: datetime, by: By, source: str) -> bool:
    changes = {k: [getattr(body, k), v] for k, v in values.items() if getattr(body, k) != v}
    for key, (_before, after) in changes.items():
        setattr(body, key, after)
    if changes:
        record(session, "body.updated", "body", body.id, now=now, by=by, changes=changes, source=source)
    return bool(changes)


def sync_all(
    session: Session, catalogs: list[CatalogFile], organisation_file: Path | None, *, now: datetime, by: By = SETUP
) -> tuple[list[SyncResult], Applied | None]:
    """The catalogs, then the organisation history: what `dondoc init` and the sync flow do. The
    organisation file is checked before anything is written; all of it applies, or none."""
    org = load_organisation(session, organisation_file, catalogs)
    results = sync_catalogs(session, catalogs, now=now, by=by)
    return results, (apply_organisation(session, org, now=now, by=by) if org else None)


def apply_file(session: Session, path: Path, catalogs: list[CatalogFile], *, now: datetime, by: By) -> Applied:
    """`dondoc org apply FILE`: a later reorganisation, in the organisation file's format, checked
    the same way and applied all or nothing."""
    org = load_organisation(session, path, catalogs)
    assert org is not None
    return apply_organisation(session, org, now=now, by=by)


def organisation_on(session: Session, day: date) -> dict[str, Any]:
    """The organisation on `day`: the bodies active that day, each plan's coordinating and
    leadership bodies as acting that day, and the successions in effect (what `dondoc org show`
    prints)."""
    bodies = list(session.exec(select(Body).where(active_on(day)).order_by(Body.id)))
    every = {b.id: b for b in session.exec(select(Body))}

    def ref(body_id: int | None) -> dict[str, Any] | None:
        if body_id is None:
            return None
        b = every[body_id]
        return {"code": b.code, "name": b.name, "short_name": b.short_name}

    plans = []
    for p in session.exec(select(Plan).order_by(Plan.id)):
        acting = acting_body(session, p.coordinating_body_id, day)
        coordinating = ref(acting) or {}
        replaced = every[p.coordinating_body_id] if acting != p.coordinating_body_id else None
        coordinating["in_place_of"] = replaced.code if replaced else None
        coordinating["in_place_of_label"] = replaced.label if replaced else None
        coordinating["active"] = every[acting].is_active(day)
        leadership = ref(acting_body(session, p.leadership_body_id, day)) or {}
        plans.append(
            {
                "code": p.code,
                "title": p.title,
                "number": p.number,
                "coordinating_body": coordinating,
                "leadership_body": leadership,
            }
        )
    grouped: dict[tuple, dict[str, Any]] = {}
    rows = session.exec(
        select(Succession).where(Succession.effective_from <= day).order_by(Succession.effective_from, Succession.id)
    )
    for s in rows:
        key = (s.from_body_id, s.effective_from, tuple(s.duty_refs or ()))
        entry = grouped.setdefault(
            key,
            {
                "effective_from": s.effective_from.isoformat(),
                "from": every[s.from_body_id].code,
                "from_label": every[s.from_body_id].label,
                "to": [],
                "to_labels": [],
                "duties": s.duty_refs,
                "coordinator": False,
                "source": s.note,
            },
        )
        entry["to"].append(every[s.to_body_id].code)
        entry["to_labels"].append(every[s.to_body_id].label)
        entry["coordinator"] = entry["coordinator"] or s.moves_coordinator
    parents = {b.id: b.code for b in every.values()}
    return {
        "as_of": day.isoformat(),
        "bodies": [
            {
                "code": b.code,
                "name": b.name,
                "short_name": b.short_name,
                "kind": b.kind,
                "parent": parents.get(b.parent_id) if b.parent_id else None,
                "active_from": b.active_from.isoformat() if b.active_from else None,
                "active_until": b.active_until.isoformat() if b.active_until else None,
            }
            for b in bodies
        ],
        "plans": plans,
        "successions": list(grouped.values()),
    }
