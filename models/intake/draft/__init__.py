"""A catalog draft from a plan's document (`dondoc plan draft`): read the document (document.py),
find its structure (structure.py) and header (header.py), match the bodies it names (registry.py,
heads.py), read the duties (duties.py), their timing phrases (timing.py) and the targets'
thresholds (targets.py), assemble the draft (parse.py, model.py) and write it as YAML with a
"# CẦN XEM LẠI:" comment on every guess (render.py). Nothing here touches the database.

The draft is a starting point for a person, never a catalog to load unread: whatever the words do
not say for certain is marked, and no due date is made up (a `due` only where the text states one,
basis `plan`, its words quoted)."""

from models.intake.draft.document import DocumentRefused, read_document
from models.intake.draft.parse import Draft, SectionNotFound, draft_catalog
from models.intake.draft.registry import Registry
from models.intake.draft.render import REVIEW, render_draft

__all__ = [
    "REVIEW",
    "DocumentRefused",
    "Draft",
    "Registry",
    "SectionNotFound",
    "draft_catalog",
    "read_document",
    "render_draft",
]
