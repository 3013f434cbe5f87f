"""The organisation over time, on the real catalog and the shipped history
(config/organisation/lai-chau.yaml), applied by default: nothing is assigned, reminded or
escalated to a body outside its active dates; the coordinating role passes to Sở Y tế on
01/03/2025; the district level's duties pass to the 38 communes on 01/07/2025; history keeps the
body that held an item when it was due. A malformed history is refused with its file, line and
entry, and nothing is applied."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime

import pytest
from sqlalchemy import func, update
from sqlmodel import select

from config import CONFIG_DIR
from config.settings import get_settings
from models.db import session_scope
from models.intake.catalog.load import catalog_paths, load_catalogs
from models.intake.organisation import OrganisationError
from models.operations.accounts import is_coordinator
from models.operations.directory import import_directory
from models.operations.organisation import sync_all
from models.operations.schedule import materialize
from models.tables.assignment import Assignment, State
from models.tables.audit import AuditEntry
from models.tables.notification import Notification
from models.tables.org import Body, Contact, Succession
from notifications.runtime import Runtime
from tests.cli import cli, init, load_example, status_rows
from tests.clock import TZ, at
from tests.conftest import LOADED_AT

HISTORY = CONFIG_DIR / "organisation" / "lai-chau.yaml"
DISTRICTS = {"tp-laichau", "tam-duong", "phong-tho", "sin-ho", "muong-te", "nam-nhun", "than-uyen", "tan-uyen"}
NOW = datetime(2026, 1, 5, 1, 0, tzinfo=TZ)


@pytest.fixture
def organised(migrated, calendar) -> str:
    """The catalog and the shipped history, as `dondoc init` loads them; 2021-2025 materialized."""
    with session_scope(migrated) as s:
        sync_all(s, load_catalogs(catalog_paths(CONFIG_DIR / "plans")), HISTORY, now=LOADED_AT)
        materialize(s, until=date(2025, 12, 31), now=NOW, calendar=calendar)
    return migrated


def rows(url: str) -> list[tuple[str, str, str, date]]:
    """(duty ref, body code, period, due) of every assignment."""
    from models.tables.plan import Duty

    with session_scope(url) as s:
        return list(
            s.exec(
                select(Duty.ref, Body.code, Assignment.period, Assignment.due)
                .join(Duty, Duty.id == Assignment.duty_id)
                .join(Body, Body.id == Assignment.body_id)
            )
        )


# --- What is assigned, to whom ---


def test_nothing_is_assigned_to_a_body_after_it_ended(organised):
    found = rows(organised)
    assert not [r for r in found if r[1] in ("so-ldtbxh", "so-tttt") and r[3] >= date(2025, 3, 1)]
    assert not [r for r in found if r[1] in DISTRICTS and r[3] > date(2025, 6, 30)]
    # History keeps the body that held an item when it was due.
    assert ("V.1.5", "so-ldtbxh", "2024-H2") in {r[:3] for r in found}
    assert ("V.12.2", "tam-duong", "2025-H1") in {r[:3] for r in found}
    assert not [r for r in found if r[1].startswith(("xa-", "phuong-")) and r[3] < date(2025, 7, 1)]


def test_the_successors_hold_the_duties_once(organised):
    found = rows(organised)
    h1 = {(ref, body) for ref, body, period, _ in found if period == "2025-H1"}
    assert {("V.1.5", "so-yte"), ("V.1.1", "so-yte")} <= h1  # the coordinator's duties
    assert {("V.4.1", "so-vhttdl"), ("V.4.3", "so-vhttdl"), ("V.BC", "so-khcn")} <= h1  # Sở TT&TT's, split
    # A successor that reports under its own V.BC does not report a second time.
    per_period = Counter((ref, body, period) for ref, body, period, _ in found)
    assert per_period[("V.BC", "so-vhttdl", "2025-H1")] == per_period[("V.BC", "so-yte", "2025-H1")] == 1
    assert max(per_period.values()) == 1


def test_the_communes_hold_the_district_duties_due_in_the_second_half_of_2025(organised):
    h2 = [(ref, body) for ref, body, period, due in rows(organised) if period == "2025-H2"]
    communes = {body for _, body in h2 if body.startswith(("xa-", "phuong-"))}
    assert len(communes) == 38
    by_commune = Counter(body for _, body in h2 if body in communes)
    # V.12.2, V.12.3 and V.BC each: once, even for a commune formed from two districts.
    assert set(by_commune.values()) == {3}
    assert {ref for ref, body in h2 if body == "xa-le-loi"} == {"V.12.2", "V.12.3", "V.BC"}
    assert not {body for _, body in h2} & DISTRICTS


def test_the_example_directories_give_every_holder_of_the_second_half_of_2025_a_focal_point(organised):
    """`make run` and `make demo` import both example directories: without the successors' one, the
    bodies that took duties over in 2025 (Sở KH&CN, the 38 communes) would be reminded of nothing."""
    with session_scope(organised) as s:
        for name in ("directory.example.csv", "directory.successors.example.csv"):
            import_directory(s, CONFIG_DIR / name, now=LOADED_AT)
        focal = set(
            s.exec(select(Body.code).join(Contact).where(Contact.role == "focal", Contact.active.is_(True))).all()
        )
    holders = {body for _, body, period, _ in rows(organised) if period == "2025-H2"}
    assert len(holders) > 38 and holders <= focal


def test_the_default_history_applies_once(env):
    first = init()
    assert "39 cơ quan mới" in first
    with session_scope(env) as s:
        counts = [s.exec(select(func.count()).select_from(t)).one() for t in (Body, Succession, AuditEntry)]
    assert counts[1] == 47  # 2 + 1 for the departments, 44 commune hand-overs from 8 districts
    again = init()
    assert "Tổ chức bộ máy (lai-chau.yaml): không đổi" in again
    with session_scope(env) as s:
        assert [s.exec(select(func.count()).select_from(t)).one() for t in (Body, Succession, AuditEntry)] == counts
    cli("schedule", "--until", "2025-12-31")
    assert "Đã tạo 0 lượt" in (init(), cli("schedule", "--until", "2025-12-31"))[1]


def test_a_history_applied_late_moves_the_open_items_to_the_first_successor(env, monkeypatch):
    """An install scheduled through 2025 on the plan's bodies alone, then given the history:
    open items due from the date move to the first successor, the next schedule gives the others
    theirs."""
    monkeypatch.setenv("DONDOC_ORGANISATION_FILE", "")
    get_settings.cache_clear()
    load_example("2025-12-31")
    before = {(r["ref"], r["body"], r["period"]) for r in status_rows("2025-12-31")}
    assert ("V.12.2", "tam-duong", "2025-H2") in before
    assert "0 lượt nhiệm vụ đang mở đã chuyển" not in cli("org", "apply", str(HISTORY))
    moved = {(r["ref"], r["body"], r["period"]) for r in status_rows("2025-12-31")}
    assert ("V.12.2", "xa-binh-lu", "2025-H2") in moved and ("V.12.2", "xa-ban-bo", "2025-H2") not in moved
    cli("schedule", "--until", "2025-12-31")
    after = status_rows("2025-12-31")
    keys = Counter((r["ref"], r["body"], r["period"]) for r in after)
    assert keys[("V.12.2", "xa-ban-bo", "2025-H2")] == keys[("V.12.2", "phuong-tan-phong", "2025-H2")] == 1
    assert not [r for r in after if r["body"] in DISTRICTS and r["due"] > "2025-06-30"]
    assert not [r for r in after if r["body"] in ("so-ldtbxh", "so-tttt") and r["due"] >= "2025-03-01"]


# --- Who is told ---


@pytest.fixture
def example(env) -> Runtime:
    """`dondoc init` (the history applied by default), the example directory, 2021-2025 scheduled."""
    load_example("2025-12-31")
    return Runtime.from_settings(get_settings())


def told_about(url: str, assignment_id: int) -> set[str]:
    """The recipients of the escalation notices that list the assignment."""
    with session_scope(url) as s:
        found = s.exec(select(Notification).where(Notification.kind == "escalation")).all()
        return {n.recipient for n in found if any(item[0] == assignment_id for item in n.context["items"])}


def police_report(period: str) -> dict:
    return next(r for r in status_rows("2025-12-31", "cong-an") if r["ref"] == "V.BC" and r["period"] == period)


def test_level_1_goes_to_the_coordinating_body_acting_that_day(example, env):
    june = police_report("2025-H1")
    december = police_report("2024-H2")
    assert june["due"].startswith("2025-06") and december["due"].startswith("2024-12")
    # Escalated in December 2024: the plan's coordinating body, Sở LĐ-TB&XH.
    example.escalate(at(date.fromisoformat(december["due"]).replace(day=27)))
    told = told_about(env, december["id"])
    assert "daumoi@so-ldtbxh.dondoc.example" in told and "thutruong@cong-an.dondoc.example" in told
    assert not {t for t in told if "so-yte" in t}
    # Escalated in late June 2025: Sở Y tế, which took the role on 01/03/2025.
    example.escalate(at("2025-06-30"))
    told = told_about(env, june["id"])
    assert "daumoi@so-yte.dondoc.example" in told and "thutruong@cong-an.dondoc.example" in told
    assert not {t for t in told if "so-ldtbxh" in t}


def test_the_portal_review_passes_with_the_coordinating_role(example, env):
    """Who may review is decided on the day: Sở LĐ-TB&XH's focal point until 28/02/2025, Sở Y tế's
    from 01/03/2025; a coordinator marked by hand in the directory keeps the right."""
    with session_scope(env) as s:
        labour, health = (
            s.exec(select(Contact).where(Contact.email == f"daumoi@{code}.dondoc.example")).one()
            for code in ("so-ldtbxh", "so-yte")
        )
        assert is_coordinator(s, labour, date(2025, 2, 28)) and not is_coordinator(s, health, date(2025, 2, 28))
        assert is_coordinator(s, health, date(2025, 3, 1)) and not is_coordinator(s, labour, date(2025, 3, 1))
        labour.coordinator = True
        assert is_coordinator(s, labour, date(2026, 1, 5))


def test_nobody_outside_its_active_dates_is_reminded_or_escalated(example, env):
    """Items left open with Sở TT&TT (due 2024) and the districts (due June 2025) stay in their
    record, untold, once those bodies have ended; the communes are told about theirs."""
    told: dict[str, set[str]] = {}
    for day in ("2025-02-24", "2025-03-10", "2025-06-26", "2025-07-08", "2025-12-12"):
        example.enqueue(at(day))
        example.escalate(at(day))
        with session_scope(env) as s:
            told[day] = set(s.exec(select(Notification.recipient).where(Notification.created_at == at(day))))
    with session_scope(env) as s:
        tttt = s.exec(select(Body.id).where(Body.code == "so-tttt")).one()
        left = s.exec(select(Assignment).where(Assignment.body_id == tttt, Assignment.state == State.open)).all()
    assert left and all(a.due < date(2025, 3, 1) for a in left)  # still in its record

    def to(day: str, *codes: str) -> set[str]:
        return {r for r in told[day] for c in codes if f"@{c}." in r}

    assert to("2025-02-24", "so-tttt") and to("2025-06-26", *DISTRICTS)  # while they were active
    for day in ("2025-03-10", "2025-06-26", "2025-07-08", "2025-12-12"):
        assert not to(day, "so-tttt", "so-ldtbxh"), day
    for day in ("2025-07-08", "2025-12-12"):
        assert not to(day, *DISTRICTS), day
        assert "daumoi@so-yte.dondoc.example" in told[day]


def test_an_ended_coordinating_role_without_a_successor_tells_no_coordinator(env, tmp_path, monkeypatch):
    """A history that ends Sở LĐ-TB&XH without passing the role on: level 1 still reaches the
    body's head; no coordinator is told, and no notice goes to the ended body."""
    history = tmp_path / "history.yaml"
    history.write_text(
        "lifetimes:\n  - {body: so-ldtbxh, active_until: 2025-02-28, source: x, verified: y}\n", encoding="utf-8"
    )
    monkeypatch.setenv("DONDOC_ORGANISATION_FILE", str(history))
    get_settings.cache_clear()
    load_example("2025-06-30")
    runtime = Runtime.from_settings(get_settings())
    june = police_report("2025-H1")
    runtime.escalate(at("2025-06-30"))
    told = told_about(env, june["id"])
    assert "thutruong@cong-an.dondoc.example" in told
    assert not {t for t in told if "so-ldtbxh" in t or "so-yte" in t}


