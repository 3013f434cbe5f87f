"""Read catalog files: YAML with lines → pydantic → cross-reference checks. Nothing is written here."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from models.errors import CatalogError, Problem, format_path
from models.intake.catalog.checks import check_catalogs
from models.intake.catalog.schema import Catalog
from models.intake.catalog.yamlsource import Loc, line_of, read_yaml_file


@dataclass(frozen=True)
class CatalogFile:
    path: Path
    catalog: Catalog
    lines: dict[Loc, int]

    @property
    def digest(self) -> str:
        """Of the content, not the bytes: comments and layout are not a new revision."""
        canonical = json.dumps(self.catalog.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()

    def problem(self, loc: Loc, code: str, message: str) -> Problem:
        return Problem(str(self.path), code, format_path(loc), line_of(self.lines, loc), message)


def _schema_code(error: Mapping[str, Any]) -> str:
    kind, loc = error["type"], error["loc"]
    if kind == "missing":
        return "missing-field"
    if kind == "extra_forbidden":
        return "unknown-field"
    if loc and loc[-1] == "cadence":
        return "unknown-cadence"
    if "-" in kind:  # our own (PydanticCustomError), e.g. missing-basis-source; pydantic's use "_"
        return kind
    return "invalid-value"


def read_catalog(path: Path) -> CatalogFile:
    """One file, checked on its own. Raises CatalogError naming file, path and line."""
    name = str(path)
    data, lines = read_yaml_file(path, CatalogError, "invalid-value")
    if not isinstance(data, dict):
        what = "empty" if data is None else f"a {type(data).__name__}, not a mapping"
        raise CatalogError([Problem(name, "not-a-catalog", "", 1, f"the file is {what}")])
    try:
        catalog = Catalog.model_validate(data)
    except ValidationError as exc:
        problems = [
            Problem(name, _schema_code(e), format_path(e["loc"]), line_of(lines, e["loc"]), e["msg"])
            for e in exc.errors()
        ]
        raise CatalogError(problems) from exc
    return CatalogFile(path, catalog, lines)


def load_catalogs(paths: list[Path]) -> list[CatalogFile]:
    """All files, checked together (bodies may be shared between plans). All problems, or none."""
    files: list[CatalogFile] = []
    problems: list[Problem] = []
    if not paths:
        raise CatalogError([Problem("config/plans", "no-catalog", "", None, "no *.yaml catalog found")])
    for path in paths:
        try:
            files.append(read_catalog(path))
        except CatalogError as exc:
            problems.extend(exc.problems)
    problems.extend(check_catalogs(files))
    if problems:
        raise CatalogError(problems)
    return files


def catalog_paths(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.y*ml") if p.is_file())
