"""The running portal under 20 concurrent clients: p95 latency of the assignment page and of a
5 MB upload, and the portal process's peak memory, which must not grow with file size × clients.

The portal runs as `dondoc portal --workers 2` (uvicorn, one process per core, SQLite) in its own
processes, so its memory is its own; the clients are httpx in this process.

Two loads. People: each client reads a page for a moment before the next (THINK seconds, at
random), twenty at once: the targets are for this. Saturation: each client asks again as soon as
it is answered, so the latency is the queue (Little's law: clients / throughput); it measures
the throughput, and whether the tail stays near the median (a lock convoy would not).
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from config import CONFIG_DIR
from tests.portal import raw_multipart
from tests.servers import free_port

CLIENTS = 20
WORKERS = 2  # portal processes: this machine's cores
THINK = (0.2, 1.0)  # seconds a person looks at a page or a receipt before the next
PAGES_PER_CLIENT = 25
UPLOADS_PER_CLIENT = 3
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
DONDOC = Path(sys.executable).with_name("dondoc")


def peak_rss_mb(pid: int) -> float:
    """VmHWM: the process's peak resident memory so far."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def make_links(env: dict[str, str], count: int) -> list[str]:
    """`count` fresh links to open assignments, one per upload (a submission spends its link)."""
    os.environ.update(env)
    from sqlmodel import select

    from config.settings import get_settings
    from models.db import session_scope
    from models.operations.audit import SYSTEM
    from models.operations.links import Links, issue
    from models.tables.assignment import Assignment
    from models.tables.link import Purpose

    get_settings.cache_clear()
    settings = get_settings()
    links = Links.from_settings(settings)
    now = datetime.now(UTC)
    with session_scope(settings.db_url) as s:
        ids = list(s.exec(select(Assignment.id).order_by(Assignment.id).limit(count)))
        return [links.url(issue(s, i, Purpose.confirm, now=now, days=1, contact_id=None, by=SYSTEM)) for i in ids]


async def client_run(
    links: list[str], *, pages: int, payload: bytes | None, think: bool
) -> tuple[list[float], list[float]]:
    page_times, upload_times = [], []
    rng = random.Random(len(links) and links[0])

    async def pause() -> None:
        if think:
            await asyncio.sleep(rng.uniform(*THINK))

    async with httpx.AsyncClient(timeout=120) as c:
        await pause()  # the clients do not all start in the same millisecond
        for i in range(pages):
            start = time.perf_counter()
            r = await c.get(links[i % len(links)])
            page_times.append(time.perf_counter() - start)
            r.raise_for_status()
            await pause()
        if payload is not None:
            for url in links:
                csrf = CSRF.search((await c.get(url)).text).group(1)
                # The body made before the clock starts, as a browser has it before it sends: the
                # twenty clients share this process's one event loop and its two cores with the
                # portal, and httpx's encoding of a 5 MB part costs tens of milliseconds of CPU.
                body, content_type = raw_multipart({"csrf": csrf, "note": "bench"}, [("bao-cao.pdf", payload)])
                start = time.perf_counter()
                r = await c.post(url, content=body, headers={"content-type": content_type})
                upload_times.append(time.perf_counter() - start)
                # A submission answers with the way to its receipt (post, redirect, get).
                if r.status_code != 303 or "/receipt/" not in r.headers.get("location", ""):
                    raise RuntimeError(f"upload answered {r.status_code}: {r.text[:200]}")
                await pause()
    return page_times, upload_times


async def load(
    links: list[str], *, pages: int, payload: bytes | None, think: bool = True
) -> tuple[list[float], list[float]]:
    per = len(links) // CLIENTS
    results = await asyncio.gather(
        *(client_run(links[k * per : (k + 1) * per], pages=pages, payload=payload, think=think) for k in range(CLIENTS))
    )
    return [t for p, _ in results for t in p], [t for _, u in results for t in u]


def _processes(pid: int) -> list[int]:
    """The server's worker processes (uvicorn's supervisor forks one per --workers)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(c) for c in children] or [pid]


def run() -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as home:
        port = free_port()
        env = {
            **os.environ,
            "DONDOC_HOME": home,
            "DONDOC_DATABASE_URL": f"sqlite:///{home}/bench.sqlite3",
            "DONDOC_PORTAL_URL": f"http://127.0.0.1:{port}",
            "DONDOC_MAX_FILE_MB": "20",
        }
        env.pop("DONDOC_EMAIL_URL", None)  # receipts go to the local outbox
        for args in (
            ["init"],
            ["directory", "import", str(CONFIG_DIR / "directory.example.csv")],
            ["schedule", "--until", "2025-12-31"],
        ):
            subprocess.run([str(DONDOC), *args], env=env, check=True, capture_output=True)
        links = make_links(env, CLIENTS * (5 + 1 + UPLOADS_PER_CLIENT))
        page_links, one_mb, five_mb = links[: CLIENTS * 5], links[CLIENTS * 5 : CLIENTS * 6], links[CLIENTS * 6 :]
        server = subprocess.Popen(
            [str(DONDOC), "portal", "--port", str(port), "--workers", str(WORKERS)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(400):
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.05)
            time.sleep(2)  # every worker up, not only the first to answer
            workers = _processes(server.pid)
            base = max(rss_mb(w) for w in workers)

            def measured(case: str, times: list[float], seconds: float) -> dict:
                return {
                    "case": case,
                    "n": len(times),
                    "p50": statistics.median(times),
                    "p95": p95(times),
                    "per_second": len(times) / seconds,
                    "peak": max(peak_rss_mb(w) for w in workers),
                    "base": base,
                }

            for case, think in (
                (f"assignment page, {CLIENTS} people", True),
                (f"assignment page, {CLIENTS} clients, no pause (saturation)", False),
            ):
                start = time.perf_counter()
                page_times, _ = asyncio.run(load(page_links, pages=PAGES_PER_CLIENT, payload=None, think=think))
                rows.append(measured(case, page_times, time.perf_counter() - start))
            # 1 MB first, then 5 MB: if the portal held files in memory, the peak would grow ~5×.
            for size_mb, chunk in ((1, one_mb), (5, five_mb)):
                payload = b"%PDF-1.4\n" + os.urandom(size_mb * 1024 * 1024) + b"\n%%EOF\n"  # complete, or refused
                start = time.perf_counter()
                _, upload_times = asyncio.run(load(chunk, pages=0, payload=payload))
                rows.append(
                    measured(f"{size_mb} MB upload, {CLIENTS} people", upload_times, time.perf_counter() - start)
                )
        finally:
            server.terminate()
            server.wait(30)
    return rows
