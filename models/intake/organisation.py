"""The organisation history (config/organisation/<province>.yaml): the bodies the plans' catalogs
do not hold, the lifetimes of bodies (`active_from`, `active_until`) and the successions between
them, each entry with its `source` (the document) and what was `verified`.

Read and checked here, nothing written (models/operations/organisation.py applies it). A malformed
file is refused as a whole (`OrganisationError`, every problem with the file, the entry and its
line): an unknown body, a lifetime that ends before it starts or two lifetimes for one body, a
succession to a body not active on its date or from one not active the day before, a duplicate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from models.errors import InputError, Problem, format_path
from models.intake.catalog.schema import BodyKind, Code, Strict, Text
from models.intake.catalog.yamlsource import Loc, line_of, read_yaml_file


class OrganisationError(InputError):
    """The organisation file refused: invalid-organisation, unknown-body, duplicate-body,
    invalid-lifetime, overlapping-lifetimes, several-lifetimes, inactive-successor,
    inactive-predecessor, duplicate-succession, unknown-duty, inconsistent-succession, ..."""


class _Entry(BaseModel):  # the catalog's Strict, by config: ruff sees pydantic's defaults only on BaseModel
    model_config = ConfigDict(**Strict.model_config, populate_by_name=True)

    source: str  # the document: number, date, issuing body
    verified: str  # what was checked, where; what was not ("CHƯA XÁC MINH ...")
    note: str | None = None

    @field_validator("source", "verified")
    @classmethod
    def _said(cls, text: str) -> str:
        if not text.strip():
            raise ValueError("must say something (the document, or what was or was not verified)")
        return " ".join(text.split())


class BodyEntry(_Entry):
    """A body the catalogs do not define (a successor, a commune formed in 2025)."""

    code: Code
    name: Text
    short_name: Text | None = None
    kind: BodyKind
    parent: Code | None = None
    # The bodies it was formed from (a commune: its former district, or districts): checked
    # against the successions, shown by `dondoc org show`.
    formed_from: list[Code] = []
    active_from: date | None = None
    active_until: date | None = None


class LifetimeEntry(_Entry):
    """The active dates of a body defined elsewhere (a plan's catalog)."""

    body: Code
    active_from: date | None = None
    active_until: date | None = None


def _listed(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class SuccessionEntry(_Entry):
    """From `effective_from`, the duties of `from` (all, or `duties`) pass to each body of `to`."""

    from_: Code = Field(alias="from")
    to: Annotated[list[Code], BeforeValidator(_listed)] = Field(min_length=1)
    effective_from: date
    duties: list[Text] | None = Field(None, min_length=1)
    coordinator: bool = False  # the plans' coordinating role passes to the first of `to`


class _File(BaseModel):
    model_config = Strict.model_config

    bodies: list[BodyEntry] = []
    lifetimes: list[LifetimeEntry] = []
    successions: list[SuccessionEntry] = []


Lifetime = tuple[date | None, date | None]


@dataclass(frozen=True)
class Organisation:
    """A parsed organisation file; `check()` before applying it."""

    path: Path
    bodies: list[BodyEntry] = field(default_factory=list)
    lifetimes: list[LifetimeEntry] = field(default_factory=list)
    successions: list[SuccessionEntry] = field(default_factory=list)
    lines: dict[Loc, int] = field(default_factory=dict)

    def problem(self, loc: Loc, code: str, message: str) -> Problem:
        return Problem(str(self.path), code, format_path(loc), line_of(self.lines, loc), message)

    def life(self, code: str) -> Lifetime | None:
        """The body's active dates as this file gives them (None if it gives none)."""
        for b in self.bodies:
            if b.code == code:
                return b.active_from, b.active_until
        for lt in self.lifetimes:
            if lt.body == code:
                return lt.active_from, lt.active_until
        return None


def _schema_code(error: Mapping[str, Any]) -> str:
    return {"missing": "missing-field", "extra_forbidden": "unknown-field"}.get(error["type"], "invalid-organisation")


def read_organisation(path: Path) -> Organisation:
    """Parse one file (its shape only; `check_organisation` for the rest). Raises OrganisationError."""
    name = str(path)

    def refused(code: str, where: str, line: int | None, message: str) -> OrganisationError:
        return OrganisationError([Problem(name, code, where, line, message)])

    data, lines = read_yaml_file(path, OrganisationError, "invalid-organisation")
    if data is None:
        return Organisation(path)
    if not isinstance(data, dict):
        raise refused("invalid-organisation", "", 1, f"the file is a {type(data).__name__}, not a mapping")
    try:
        parsed = _File.model_validate(data)
    except ValidationError as exc:
        raise OrganisationError(
            [
                Problem(name, _schema_code(e), format_path(e["loc"]), line_of(lines, e["loc"]), e["msg"])
                for e in exc.errors()
            ]
        ) from exc
    return Organisation(path, list(parsed.bodies), list(parsed.lifetimes), list(parsed.successions), lines)


def _active(life: Lifetime, day: date) -> bool:
    start, end = life
    return (start is None or start <= day) and (end is None or day <= end)


def _overlap(a: Lifetime, b: Lifetime) -> bool:
    return (a[0] is None or b[1] is None or a[0] <= b[1]) and (b[0] is None or a[1] is None or b[0] <= a[1])


def _when(life: Lifetime) -> str:
    start, end = life
    return f"{start or '…'} – {end or '…'}"


def check_organisation(
    org: Organisation, *, catalog_codes: set[str], recorded: Mapping[str, Lifetime], duties: Mapping[str, set[str]]
) -> None:
    """Every problem of the file against what is known, or none. `catalog_codes`: the bodies the
    plans' catalogs define; `recorded`: the bodies already in the database with their active dates
    (the file's dates take precedence); `duties`: the duty refs each body holds. Raises
    OrganisationError."""
    problems: list[Problem] = []
    defined: dict[str, int] = {}
    for i, b in enumerate(org.bodies):
        at_code: Loc = ("bodies", i, "code")
        if b.code in catalog_codes:
            problems.append(
                org.problem(
                    at_code,
                    "duplicate-body",
                    f"'{b.code}' is a body of a plan's catalog: give its dates under lifetimes",
                )
            )
        elif b.code in defined:
            problems.append(
                org.problem(at_code, "duplicate-body", f"'{b.code}' is already defined in bodies[{defined[b.code]}]")
            )
        defined.setdefault(b.code, i)
    universe = catalog_codes | set(recorded) | set(defined)

    def unknown(loc: Loc, code: str) -> None:
        if code not in universe:
            problems.append(org.problem(loc, "unknown-body", f"no body with code '{code}'"))

    # Lifetimes: each must make sense, and a body has one.
    lives: dict[str, list[tuple[Loc, Lifetime]]] = {}
    for i, b in enumerate(org.bodies):
        lives.setdefault(b.code, []).append((("bodies", i), (b.active_from, b.active_until)))
        if b.parent:
            unknown(("bodies", i, "parent"), b.parent)
        for j, origin in enumerate(b.formed_from):
            unknown(("bodies", i, "formed_from", j), origin)
    for i, lt in enumerate(org.lifetimes):
        unknown(("lifetimes", i, "body"), lt.body)
        if lt.active_from is None and lt.active_until is None:
            problems.append(org.problem(("lifetimes", i), "invalid-lifetime", "give active_from, active_until or both"))
        lives.setdefault(lt.body, []).append((("lifetimes", i), (lt.active_from, lt.active_until)))
    for code, entries in lives.items():
        for n, (loc, life) in enumerate(entries):
            start, end = life
            if start and end and start > end:
                message = f"'{code}' would end ({end:%d/%m/%Y}) before it starts ({start:%d/%m/%Y})"
                problems.append(org.problem(loc, "invalid-lifetime", message))
            for other_loc, other in entries[:n]:
                where = format_path(other_loc)
                if _overlap(life, other):
                    message = f"'{code}' {_when(life)} overlaps its lifetime in {where} ({_when(other)})"
                    problems.append(org.problem(loc, "overlapping-lifetimes", message))
                else:
                    message = (
                        f"'{code}' already has a lifetime in {where}: a body has one; a body re-established "
                        "is a new body with its own code"
                    )
                    problems.append(org.problem(loc, "several-lifetimes", message))

    def life_of(code: str) -> Lifetime:
        if code in lives:
            return lives[code][0][1]
        return recorded.get(code, (None, None))

    # Successions. A successor holds the duties passed to it, which it may pass on in turn.
    held = {code: set(refs) for code, refs in duties.items()}
    for s in sorted(org.successions, key=lambda s: s.effective_from):
        passed = set(s.duties) if s.duties else held.get(s.from_, set())
        for code in s.to:
            held.setdefault(code, set()).update(passed)
    seen: dict[tuple, int] = {}
    successors: dict[tuple[str, date], set[str]] = {}
    for i, s in enumerate(org.successions):
        base: Loc = ("successions", i)
        unknown((*base, "from"), s.from_)
        for j, code in enumerate(s.to):
            unknown((*base, "to", j), code)
            if code == s.from_:
                problems.append(org.problem((*base, "to", j), "invalid-succession", f"'{code}' cannot succeed itself"))
            elif code in s.to[:j]:
                problems.append(org.problem((*base, "to", j), "duplicate-succession", f"'{code}' is listed twice"))
        key = (s.from_, tuple(sorted(s.to)), s.effective_from, tuple(sorted(s.duties or ())))
        if key in seen:
            message = f"the same succession as successions[{seen[key]}]"
            problems.append(org.problem(base, "duplicate-succession", message))
        seen.setdefault(key, i)
        successors.setdefault((s.from_, s.effective_from), set()).update(s.to)
        if s.from_ in universe:
            before = s.effective_from - timedelta(days=1)
            if not _active(life_of(s.from_), before):
                message = (
                    f"'{s.from_}' is not active on {before:%d/%m/%Y}, the day before the succession "
                    f"({_when(life_of(s.from_))})"
                )
                problems.append(org.problem((*base, "from"), "inactive-predecessor", message))
            for j, ref in enumerate(s.duties or ()):
                if ref not in held.get(s.from_, set()):
                    problems.append(
                        org.problem((*base, "duties", j), "unknown-duty", f"'{s.from_}' holds no duty '{ref}'")
                    )
        for j, code in enumerate(s.to):
            if code in universe and not _active(life_of(code), s.effective_from):
                message = (
                    f"'{code}' is not active on {s.effective_from:%d/%m/%Y}, the date it would take the "
                    f"duties ({_when(life_of(code))})"
                )
                problems.append(org.problem((*base, "to", j), "inactive-successor", message))

    # A body formed from others takes their duties on the day it starts, and only it does: a typo
    # in one of the two lists (a commune forgotten, a wrong district) is caught here.
    for i, b in enumerate(org.bodies):
        if not b.formed_from or b.active_from is None:
            continue
        for j, origin in enumerate(b.formed_from):
            heirs = successors.get((origin, b.active_from))
            if heirs is not None and b.code not in heirs:
                message = (
                    f"'{b.code}' was formed from '{origin}' but is not among its successors on {b.active_from:%d/%m/%Y}"
                )
                problems.append(org.problem(("bodies", i, "formed_from", j), "inconsistent-succession", message))
    formed = {b.code: set(b.formed_from) for b in org.bodies if b.formed_from}
    for i, s in enumerate(org.successions):
        for j, code in enumerate(s.to):
            if code in formed and s.from_ not in formed[code]:
                message = f"'{code}' succeeds '{s.from_}' but its formed_from does not name it"
                problems.append(org.problem(("successions", i, "to", j), "inconsistent-succession", message))
    if problems:
        raise OrganisationError(problems)
