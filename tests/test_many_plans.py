"""Two plans followed at once (issue 13, part 1 and 2): the 2021-2025 plan and an annual plan
under it. Status, the board, both digests and the escalation notices never mix their items, and
every one names its plan; a closed plan sends nothing, and its figures still show.

The annual plan is made up for the test (a code and number no real document has): what is
checked is that two plans stay apart, whatever they say."""

from __future__ import annotations

import shutil
from datetime import date, datetime

import pytest
from sqlmodel import select

from config import CONFIG_DIR
from config.settings import get_settings
from flows.deployments import specs
from models.db import session_scope
from models.operations.board import present_assignments
from models.rules.status import Status, classify
from models.tables.assignment import Assignment
from models.tables.notification import Notification
from models.tables.org import Body
from models.tables.plan import Duty, Plan
from notifications.context import Rendering, assignment_context
from notifications.kinds import KINDS
from notifications.render import make_message
from notifications.runtime import Runtime
from tests.cli import cli, cli_json, init, status_rows
from tests.clock import TZ

MAIN = "lai-chau-pcmd-2021-2025"
ANNUAL = "thu-nghiem-pcmd-2025"
ANNUAL_NUMBER = "99/KH-THU"
ANNUAL_PLAN = f"""
plan:
  code: {ANNUAL}
  title: "Kế hoạch thử nghiệm phòng, chống mại dâm năm 2025"
  number: "{ANNUAL_NUMBER}"
  issued_on: 2025-01-10
  implements: "Kế hoạch số 3742/KH-UBND ngày 12/11/2021 của UBND tỉnh Lai Châu"
  parent: {MAIN}
  period: {{start: 2025-01-10, end: 2025-12-31}}
  coordinating_body: so-ldtbxh
  leadership_body: ubnd-tinh
  reporting:
    working_days_after_cutoff: 2
    basis: coordinator
    source: "02 ngày làm việc sau ngày chốt số liệu (thử nghiệm)"
duties:
  - ref: N.1
    source: "Mục IV, điểm 1"
    title: "Tuyên truyền phòng, chống mại dâm năm 2025"
    text: "Tổ chức tuyên truyền phòng, chống mại dâm trên địa bàn."
    bodies: [cong-an, so-yte]
    nature: continuous
    cadence: semiannual
    evidence: [reference, note]
    implements: V.1.1
  - ref: N.2
    source: "Mục IV, điểm 2"
    title: "Kiểm tra cơ sở kinh doanh dịch vụ năm 2025"
    text: "Kiểm tra các cơ sở kinh doanh dịch vụ dễ phát sinh tệ nạn mại dâm."
    bodies: [so-vhttdl]
    nature: task
    cadence: once
    due: {{date: 2025-05-30, basis: coordinator, source: "thử nghiệm"}}
    evidence: [reference]
"""
ANNUAL_TARGET = """targets:
  - ref: II.1
    source: "Mục II, điểm 1"
    text: "Ít nhất 70% số xã tổ chức tuyên truyền."
    measure: "Tỷ lệ xã tổ chức tuyên truyền"
    unit: percent
    threshold: 70
    deadline: 2025-12-31
    reported_by: [cong-an]
    numerator: "Số xã tổ chức tuyên truyền"
    denominator: "Tổng số xã"
    implements: II.1.a.1
"""
AS_OF = datetime(2025, 7, 4, 17, 0, tzinfo=TZ)  # the first half's reports overdue in both plans


@pytest.fixture
def two_plans(env, smtp, monkeypatch, tmp_path) -> Runtime:
    plans = tmp_path / "plans"
    plans.mkdir()
    shutil.copy(CONFIG_DIR / "plans" / f"{MAIN}.yaml", plans)
    (plans / f"{ANNUAL}.yaml").write_text(ANNUAL_PLAN + ANNUAL_TARGET, encoding="utf-8")
    monkeypatch.setenv("DONDOC_CATALOG_DIR", str(plans))
    monkeypatch.setenv("DONDOC_ORGANISATION_FILE", "")  # the plans' own bodies: Sở LĐ-TB&XH coordinating
    monkeypatch.setenv("DONDOC_EMAIL_URL", smtp.url)
    get_settings.cache_clear()
    init()
    cli("directory", "import", str(CONFIG_DIR / "directory.example.csv"))
    cli("schedule", "--until", AS_OF.date().isoformat())
    return Runtime.from_settings(get_settings())


def plan_of(url: str) -> dict[int, str]:
    """Each assignment's plan code."""
    with session_scope(url) as s:
        return dict(
            s.exec(
                select(Assignment.id, Plan.code)
                .join(Duty, Duty.id == Assignment.duty_id)
                .join(Plan, Plan.id == Duty.plan_id)
            ).all()
        )