# --- dondoc org show ---


def test_org_show_prints_the_organisation_of_a_day(env):
    init()
    july = json.loads(cli_raw("org", "show", "--as-of", "2025-07-01", "--json"))
    assert july["as_of"] == "2025-07-01"
    kinds = Counter(b["kind"] for b in july["bodies"])
    assert kinds["commune"] == 38 and "district" not in kinds
    codes = {b["code"] for b in july["bodies"]}
    assert {"so-yte", "so-vhttdl", "so-khcn", "xa-le-loi", "phuong-doan-ket"} <= codes
    assert not codes & ({"so-ldtbxh", "so-tttt"} | DISTRICTS)
    commune = next(b for b in july["bodies"] if b["code"] == "xa-mu-ca")
    assert commune["name"] == "Ủy ban nhân dân xã Mù Cả" and commune["active_from"] == "2025-07-01"
    (plan,) = july["plans"]
    assert plan["coordinating_body"]["code"] == "so-yte" and plan["coordinating_body"]["in_place_of"] == "so-ldtbxh"
    assert plan["leadership_body"]["code"] == "ubnd-tinh"
    moves = {(m["from"], m["effective_from"]): m for m in july["successions"]}
    assert moves[("so-ldtbxh", "2025-03-01")]["to"] == ["so-yte"] and moves[("so-ldtbxh", "2025-03-01")]["coordinator"]
    assert moves[("tam-duong", "2025-07-01")]["to"][0] == "xa-binh-lu"
    assert "phuong-tan-phong" in moves[("tam-duong", "2025-07-01")]["to"]
    assert all(m["source"] for m in july["successions"])

    february = json.loads(cli_raw("org", "show", "--as-of", "2025-02-28", "--json"))
    assert february["plans"][0]["coordinating_body"]["code"] == "so-ldtbxh"
    assert february["successions"] == []
    assert Counter(b["kind"] for b in february["bodies"])["district"] == 8
    table = cli("org", "show", "--as-of", "2025-07-01")
    assert "UBND cấp xã (38)" in table and "Sở Y tế (thay Sở LĐ-TB&XH)" in table


