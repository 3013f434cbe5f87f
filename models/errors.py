"""dondoc's domain errors, one name per idea. Their messages are for the person at the door, in
Vietnamese. Each door maps them to its own answer: the CLI to an exit code, the portal to an HTTP
status (portal/errors.py); nothing here knows about HTTP.

- `NotFound`: no such record (an id that names nothing).
- `Refused`: an operation refused for a reason the user can act on; nothing was written. Its
  kinds: `EvidenceRefused` (and `TooLarge`), `DateRefused`, `LinkRefused` (with its `Why`).
- `InputError`: a file (a catalog, a directory) refused as a whole, with every `Problem` found:
  the file, the path inside it, the line.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class NotFound(LookupError):
    """No record with this id or name."""


class Refused(ValueError):
    """An operation refused for a reason the user can act on (the message says which)."""


class EvidenceRefused(Refused):
    """The submission was refused as a whole; nothing was stored."""


class TooLarge(EvidenceRefused):
    """A file over the size limit, refused while its bytes arrived."""


class DateRefused(Refused):
    """A date a user typed that the plan cannot be about; nothing was stored."""


class LinkRefused(Refused):
    """A token that opens nothing, and why."""

    class Why(StrEnum):
        forged = "forged"  # not signed by this install, or for another purpose
        unknown = "unknown"  # signed, but no such link
        revoked = "revoked"
        expired = "expired"
        spent = "spent"  # a confirm link already used for its submission

    def __init__(self, message: str, why: LinkRefused.Why):
        super().__init__(message)
        self.why = why


@dataclass(frozen=True)
class Problem:
    """One problem in an input file."""

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


class CatalogError(InputError):
    """A plan catalog refused."""


class DirectoryError(InputError):
    """A contact directory refused."""


def format_path(loc: tuple[str | int, ...]) -> str:
    """Pydantic's location of an error as a path a person reads: duties[3].bodies[0]."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