def rendered(url: str, runtime: Runtime, kind: str) -> list[tuple[Notification, object]]:
    out = []
    with session_scope(url) as s:
        for row in s.exec(select(Notification).where(Notification.kind == kind).order_by(Notification.id)):
            spec = KINDS[row.kind]
            ctx = spec.context(s, row, Rendering(row.created_at, runtime.calendar, TZ))
            out.append((row, make_message(row.kind, ctx).prepare("email")))
    return out


def test_status_and_board_are_per_plan(two_plans, env):
    rows = status_rows(AS_OF.isoformat())
    plans = plan_of(env)
    assert {r["plan"] for r in rows} == {MAIN, ANNUAL}
    assert all(r["plan"] == plans[r["id"]] for r in rows)
    annual = cli_json("status", "--json", "--as-of", AS_OF.isoformat(), "--plan", ANNUAL)
    assert annual and {r["plan"] for r in annual} == {ANNUAL}
    # N.1 for 2 bodies, in both halves (the year's period begins on 15/6, after the June report), and N.2
    assert {r["ref"] for r in annual} == {"N.1", "N.2"} and len(annual) == 5
    board = " ".join(cli("status", "--as-of", AS_OF.isoformat()).split())  # titles wrap at 80 columns
    first, second = board.index("giai đoạn 2021-2025"), board.index("thử nghiệm phòng, chống mại dâm năm 2025")
    assert first < second  # grouped, in the order loaded, each under its title
    assert f"{ANNUAL_NUMBER}, đang theo dõi" in board
    assert "Không có kế hoạch" in cli("status", "--plan", "khong-co", code=1)


def test_escalation_notices_and_digests_never_mix_plans(two_plans, env):
    runtime = two_plans
    runtime.escalate(AS_OF)
    plans = plan_of(env)
    notices = rendered(env, runtime, "escalation")
    assert {row.context["plan"] for row, _ in notices} == {MAIN, ANNUAL}
    for row, message in notices:
        items = {aid for aid, _level in row.context["items"]}
        assert {plans[aid] for aid in items} == {row.context["plan"]}, row.context
        number = ANNUAL_NUMBER if row.context["plan"] == ANNUAL else "3742/KH-UBND"
        assert f"Kế hoạch {number}:" in message.subject and number in message.text
    # The coordinator is told of both plans, in two notices, each naming its own.
    coordinator = {row.context["plan"] for row, _ in notices if row.recipient == "daumoi@so-ldtbxh.dondoc.example"}
    assert coordinator == {MAIN, ANNUAL}

    # A message about one item names the item's plan, in both parts.
    runtime.enqueue(AS_OF)
    overdue = rendered(env, runtime, "overdue")
    assert {plans[row.assignment_id] for row, _ in overdue} == {MAIN, ANNUAL}
    for row, message in overdue:
        number = ANNUAL_NUMBER if plans[row.assignment_id] == ANNUAL else "3742/KH-UBND"
        assert f"(số {number})" in message.text and f"(số {number})" in message.html

    for kind in ("leadership", "coordinator"):
        runtime.digest(kind, AS_OF)
        digests = rendered(env, runtime, f"digest-{kind}")
        assert {row.context["plan"] for row, _ in digests} == {MAIN, ANNUAL}
        for row, message in digests:
            mine = [r for r in status_rows(AS_OF.isoformat()) if r["plan"] == row.context["plan"] and not r["request"]]
            number = ANNUAL_NUMBER if row.context["plan"] == ANNUAL else "3742/KH-UBND"
            assert f"Kế hoạch {number}" in message.subject
            assert f"tính trên {len(mine)} nhiệm vụ" in message.text, message.text[:400]
            # The five-year plan shows the annual plan under it, with the annual plan's own totals.
            children = "CÁC KẾ HOẠCH TRIỂN KHAI KẾ HOẠCH NÀY" in message.text
            assert children == (row.context["plan"] == MAIN)
            if children:
                annual = [r for r in status_rows(AS_OF.isoformat()) if r["plan"] == ANNUAL]
                overdue = sum(r["status"] == "overdue" for r in annual)
                line = next(x for x in message.text.splitlines() if f"({ANNUAL_NUMBER})" in x)
                assert line.startswith("- Kế hoạch thử nghiệm") and f" / {overdue}, " in line, line


