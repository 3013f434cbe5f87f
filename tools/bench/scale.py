"""`make bench-scale`: every province's plans on one PostgreSQL database, measured.

The national dataset (tools/bench/national.py) is generated twice: with its five years of history
and with eighteen months of it, the same items due on the sweep's day. On each, the steps of the
daily sweep, the weekly digests, the status board and the reports run in their own processes
(tools/bench/steps.py), each beside the bare SQL that selects the same rows. Messages go to a
local SMTP server and SMS gateway; Prefect is a real `prefect server start`. Then the sweep,
sharded by province, runs from a process work pool with 1, 2 and 4 workers, and the SMTP
server's log shows every message arrived once.

`--size ci` runs three provinces instead of 34 (CI's, a few minutes). Figures go to
bench/results.json (suite "bench-scale", or "bench-scale SIZE=ci") and one table.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx
import psycopg

from tests.servers import SMSGateway, SMTPServer, prefect_server
from tools.bench import national
from tools.bench.results import Figure, at_least, at_most, report

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
POOL = "dondoc-bench"
SHARDS = 8  # flow runs of one sweep: provinces dealt round-robin
WORKERS = (1, 2, 4)
PEAK_MB = 500
RUNS = {"national": ("national", "national-recent"), "ci": ("ci", "ci-recent")}


def measure(env: dict[str, str], url: str, step: str, *args: str) -> dict:
    """One step in a fresh process: its seconds, rows, SQL statements, API calls, peak memory."""
    done = subprocess.run(
        [sys.executable, "-m", "tools.bench.steps", url, step, *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode:
        raise RuntimeError(f"step {step} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def select(url: str, query: str, *params) -> list[tuple]:
    with psycopg.connect(url.replace("+psycopg", "")) as conn:
        return conn.execute(query, params).fetchall()


def reset_outbox(url: str) -> None:
    """Nothing queued or sent yet today (the generator writes no outbox rows)."""
    with psycopg.connect(url.replace("+psycopg", "")) as conn:
        conn.execute("DELETE FROM notification")


def run(size: str, *, advisory: bool = False) -> bool:
    big, recent = RUNS[size]
    figures: list[Figure] = []
    context: dict = {"size": size, "sweep_moment": national.NOW.isoformat(), "datasets": {}}
    smtp, gateway = SMTPServer(), SMSGateway()
    smtp.start()
    with tempfile.TemporaryDirectory() as home, prefect_server(Path(home) / "prefect") as api:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "DONDOC_"))}
        env |= {
            "DONDOC_HOME": f"{home}/dondoc",
            "DONDOC_EMAIL_URL": smtp.url,
            "DONDOC_SMS_URL": gateway.url,
            "PREFECT_API_URL": api,
            "PREFECT_HOME": f"{home}/client",
            "PREFECT_LOGGING_LEVEL": "WARNING",
        }
        urls = {}
        for name in (big, recent):
            print(f"generating {name} ...", flush=True)
            start = time.perf_counter()
            urls[name] = url = national.fresh_database(f"dondoc_scale_{name.replace('-', '_')}")
            rows = national.generate(url, national.SIZES[name])
            context["datasets"][name] = {"rows": rows, "generated_s": round(time.perf_counter() - start, 1)}
            env["DONDOC_DATABASE_URL"] = url
            section = f"sweep ({name})"
            print(f"measuring {name} ...", flush=True)
            bare, plan = measure(env, url, "bare", "plan"), measure(env, url, "plan")
            figures += [
                Figure(section, "assignments", rows["assignment"], "count"),
                Figure(section, "bare SQL rows (due items, then their contacts)", bare["rows"], "count"),
                Figure(section, "bare SQL", bare["seconds"], "s"),
                Figure(section, "plan: messages planned", plan["rows"], "count"),
                Figure(section, "plan", plan["seconds"], "s"),
                at_most(section, "plan / bare SQL", plan["seconds"] / bare["seconds"], "x", 2, "bare SQL"),
                Figure(section, "plan: SQL statements", plan["statements"], "count"),
                at_most(section, "plan: peak memory", plan["peak_mb"], "MB", PEAK_MB),
            ]
            sweep = measure(env, url, "sweep")
            figures += [
                Figure(section, "whole sweep as a flow", sweep["seconds"], "s"),
                Figure(section, "whole sweep: SQL statements", sweep["statements"], "count"),
                Figure(section, "whole sweep: Prefect API calls (besides log batches)", sweep["api_calls"], "count"),
                Figure(section, "whole sweep: log batches sent to the API", sweep["api_log_batches"], "count"),
                at_most(section, "whole sweep: peak memory", sweep["peak_mb"], "MB", PEAK_MB),
            ]
            context["datasets"][name] |= {"plan": plan, "bare_plan": bare, "sweep": sweep}
        calls = [context["datasets"][n]["sweep"]["api_calls"] for n in (big, recent)]
        figures.append(
            Figure(
                "sweep",
                "Prefect API calls, five years vs eighteen months",
                calls[0] - calls[1],
                "count",
                "= 0",
                calls[0] == calls[1],
            )
        )
        url = env["DONDOC_DATABASE_URL"] = urls[big]
        figures += _phase("steps", context, _steps, env, url, big, context)
        figures += _phase("body checks", context, _body_checks, env, url, big, context)
        figures += _phase("workers", context, _workers, env, url, api, smtp, context)
    smtp.stop()
    gateway.close()
    # Each size keeps its own last run in the results: CI's reduced run does not replace the country's.
    suite = "bench-scale" if size == "national" else f"bench-scale SIZE={size}"
    return report(suite, f"National scale on PostgreSQL ({size})", figures, context, advisory=advisory)


def _phase(name: str, context: dict, run, *args) -> list[Figure]:
    """A phase's figures; if it fails, the error in the results and a missed target, the other
    phases' figures kept."""
    try:
        return run(*args)
    except Exception as exc:
        context.setdefault("errors", {})[name] = f"{exc.__class__.__name__}: {exc}"[:4000]
        print(f"{name} failed: {exc}", file=sys.stderr)
        return [Figure(name, "finished without error", 0, "count", "= 1", False, check=True)]


