"""The bare SQL twins of the bench's steps: the SQL that selects the same rows as a step, with
nothing made of them, so that a step's cost reads as a ratio to what the database alone must do.
Plain SQL that runs on PostgreSQL and SQLite alike (but the report's, which uses LATERAL)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Connection, bindparam, text

# The items the sweep tells about: of active bodies and followed plans, due since dondoc followed
# the plan up (as reminders.due_rows and escalation.reached select them).
TOLD = """
FROM assignment a JOIN duty d ON d.id = a.duty_id JOIN plan p ON p.id = d.plan_id JOIN body b ON b.id = a.body_id
WHERE a.state IN ('open', 'returned')
AND (b.active_from IS NULL OR b.active_from <= :today) AND (b.active_until IS NULL OR b.active_until >= :today)
AND NOT p.draft AND (p.closed_on IS NULL OR p.closed_on > :today)
AND (p.notify_since IS NULL OR coalesce(a.extended_due, a.due) >= p.notify_since)
"""
# The planning's candidates: due within the look-ahead or overdue.
BARE_CANDIDATES = text(
    f"SELECT a.id, a.body_id, d.ref, coalesce(a.extended_due, a.due) {TOLD} "
    "AND a.due <= :horizon AND a.period_start <= :today"
)
BARE_CONTACTS = text(
    "SELECT id, body_id, role, email, phone FROM contact WHERE active AND role IN :roles AND body_id IN :bodies"
).bindparams(bindparam("roles", expanding=True), bindparam("bodies", expanding=True))


def _contacts(connection: Connection, bodies: set[int], *roles: str) -> int:
    return len(connection.execute(BARE_CONTACTS, {"roles": roles, "bodies": sorted(bodies) or [0]}).all())


def bare_plan(connection: Connection, today: date, horizon: date) -> int:
    """The rows the sweep's planning reads: the candidates, then the contacts of their bodies
    (the bodies taken from the candidates, as the planning does)."""
    rows = connection.execute(BARE_CANDIDATES, {"today": today, "horizon": horizon}).all()
    return len(rows) + _contacts(connection, {r[1] for r in rows}, "focal", "head")


# Escalation: the open items past their due date not yet stamped overdue; the overdue items whose
# level may rise, with their plan's coordinating and leadership bodies; the contacts of those.
BARE_NEWLY_OVERDUE = text(
    "SELECT id FROM assignment WHERE state IN ('open', 'returned') AND overdue_at IS NULL AND due < :today "
    "AND coalesce(extended_due, due) < :today"
)
BARE_ESCALATING = text(
    "SELECT a.id, a.body_id, a.escalation_level, coalesce(a.extended_due, a.due), d.ref, d.request, p.code, "
    f"p.coordinating_body_id, p.leadership_body_id {TOLD} AND a.due < :today AND a.escalation_level < :top"
)


def bare_escalate(connection: Connection, today: date, top: int) -> int:
    overdue = connection.execute(BARE_NEWLY_OVERDUE, {"today": today}).all()
    rows = connection.execute(BARE_ESCALATING, {"today": today, "top": top}).all()
    bodies = {b for r in rows for b in (r[1], r[7], r[8])}  # the item's, its coordinating and leadership bodies
    return len(overdue) + len(rows) + _contacts(connection, bodies, "focal", "head", "leader")


# Dispatch: the outbox rows due, then what their messages are made of: each row's assignment with
# its duty, plan and body, and its contact.
DUE = "FROM notification WHERE status IN ('pending', 'failed') AND next_attempt_at <= :now"
BARE_DISPATCH = (
    text(f"SELECT id, kind, channel, recipient, contact_id, assignment_id, step, context {DUE}"),
    text(
        "SELECT a.id, a.state, a.period, a.due, a.extended_due, d.ref, d.title, d.text, d.evidence, d.request, "
        "p.code, p.title, p.number, b.code, b.name FROM assignment a JOIN duty d ON d.id = a.duty_id "
        "JOIN plan p ON p.id = d.plan_id JOIN body b ON b.id = a.body_id "
        f"WHERE a.id IN (SELECT assignment_id {DUE})"
    ),
    text(f"SELECT id, body_id, name, email, phone FROM contact WHERE id IN (SELECT contact_id {DUE})"),
)


def bare_dispatch(connection: Connection, now: datetime) -> int:
    """The rows dispatch reads; it returns the outbox rows due."""
    counts = [len(connection.execute(query, {"now": now}).all()) for query in BARE_DISPATCH]
    return counts[0]


# A plan's counts per body and state, open items split by overdue: what a board or a digest shows.
BARE_COUNTS = """
SELECT d.plan_id, a.body_id, a.state, coalesce(a.extended_due, a.due) < :today AS late, count(*)
FROM assignment a JOIN duty d ON d.id = a.duty_id JOIN plan p ON p.id = d.plan_id
WHERE a.period_start <= :today AND NOT p.draft AND (p.closed_on IS NULL OR p.closed_on > :today)
GROUP BY 1, 2, 3, 4
"""

# A digest's lists of every plan followed up: per list, plan and body, the first LISTED_PER_BODY
# items with their duty and body, and how many the list has (what an email shows; the items
# two weeks ahead, the submissions awaiting review, the escalated, the requests past due).
_LIVE = (
    "FROM assignment a JOIN duty d ON d.id = a.duty_id JOIN body b ON b.id = a.body_id "
    "WHERE a.period_start <= :today AND d.plan_id IN (SELECT id FROM plan "
    "WHERE NOT draft AND (closed_on IS NULL OR closed_on > :today)) AND "
)
_RANKED = (
    "row_number() OVER (PARTITION BY d.plan_id, b.name ORDER BY coalesce(a.extended_due, a.due), d.ref, "
    "d.position, a.id) AS n, count(*) OVER (PARTITION BY d.plan_id, b.name) AS total "
)
BARE_DIGEST_LISTS = f"""
WITH ranked AS (
  SELECT 'requested_late' AS list, a.id, {_RANKED} {_LIVE}
    a.state IN ('open', 'returned') AND d.request AND coalesce(a.extended_due, a.due) < :today
  UNION ALL SELECT 'escalated', a.id, {_RANKED} {_LIVE} a.state IN ('open', 'returned') AND a.escalation_level >= 2
  UNION ALL SELECT 'awaiting_review', a.id, {_RANKED} {_LIVE} a.state = 'submitted' AND a.submitted_at <= :now
  UNION ALL SELECT 'upcoming', a.id, {_RANKED} {_LIVE}
    a.state IN ('open', 'returned') AND coalesce(a.extended_due, a.due) BETWEEN :today AND :today + 14
)
SELECT r.list, r.total, a.id, a.duty_id, a.state, a.due, a.extended_due, a.submitted_at, a.reviewed_at,
       a.completed_at, a.escalation_level, a.period, d.ref, d.title, d.nature, d.request, d.due_basis,
       d.due_source, b.code, b.name, b.short_name, d.plan_id, d.position
FROM ranked r JOIN assignment a ON a.id = r.id JOIN duty d ON d.id = a.duty_id JOIN body b ON b.id = a.body_id
WHERE r.n <= :listed
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
