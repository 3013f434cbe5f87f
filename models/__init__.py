"""Tables, pure domain logic (calendars, periods, statuses) and the data operations every door uses.

Importing this package registers every table on ``SQLModel.metadata``. It never imports Prefect.
"""
from models.assignment import Assignment, State
from models.audit import AuditEntry, EventCursor
from models.evidence import Evidence, EvidenceFile, TargetValue
from models.extension import Extension
from models.link import Link
from models.notification import Delivery, Notification
from models.org import Body, Contact, Role, Succession
from models.plan import Duty, Plan, Target
from models.sessions import LoginThrottle, PortalSession

__all__ = [
    "Assignment", "AuditEntry", "Body", "Contact", "Delivery", "Duty", "EventCursor", "Evidence", "EvidenceFile",
    "Extension", "Link", "LoginThrottle", "Notification", "Plan", "PortalSession", "Role", "State", "Succession",
    "Target", "TargetValue",
]
