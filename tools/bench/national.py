"""A national dataset on PostgreSQL, deterministic from a seed: every province of the country
running several plans of the Lai Châu kind through dondoc, with five years of history.

What it is made of, and what is invented:
- The plan's duties, targets, due rules and the 2025 succession (Sở LĐ-TB&XH to Sở Y tế) are the
  real catalog's and organisation's, loaded as `dondoc init` loads them into a scratch database.
- Each province (34, as since 1/7/2025) gets a copy of the provincial bodies, a few more
  departments, and 30 to 100 communes (the real ones have between about 40 and 170; a commune
  here stands where a district stood in the plan: it holds the district's duties from the start).
  Names say "mô phỏng": none of these bodies, people, addresses or numbers exists.
- Its plans (3 to 5): the 2021-2025 plan (closed at its end, as a province does once its final
  report is in), a 2026-2030 programme and its 2026 annual plan, both copies of the plan's duties,
  and one or two plans of "other domains" whose duties, copied from the plan's, go to every
  commune each quarter. Those make the bulk: several million assignments at full size.
- History up to the sweep's day: most items done on time, some late, returned and sent again,
  extended, never done (escalated), or waiting for review; evidence with figures for the targets.

Every table is written in bulk (COPY) with explicit ids, then the sequences are set past them, so
the application's own inserts (the sweep's) work on the result as on a real database.
"""

from __future__ import annotations

import json
import os
import random
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import psycopg
from sqlalchemy import create_engine, select

from config.settings import Settings
from models import migrate
from models.db import session_scope
from models.intake.catalog.load import catalog_paths, load_catalogs
from models.operations.organisation import sync_all
from models.operations.schedule import Successions
from models.rules.calendar import WorkingCalendar
from models.rules.periods import DueRule, plan_periods
from models.tables.org import Body, Succession
from models.tables.plan import Duty, Plan, Target

TEMPLATE_PLAN = "lai-chau-pcmd-2021-2025"
TEMPLATE_SUFFIX = "pcmd-2021-2025"  # each province's copy of it: "pcmd-2021-2025-p01", ...
NATIONAL_PLAN = "pcmd-2021-2025-quoc-gia"  # the provinces' copies under it
TZ_OFFSET = timedelta(hours=7)  # Asia/Ho_Chi_Minh has no daylight saving time
SETUP_AT = datetime(2021, 11, 12, 2, 0, tzinfo=UTC)
# The kinds that are the province's own bodies (copied); districts gave way to communes in 2025.
PROVINCIAL = {"leadership", "department", "front", "judiciary", "mass-org", "military", "police", "press"}
EXTRA_DEPARTMENTS = 8  # besides the plan's own: a province has about 30 provincial bodies


@dataclass(frozen=True)
class Size:
    provinces: int
    communes: tuple[int, int]  # per province, at random between
    history_from: date  # no assignment falls due before this day (a shorter history, same today)
    until: date = date(2026, 12, 31)  # periods begun by then are materialized


SIZES = {
    "national": Size(34, (30, 100), date(2021, 11, 12)),
    # The same country with eighteen months of history: the items due today are the same.
    "national-recent": Size(34, (30, 100), date(2025, 7, 1)),
    # CI's: three provinces, the whole history; minutes, not an hour.
    "ci": Size(3, (30, 60), date(2021, 11, 12)),
    "ci-recent": Size(3, (30, 60), date(2025, 7, 1)),
}

# The sweep's moment: a Monday in June, the half-year's reports falling due.
TODAY = date(2026, 6, 15)
NOW = datetime.combine(TODAY, time(8, 0)).replace(tzinfo=UTC) - TZ_OFFSET

# How the items due before today ended, as shares (they add up to 1).
OUTCOMES = {
    "on_time": 0.66,
    "late": 0.14,
    "returned_then_accepted": 0.07,
    "extended": 0.05,
    "awaiting_review": 0.04,
    "never": 0.04,
}


@dataclass
class Template:
    bodies: list[dict]
    successions: list[dict]
    plan: dict
    duties: list[dict]
    targets: list[dict]


