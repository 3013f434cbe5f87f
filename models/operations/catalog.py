"""Upsert validated catalogs into the database: idempotent, and every change is an audit row.

A changed catalog is a new plan revision: rows are updated in place, removed ones are retired
(never deleted, their assignments stay), and the audit log keeps the values before and after.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, SQLModel, select

from models.intake.catalog.load import CatalogFile
from models.intake.catalog.schema import Catalog, Due, Reporting
from models.operations.audit import SETUP, By, record
from models.tables.org import Body
from models.tables.plan import Duty, Plan, Target


@dataclass
class SyncResult:
    plan: str
    revision: int
    changed: bool
    counts: dict[str, int] = field(default_factory=dict)  # "duty.created": 3, ...


def expand(catalog: Catalog, codes: list[str]) -> list[str]:
    """Group names become their members; order kept, repeats dropped."""
    out: list[str] = []
    for code in codes:
        for member in catalog.groups.get(code, [code]):
            if member not in out:
                out.append(member)
    return out


def sync_catalogs(session: Session, files: list[CatalogFile], *, now: datetime, by: By = SETUP) -> list[SyncResult]:
    audit = {"now": now, "by": by}
    bodies = _sync_bodies(session, files, audit)
    results = [_sync_plan(session, f, bodies, audit) for f in files]
    _link_parents(session, files, audit)
    return results


def _link_parents(session: Session, files: list[CatalogFile], audit: dict) -> None:
    """Each plan's parent, once every plan has an id (checks.py made sure the parent is loaded)."""
    ids = {p.code: p.id for p in session.exec(select(Plan))}
    for f in files:
        spec = f.catalog.plan
        plan = session.exec(select(Plan).where(Plan.code == spec.code)).one()
        parent_id = ids[spec.parent] if spec.parent else None
        if plan.parent_id != parent_id:
            record(
                session, "plan.updated", "plan", plan.id, **audit, changes={"parent_id": [plan.parent_id, parent_id]}
            )
            plan.parent_id = parent_id
    session.flush()


def _changes(row: SQLModel, values: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [getattr(row, k), v] for k, v in values.items() if getattr(row, k) != v}


def _apply(row: SQLModel, changes: dict[str, list[Any]]) -> None:
    for key, (_before, after) in changes.items():
        setattr(row, key, after)


def _sync_bodies(session: Session, files: list[CatalogFile], audit: dict) -> dict[str, Body]:
    by_code = {b.code: b for b in session.exec(select(Body)).all()}
    specs = {spec.code: spec for f in files for spec in f.catalog.bodies}
    for code, spec in specs.items():
        values = {"name": spec.name, "short_name": spec.short_name, "kind": spec.kind.value}
        if (body := by_code.get(code)) is None:
            body = by_code[code] = Body(code=code, **values)
            session.add(body)
            session.flush()
            record(session, "body.created", "body", body.id, **audit, code=code)
        elif changes := _changes(body, values):
            _apply(body, changes)
            record(session, "body.updated", "body", body.id, **audit, changes=changes)
    for code, spec in specs.items():  # parents once every body has an id
        body = by_code[code]
        parent_id = by_code[spec.parent].id if spec.parent else None
        if body.parent_id != parent_id:
            record(
                session, "body.updated", "body", body.id, **audit, changes={"parent_id": [body.parent_id, parent_id]}
            )
            body.parent_id = parent_id
    session.flush()
    return by_code


def _sync_plan(session: Session, f: CatalogFile, bodies: dict[str, Body], audit: dict) -> SyncResult:
    spec = f.catalog.plan
    plan = session.exec(select(Plan).where(Plan.code == spec.code)).first()
    digest = f.digest
    if plan is not None and plan.catalog_digest == digest:
        return SyncResult(spec.code, plan.revision, changed=False)
    values = {
        "title": spec.title,
        "number": spec.number,
        "issued_on": spec.issued_on,
        "implements": spec.implements,
        "period_start": spec.period.start,
        "period_end": spec.period.end,
        "coordinating_body_id": bodies[spec.coordinating_body].id,
        "leadership_body_id": bodies[spec.leadership_body].id,
        # The default's count only (calendar or working days): every duty row carries its own rule.
        "report_days_after_cutoff": _default_offset(spec.reporting),
        "draft": spec.draft,
        "headings": dict(spec.headings),
        "catalog_digest": digest,
        "source_file": str(f.path),
        "loaded_at": audit["now"],
    }
    if spec.closed_on is not None:  # else the date `dondoc plan close` set, if any, stays
        values["closed_on"] = spec.closed_on
    if plan is None:
        plan = Plan(code=spec.code, revision=1, **values)
        session.add(plan)
        session.flush()
        record(session, "plan.created", "plan", plan.id, **audit, code=spec.code)
    else:
        changes = _changes(plan, values)
        _apply(plan, changes)
        plan.revision += 1
        record(
            session,
            "plan.revised",
            "plan",
            plan.id,
            **audit,
            revision=plan.revision,
            changes={k: v for k, v in changes.items() if k != "loaded_at"},
        )
    result = SyncResult(spec.code, plan.revision, changed=True)
    _sync_rows(session, plan, Duty, _duty_rows(f.catalog, bodies), lambda d: (d.ref, d.body_id), audit, result)
    _sync_rows(session, plan, Target, _target_rows(f.catalog), lambda t: (t.ref,), audit, result)
    session.flush()
    return result