def _steps(env: dict[str, str], url: str, name: str, context: dict) -> list[Figure]:
    """The sweep's steps one by one, the board, the digests and the reports, on the larger dataset."""
    out: list[Figure] = []
    reset_outbox(url)
    # Each step beside its twin, measured just before it on the same rows (enqueue's is the
    # planning's: it writes what the planning found).
    for step, twin in (("enqueue", "plan"), ("escalate", "escalate"), ("dispatch", "dispatch")):
        bare = measure(env, url, "bare", twin)
        m = measure(env, url, step)
        context["datasets"][name][step] = m | {"bare": bare}
        section = f"sweep step: {step}"
        out += [
            Figure(section, "rows", m["rows"], "count"),
            Figure(section, "time", m["seconds"], "s"),
            Figure(section, "bare SQL rows", bare["rows"], "count"),
            Figure(section, "bare SQL", bare["seconds"], "s"),
            Figure(section, "time / bare SQL", m["seconds"] / bare["seconds"], "x"),
            Figure(section, "SQL statements", m["statements"], "count"),
            at_most(section, "peak memory", m["peak_mb"], "MB", PEAK_MB),
        ]
    counts = measure(env, url, "bare", "counts")
    board = measure(env, url, "board")
    lists = measure(env, url, "bare", "digest-lists")
    figures = measure(env, url, "digest-figures")
    digests = measure(env, url, "digests")
    context["datasets"][name] |= {
        "bare_counts": counts,
        "board": board,
        "bare_digest_lists": lists,
        "digest_figures": figures,
        "digests": digests,
    }
    # A digest reads the counts and the items its lists show: its twin is both bare queries.
    bare_digest = counts["seconds"] + lists["seconds"]
    out += [
        Figure("board", "bare SQL: counts per plan, body and state", counts["seconds"], "s"),
        Figure("board", "every followed plan's board", board["seconds"], "s"),
        Figure("board", "board / bare SQL", board["seconds"] / counts["seconds"], "x"),
        at_most("board", "peak memory", board["peak_mb"], "MB", PEAK_MB),
        Figure("digests", "recipients (every coordinator and leader)", figures["rows"], "count"),
        Figure("digests", "bare SQL: the lists' items (a few per body), with their counts", lists["seconds"], "s"),
        Figure("digests", "bare SQL rows: the lists' items", lists["rows"], "count"),
        Figure("digests", "their figures (one build for every plan)", figures["seconds"], "s"),
        Figure("digests", "figures / bare counts alone", figures["seconds"] / counts["seconds"], "x"),
        at_most(
            "digests", "figures / bare SQL (counts and lists)", figures["seconds"] / bare_digest, "x", 3, "bare SQL"
        ),
        Figure("digests", "digests sent", digests["rows"], "count"),
        Figure("digests", "queue, build, chart, render and send them all", digests["seconds"], "s"),
        at_most("digests", "peak memory", digests["peak_mb"], "MB", PEAK_MB),
    ]
    for label, code in (("one province", "pcmd-2021-2025-p01"), ("the whole country", national.NATIONAL_PLAN)):
        bare = measure(env, url, "bare-report", code, "2024-12-15", "2025-12-14")
        built = measure(env, url, "report", code, "2025")
        context["datasets"][name][f"report {code}"] = {"bare": bare, "build": built}
        section = f"report 2025, {label}"
        out += [
            Figure(section, "lines", built["rows"], "count"),
            Figure(section, "bare SQL", bare["seconds"], "s"),
            Figure(section, "build", built["seconds"], "s"),
            Figure(section, "build / bare SQL", built["seconds"] / bare["seconds"], "x"),
            at_most(section, "peak memory", built["peak_mb"], "MB", PEAK_MB),
        ]
    return out


