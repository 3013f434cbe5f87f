"""Who set a due date, said the way an official reads it. Pure functions.

Three kinds (`Duty.due_basis`): the plan's text sets the date (`due_source` quotes the clause), a
regulation does (`due_source` names it), or the coordinating body does, where the plan sets none
(`due_source` may say why that day). A date the plan never set is never shown as the plan's.
"""

from __future__ import annotations

from typing import Literal

Basis = Literal["plan", "law", "coordinator"]
BASES: tuple[Basis, ...] = ("plan", "law", "coordinator")


def basis_text(basis: str, source: str, *, plan_number: str | None, coordinator: str) -> str:
    """One sentence for emails, pages and digests, e.g. 'Hạn do cơ quan thường trực (Sở Y tế) đề nghị.'"""
    source = " ".join(source.split())
    if basis == "plan":
        plan = f"Kế hoạch số {plan_number}" if plan_number else "Kế hoạch"
        return f"Hạn theo {plan}: “{source}”."
    if basis == "law":
        return f"Hạn theo {source}."
    if basis == "coordinator":
        said = f"Hạn theo đề nghị của cơ quan thường trực ({coordinator})"
        return f"{said}: {source}." if source else f"{said}."
    raise ValueError(f"unknown due basis {basis!r}")


def basis_label(basis: str) -> str:
    """A short column value for tables: 'Kế hoạch', 'Văn bản pháp luật', 'Cơ quan thường trực'."""
    return {"plan": "Kế hoạch", "law": "Văn bản pháp luật", "coordinator": "Cơ quan thường trực"}[basis]
