"""Against a real `prefect server start` (started here, its own PREFECT_HOME and SQLite): the
deployments `dondoc serve` creates, their schedules across restarts and SIGTERM, a body's check
(task runs per duty with Vietnamese state names), the status board artifact, and the events."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from config.settings import get_settings
from models.operations.audit import SYSTEM
from models.rules.periods import period_label
from tests.cli import cli, load_example, status_rows
from tests.conftest import SQLITE_ONLY
from tests.dues import H1
from tests.servers import SilentServer, prefect_server

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
pytestmark = SQLITE_ONLY


@pytest.fixture(scope="module")
def prefect_api(tmp_path_factory):
    """A real Prefect server for this module; its scheduler looks every 2 s, so runs appear soon."""
    with prefect_server(
        tmp_path_factory.mktemp("prefect-home"), PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS="2"
    ) as url:
        yield url


@pytest.fixture
def plan_env(env, prefect_api, monkeypatch, tmp_path):
    """The plan loaded, the example directory, assignments up to 2025-06-30; the environment a
    subprocess needs to reach the server. The plan's own bodies (Sở LĐ-TB&XH coordinating): the
    Prefect side, not the 2025 reorganisation (tests/test_organisation.py)."""
    monkeypatch.setenv("DONDOC_ORGANISATION_FILE", "")
    get_settings.cache_clear()
    load_example("2025-06-30")
    child = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    child.update(PREFECT_API_URL=prefect_api, PREFECT_HOME=str(tmp_path / "prefect-client"))
    return child


def api(url: str, path: str, body: dict | None = None):
    """A POST to the server's API. A 503 (the server's database busy, on SQLite while `dondoc
    serve` registers its deployments) is retried, as Prefect's own client does."""
    for _ in range(10):
        response = httpx.post(f"{url}{path}", json=body or {}, timeout=30)
        if response.status_code != 503:
            break
        time.sleep(1)
    response.raise_for_status()
    return response.json()


def deployments_of(url: str) -> dict[str, dict]:
    return {d["name"]: d for d in api(url, "/deployments/filter", {"limit": 200})}


