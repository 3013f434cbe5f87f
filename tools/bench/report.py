"""The consolidated six-month report at national scale: the real plan's bodies copied for 34
provinces, a half-year of evidence and figures, the report built as `dondoc report` builds it and
written to DOCX and XLSX, beside the bare SQL that reads the same rows; each measured in a fresh
process for its peak memory."""

from __future__ import annotations

import json
import random
import sqlite3
import subprocess
import sys
import tempfile
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from config.settings import Settings
from models import migrate
from models.db import session_scope
from models.intake.catalog.load import catalog_paths, load_catalogs
from models.operations.organisation import sync_all
from models.operations.schedule import materialize
from models.rules.calendar import WorkingCalendar

PLAN = "lai-chau-pcmd-2021-2025"
PERIOD = "2025-H1"
PROVINCES = 34  # Lai Châu itself, then 33 copies of its bodies
START, END = date(2025, 1, 1), date(2025, 6, 30)
SETUP_AT = datetime(2025, 1, 2, tzinfo=UTC)
# Evidence is sent from 01/06 to 17/06 (Vietnam time, UTC+7), before the report's moment of
# 20/06 08:00; reviews follow within two days, so every review is also seen by the report.
SENT_FROM = datetime(2025, 5, 31, 17, 0, tzinfo=UTC)
SENT_SPAN = 17 * 24 * 3600  # seconds
SUBMITTED, ACCEPTED, RETURNED = 0.85, 0.70, 0.10  # of the assignments; of the evidence; of the evidence
SILENT = 0.10  # of the reporting bodies: they send no figure at all, so the report shows them missing

# The report's period in SQL, as `_in` in models/operations/report.py writes it (?-style, for sqlite3).
IN_PERIOD = (
    "(d.cadence != 'once' AND a.period_end BETWEEN ? AND ? "
    "OR d.cadence = 'once' AND coalesce(a.extended_due, a.due) BETWEEN ? AND ?)"
)

