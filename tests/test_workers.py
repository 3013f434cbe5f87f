"""Scale-out: the flows run unchanged from a Prefect work pool served by two process workers,
with Prefect's database and dondoc's both on PostgreSQL. Two sweep shards for different bodies
run at once, with dispatchers that may claim each other's rows: each message is sent once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlmodel import select

from models.db import get_engine, session_scope
from models.tables.notification import Notification
from tests.cli import load_example
from tests.servers import prefect_server

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
POOL = "dondoc-test"
AS_OF = "2025-06-13T08:00:00+07:00"
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("db_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True),
]


@pytest.fixture
def prefect_on_postgres(postgres_admin, tmp_path):
    """A real Prefect server whose own database is a fresh PostgreSQL database."""
    name = f"prefect_test_{uuid.uuid4().hex[:10]}"
    admin = get_engine(postgres_admin).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    host = postgres_admin.split("@", 1)[1].rsplit("/", 1)[0]
    user = postgres_admin.split("//", 1)[1].split("@", 1)[0]
    try:
        with prefect_server(
            tmp_path / "server-home", PREFECT_API_DATABASE_CONNECTION_URL=f"postgresql+asyncpg://{user}@{host}/{name}"
        ) as url:
            yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_two_workers_run_shards_at_once_and_send_each_message_once(env, prefect_on_postgres, smtp, tmp_path):
    load_example("2025-06-13")
    child = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    child.update(
        PREFECT_API_URL=prefect_on_postgres,
        PREFECT_HOME=str(tmp_path / "client-home"),
        PREFECT_WORKER_QUERY_SECONDS="1",
        DONDOC_EMAIL_URL=smtp.url,
    )

    def run(*args: str) -> str:
        done = subprocess.run(args, cwd=ROOT, env=child, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    run(str(BIN / "prefect"), "work-pool", "create", POOL, "--type", "process")
    assert "trong work pool" in run(str(BIN / "dondoc"), "deploy", "--pool", POOL)
    workers = [
        subprocess.Popen(
            [str(BIN / "prefect"), "worker", "start", "--pool", POOL, "--limit", "1", "--name", f"worker-{i}"],
            cwd=ROOT,
            env=child,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for i in (1, 2)
    ]
    try:

        def online() -> int:
            found = httpx.post(f"{prefect_on_postgres}/work_pools/{POOL}/workers/filter", json={}).json()
            return sum(w["status"] == "ONLINE" for w in found)

        deadline = time.monotonic() + 120
        while online() < 2:  # both polling before the runs exist, or one would take both in turn
            assert time.monotonic() < deadline, "the workers did not come online"
            time.sleep(0.5)
        deployment = httpx.get(f"{prefect_on_postgres}/deployments/name/daily-sweep/daily-sweep-shard").json()
        halves = (
            ["so-yte", "cong-an", "so-ldtbxh", "so-vhttdl", "so-gddt", "dai-ptth", "bao-laichau"],
            ["so-tttt", "so-tuphap", "so-taichinh", "bdbp", "hlhpn", "hoi-nong-dan", "ldld"],
        )
        runs = [
            httpx.post(
                f"{prefect_on_postgres}/deployments/{deployment['id']}/create_flow_run",
                json={"parameters": {"as_of": AS_OF, "bodies": half}},
            ).json()["id"]
            for half in halves
        ]
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            states = [httpx.get(f"{prefect_on_postgres}/flow_runs/{r}").json()["state"]["type"] for r in runs]
            if all(s in ("COMPLETED", "FAILED", "CRASHED") for s in states):
                break
            time.sleep(1)
        assert states == ["COMPLETED", "COMPLETED"], [
            httpx.get(f"{prefect_on_postgres}/flow_runs/{r}").json()["state"]["message"] for r in runs
        ]
        details = [httpx.get(f"{prefect_on_postgres}/flow_runs/{r}").json() for r in runs]
        assert {d["work_pool_name"] for d in details} == {POOL}

        # Each worker took one shard. Both were polling before the runs existed and each takes one
        # run at a time (--limit 1), so the shards ran side by side. The workers' own events say
        # which took which; start and end times would not: a run starts only once its subprocess
        # has imported Prefect, seconds after the worker took it on a loaded machine.
        def takers() -> dict[str, str]:
            found = httpx.post(
                f"{prefect_on_postgres}/events/filter",
                json={"filter": {"event": {"name": ["prefect.worker.submitted-flow-run"]}}, "limit": 50},
            ).json()["events"]
            return {
                r["prefect.resource.id"]: e["resource"]["prefect.resource.name"]
                for e in found
                for r in e["related"]
                if r["prefect.resource.role"] == "flow-run"
            }

        deadline = time.monotonic() + 60
        while len(took := takers()) < 2 and time.monotonic() < deadline:
            time.sleep(1)
        assert sorted(took.get(f"prefect.flow-run.{r}", "") for r in runs) == ["worker-1", "worker-2"], took
    finally:
        for w in workers:
            os.killpg(w.pid, signal.SIGTERM)
        for w in workers:
            try:
                w.wait(30)
            except subprocess.TimeoutExpired:  # a worker slow to shut down on a loaded machine
                os.killpg(w.pid, signal.SIGKILL)
                w.wait(30)
    with session_scope(env) as s:
        rows = s.exec(select(Notification).where(Notification.channel == "email")).all()
    assert rows and {r.status for r in rows} == {"sent"}
    # Nothing twice: each person's rows of the day went in one message, by whichever shard sent it.
    sent = Counter(m.to for m in smtp.received)
    assert len(smtp.received) == len({r.recipient for r in rows}) and max(sent.values()) == 1
    # Both shards sent (Sở TT&TT ended on 28/02/2025 in the organisation history: its shard's
    # messages go to the bodies still active).
    recipients = {r.recipient for r in rows}
    assert "daumoi@so-yte.dondoc.example" in recipients
    assert recipients & {f"daumoi@{code}.dondoc.example" for code in halves[1]}