def start_serve(env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [str(BIN / "dondoc"), "serve"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )


def run_tool(env: dict, program: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """A program of the project's environment (dondoc, python), run to its end from the project's root."""
    return subprocess.run(
        [str(BIN / program), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def fail_a_catalog_sync(env: dict, tmp_path: Path) -> None:
    """A real flow run failure: the catalog sync of a plan file that is not YAML."""
    broken = tmp_path / "plans"
    broken.mkdir()
    (broken / "bad.yaml").write_text("plan: [unclosed\n", encoding="utf-8")
    failed = run_tool(
        {**env, "DONDOC_CATALOG_DIR": str(broken)},
        "python",
        "-c",
        "from flows.catalog import catalog_sync; catalog_sync()",
        timeout=300,
    )
    assert failed.returncode != 0


def wait_for(predicate, timeout: float = 120, every: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError("timed out")


def test_serve_creates_deployments_keeps_schedules_and_never_pauses(plan_env, prefect_api):
    serve = start_serve(plan_env)
    try:
        found = wait_for(lambda: (d := deployments_of(prefect_api)) and len(d) >= 36 and d)
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(60)  # raises TimeoutExpired if SIGTERM does not stop it
    bodies = [n for n in found if n.startswith("body-")]
    assert (
        len(found) == 36
        and len(bodies) == 27
        and {
            "catalog-sync",
            "daily-sweep",
            "events",
            "coordinator-alert",
            "digest-leadership",
            "digest-coordinator",
            "confirmation",
            "report-draft",
        }
        <= set(found)
    )
    schedules = {}
    for name, d in found.items():
        for s in d["schedules"]:
            assert s["slug"] and s["schedule"]["timezone"] == "Asia/Ho_Chi_Minh" and s["active"]
            schedules[(name, s["slug"])] = s["id"]
    assert found["daily-sweep"]["schedules"][0]["schedule"]["cron"] == "0 7 * * 1-6"
    assert found["confirmation"]["schedules"] == []  # run from the UI's form
    assert found["report-draft"]["schedules"] == []  # today the plan is over: no report left to draft
    form = found["confirmation"]["parameter_openapi_schema"]["properties"]
    assert form["decision"]["enum"] == ["accept", "return"] and "assignment_id" in form
    after_sigterm = deployments_of(prefect_api)
    assert not any(d["paused"] for d in after_sigterm.values())  # SIGTERM paused nothing
    assert all(s["active"] for d in after_sigterm.values() for s in d["schedules"])

    serve = start_serve(plan_env)  # a restart: the same schedule ids, no duplicate runs
    try:
        wait_for(
            lambda: all(
                d["updated"] > found[n]["updated"] for n, d in deployments_of(prefect_api).items() if n in found
            ),
            timeout=120,
        )
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(60)
    again = {(n, s["slug"]): s["id"] for n, d in deployments_of(prefect_api).items() for s in d["schedules"]}
    assert again == schedules

    def slots() -> list[tuple[str, str]]:
        runs, offset = [], 0
        while page := api(prefect_api, "/flow_runs/filter", {"limit": 200, "offset": offset}):
            runs, offset = runs + page, offset + 200
        return [(r["deployment_id"], r["expected_start_time"]) for r in runs if r["state_type"] == "SCHEDULED"]

    scheduled = wait_for(slots, timeout=90)  # the scheduler service creates them
    assert len(scheduled) == len(set(scheduled))  # one run per slot, after two serves


def test_overdue_items_are_red_the_run_completes_and_no_failure_alert_fires(plan_env, prefect_api, smtp, tmp_path):
    """A body's check, run from its deployment as the schedule would, with the automations
    applied: each overdue item's task run fails ("Quá hạn", red), the flow run completes, the
    failed-run automations stay quiet while a real failure after it is reported, and the
    dashboard's failed task runs are the overdue items."""
    env = {**plan_env, "DONDOC_EMAIL_URL": smtp.url}
    started = datetime.now(UTC).isoformat()
    sweep = run_tool(env, "dondoc", "sweep", "--as-of", "2025-06-20T08:00", timeout=300)  # overdue items stamped
    assert sweep.returncode == 0, sweep.stderr
    overdue = [r for r in status_rows("2025-06-20T09:00", "so-yte") if r["status"] == "overdue"]
    assert len(overdue) > 2  # the half-year's items and every earlier one never done
    serve = start_serve(env)
    try:
        deployment = wait_for(lambda: deployments_of(prefect_api).get("body-so-yte"))
        wait_for(lambda: "coordinator-alert" in deployments_of(prefect_api))
        applied = run_tool(env, "dondoc", "automations", "apply", timeout=120)
        assert applied.returncode == 0, applied.stderr
        run = api(
            prefect_api,
            f"/deployments/{deployment['id']}/create_flow_run",
            {"parameters": {"body": "so-yte", "as_of": "2025-06-20T09:00:00+07:00"}},
        )
        flow_run = wait_for(
            lambda: (
                (r := httpx.get(f"{prefect_api}/flow_runs/{run['id']}").json())
                and r["state_type"] in ("COMPLETED", "FAILED", "CRASHED")
                and r
            ),
            timeout=180,
        )
        # What the dashboard counts: task runs started in its window, failed or crashed (recorded
        # from the run's events a moment after it ends).
        red_type = {"type": {"any_": ["FAILED", "CRASHED"]}}
        dashboard = {"task_runs": {"start_time": {"after_": started}, "state": red_type}}

        def counted() -> int:
            return api(prefect_api, "/task_runs/count", dashboard)

        shown = wait_for(lambda: (n := counted()) >= len(overdue) and n, timeout=60)
        # Then a real failure: its alert is the proof that the automations were listening.
        fail_a_catalog_sync(env, tmp_path)
        coordinator = "daumoi@so-ldtbxh.dondoc.example"
        wait_for(
            lambda: any(m.to == coordinator and "catalog-sync" in m.subject for m in smtp.received),
            timeout=180,
            every=1,
        )
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(60)
    assert "Sở Y tế" in deployment["description"] and "3742/KH-UBND" in deployment["description"]
    assert deployment["tags"][0] == "Sở Y tế"  # what the list of deployments shows
    assert {"so-yte", "lai-chau-pcmd-2021-2025"} <= set(deployment["tags"])  # codes stay, to filter by

    assert flow_run["state_type"] == "COMPLETED" and flow_run["state"]["name"] == f"Có {len(overdue)} việc quá hạn"
    assert flow_run["name"] == "Sở Y tế · 3742/KH-UBND · 20/06/2025"
    assert {"so-yte", "quá hạn"} <= set(flow_run["tags"])
    tasks = api(prefect_api, "/task_runs/filter", {"flow_runs": {"id": {"any_": [flow_run["id"]]}}, "limit": 200})
    red = [t for t in tasks if t["state_type"] == "FAILED"]
    assert all(t["state"]["name"] == "Quá hạn" for t in red) and len(red) == len(overdue)
    # Each overdue item once, named with its reference and period, its message with how late it is.
    assert sorted(t["name"].split(" · ")[:2] for t in red) == sorted(
        [r["ref"], period_label(r["period"])] for r in overdue
    )
    v61 = next(t for t in red if t["name"].startswith("V.6.1 · 6 tháng đầu năm 2025 · Thanh tra"))
    v61_id = next(r["id"] for r in overdue if r["ref"] == "V.6.1" and r["period"] == "2025-H1")
    assert "hạn gửi 17/06/2025, quá hạn 3 ngày làm việc" in v61["state"]["message"]
    assert v61["state"]["message"].endswith(f"(mã nhiệm vụ {v61_id})")  # for the confirmation form
    assert all(t["state_type"] == "COMPLETED" for t in tasks if t not in red)
    assert shown == len(overdue)
    # Neither failed-run automation fired for the body's run; the catalog's failure was reported.
    fired = api(
        prefect_api,
        "/events/filter",
        {
            "filter": {"event": {"name": ["prefect.automation.action.triggered"]}, "occurred": {"since": started}},
            "limit": 50,
        },
    )["events"]
    assert [e["resource"]["prefect.resource.name"] for e in fired] == ["dondoc: lượt chạy thất bại"]
    alerts = api(prefect_api, "/flow_runs/filter", {"flow_runs": {"start_time": {"after_": started}}, "limit": 200})
    assert [r["name"] for r in alerts if r["name"].startswith("Cảnh báo:")] == [
        next(r["name"] for r in alerts if r["name"].startswith("Cảnh báo: Lượt chạy catalog-sync"))
    ]
    assert not [m for m in smtp.received if "body-check" in m.subject]


def test_the_sweep_publishes_the_board_summary_and_events(plan_env, prefect_api):
    # Sở Y tế confirms V.6.1 from the CLI; the coordinator accepts it; then a sweep publishes.
    rows = status_rows("2025-06-20", "so-yte")
    v61 = next(r["id"] for r in rows if r["ref"] == "V.6.1" and r["due"] == H1.isoformat())
    cli("confirm", str(v61), "--reference", "123/BC-SYT", "--as-of", "2025-06-19T09:00")
    cli("review", str(v61), "--accept", "--as-of", "2025-06-19T15:00")
    check = "from flows.body import check_body; check_body('so-yte', as_of='2025-06-20T07:30:00+07:00')"
    assert run_tool(plan_env, "python", "-c", check).returncode == 0
    (checked,) = api(
        prefect_api,
        "/flow_runs/filter",
        {
            "flow_runs": {"name": {"any_": ["Sở Y tế · 3742/KH-UBND · 20/06/2025"]}},
            "sort": "START_TIME_DESC",
            "limit": 1,
        },
    )
    # The present: V.6.1's half-year item, accepted, is past; the current period's is in the run's
    # table, and every earlier one never done. A task run only for what someone has to act on: the
    # earlier ones, overdue; the current one is not yet due.
    (table,) = api(
        prefect_api,
        "/artifacts/filter",
        {"artifacts": {"key": {"any_": ["nhiem-vu-so-yte"]}, "flow_run_id": {"any_": [checked["id"]]}}, "limit": 1},
    )
    listed = [line.split(" | ")[1] for line in table["data"].splitlines() if line.startswith("| V.6.1 |")]
    assert "Năm 2025" in listed and "6 tháng đầu năm 2025" not in listed and "Năm 2024" in listed  # never done
    runs = api(prefect_api, "/task_runs/filter", {"flow_runs": {"id": {"any_": [checked["id"]]}}, "limit": 200})
    shown = [t for t in runs if " · " in t["name"]]  # the items' (not the listing's)
    periods = [t["name"].split(" · ")[1] for t in shown if t["name"].startswith("V.6.1 ·")]
    assert "Năm 2024" in periods and "Năm 2025" not in periods and "6 tháng đầu năm 2025" not in periods
    assert {t["state"]["name"] for t in shown} <= {"Quá hạn", "Bị trả lại", "Chờ duyệt"}
    assert len(table["data"].splitlines()) - 4 > len(shown)  # the table has the items done and not yet due too
    env = {**plan_env, "DONDOC_PORTAL_URL": "https://dondoc.laichau.gov.vn"}
    sweep = run_tool(env, "dondoc", "sweep", "--as-of", "2025-06-20T08:00", timeout=300)
    assert sweep.returncode == 0, sweep.stderr
    (board,) = api(  # the latest version
        prefect_api,
        "/artifacts/filter",
        {
            "artifacts": {"key": {"any_": ["bang-tinh-hinh-lai-chau-pcmd-2021-2025"]}},
            "sort": "CREATED_DESC",
            "limit": 1,
        },
    )
    lines = board["data"].splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("| # |"))
    columns = [c.strip() for c in lines[header].strip("|").split("|")]
    rows = [
        dict(zip(columns, (c.strip() for c in line.strip("|").split("|")), strict=True)) for line in lines[header + 2 :]
    ]
    ranked = [r for r in rows if r["#"]]
    assert columns[:3] == ["#", "Cơ quan", "Quá hạn"]  # the overdue count first
    overdue = [int(r["Quá hạn"].strip("*")) for r in ranked]
    assert overdue == sorted(overdue, reverse=True) and overdue[0] > 0  # the worst bodies first
    late = [r for r in ranked if int(r["Quá hạn"].strip("*"))]
    assert all(r["Cơ quan"].startswith("🔴 ") for r in late) and not any(
        "🔴" in r["Cơ quan"] for r in ranked if r not in late
    )
    assert f"**{len(late)} cơ quan có việc quá hạn**" in board["data"]
    yte = next(r for r in ranked if "Sở Y tế]" in r["Cơ quan"])
    # Sở Y tế links to its latest check run and to its list in the portal.
    assert yte["Cơ quan"].endswith(f"[Sở Y tế]({prefect_api.removesuffix('/api')}/v2/runs/flow-run/{checked['id']})")
    assert yte["Cổng"] == "[Xem](https://dondoc.laichau.gov.vn/review?body=so-yte)"
    assert yte["Đã xong"] == "1 (1)"  # accepted on 19/6, due 17/6: done late
    assert yte["Quá hạn"] == "**15**" and yte["Trong hạn"] == "2"
    # The board's overdue count is the number of red task runs of the body's check.
    assert sum(t["state_type"] == "FAILED" for t in shown) == 15
    summary = api(prefect_api, "/artifacts/filter", {"artifacts": {"key": {"any_": ["tong-ket-quet"]}}})
    assert summary and "Thông báo quá hạn" in summary[0]["data"]

    def events(name: str, resource: str | None = None) -> list[dict]:
        query = {"event": {"name": [name]}}
        if resource:
            query["resource"] = {"id": [resource]}
        return api(prefect_api, "/events/filter", {"filter": query, "limit": 50})["events"]

    mine = f"dondoc.assignment.{v61}"
    for name in ("dondoc.assignment.submitted", "dondoc.assignment.accepted"):
        (event,) = wait_for(lambda n=name: events(n, mine), timeout=60)
        assert event["payload"]["channel"] == "cli" and event["payload"]["at"].startswith("2025-06-19")
        assert {
            "prefect.resource.id": "dondoc.body.so-yte",
            "prefect.resource.role": "body",
            "prefect.resource.name": "Sở Y tế",
        }.items() <= event["related"][0].items()
        assert event["related"][1] == {
            "prefect.resource.id": "dondoc.plan.lai-chau-pcmd-2021-2025",
            "prefect.resource.role": "plan",
            "prefect.resource.name": "Kế hoạch 3742/KH-UBND",
        }
        assert event["resource"]["prefect.resource.name"] == "V.6.1 · 6 tháng đầu năm 2025 · Sở Y tế"
    assert wait_for(lambda: events("dondoc.assignment.overdue"), timeout=60)
    escalated = wait_for(lambda: events("dondoc.assignment.escalated"), timeout=60)
    assert {e["payload"]["level"] for e in escalated} <= {1, 2}
    # The Event Feed filters by body through the related resource.
    page = api(
        prefect_api,
        "/events/filter",
        {"filter": {"event": {"prefix": ["dondoc."]}, "related": {"id": ["dondoc.body.so-yte"]}}, "limit": 50},
    )
    assert page["events"] and all(
        e["related"][0]["prefect.resource.id"] == "dondoc.body.so-yte" for e in page["events"]
    )


def test_automations_email_the_coordinators_when_a_flow_run_fails(plan_env, prefect_api, smtp, tmp_path):
    env = {**plan_env, "DONDOC_EMAIL_URL": smtp.url}
    serve = start_serve(env)
    try:
        wait_for(lambda: "coordinator-alert" in deployments_of(prefect_api))
        applied = [run_tool(env, "dondoc", "automations", "apply", timeout=120) for _ in range(2)]
        assert all(r.returncode == 0 for r in applied), applied[0].stderr
        assert applied[0].stdout == applied[1].stdout  # the same automations, updated in place
        names = sorted(a["name"] for a in api(prefect_api, "/automations/filter"))
        assert names == [
            "dondoc: lượt chạy mất tín hiệu",
            "dondoc: lượt chạy thất bại",
            "dondoc: tin nhắn liên tục không gửi được",
        ]

        fail_a_catalog_sync(env, tmp_path)
        coordinator = "daumoi@so-ldtbxh.dondoc.example"
        alert = wait_for(
            lambda: next(
                (
                    m
                    for m in smtp.received
                    if m.to == coordinator and m.subject.startswith("[dondoc] Lượt chạy catalog-sync")
                ),
                None,
            ),
            timeout=180,
            every=1,
        )
        assert "Failed" in alert.subject
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(60)


def test_a_sweep_killed_with_sigkill_is_marked_crashed_and_reported(plan_env, prefect_api, smtp, tmp_path):
    """A process killed mid-run reports nothing: its heartbeats stop, the automation marks the run
    Crashed, and the coordinators are told as for any crash."""
    env = {**plan_env, "DONDOC_EMAIL_URL": smtp.url, "PREFECT_FLOWS_HEARTBEAT_FREQUENCY": "30"}
    serve, silent = start_serve(env), SilentServer()
    try:
        wait_for(lambda: "coordinator-alert" in deployments_of(prefect_api))
        applied = run_tool(env, "dondoc", "automations", "apply", timeout=120)
        assert applied.returncode == 0, applied.stderr
        # The sweep hangs on a relay that never answers, as a real one would before it is killed.
        sweep = subprocess.Popen(
            [str(BIN / "dondoc"), "sweep", "--as-of", "2025-06-20T08:00"],
            cwd=ROOT,
            env={**env, "DONDOC_EMAIL_URL": silent.url + "&cto=600"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        def running_sweep() -> dict | None:
            runs = api(prefect_api, "/flow_runs/filter", {"flow_runs": {"state": {"type": {"any_": ["RUNNING"]}}}})
            return next((r for r in runs if r["name"].startswith("Lượt quét 08:00 ngày 20/06/2025")), None)

        run = wait_for(running_sweep, timeout=120)
        wait_for(
            lambda: api(
                prefect_api,
                "/events/filter",
                {
                    "filter": {
                        "event": {"name": ["prefect.flow-run.heartbeat"]},
                        "resource": {"id": [f"prefect.flow-run.{run['id']}"]},
                    },
                    "limit": 5,
                },
            )["events"],
            timeout=60,
        )
        sweep.kill()  # SIGKILL: nothing in the process can report
        sweep.wait(30)
        state = lambda: httpx.get(f"{prefect_api}/flow_runs/{run['id']}").json()["state_type"]  # noqa: E731
        assert state() == "RUNNING"  # nobody told the server
        assert wait_for(lambda: state() == "CRASHED", timeout=300, every=2)
        coordinator = "daumoi@so-ldtbxh.dondoc.example"
        alert = wait_for(
            lambda: next((m for m in smtp.received if m.to == coordinator and "daily-sweep" in m.subject), None),
            timeout=180,
            every=1,
        )
        assert "Crashed" in alert.subject
    finally:
        silent.close()
        serve.send_signal(signal.SIGTERM)
        serve.wait(60)


MIRRORS = """
import threading
from tasks.publish import mirror_events
def mirror():
    while mirror_events.fn(limit=25):  # until a claim finds nothing (or another mirror had it)
        pass
threads = [threading.Thread(target=mirror) for _ in range(4)]
for t in threads: t.start()
for t in threads: t.join()
"""


def test_four_mirrors_at_once_emit_each_audit_row_once(plan_env, prefect_api, env):
    from datetime import UTC, datetime

    from models.db import session_scope
    from models.operations.audit import claim_for_events, record_many

    first = 7_000_000  # resource ids of this test's own notifications
    with session_scope(env) as s:
        claim_for_events(s, limit=10**6)  # what loading the plan wrote is not this test's
    with session_scope(env) as s:
        record_many(
            s, "notification.failed", "notification", list(range(first, first + 300)), now=datetime.now(UTC), by=SYSTEM
        )
    mirrors = [subprocess.Popen([str(BIN / "python"), "-c", MIRRORS], cwd=ROOT, env=plan_env) for _ in range(2)]
    assert all(m.wait(300) == 0 for m in mirrors)

    def emitted() -> int:
        page = api(
            prefect_api,
            "/events/filter",
            {
                "filter": {
                    "event": {"name": ["dondoc.notification.failed"]},
                    "resource": {"id_prefix": ["dondoc.notification.7"]},
                    "occurred": {"since": "2000-01-01T00:00:00Z"},
                },
                "limit": 1,
            },
        )
        return page["total"]

    wait_for(lambda: emitted() >= 300, timeout=60)
    time.sleep(3)  # any duplicate would arrive with the others
    assert emitted() == 300


def test_the_report_flow_drafts_publishes_and_the_coordinators_digest_says_it_is_ready(plan_env, prefect_api):
    env = {**plan_env, "DONDOC_PORTAL_URL": "https://dondoc.laichau.gov.vn"}
    # The day it is scheduled for: the working day after the bodies' six-month deadline (17/06/2025).
    run = "from flows.report import draft_report; draft_report(as_of='2025-06-18T07:30:00+07:00')"
    drafted = run_tool(env, "python", "-c", run)
    assert drafted.returncode == 0, drafted.stderr
    folder = Path(env["DONDOC_HOME"]) / "reports" / "lai-chau-pcmd-2021-2025"
    names = ["bao-cao-2025-H1.docx", "bao-cao-2025-H1.html", "bao-cao-2025-H1.xlsx"]
    assert sorted(p.name for p in folder.iterdir()) == names
    (artifact,) = api(
        prefect_api,
        "/artifacts/filter",
        {"artifacts": {"key": {"any_": ["bao-cao-lai-chau-pcmd-2021-2025"]}}, "sort": "CREATED_DESC", "limit": 1},
    )
    text = artifact["data"]
    assert text.startswith("# Dự thảo báo cáo 6 tháng đầu năm 2025: Kế hoạch 3742/KH-UBND")
    for name in names:
        assert f"[{name}](https://dondoc.laichau.gov.vn/reports/lai-chau-pcmd-2021-2025/{name})" in text
    # Nothing was sent with figures: every target is missing, none is 0.
    assert "| II.1.a.1 | ≥ 70% | Thiếu số liệu | Thiếu số liệu |" in text and "| 0" not in text
    digest = run_tool(env, "dondoc", "digest", "--kind", "coordinator", "--as-of", "2025-06-22T08:00")
    assert digest.returncode == 0, digest.stderr
    assert "DỰ THẢO BÁO CÁO ĐÃ SẴN SÀNG" in digest.stdout
    assert "Báo cáo 6 tháng đầu năm 2025: dự thảo lập lúc 07:30 ngày 18/06/2025" in digest.stdout
    later = run_tool(env, "dondoc", "digest", "--kind", "coordinator", "--as-of", "2025-06-30T08:00")
    assert "DỰ THẢO BÁO CÁO" not in later.stdout  # said in the week it was drafted, not forever