def load_template() -> Template:
    """The real catalog and organisation, as `dondoc init` loads them, read back as rows."""
    with tempfile.TemporaryDirectory() as home:
        url = f"sqlite:///{home}/template.sqlite3"
        settings = Settings(home=Path(home), database_url=url)
        migrate.upgrade(url)
        with session_scope(url) as s:
            sync_all(s, load_catalogs(catalog_paths(settings.catalog_dir)), settings.organisation_file, now=SETUP_AT)
        with create_engine(url).connect() as c:
            rows = lambda table, *where: [dict(r._mapping) for r in c.execute(select(table).where(*where))]  # noqa: E731
            (plan,) = rows(Plan.__table__, Plan.__table__.c.code == TEMPLATE_PLAN)
            return Template(
                rows(Body.__table__),
                rows(Succession.__table__),
                plan,
                rows(
                    Duty.__table__, Duty.__table__.c.plan_id == plan["id"], Duty.__table__.c.retired_revision.is_(None)
                ),
                rows(
                    Target.__table__,
                    Target.__table__.c.plan_id == plan["id"],
                    Target.__table__.c.retired_revision.is_(None),
                ),
            )


class Ids:
    """Explicit ids per table, so rows can point at each other before they are written."""

    def __init__(self) -> None:
        self._last: dict[str, int] = defaultdict(int)

    def __call__(self, table: str) -> int:
        self._last[table] += 1
        return self._last[table]

    def items(self) -> Iterable[tuple[str, int]]:
        return self._last.items()


# Tables in an order that satisfies their foreign keys.
ORDER = ("body", "succession", "contact", "plan", "duty", "target", "assignment", "extension", "evidence")


class Writer:
    """Rows per table, sent with COPY a province at a time (the whole country would not fit in
    memory as Python tuples), in one transaction."""

    def __init__(self) -> None:
        self.rows: dict[str, tuple[list[str], list[tuple]]] = {}
        self.counts: Counter[str] = Counter()

    def add(self, table: str, row: dict) -> None:
        columns, rows = self.rows.setdefault(table, (list(row), []))
        rows.append(tuple(_copyable(row[c]) for c in columns))

    def flush(self, cur: psycopg.Cursor) -> None:
        for table in [*ORDER, *(t for t in self.rows if t not in ORDER)]:
            if table in self.rows:
                columns, rows = self.rows.pop(table)
                with cur.copy(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row(row)
                self.counts[table] += len(rows)


def _copyable(value):
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value


def generate(url: str, size: Size, *, seed: int = 2026) -> dict[str, int]:
    """Write the dataset into the (migrated, empty) database at `dsn`; returns the row counts."""
    country = Country(load_template(), WorkingCalendar.from_file(Settings().calendar_file), size, seed)
    with psycopg.connect(url.replace("+psycopg", "")) as conn, conn.cursor() as cur:
        for n in range(1, size.provinces + 1):
            country.province(n)
            country.out.flush(cur)
        for table, last in country.ids.items():  # the application's own inserts come after these ids
            cur.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), %s)", (last,))
        conn.commit()
        conn.autocommit = True
        cur.execute("VACUUM ANALYZE")
    return dict(country.out.counts)


@dataclass(frozen=True)
class PlanSpec:
    suffix: str
    title: str  # before the template plan's own title
    start: date
    end: date
    closed_on: date | None = None
    parent: str | None = None  # the parent plan's suffix
    everywhere: bool = (
        False  # an "other domain" plan: all its duties to every commune and extra department, each quarter
    )


PLANS = [
    PlanSpec("pcmd-2021-2025", "", date(2021, 11, 12), date(2025, 12, 31), closed_on=date(2026, 1, 15)),
    PlanSpec("pcmd-2026-2030", "Chương trình mô phỏng 2026-2030: ", date(2026, 1, 1), date(2030, 12, 31)),
    PlanSpec(
        "pcmd-2026", "Kế hoạch mô phỏng năm 2026: ", date(2026, 1, 1), date(2026, 12, 31), parent="pcmd-2026-2030"
    ),
]
OTHER_DOMAINS = [
    PlanSpec("linh-vuc-a", "Kế hoạch mô phỏng lĩnh vực A: ", date(2022, 1, 1), date(2026, 12, 31), everywhere=True),
    PlanSpec("linh-vuc-b", "Kế hoạch mô phỏng lĩnh vực B: ", date(2023, 1, 1), date(2027, 12, 31), everywhere=True),
]


