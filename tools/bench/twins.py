"""The bare SQL twins of the bench's steps: the SQL that selects the same rows as a step, with
nothing made of them, so that a step's cost reads as a ratio to what the database alone must do.
Plain SQL that runs on PostgreSQL and SQLite alike (but the report's, which uses LATERAL)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, bindparam, text

# The sweep's candidates: open items due within the look-ahead or overdue, of active bodies and
# followed plans, told about (as reminders.due_rows selects them); then the contacts of their bodies.
CANDIDATES = """
FROM assignment a JOIN duty d ON d.id = a.duty_id JOIN plan p ON p.id = d.plan_id JOIN body b ON b.id = a.body_id
WHERE a.state IN ('open', 'returned') AND a.due <= :horizon AND a.period_start <= :today
AND (b.active_from IS NULL OR b.active_from <= :today) AND (b.active_until IS NULL OR b.active_until >= :today)
AND NOT p.draft AND (p.closed_on IS NULL OR p.closed_on > :today)
AND (p.notify_since IS NULL OR coalesce(a.extended_due, a.due) >= p.notify_since)
"""
BARE_CANDIDATES = text(f"SELECT a.id, a.body_id, d.ref, coalesce(a.extended_due, a.due) {CANDIDATES}")
BARE_CONTACTS = text(
    "SELECT id, body_id, email, phone FROM contact WHERE active AND role IN ('focal', 'head') AND body_id IN :bodies"
).bindparams(bindparam("bodies", expanding=True))


def bare_plan(connection: Connection, today: date, horizon: date) -> int:
    """The rows the sweep's planning reads: the candidates, then the contacts of their bodies
    (the bodies taken from the candidates, as the planning does)."""
    rows = connection.execute(BARE_CANDIDATES, {"today": today, "horizon": horizon}).all()
    contacts = connection.execute(BARE_CONTACTS, {"bodies": sorted({r[1] for r in rows}) or [0]}).all()
    return len(rows) + len(contacts)


# A plan's counts per body and state, open items split by overdue: what a board or a digest shows.
BARE_COUNTS = """
SELECT d.plan_id, a.body_id, a.state, coalesce(a.extended_due, a.due) < :today AS late, count(*)
FROM assignment a JOIN duty d ON d.id = a.duty_id JOIN plan p ON p.id = d.plan_id
WHERE a.period_start <= :today AND NOT p.draft AND (p.closed_on IS NULL OR p.closed_on > :today)
GROUP BY 1, 2, 3, 4
"""


# A report's rows (the period's items with their duty, body and latest evidence by the report's
# moment; then per target and body the latest figure not returned, summed per target), of a plan
# and the plans under it: what `build` reads, with nothing made of it (the report bench's twin).
REPORT_WINDOW = (
    "(d.cadence != 'once' AND a.period_end BETWEEN :start AND :end "
    "OR d.cadence = 'once' AND coalesce(a.extended_due, a.due) BETWEEN :start AND :end)"
)
PLANS = "d.plan_id IN (SELECT id FROM plan WHERE code = :plan OR parent_id = (SELECT id FROM plan WHERE code = :plan))"
BARE_REPORT_LINES = (
    "SELECT a.id, a.period, a.due, a.extended_due, a.state, a.submitted_at, a.reviewed_at, a.completed_at, "
    "d.ref, d.title, d.request, d.due_basis, b.code, b.name, b.active_until, "
    "e.note, e.document_ref, e.document_date, e.submitted_at "
    "FROM assignment a JOIN duty d ON d.id = a.duty_id JOIN body b ON b.id = a.body_id "
    "LEFT JOIN LATERAL (SELECT note, document_ref, document_date, submitted_at FROM evidence "
    "WHERE assignment_id = a.id AND submitted_at <= :now ORDER BY submitted_at DESC, id DESC LIMIT 1) e ON true "
    f"WHERE {PLANS} AND a.period_start <= :today AND {REPORT_WINDOW} "
    "ORDER BY d.plan_id, d.position, a.period_start, a.id"
)
BARE_REPORT_SUMS = (
    "WITH sent AS (SELECT v.target_id, a.body_id, v.value, v.base, row_number() OVER "
    "(PARTITION BY v.target_id, a.body_id ORDER BY e.submitted_at DESC, e.id DESC) AS n "
    "FROM targetvalue v JOIN evidence e ON e.id = v.evidence_id JOIN assignment a ON a.id = e.assignment_id "
    f"JOIN duty d ON d.id = a.duty_id WHERE {PLANS} "
    "AND e.submitted_at <= :now AND (e.review IS NULL OR e.review != 'returned') AND " + REPORT_WINDOW + ") "
    "SELECT target_id, count(*), sum(value), sum(base), max(value) FROM sent WHERE n = 1 GROUP BY target_id"
)