MEASURE = """
import json, resource, sys, time
from datetime import datetime, timezone
from pathlib import Path
from sqlalchemy import text
from sqlmodel import Session
from config.settings import Settings
from models.db import get_engine
from models.operations.report import build
from models.rules.calendar import WorkingCalendar
url, home, what, plan, period = sys.argv[1:6]
settings = Settings(home=Path(home), database_url=url)
tz = settings.tz
calendar = WorkingCalendar.from_file(settings.calendar_file)
now = datetime(2025, 6, 20, 8, 0, tzinfo=tz)
engine = get_engine(url)
engine.connect().close()

def report():
    with Session(engine) as s:
        return build(s, plan, period, now=now, tz=tz, calendar=calendar)

def timed(f):
    start = time.perf_counter()
    out = f()
    return out, time.perf_counter() - start

out = {}
if what == "build":
    runs = []
    for _ in range(3):  # the best of three: a full garbage collection lands in some of them
        r, seconds = timed(report)
        runs.append(seconds)
    figures = [f for p in r.plans for t in p.targets for f in t.figures]
    missing = sum(f.missing for f in figures)
    out = {"lines": len(r.lines), "figures": len(figures) - missing, "missing": missing, "seconds": min(runs),
           "first": runs[0]}
elif what in ("docx", "xlsx"):
    # The writers' libraries (python-docx, openpyxl, matplotlib for the chart) are imported before
    # the clock starts: the figure is the work on this report, not a process's start-up.
    import docx, matplotlib.pyplot, openpyxl
    from notifications.report.files import write_report
    r, build_s = timed(report)
    target, write_s = timed(lambda: write_report(r, what, Path(home) / f"report.{what}"))
    out = {"lines": len(r.lines), "build": build_s, "write": write_s, "seconds": build_s + write_s,
           "kb": target.stat().st_size / 1024}
else:
    # The bare aggregation: the rows the report reads, and the sums it makes of the figures, in two
    # queries. The first reads the period's assignments with their duty, body, status fields and
    # latest evidence by the report's moment; the second keeps, per target and holding body, the
    # latest figure not returned, and sums them per target. They do NOT: follow successions to the
    # body reporting at the period's end (a figure is kept under the body holding the assignment,
    # which for this period is already the successor), list the reporters that sent nothing, read
    # evidence files or earlier periods for the trend, classify statuses or count working days
    # late, split notes into summary and difficulties, apply the catalog's rule (sum or max, rates,
    # percent change) or make any Python object beyond the rows.
    # SQLite holds moments as naive UTC text and dates as ISO text (models/types.py).
    sql_now = now.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
    today = now.date().isoformat()
    window = ("(d.cadence != 'once' AND a.period_end BETWEEN :start AND :end "
              "OR d.cadence = 'once' AND coalesce(a.extended_due, a.due) BETWEEN :start AND :end)")
    lines = text(
        "SELECT a.id, a.period, a.due, a.extended_due, a.state, a.submitted_at, a.reviewed_at, a.completed_at, "
        "d.ref, d.title, d.request, d.due_basis, b.code, b.name, b.active_until, "
        "e.note, e.document_ref, e.document_date, e.submitted_at "
        "FROM assignment a JOIN duty d ON d.id = a.duty_id JOIN body b ON b.id = a.body_id "
        "LEFT JOIN (SELECT assignment_id, note, document_ref, document_date, submitted_at, row_number() "
        "OVER (PARTITION BY assignment_id ORDER BY submitted_at DESC, id DESC) AS n FROM evidence "
        "WHERE submitted_at <= :now) e ON e.assignment_id = a.id AND e.n = 1 "
        "WHERE d.plan_id = (SELECT id FROM plan WHERE code = :plan) AND a.period_start <= :today AND "
        + window + " ORDER BY d.position, a.period_start, a.id")
    sums = text(
        "WITH sent AS (SELECT v.target_id, a.body_id, v.value, v.base, row_number() OVER "
        "(PARTITION BY v.target_id, a.body_id ORDER BY e.submitted_at DESC, e.id DESC) AS n "
        "FROM targetvalue v JOIN evidence e ON e.id = v.evidence_id JOIN assignment a ON a.id = e.assignment_id "
        "JOIN duty d ON d.id = a.duty_id WHERE d.plan_id = (SELECT id FROM plan WHERE code = :plan) "
        "AND e.submitted_at <= :now AND (e.review IS NULL OR e.review != 'returned') AND " + window + ") "
        "SELECT target_id, count(*), sum(value), sum(base), max(value) FROM sent WHERE n = 1 GROUP BY target_id")
    params = {"plan": plan, "now": sql_now, "today": today, "start": "2025-01-01", "end": "2025-06-30"}
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        with engine.connect() as c:
            n_lines = len(c.execute(lines, params).all())
            totals = c.execute(sums, params).all()
        runs.append(time.perf_counter() - start)
    out = {"lines": n_lines, "targets": len(totals), "figures": sum(row[1] for row in totals), "seconds": min(runs)}
# VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so a child would report the
# parent's peak (the bench itself) when that was higher; VmHWM starts again with the new program.
out["peak_mb"] = int(next(l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM:"))) / 1024
print(json.dumps(out))
"""


