"""Tables, pure domain logic (calendars, periods, statuses) and the data operations every door uses.

Importing this package registers every table on ``SQLModel.metadata``. It never imports Prefect.
"""
from models.assignment import Assignment, State
from models.audit import AuditEntry
from models.evidence import Evidence, EvidenceFile, TargetValue
from models.extension import Extension
from models.link import Link
from models.notification import Delivery, Notification
from models.org import Body, Contact, Role, Succession
from models.plan import Duty, Plan, Target

__all__ = [
    "Assignment", "AuditEntry", "Body", "Contact", "Delivery", "Duty", "Evidence", "EvidenceFile",
    "Extension", "Link", "Notification", "Plan", "Role", "State", "Succession", "Target", "TargetValue",
]
