"""What a draft holds: the catalog's entries as plain values, each with the review notes that
say what was guessed from which words (render.py writes them as "# CẦN XEM LẠI:" comments)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Entry:
    """One catalog entry (a body, a duty, a target) in the catalog's key order, and its notes."""

    values: dict[str, Any]
    notes: list[str] = field(default_factory=list)  # guesses to review, in Vietnamese
    comments: list[str] = field(default_factory=list)  # facts for the reader (not guesses)

    @property
    def ref(self) -> str:
        return str(self.values.get("ref") or self.values.get("code"))


@dataclass
class Draft:
    plan: Entry
    plan_notes: dict[str, list[str]]  # per key of `plan`, what was guessed
    bodies: list[Entry]
    groups: dict[str, Entry]  # values: {"members": [...]}
    duties: list[Entry]
    targets: list[Entry]
    warnings: list[str] = field(default_factory=list)  # for the person running the command
    matched_bodies: list[str] = field(default_factory=list)  # codes found in the registry
    new_bodies: list[str] = field(default_factory=list)  # codes proposed

    def as_catalog(self) -> dict[str, Any]:
        """The data the YAML holds, for checking it (what the catalog's loader would read)."""
        return {
            "plan": self.plan.values,
            "bodies": [b.values for b in self.bodies],
            "groups": {name: g.values["members"] for name, g in self.groups.items()},
            "duties": [d.values for d in self.duties],
            "targets": [t.values for t in self.targets],
        }