def cli_raw(*args: str) -> str:
    from typer.testing import CliRunner

    from cli import app

    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


# --- A malformed history: refused with its file, line and entry; nothing applied ---

SAID = "source: x\n    verified: y"

CASES = {
    "unknown-body": (
        "lifetimes:\n  - body: so-nowhere\n    active_until: 2025-02-28\n    " + SAID + "\n",
        2,
        "lifetimes[0].body",
    ),
    "invalid-lifetime": (
        "bodies:\n  - code: xa-moi\n    name: UBND xã Mới\n    kind: commune\n"
        "    active_from: 2025-07-01\n    active_until: 2025-06-30\n    " + SAID + "\n",
        2,
        "bodies[0]",
    ),
    "overlapping-lifetimes": (
        "lifetimes:\n  - body: so-yte\n    active_until: 2025-12-31\n    " + SAID + "\n"
        "  - body: so-yte\n    active_from: 2025-06-01\n    " + SAID + "\n",
        6,
        "lifetimes[1]",
    ),
    "inactive-successor": (
        "bodies:\n  - code: xa-moi\n    name: UBND xã Mới\n    kind: commune\n    active_from: 2025-07-01\n    "
        + SAID
        + "\nsuccessions:\n  - from: tam-duong\n    to: [xa-moi]\n    effective_from: 2025-06-01\n    "
        + SAID
        + "\n",
        10,
        "successions[0].to[0]",
    ),
    "inactive-predecessor": (
        "lifetimes:\n  - body: so-tttt\n    active_until: 2025-02-28\n    " + SAID + "\n"
        "successions:\n  - from: so-tttt\n    to: so-vhttdl\n    effective_from: 2025-06-01\n    " + SAID + "\n",
        7,
        "successions[0].from",
    ),
    "duplicate-succession": (
        "successions:\n"
        "  - {from: so-tttt, to: so-vhttdl, effective_from: 2025-03-01, source: x, verified: y}\n"
        "  - {from: so-tttt, to: so-vhttdl, effective_from: 2025-03-01, source: x, verified: y}\n",
        3,
        "successions[1]",
    ),
    "duplicate-body": (
        "bodies:\n  - {code: so-yte, name: Sở Y tế, kind: department, source: x, verified: y}\n",
        2,
        "bodies[0].code",
    ),
}


