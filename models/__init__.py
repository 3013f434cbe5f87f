"""dondoc's data and domain, in four roles a newcomer reads from the folder names:

- `tables/`: the SQLModel tables (and the little that belongs to a row, such as an assignment's
  effective due date);
- `rules/`: pure domain logic that takes `now` and touches no database: working days, reporting
  periods, the reminder policy, statuses, date bounds;
- `operations/`: what every door (the CLI, the portal, the Prefect tasks) calls, each taking a
  session: catalog sync, materialization, reminders, escalation, confirmation, the outbox, ...;
- `intake/`: files from outside, read and checked before anything is written: plan catalogs,
  the contact directory, evidence uploads.

Beside them: `errors` (the domain errors), `db` (engines and sessions), `types` (column types),
`migrate` and `migrations/` (Alembic). Importing this package registers every table on
``SQLModel.metadata``. Nothing here imports Prefect, the notifications or the portal.
"""

import models.tables  # noqa: F401 (registers the tables)