def _build(home: str, url: str, path: str) -> dict[str, int]:
    """The real catalog and organisation as `dondoc init` loads them, materialized to the half's
    end, then 33 more provinces: a copy of every body that holds a duty or reports a target, its
    half-year assignments, and evidence with figures for most of them. Returns the dataset's size."""
    settings = Settings(home=Path(home), database_url=url)
    calendar = WorkingCalendar.from_file(settings.calendar_file)
    migrate.upgrade(url)
    with session_scope(url) as s:
        sync_all(s, load_catalogs(catalog_paths(settings.catalog_dir)), settings.organisation_file, now=SETUP_AT)
        materialize(s, until=END, now=SETUP_AT, calendar=calendar)
    db = sqlite3.connect(path)
    rng = random.Random(2025)
    (plan_id,) = db.execute("SELECT id FROM plan WHERE code = ?", (PLAN,)).fetchone()
    window = (START.isoformat(), END.isoformat()) * 2
    half = db.execute(
        "SELECT a.duty_id, a.body_id, a.period, a.period_start, a.period_end, a.due, a.created_at "
        f"FROM assignment a JOIN duty d ON d.id = a.duty_id WHERE d.plan_id = ? AND {IN_PERIOD}",
        (plan_id, *window),
    ).fetchall()
    targets = db.execute(
        "SELECT id, unit, reported_by FROM target WHERE plan_id = ? AND retired_revision IS NULL", (plan_id,)
    ).fetchall()
    named = {code for _, _, reported_by in targets for code in json.loads(reported_by)}
    holders = {body_id for (body_id,) in db.execute("SELECT body_id FROM duty WHERE plan_id = ?", (plan_id,))}
    holders |= {row[1] for row in half}
    bodies = db.execute("SELECT id, code, name, short_name, kind, parent_id, active_from, active_until FROM body")
    copied = [b for b in bodies if b[0] in holders or b[1] in named]
    originals = {b[0] for b in copied}
    for n in range(2, PROVINCES + 1):
        db.executemany(
            "INSERT INTO body (code, name, short_name, kind, parent_id, active_from, active_until) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (f"{code}-p{n}", f"{name} (tỉnh {n})", short and f"{short} (tỉnh {n})", kind, parent, since, until)
                for _, code, name, short, kind, parent, since, until in copied
            ],
        )
    by_code = dict(db.execute("SELECT code, id FROM body"))
    copy = {(b[0], n): by_code[f"{b[1]}-p{n}"] for b in copied for n in range(2, PROVINCES + 1)}
    # Each province is whole: its bodies under its own copies where the parent was copied too, and
    # its own successions (Sở Y tế taking over Sở LĐ-TB&XH from 1/3/2025), so that a copy of a body
    # named in a target but ended before the period's end still has its successor report for it.
    db.executemany(
        "UPDATE body SET parent_id = ? WHERE id = ?",
        [(copy[(b[5], n)], copy[(b[0], n)]) for b in copied if b[5] in originals for n in range(2, PROVINCES + 1)],
    )
    successions = [
        s
        for s in db.execute(
            "SELECT from_body_id, to_body_id, effective_from, duty_refs, moves_coordinator, note, created_at "
            "FROM succession"
        )
        if s[0] in originals and s[1] in originals
    ]
    db.executemany(
        "INSERT INTO succession (from_body_id, to_body_id, effective_from, duty_refs, moves_coordinator, note, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(copy[(s[0], n)], copy[(s[1], n)], *s[2:]) for s in successions for n in range(2, PROVINCES + 1)],
    )
    db.executemany(
        "UPDATE target SET reported_by = ? WHERE id = ?",
        [
            (json.dumps([*codes, *(f"{c}-p{n}" for n in range(2, PROVINCES + 1) for c in codes)]), target_id)
            for target_id, _, reported_by in targets
            if (codes := json.loads(reported_by))
        ],
    )
    db.executemany(
        "INSERT INTO assignment (duty_id, body_id, period, period_start, period_end, due, state, "
        "escalation_level, created_at) VALUES (?, ?, ?, ?, ?, ?, 'open', 0, ?)",
        [(a[0], copy[(a[1], n)], *a[2:]) for a in half for n in range(2, PROVINCES + 1)],
    )
    origin = {b: b for b in originals} | {c: b for (b, _), c in copy.items()}
    reports = _reported(db, targets)
    silent = {b for b in origin if reports.get(origin[b]) and rng.random() < SILENT}
    units = {target_id: unit for target_id, unit, _ in targets}
    evidence, figures, states = [], [], []
    assignments = db.execute(
        f"SELECT a.id, a.body_id FROM assignment a JOIN duty d ON d.id = a.duty_id WHERE d.plan_id = ? AND {IN_PERIOD} "
        "ORDER BY a.id",
        (plan_id, *window),
    ).fetchall()
    for assignment_id, body_id in assignments:
        if rng.random() >= SUBMITTED:
            continue
        sent = SENT_FROM + timedelta(seconds=rng.randrange(SENT_SPAN))
        reviewed = sent + timedelta(hours=rng.randint(2, 48))
        draw = rng.random()
        review = "accepted" if draw < ACCEPTED else "returned" if draw < ACCEPTED + RETURNED else None
        note = "Đã triển khai nhiệm vụ theo kế hoạch, lồng ghép tuyên truyền tại cơ sở."
        if rng.random() < 0.3:  # some raise a difficulty: the report lists those paragraphs apart
            note += "\nKhó khăn: kinh phí và nhân lực cho công tác phòng, chống mại dâm còn hạn chế."
        evidence_id = len(evidence) + 1
        evidence.append(
            (
                evidence_id,
                assignment_id,
                "portal",
                _moment(sent),
                f"{rng.randint(1, 400)}/BC-{body_id}",
                (sent + timedelta(hours=7)).date().isoformat(),
                note,
                review,
            )
        )
        state = {"accepted": "accepted", "returned": "returned", None: "submitted"}[review]
        states.append(
            (
                state,
                _moment(sent),
                _moment(reviewed) if review else None,
                _moment(sent) if review == "accepted" else None,
                assignment_id,
            )
        )
        if body_id not in silent:
            figures += [(evidence_id, t, *_figure(rng, units[t])) for t in reports.get(origin[body_id], [])]
    db.executemany(
        "INSERT INTO evidence (id, assignment_id, channel, submitted_at, document_ref, document_date, note, review) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        evidence,
    )
    db.executemany(
        "UPDATE assignment SET state = ?, submitted_at = ?, reviewed_at = ?, completed_at = ? WHERE id = ?", states
    )
    db.executemany("INSERT INTO targetvalue (evidence_id, target_id, value, base) VALUES (?, ?, ?, ?)", figures)
    db.commit()
    db.execute("ANALYZE")
    size = {
        "bodies": db.execute("SELECT count(*) FROM body").fetchone()[0],
        "assignments": len(assignments),
        "all_assignments": db.execute("SELECT count(*) FROM assignment").fetchone()[0],
        "evidence": len(evidence),
        "figures": len(figures),
    }
    db.close()
    return size