def _body_checks(env: dict[str, str], url: str, name: str, context: dict) -> list[Figure]:
    """The coordinators' view in the Prefect UI: each body's check (a flow run, a task run per
    item) for one province, with the CPU of each party; the country's is that per body times the
    bodies with a check."""
    before = _cpu()
    m = measure(env, url, "body-checks", "p01")
    used = {k: v - before.get(k, 0.0) for k, v in _cpu().items()}
    context["datasets"][name]["body checks p01"] = m | {"cpu": used}
    section, bodies = "body checks, one province", m["bodies_all"]
    cpu = m["cpu_s"] + used.get("prefect", 0.0) + used.get("postgres", 0.0)
    return [
        Figure(section, "bodies (flow runs)", m["bodies"], "count"),
        Figure(section, "items looked at (in the runs' tables)", m["items"], "count"),
        Figure(section, "task runs (the items to act on: overdue, returned, awaiting review)", m["rows"], "count"),
        Figure(section, "time, one after another", m["seconds"], "s"),
        Figure(section, "CPU: the checks' process", m["cpu_s"], "s"),
        Figure(section, "CPU: Prefect server", used.get("prefect", 0.0), "s"),
        Figure(section, "CPU: PostgreSQL", used.get("postgres", 0.0), "s"),
        Figure(section, "Prefect API calls (HTTP; task runs go as events)", m["api_calls"], "count"),
        at_most(section, "peak memory", m["peak_mb"], "MB", PEAK_MB),
        Figure("body checks, every body", "bodies with a check", bodies, "count"),
        Figure(
            "body checks, every body",
            "CPU of all parties (one province's per body, times the bodies)",
            cpu / m["bodies"] * bodies / 3600,
            "h",
        ),
    ]