@pytest.mark.parametrize("code", list(CASES))
def test_a_malformed_history_is_refused_whole(migrated, tmp_path, code):
    text, line, entry = CASES[code]
    path = tmp_path / "history.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(OrganisationError) as refused, session_scope(migrated) as s:
        sync_all(s, load_catalogs(catalog_paths(CONFIG_DIR / "plans")), path, now=LOADED_AT)
    (problem,) = [p for p in refused.value.problems if p.code == code]
    assert (problem.file, problem.line, problem.path) == (str(path), line, entry)
    assert f"history.yaml:{line}: {entry}:" in str(problem)
    with session_scope(migrated) as s:  # nothing applied, not even the catalogs
        assert s.exec(select(func.count()).select_from(Body)).one() == 0


def test_init_refuses_a_malformed_history_and_writes_nothing(env, tmp_path, monkeypatch):
    path = tmp_path / "history.yaml"
    path.write_text(CASES["inactive-successor"][0], encoding="utf-8")
    monkeypatch.setenv("DONDOC_ORGANISATION_FILE", str(path))
    get_settings.cache_clear()
    error = init(code=1)
    assert "history.yaml:10: successions[0].to[0]:" in error and "[inactive-successor]" in error
    assert "Không ghi gì" in error
    with session_scope(env) as s:
        assert s.exec(select(func.count()).select_from(Body)).one() == 0


