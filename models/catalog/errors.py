"""Errors that name the file, the path inside it and the line, for catalogs and directories alike."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    file: str
    code: str  # a stable name: unknown-body, duplicate-ref, impossible-cadence, ...
    path: str  # where inside the file: "duties[3].bodies[0]" or "row 7"
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        inside = f" {self.path}:" if self.path else ""
        return f"{where}:{inside} {self.message} [{self.code}]"


class InputError(Exception):
    """A file was refused and nothing was written. Carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]):
        assert problems
        self.problems = problems
        super().__init__("\n".join(map(str, problems)))

    @property
    def codes(self) -> set[str]:
        return {p.code for p in self.problems}


class Refused(ValueError):
    """An operation refused for a reason the user can act on (the message says which)."""


class CatalogError(InputError):
    pass


def format_path(loc: tuple[str | int, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