def _workers(env: dict[str, str], url: str, api: str, smtp: SMTPServer, context: dict) -> list[Figure]:
    """The sweep's reminders, sharded by province over a process work pool: wall time with 1, 2
    and 4 workers, the CPU each party used, and each message received once."""
    out: list[Figure] = []
    child = env | {"PREFECT_WORKER_QUERY_SECONDS": "1"}
    subprocess.run(
        [str(BIN / "prefect"), "work-pool", "create", POOL, "--type", "process"],
        env=child,
        check=True,
        capture_output=True,
    )
    deploy = (
        "from prefect import flow; from flows.deployments import ROOT;"
        "print(flow.from_source(source=str(ROOT), entrypoint='flows/sweep.py:daily_sweep').deploy("
        f"'daily-sweep-shard', work_pool_name='{POOL}', build=False, push=False, print_next_steps=False))"
    )
    deployment = subprocess.run(
        [sys.executable, "-c", deploy], env=child, cwd=ROOT, check=True, capture_output=True, text=True
    )
    deployment_id = deployment.stdout.strip().splitlines()[-1]
    provinces = sorted(
        {code.rsplit("-", 1)[1] for (code,) in select(url, "SELECT code FROM body WHERE code ~ '-p[0-9]+$'")}
    )
    shards = [provinces[k::SHARDS] for k in range(SHARDS)]
    bodies = [
        [c for (c,) in select(url, "SELECT code FROM body WHERE split_part(code, '-', -1) = ANY(%s)", shard)]
        for shard in shards
    ]
    seconds: dict[int, float] = {}
    for n in WORKERS:
        reset_outbox(url)
        smtp.received.clear()
        before = _cpu()
        workers = [
            subprocess.Popen(
                [str(BIN / "prefect"), "worker", "start", "--pool", POOL, "--limit", "1", "--name", f"w{n}-{i}"],
                cwd=ROOT,
                env=child,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            for i in range(n)
        ]
        try:
            _wait_online(api, n)
            start = time.monotonic()
            runs = [_create_run(api, deployment_id, codes) for codes in bodies]
            states = _wait_done(api, runs)
            seconds[n] = time.monotonic() - start
            used = {k: v - before.get(k, 0.0) for k, v in _cpu(workers).items()}
        finally:
            _stop(workers)
        if states != ["COMPLETED"] * len(runs):
            raise RuntimeError(f"shard runs ended {Counter(states)}")
        sent = dict(
            select(
                url,
                "SELECT channel, count(DISTINCT recipient) FROM notification WHERE status = 'sent' GROUP BY channel",
            )
        )
        received = smtp.received_by()
        twice = sum(1 for c in received.values() if c > 1)
        section = f"workers: {n}"
        out += [
            Figure(section, f"{SHARDS} province shards", seconds[n], "s"),
            Figure(section, "emails received by the SMTP server", sum(received.values()), "count"),
            Figure(section, "addresses the outbox marks sent", sent.get("email", 0), "count"),
            Figure(section, "addresses that received a message twice", twice, "count", "= 0", twice == 0, check=True),
            Figure(
                section,
                "emails received = addresses marked sent (1: yes)",
                float(sum(received.values()) == sent.get("email", 0)),
                "count",
                "= 1",
                sum(received.values()) == sent.get("email", 0),
                check=True,
            ),
            Figure(section, "CPU: workers and their runs", used["workers"], "s"),
            Figure(section, "CPU: PostgreSQL", used["postgres"], "s"),
            Figure(section, "CPU: Prefect server", used["prefect"], "s"),
        ]
        context.setdefault("workers", {})[n] = {"seconds": seconds[n], "cpu": used, "emails": sum(received.values())}
    for n in WORKERS[1:]:
        out.append(Figure("workers", f"speed-up with {n} workers", seconds[1] / seconds[n], "x"))
    out.append(at_least("workers", "speed-up with 2 workers (2 cores)", seconds[1] / seconds[2], "x", 1.3))
    return out


def _stop(workers: list[subprocess.Popen], grace: float = 60) -> None:
    """SIGTERM to each worker's process group, then SIGKILL to any still there after `grace`
    seconds (at 34 provinces a worker once outlived its minute, and the phase was lost)."""
    for w in workers:
        os.killpg(w.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for w in workers:
        try:
            w.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(w.pid, signal.SIGKILL)
            w.wait(30)


def _create_run(api: str, deployment_id: str, bodies: list[str]) -> str:
    params = {"parameters": {"as_of": national.NOW.isoformat(), "bodies": bodies}}
    for pause in (1, 2, 5, 10, None):
        answer = httpx.post(f"{api}/deployments/{deployment_id}/create_flow_run", json=params, timeout=60)
        if answer.is_success:
            return answer.json()["id"]
        if pause is None:
            raise RuntimeError(f"creating a shard run: HTTP {answer.status_code} {answer.text[:500]}")
        time.sleep(pause)
    raise AssertionError


def _wait_online(api: str, n: int, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while True:
        found = httpx.post(f"{api}/work_pools/{POOL}/workers/filter", json={}).json()
        if sum(w["status"] == "ONLINE" and w["name"].startswith(f"w{n}-") for w in found) >= n:
            return
        if time.monotonic() > deadline:
            raise RuntimeError("the workers did not come online")
        time.sleep(0.5)


def _wait_done(api: str, runs: list[str], timeout: float = 3600) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        states = [httpx.get(f"{api}/flow_runs/{r}").json()["state"]["type"] for r in runs]
        if all(s in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED") for s in states):
            return states
        time.sleep(1)
    raise RuntimeError("the shard runs did not finish")


def _cpu(workers: list[subprocess.Popen] | None = None) -> dict[str, float]:
    """CPU seconds (user + system) used so far by PostgreSQL's processes, the Prefect server's, and
    the workers with their flow-run subprocesses (those alive now: a finished run's CPU is counted
    in its worker's children times)."""
    tick = os.sysconf("SC_CLK_TCK")
    out: Counter[str] = Counter()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        own, children = (int(fields[11]) + int(fields[12])) / tick, (int(fields[13]) + int(fields[14])) / tick
        if stat.split("(", 1)[1].startswith("postgres"):  # a backend that ended is in the server's children
            out["postgres"] += own + children
        elif "prefect server start" in cmdline or ("uvicorn" in cmdline and "prefect.server" in cmdline):
            out["prefect"] += own
        elif workers and "worker start --pool" in cmdline:
            out["workers"] += own + children
    return dict(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(RUNS), default="national")
    parser.add_argument(
        "--advisory",
        action="store_true",
        help="fail only on a correctness check or an error, not on a speed target (CI: a shared machine's timings)",
    )
    args = parser.parse_args()
    ok = run(args.size, advisory=args.advisory)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
