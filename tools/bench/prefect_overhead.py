"""The Prefect overhead of one daily sweep at 1k and 100k assignments (the same 1,000 due in
both): task runs, HTTP calls to the API, events, wall time. Against a real `prefect server
start`; each sweep in a fresh process. The per-assignment work is SQL and the dispatcher's, so
what Prefect costs must not grow with the number of assignments."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

from tests.servers import prefect_server
from tools.bench.planning import _build

DUE = 1_000

MEASURE = """
import json, sys, time
import httpx
calls = 0  # the run's log batches apart: they follow how long it runs (one every few seconds)
send, asend = httpx.Client.send, httpx.AsyncClient.send
def counted(self, request, **kw):
    global calls; calls += not request.url.path.endswith("/logs/"); return send(self, request, **kw)
async def acounted(self, request, **kw):
    global calls; calls += not request.url.path.endswith("/logs/"); return await asend(self, request, **kw)
httpx.Client.send, httpx.AsyncClient.send = counted, acounted
from datetime import datetime, timezone
from flows.sweep import daily_sweep
start = time.perf_counter()
state = daily_sweep(as_of=datetime(2025, 6, 13, 1, 0, tzinfo=timezone.utc), return_state=True)
seconds = time.perf_counter() - start
print(json.dumps({"calls": calls, "seconds": seconds, "flow_run": str(state.state_details.flow_run_id),
                  "result": state.result()}))
"""


def run() -> list[dict]:
    results = []
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "DONDOC_"))}
    with tempfile.TemporaryDirectory() as home, prefect_server(Path(home) / "server") as api:
        for total in (1_000, 100_000):
            path = f"{home}/sweep-{total}.sqlite3"
            url = f"sqlite:///{path}"
            _build(url, path, total, due_count=DUE, contacts=False)  # no contacts: nothing sent, Prefect alone
            child = {
                **env,
                "PREFECT_API_URL": api,
                "PREFECT_HOME": f"{home}/client",
                "DONDOC_DATABASE_URL": url,
                "DONDOC_HOME": f"{home}/home-{total}",
            }
            out = subprocess.run([sys.executable, "-c", MEASURE], env=child, capture_output=True, text=True)
            if out.returncode:
                raise RuntimeError(out.stderr[-3000:])
            measured = json.loads(out.stdout.strip().splitlines()[-1])
            tasks = httpx.post(
                f"{api}/task_runs/filter", json={"flow_runs": {"id": {"any_": [measured["flow_run"]]}}, "limit": 200}
            ).json()
            results.append(
                {
                    "total": total,
                    "task_runs": len(tasks),
                    "calls": measured["calls"],
                    "seconds": measured["seconds"],
                    "events": measured["result"]["events"],
                }
            )
    return results