class Country:
    def __init__(self, template: Template, calendar: WorkingCalendar, size: Size, seed: int):
        self.template, self.calendar, self.size = template, calendar, size
        # Two streams: the country's shape (communes, deputies, plans) and its history, so that
        # the same seed gives the same country whatever length of history it is given.
        self.shape, self.rng = random.Random(f"{seed}/shape"), random.Random(seed)
        self.ids, self.out = Ids(), Writer()
        self.kind = {b["id"]: b["kind"] for b in template.bodies}
        self.code = {b["id"]: b["code"] for b in template.bodies}
        self._periods: dict[tuple, list[tuple[str, date, date, date]]] = {}
        self.national = self.national_plan()

    def national_plan(self) -> int:
        """The country's view of the 2021-2025 plan: no duty of its own, each province's plan under
        it (`Plan.parent_id`), so that its report consolidates the 34 (what a ministry would read)."""
        body_id, plan_id, t = self.ids("body"), self.ids("plan"), self.template.plan
        name = "Cơ quan tổng hợp toàn quốc (mô phỏng)"
        self.out.add(
            "body",
            {"id": body_id, "code": "tong-hop-quoc-gia", "name": name, "short_name": None, "kind": "leadership"}
            | {"parent_id": None, "active_from": None, "active_until": None},
        )
        self.out.add(
            "plan",
            t
            | {"id": plan_id, "code": NATIONAL_PLAN, "title": f"Tổng hợp toàn quốc (mô phỏng): {t['title']}"}
            | {"number": None, "coordinating_body_id": body_id, "leadership_body_id": body_id, "parent_id": None}
            | {"closed_on": date(2026, 1, 15), "notify_since": None, "source_file": "bench/national.yaml"}
            | {"loaded_at": SETUP_AT},
        )
        return plan_id

    def periods(self, cadence: str, rule: DueRule, start: date, end: date) -> list[tuple[str, date, date, date]]:
        """A duty's periods and due dates within a plan, computed once per rule (pure and costly)."""
        key = (cadence, rule, start, end)
        if key not in self._periods:
            self._periods[key] = [
                (p.key, p.start, p.end, self.calendar.roll_forward(nominal))
                for p, nominal in plan_periods(cadence, rule, start, end, self.calendar)
            ]
        return self._periods[key]

    def province(self, n: int) -> None:
        p = Province(self, n)
        plans: dict[str, int] = {}
        for spec in PLANS + OTHER_DOMAINS[: self.shape.randint(1, 2)]:
            parent = self.national if spec.suffix == TEMPLATE_SUFFIX else plans.get(spec.parent or "")
            plans[spec.suffix] = p.plan(spec, parent)


