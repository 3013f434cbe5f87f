"""The tables. Importing this package registers all of them on ``SQLModel.metadata``."""

from models.tables import assignment, audit, evidence, extension, link, notification, org, plan, sessions  # noqa: F401