def _reported(db: sqlite3.Connection, targets: list) -> dict[int, list[int]]:
    """The targets each original body reports: those naming it or a body whose duties passed to it,
    directly or in turn (what `stands_for` lets a focal point send)."""
    code = dict(db.execute("SELECT id, code FROM body"))
    before: dict[int, set[int]] = defaultdict(set)
    for origin, heir in db.execute("SELECT from_body_id, to_body_id FROM succession"):
        before[heir].add(origin)
    named = [(t, set(json.loads(reported_by))) for t, _, reported_by in targets]
    out: dict[int, list[int]] = {}
    for body_id in code:
        seen, todo = {body_id}, [body_id]
        while todo:
            for origin in before[todo.pop()] - seen:
                seen.add(origin)
                todo.append(origin)
        codes = {code[i] for i in seen}
        out[body_id] = [t for t, bodies in named if codes & bodies]
    return out


def _figure(rng: random.Random, unit: str) -> tuple[float, float | None]:
    """A count, or a rate's two counts with the part no larger than the whole (as the portal checks)."""
    if unit == "percent":
        base = rng.randint(1, 200)
        return float(rng.randint(0, base)), float(base)
    return float(rng.randint(0, 60)), None


def _moment(moment: datetime) -> str:
    """An aware moment as SQLite holds it: naive UTC text (models/types.py)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _measure(url: str, home: str, what: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, url, home, what, PLAN, PERIOD], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run() -> dict:
    with tempfile.TemporaryDirectory() as home:
        path = f"{home}/report.sqlite3"
        url = f"sqlite:///{path}"
        size = _build(home, url, path)
        steps = {what: _measure(url, home, what) for what in ("bare", "build", "docx", "xlsx")}
    return {"size": size, **steps}