def test_a_closed_plan_sends_nothing_and_its_figures_stay(two_plans, env):
    runtime = two_plans
    closed = cli("plan", "close", ANNUAL, "--as-of", "2025-07-01")
    assert "01/07/2025" in closed
    listed = {p["code"]: p for p in cli_json("plan", "list", "--json", "--as-of", AS_OF.isoformat())}
    assert listed[ANNUAL]["state"] == "closed" and listed[ANNUAL]["parent"] == MAIN and listed[ANNUAL]["open"] > 0
    assert listed[MAIN]["state"] == "active"
    runtime.enqueue(AS_OF)
    runtime.escalate(AS_OF)
    runtime.digest("leadership", AS_OF)
    plans = plan_of(env)
    with session_scope(env) as s:
        told = s.exec(select(Notification)).all()
    assert told and not [n for n in told if n.assignment_id and plans[n.assignment_id] == ANNUAL]
    assert not [n for n in told if n.context.get("plan") == ANNUAL]
    assert any(n.context.get("plan") == MAIN for n in told)
    # By default the views show the plans followed up; a closed one is named, and shown when asked for.
    assert {r["plan"] for r in status_rows(AS_OF.isoformat())} == {MAIN}
    assert f"đã kết thúc: {ANNUAL}" in " ".join(cli("status", "--as-of", AS_OF.isoformat()).split())
    # What was never done stays, not completed; the plan's digest can still be read by name.
    annual = cli_json("status", "--json", "--as-of", AS_OF.isoformat(), "--plan", ANNUAL)
    assert {r["status"] for r in annual} >= {"overdue"}
    digest = cli("digest", "--plan", ANNUAL, "--as-of", AS_OF.isoformat())
    assert ANNUAL_NUMBER in digest and "3742/KH-UBND" not in digest.split("\n")[0]
    # Nothing is scheduled for it after its closing day.
    cli("schedule", "--until", "2025-12-31")
    with session_scope(env) as s:
        later = s.exec(
            select(Assignment.id)
            .join(Duty, Duty.id == Assignment.duty_id)
            .join(Plan, Plan.id == Duty.plan_id)
            .where(Plan.code == ANNUAL, Assignment.period_start >= date(2025, 7, 1))
        ).all()
    assert later == []
    assert "đã kết thúc" in cli("plan", "close", ANNUAL, "--as-of", "2025-07-02", code=1)


def _looked_at(url: str, body: str, at: datetime) -> dict[int, str]:
    """The rule of a body's check, item by item over every row of the body: of each duty of a plan
    followed up, the current period's item and every earlier one not done by `at`. Id -> plan."""
    today = at.date()
    with session_scope(url) as s:
        rows = s.exec(
            select(Assignment, Plan)
            .join(Duty, Duty.id == Assignment.duty_id)
            .join(Plan, Plan.id == Duty.plan_id)
            .join(Body, Body.id == Assignment.body_id)
            .where(Body.code == body, Assignment.period_start <= today)
            .order_by(Assignment.period_start, Assignment.id)
        ).all()
    rows = [(a, p) for a, p in rows if not p.draft and (p.closed_on is None or p.closed_on > today)]
    latest = {a.duty_id: a.id for a, _ in rows}
    done = (Status.done_on_time, Status.done_late)
    return {a.id: p.code for a, p in rows if latest[a.duty_id] == a.id or classify(a, at, TZ) not in done}


def test_a_body_check_looks_at_the_current_and_unfinished_items_of_the_plans_followed(two_plans, env):
    """flows/body.py: a task run per item `present_assignments` chooses, in SQL; the same items as
    the rule over the body's whole history, before and after some are accepted, and none of a plan
    once it is closed."""
    body, at = "cong-an", "2025-06-20T09:00"
    item = {(r["ref"], r["period"]): r["id"] for r in status_rows(at, body) if r["plan"] == MAIN}
    # Done: an item of 2024 (then no longer looked at), the first half's, and the current half's
    # (looked at all the same: the current period's item always is).
    accepted = [item[("V.2.1", "2024-H2")], item[("V.2.2", "2025-H1")], item[("V.2.3", "2025-H2")]]
    for aid in accepted:
        cli("confirm", str(aid), "--reference", "45/CAT-PV01", "--as-of", at)
        cli("review", str(aid), "--accept", "--as-of", "2025-06-20T10:00")

    def chosen(moment: datetime) -> dict[int, str]:
        plans = plan_of(env)
        with session_scope(env) as s:
            return {a.id: plans[a.id] for a in present_assignments(s, body=body, now=moment, tz=TZ)}

    before = datetime(2025, 6, 20, 9, 30, tzinfo=TZ)  # submitted, not yet accepted
    assert chosen(before) == _looked_at(env, body, before) and set(accepted) <= set(chosen(before))
    now = chosen(AS_OF)
    assert now == _looked_at(env, body, AS_OF) and set(now.values()) == {MAIN, ANNUAL}
    assert [aid in now for aid in accepted] == [False, False, True]
    assert item[("V.2.1", "2021-H2")] in now  # never done: still looked at
    cli("plan", "close", ANNUAL, "--as-of", "2025-07-01")
    assert set(chosen(AS_OF).values()) == {MAIN} and chosen(AS_OF) == _looked_at(env, body, AS_OF)


