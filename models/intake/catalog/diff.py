"""What a catalog revision changes (`dondoc plan diff OLD NEW`): the plan's header, and the duties,
targets and bodies it adds, changes (which fields, from what to what) and removes. Pure: two
parsed catalogs in, a list of changes out; which open assignments a change touches is the
caller's question (it needs the database)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from models.intake.catalog.schema import Catalog

Kind = Literal["added", "changed", "removed"]


@dataclass(frozen=True)
class Change:
    section: str  # plan, duties, targets, bodies, groups
    key: str  # the ref, code or field the change is about
    kind: Kind
    fields: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # field -> (old, new), for "changed"


def _by_key(items: list, key: str) -> dict[str, dict]:
    return {getattr(i, key): i.model_dump(mode="json", exclude_none=True) for i in items}


def _compare(section: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    changes = [Change(section, k, "removed") for k in old if k not in new]
    for k, after in new.items():
        if k not in old:
            changes.append(Change(section, k, "added"))
        elif old[k] != after:
            before = old[k]
            if isinstance(before, dict) and isinstance(after, dict):
                fields = {
                    f: (before.get(f), after.get(f))
                    for f in dict.fromkeys([*before, *after])
                    if before.get(f) != after.get(f)
                }
            else:
                fields = {k: (before, after)}
            changes.append(Change(section, k, "changed", fields))
    return changes


def diff(old: Catalog, new: Catalog) -> list[Change]:
    """Every difference, section by section, in the new catalog's order (removals first)."""
    header_old = old.plan.model_dump(mode="json", exclude_none=True)
    header_new = new.plan.model_dump(mode="json", exclude_none=True)
    header = [
        Change("plan", f, "changed", {f: (header_old.get(f), header_new.get(f))})
        for f in dict.fromkeys([*header_old, *header_new])
        if header_old.get(f) != header_new.get(f)
    ]
    return [
        *header,
        *_compare("duties", _by_key(old.duties, "ref"), _by_key(new.duties, "ref")),
        *_compare("targets", _by_key(old.targets, "ref"), _by_key(new.targets, "ref")),
        *_compare("bodies", _by_key(old.bodies, "code"), _by_key(new.bodies, "code")),
        *_compare("groups", dict(old.groups), dict(new.groups)),
    ]


# Fields whose change reaches the assignments already created: who holds them, when they fall due.
SCHEDULING = frozenset({"bodies", "cadence", "due", "nature", "request"})


def touches_assignments(change: Change) -> bool:
    """A removed duty, or a change to who holds it or when it falls due, reaches its open items."""
    if change.section != "duties":
        return False
    return change.kind == "removed" or (change.kind == "changed" and bool(SCHEDULING & set(change.fields)))