class Province:
    def __init__(self, country: Country, n: int):
        self.c = country
        self.tag, self.label = f"p{n:02d}", f"tỉnh mô phỏng {n:02d}"
        self.body_id: dict[str, int] = {}
        self.lives: dict[int, Body] = {}
        template = country.template
        provincial = sorted(
            (b for b in template.bodies if b["kind"] in PROVINCIAL), key=lambda b: b["kind"] != "leadership"
        )
        self.leadership = self.copy_of(next(b["code"] for b in provincial if b["kind"] == "leadership"))
        for b in provincial:  # the People's Committee first: the others point at it
            parent = country.code.get(b["parent_id"])
            short = b["short_name"] and f"{b['short_name']} ({self.label})"
            self.body(
                self.copy_of(b["code"]),
                f"{b['name']} ({self.label})",
                short,
                b["kind"],
                parent and self.copy_of(parent),
                b["active_from"],
                b["active_until"],
            )
        extra = [
            self.body(
                self.copy_of(f"so-mo-phong-{k}"), f"Sở mô phỏng {k} ({self.label})", None, "department", self.leadership
            )
            for k in range(1, EXTRA_DEPARTMENTS + 1)
        ]
        self.communes = [
            self.body(
                self.copy_of(f"xa-{k:03d}"),
                f"Ủy ban nhân dân xã Mô phỏng {k} ({self.label})",
                None,
                "commune",
                self.leadership,
            )
            for k in range(1, country.shape.randint(*country.size.communes) + 1)
        ]
        self.everywhere = self.communes + extra
        handovers = []
        for s in template.successions:
            origin, heir = (self.copy_of(country.code[s[k]]) for k in ("from_body_id", "to_body_id"))
            if origin in self.body_id and heir in self.body_id:
                row = {
                    **s,
                    "id": country.ids("succession"),
                    "from_body_id": self.body_id[origin],
                    "to_body_id": self.body_id[heir],
                }
                country.out.add("succession", row)
                handovers.append(Succession(**row))
        # Who holds a duty on its due date, as materialization decides it (Sở Y tế from 1/3/2025).
        self.successions = Successions(handovers)
        # Who holds a duty of a template body here: its copy, or every commune for a district.
        self.holders = {
            b["id"]: self.communes if b["kind"] == "district" else [self.body_id[self.copy_of(b["code"])]]
            for b in template.bodies
            if b["kind"] == "district" or self.copy_of(b["code"]) in self.body_id
        }
        self.focal = self.contacts()

    def copy_of(self, code: str) -> str:
        return f"{code}-{self.tag}"

    def body(
        self, code: str, name: str, short: str | None, kind: str, parent: str | None, since=None, until=None
    ) -> int:
        self.body_id[code] = self.c.ids("body")
        row = {"id": self.body_id[code], "code": code, "name": name, "short_name": short, "kind": kind}
        row |= {"parent_id": self.body_id.get(parent or ""), "active_from": since, "active_until": until}
        self.lives[row["id"]] = Body(**row)
        self.c.out.add("body", row)
        return self.body_id[code]

    def contacts(self) -> dict[int, int]:
        """A focal point and a head for each body, often deputies too; three leaders at the
        People's Committee. Returns each body's first contact (who sends evidence)."""
        first: dict[int, int] = {}
        for code, bid in self.body_id.items():
            # A deputy focal point at half of them, a deputy head at a third.
            shape = self.c.shape
            roles = ["focal", "head"] + ["focal"] * (shape.random() < 0.5) + ["head"] * (shape.random() < 0.3)
            roles += ["leader"] * 3 * (code == self.leadership)
            for k, role in enumerate(roles):
                cid = self.c.ids("contact")
                first.setdefault(bid, cid)
                self.c.out.add(
                    "contact",
                    {
                        "id": cid,
                        "body_id": bid,
                        "name": f"Cán bộ mô phỏng {cid}",
                        "role": role,
                        "email": f"{role}{k}.{code}@bench.dondoc.example",
                        "phone": f"+8490{cid:07d}" if cid % 2 else None,  # every other one has a mobile
                        "active": True,
                        "coordinator": False,
                        "position": None,
                        "password_hash": None,
                        "updated_at": SETUP_AT,
                    },
                )
        return first

    def plan(self, spec: PlanSpec, parent_id: int | None) -> int:
        c, t = self.c, self.c.template.plan
        plan_id = c.ids("plan")
        code = f"{spec.suffix}-{self.tag}"
        coordinator = self.body_id[self.copy_of(c.code[t["coordinating_body_id"]])]
        c.out.add(
            "plan",
            {
                **t,
                "id": plan_id,
                "code": code,
                "title": f"{spec.title}{t['title']} ({self.label})",
                "number": f"{plan_id}/KH-UBND",
                "period_start": spec.start,
                "period_end": spec.end,
                "coordinating_body_id": coordinator,
                "leadership_body_id": self.body_id[self.leadership],
                "closed_on": spec.closed_on,
                "parent_id": parent_id,
                "notify_since": None,
                "source_file": f"bench/{code}.yaml",
                "loaded_at": SETUP_AT,
            },
        )
        reports: dict[int, list[tuple[int, str]]] = defaultdict(list)  # body -> its targets (id, unit)
        if not spec.everywhere:
            for target in c.template.targets:
                target_id = c.ids("target")
                named = [
                    self.body_id[self.copy_of(code)]
                    for code in target["reported_by"]
                    if self.copy_of(code) in self.body_id
                ]
                named += [
                    i
                    for b in c.template.bodies
                    if b["code"] in target["reported_by"] and b["kind"] == "district"
                    for i in self.communes
                ]
                for body in named:
                    reports[body].append((target_id, target["unit"]))
                codes = {v: k for k, v in self.body_id.items()}
                row = {**target, "id": target_id, "plan_id": plan_id, "deadline": spec.end}
                c.out.add("target", row | {"reported_by": sorted({codes[b] for b in named})})
        # The plan's duty rows here: (template duty, cadence, holder), one per ref and holder (the
        # communes hold each district's ref once).
        duties, own = [], set()
        for duty in c.template.duties:
            cadence, bodies = duty["cadence"], self.holders.get(duty["body_id"], [])
            if spec.everywhere:
                cadence, bodies = ("quarterly" if cadence != "once" else cadence), self.everywhere
            for holder in bodies:
                if (duty["ref"], holder) not in own:
                    own.add((duty["ref"], holder))
                    duties.append((duty, cadence, holder))
        taken = set()
        for duty, cadence, holder in duties:
            rule = _rule(duty, t)
            duty_id = c.ids("duty")
            row = {**duty, "id": duty_id, "plan_id": plan_id, "body_id": holder, "cadence": cadence}
            c.out.add("duty", row | _rule_columns(rule))
            for key, start, end, due in c.periods(cadence, rule, spec.start, spec.end):
                if start > c.size.until or due < c.size.history_from:
                    continue
                # As `materialize`: each active holder on the due date, once per ref and period.
                for heir in self.successions.holders(holder, duty["ref"], due):
                    if (
                        not self.lives[heir].is_active(due)
                        or (heir != holder and (duty["ref"], heir) in own)
                        or (duty["ref"], key, heir) in taken
                    ):
                        continue
                    taken.add((duty["ref"], key, heir))
                    figures = reports.get(heir, []) if cadence == "semiannual" else []
                    self.assignment(duty_id, heir, key, start, end, due, figures)
        return plan_id

    def assignment(self, duty_id, body, key, start, end, due, figures) -> None:
        c = self.c
        aid = c.ids("assignment")
        row = {"id": aid, "duty_id": duty_id, "body_id": body, "period": key, "period_start": start, "period_end": end}
        row |= {"due": due, "extended_due": None, "state": "open", "submitted_at": None, "reviewed_at": None}
        row |= {"completed_at": None, "escalation_level": 0, "overdue_at": None, "created_at": SETUP_AT}
        if due < TODAY:
            self.history(row, figures)
        c.out.add("assignment", row)

    def history(self, a: dict, figures: list[tuple[int, str]]) -> None:
        """How an item due before today ended, drawn by the shares of OUTCOMES."""
        c, rng, due = self.c, self.c.rng, a["due"]
        outcome = rng.choices(list(OUTCOMES), weights=list(OUTCOMES.values()))[0]
        if outcome == "awaiting_review" and (TODAY - due).days > 60:
            outcome = "on_time"  # nothing waits for review for months
        if outcome == "never":
            late = c.calendar.days_late(due, TODAY)
            a |= {"escalation_level": 2 if late > 10 else 1, "overdue_at": _at(due + timedelta(days=1), 8)}
            return
        if outcome == "extended":
            asked = due - timedelta(days=rng.randint(1, 5))
            a["extended_due"] = c.calendar.roll_forward(due + timedelta(days=rng.randint(10, 30)))
            c.out.add(
                "extension",
                {
                    "id": c.ids("extension"),
                    "assignment_id": a["id"],
                    "contact_id": self.focal[a["body_id"]],
                    "previous_due": due,
                    "requested_due": a["extended_due"],
                    "reason": "Đề nghị gia hạn do chờ số liệu của các đơn vị.",
                    "requested_at": _at(asked, 9),
                    "requested_by": "focal",
                    "decision": "approved",
                    "decided_at": _at(asked + timedelta(days=1), 10),
                    "decided_by": "coordinator",
                    "comment": None,
                },
            )
        sent = {
            "on_time": lambda: due - timedelta(days=rng.randint(0, 6)),
            "late": lambda: due + timedelta(days=rng.randint(1, 30)),
            "returned_then_accepted": lambda: due + timedelta(days=rng.randint(1, 10)),
            "extended": lambda: a["extended_due"] - timedelta(days=rng.randint(0, 5)),
            "awaiting_review": lambda: due - timedelta(days=rng.randint(0, 3)),
        }[outcome]()
        if sent >= TODAY:  # sent late, but not yet by today: still open
            return
        if outcome == "returned_then_accepted":
            first = due - timedelta(days=rng.randint(0, 4))
            self.evidence(a, first, "returned", figures)
            sent = max(sent, first + timedelta(days=2))
        review = None if outcome == "awaiting_review" else "accepted"
        self.evidence(a, sent, review, figures)
        a |= {"state": "submitted" if review is None else "accepted", "submitted_at": _at(sent, 14)}
        if review:
            a |= {"reviewed_at": _at(sent + timedelta(days=1), 9), "completed_at": _at(sent, 14)}

    def evidence(self, a: dict, day: date, review: str | None, figures: list[tuple[int, str]]) -> None:
        c, rng = self.c, self.c.rng
        eid = c.ids("evidence")
        note = "Đã triển khai nhiệm vụ theo kế hoạch."
        if rng.random() < 0.2:
            note += "\nKhó khăn: kinh phí cho công tác phòng, chống mại dâm còn hạn chế."
        c.out.add(
            "evidence",
            {
                "id": eid,
                "assignment_id": a["id"],
                "contact_id": self.focal[a["body_id"]],
                "channel": "portal",
                "submitted_at": _at(day, 14),
                "document_ref": f"{rng.randint(1, 400)}/BC-MP",
                "document_date": day,
                "note": note,
                "review": review,
                "review_comment": "Đề nghị bổ sung số liệu." if review == "returned" else None,
            },
        )
        for target_id, unit in figures:
            base = rng.randint(1, 200) if unit == "percent" else None
            value = rng.randint(0, base) if base else rng.randint(0, 60)
            c.out.add(
                "targetvalue",
                {"id": c.ids("targetvalue"), "evidence_id": eid, "target_id": target_id, "value": value, "base": base},
            )