def test_an_annual_plan_refers_to_its_parents_duties_and_targets(two_plans, env):
    duties = cli_json("plan", "duties", "--json", "--plan", ANNUAL)
    assert {d["plan"] for d in duties} == {ANNUAL}
    assert {(d["ref"], d["implements"]) for d in duties} == {("N.1", "V.1.1"), ("N.2", None)}
    (target,) = cli_json("plan", "targets", "--json", "--plan", ANNUAL)
    assert target["implements"] == "II.1.a.1"
    # The item's page and messages say which of the parent's duties it carries out.
    (item,) = [r for r in status_rows(AS_OF.isoformat(), "cong-an") if r["plan"] == ANNUAL and r["period"] == "2025-H1"]
    with session_scope(env) as s:
        duty = assignment_context(s, item["id"], now=AS_OF, calendar=two_plans.calendar, tz=TZ)["duty"]
    assert duty["implements"] == "mục V.1.1 của Kế hoạch số 3742/KH-UBND"


@pytest.mark.parametrize(
    ("old", "new", "entry"),
    [
        ("    implements: V.1.1\n", "    implements: V.9.9\n", "duties[0].implements"),
        ("    implements: II.1.a.1\n", "    implements: II.9\n", "targets[0].implements"),
        (f"  parent: {MAIN}\n", "  parent: khong-co\n", "plan.parent"),
    ],
)
def test_a_reference_to_the_parent_that_is_not_there_is_refused(two_plans, env, old, new, entry):
    path = get_settings().catalog_dir / f"{ANNUAL}.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    line = text[: text.index(old)].count("\n") + 1
    output = " ".join(cli("plan", "check", str(path), code=1).split())
    assert f"{ANNUAL}.yaml:{line}: {entry}" in output, output
    assert "[unknown-parent" in " ".join(init(code=1).split())


def test_a_bodys_deployment_names_the_plans_it_has_work_in(two_plans):
    checks = {s.name: s.options for s in specs(get_settings()) if s.name.startswith("body-")}
    police = checks["body-cong-an"]
    assert {MAIN, ANNUAL} <= set(police["tags"]) and "cong-an" in police["tags"]
    assert police["description"].startswith("Công an tỉnh: kiểm tra các nhiệm vụ theo Kế hoạch 3742/KH-UBND, 99/KH-THU")
    assert ANNUAL not in checks["body-so-tuphap"]["tags"]  # no duty in the annual plan


def test_a_plans_report_shows_its_annual_plans_each_with_its_own_work_and_targets(two_plans, env, tmp_path):
    from docx import Document

    police = next(
        r["id"]
        for r in cli_json("status", "--json", "--as-of", AS_OF.isoformat(), "--plan", ANNUAL, "--body", "cong-an")
        if r["ref"] == "N.1" and r["period"] == "2025-H1"
    )
    cli("confirm", str(police), "--reference", "12/BC-CAT", "--value", "II.1=40/50", "--as-of", "2025-06-16T09:00")
    out = tmp_path / "bao-cao.docx"
    cli("report", "--plan", MAIN, "--period", "2025-H1", "--out", str(out), "--as-of", AS_OF.isoformat())
    text = "\n".join(p.text for p in Document(str(out)).paragraphs)
    # The five-year plan's work, then the annual plan's under its own heading, with its own items.
    main = text.index("Kế hoạch số 3742/KH-UBND ngày 12/11/2021")
    annual = text.index(f"Kế hoạch số {ANNUAL_NUMBER} ngày 10/01/2025")
    assert main < annual and "N.1 Tuyên truyền phòng, chống mại dâm năm 2025" in text[annual:]
    assert "N.1" not in text[main:annual]
    rows = [[c.text for c in r.cells] for t in Document(str(out)).tables for r in t.rows]
    assert ["II.1 Tỷ lệ xã tổ chức tuyên truyền", "≥ 70%", "80%", "Đạt"] in rows  # 40/50, Công an alone
    # The annual plan's report on its own names only its own work.
    cli("report", "--plan", ANNUAL, "--period", "2025-H1", "--out", str(out), "--as-of", AS_OF.isoformat())
    alone = "\n".join(p.text for p in Document(str(out)).paragraphs)
    assert "V.6.1" not in alone and "N.1" in alone