def _default_offset(reporting: Reporting | None) -> int:
    if reporting is None:
        return 0
    return reporting.days_after_cutoff or reporting.working_days_after_cutoff or 0


def _due_values(rule: Due | Reporting | None) -> dict[str, Any]:
    """A duty's effective due rule with its basis: its own `due`, else the plan's `reporting`.
    Written into every row, so that what reads a duty never needs the plan's default."""
    if rule is None:  # a one-off duty always has a `due`, a recurring one a rule (checks.py)
        raise ValueError("a duty without a due rule reached the sync")
    return {
        **{f"due_{key}": value for key, value in rule.as_rule().items()},
        "due_basis": rule.basis.value,
        "due_source": rule.source,
    }


def _duty_rows(catalog: Catalog, bodies: dict[str, Body]) -> dict[tuple, dict[str, Any]]:
    rows = {}
    for position, d in enumerate(catalog.duties):
        due = _due_values(d.due or catalog.plan.reporting)
        for code in expand(catalog, d.bodies):
            body_id = bodies[code].id
            rows[(d.ref, body_id)] = {
                "ref": d.ref,
                "body_id": body_id,
                "position": position,
                "source": d.source,
                "title": d.title,
                "text": " ".join(d.text.split()),
                "cooperating": expand(catalog, d.cooperating),
                "cadence": d.cadence.value,
                **due,
                "request": d.request,
                "nature": d.nature.value,
                "evidence": [e.value for e in d.evidence],
                "sensitive": d.sensitive,
                "implements": d.implements,
                "retired_revision": None,
            }
    return rows


def _target_rows(catalog: Catalog) -> dict[tuple, dict[str, Any]]:
    return {
        (t.ref,): {
            "ref": t.ref,
            "position": position,
            "source": t.source,
            "text": " ".join(t.text.split()),
            "measure": t.measure,
            "unit": t.unit.value,
            "threshold": t.threshold,
            "upper": t.upper,
            "per": t.per.value,
            "deadline": t.deadline,
            "reported_by": expand(catalog, t.reported_by),
            "numerator": t.numerator or t.measure,
            "denominator": t.denominator,
            "combine": t.combine.value,
            "implements": t.implements,
            "retired_revision": None,
        }
        for position, t in enumerate(catalog.targets)
    }


def _sync_rows(
    session: Session,
    plan: Plan,
    table: type[Duty] | type[Target],
    wanted: dict[tuple, dict[str, Any]],
    key,
    audit: dict,
    result: SyncResult,
) -> None:
    entity = table.__tablename__
    existing = {key(row): row for row in session.exec(select(table).where(table.plan_id == plan.id))}

    def count(action: str) -> None:
        result.counts[f"{entity}.{action}"] = result.counts.get(f"{entity}.{action}", 0) + 1

    for k, values in wanted.items():
        row = existing.get(k)
        if row is not None:  # the order in the file is layout, not content: not audited
            row.position = values["position"]
            values = {k: v for k, v in values.items() if k != "position"}
        if row is None:
            row = table(plan_id=plan.id, **values)
            session.add(row)
            session.flush()
            record(session, f"{entity}.created", entity, row.id, **audit, ref=values["ref"], revision=plan.revision)
            count("created")
        elif changes := _changes(row, values):
            _apply(row, changes)
            record(
                session,
                f"{entity}.updated",
                entity,
                row.id,
                **audit,
                ref=values["ref"],
                revision=plan.revision,
                changes=changes,
            )
            count("updated")
    for k, row in existing.items():
        if k not in wanted and row.retired_revision is None:
            row.retired_revision = plan.revision
            record(session, f"{entity}.retired", entity, row.id, **audit, ref=row.ref, revision=plan.revision)
            count("retired")