def _rule(duty: dict, plan: dict) -> DueRule:
    """The duty's rule in the copy's years: a fixed date of the template's becomes days after start."""
    rule = DueRule(
        duty["due_date"],
        duty["due_days_after_cutoff"],
        duty["due_days_after_start"],
        duty["due_working_days_after_cutoff"],
    )
    if rule == DueRule():
        return DueRule(days_after_cutoff=plan["report_days_after_cutoff"])
    if rule.date is not None:
        return DueRule(days_after_start=(rule.date - plan["period_start"]).days)
    return rule


def _rule_columns(rule: DueRule) -> dict:
    return {
        "due_date": rule.date,
        "due_days_after_cutoff": rule.days_after_cutoff,
        "due_days_after_start": rule.days_after_start,
        "due_working_days_after_cutoff": rule.working_days_after_cutoff,
    }


def _at(day: date, hour: int) -> datetime:
    """`hour` o'clock in Vietnam on `day`, as an aware UTC moment."""
    return datetime.combine(day, time(hour)).replace(tzinfo=UTC) - TZ_OFFSET


# A database on this server is dropped and created for each dataset (names dondoc_scale_*).
ADMIN_URL = os.environ.get("DONDOC_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def fresh_database(name: str, admin: str = ADMIN_URL) -> str:
    """An empty, migrated database `name` on the server of `admin` (dropped first if it exists)."""
    dsn = admin.replace("+psycopg", "")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = admin.rsplit("/", 1)[0] + f"/{name}"
    migrate.upgrade(url)
    return url