def test_a_missing_history_file_is_refused_not_ignored(env, tmp_path, monkeypatch):
    monkeypatch.setenv("DONDOC_ORGANISATION_FILE", str(tmp_path / "lai-chau.yml"))
    get_settings.cache_clear()
    assert "lai-chau.yml: no such file [no-file]" in init(code=1)


def test_the_shipped_history_gives_every_entry_its_source_and_what_was_verified():
    from models.intake.organisation import read_organisation

    history = read_organisation(HISTORY)
    entries = [*history.bodies, *history.lifetimes, *history.successions]
    assert all(e.source and e.verified for e in entries)
    communes = [b for b in history.bodies if b.kind == "commune"]
    assert len(communes) == 38 and all(b.active_from == date(2025, 7, 1) and b.formed_from for b in communes)
    # Named as in the resolution: 36 xã, 2 phường.
    assert Counter(b.name.split()[4] for b in communes) == {"xã": 36, "phường": 2}
    across = [b.code for b in communes if len(b.formed_from) > 1]
    assert all("CHƯA XÁC MINH" in b.verified for b in communes if b.code in across)


def test_a_row_superseded_by_the_successors_own_duty_is_removed_only_if_untouched(env, monkeypatch):
    """By hand, so-tttt's duties all pass to so-vhttdl, which has its own V.BC: so-tttt's open
    V.BC rows from then are removed, except one a reminder was already sent about (moved)."""
    monkeypatch.setenv("DONDOC_ORGANISATION_FILE", "")
    get_settings.cache_clear()
    load_example("2025-12-31")
    reports = {r["period"]: r["id"] for r in status_rows("2025-12-31", "so-tttt") if r["ref"] == "V.BC"}
    with session_scope(env) as s:
        s.execute(update(Assignment).where(Assignment.id == reports["2025-H1"]).values(escalation_level=1))
    cli("org", "succeed", "so-tttt", "so-vhttdl", "--from", "2025-03-01")
    after = {r["id"]: r["body"] for r in status_rows("2025-12-31")}
    assert after[reports["2025-H1"]] == "so-vhttdl"  # something happened to it: kept, moved
    assert reports["2025-H2"] not in after  # untouched: removed, so-vhttdl reports once
    assert after[reports["2024-H2"]] == "so-tttt"  # due before the date: history


def test_the_bodies_with_a_check_are_those_active_today(example, monkeypatch):
    """A commune gets its weekly check (it holds its district's duties); a body that has ended,
    none."""
    from flows.deployments import specs

    checks = {s.name for s in specs(get_settings()) if s.name.startswith("body-")}
    assert "body-xa-thu-lum" in checks and "body-so-yte" in checks
    assert not checks & {f"body-{code}" for code in (*DISTRICTS, "so-ldtbxh", "so-tttt")}
