"""Dispatch rate: 2,000 emails to a local aiosmtpd server through dondoc, beside a raw smtplib loop
(one connection per message) and a naive loop building one Apprise object per message; then
against a relay that takes 50 ms to accept each message (a distant server, run in a process of its
own), at concurrency 1 and CONCURRENT."""

from __future__ import annotations

import multiprocessing
import smtplib
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.message import EmailMessage
from multiprocessing.synchronize import Event
from pathlib import Path

import apprise
from sqlmodel import select

from config import CONFIG_DIR
from models import migrate
from models.db import session_scope
from models.intake.catalog.load import catalog_paths, load_catalogs
from models.operations.catalog import sync_catalogs
from models.operations.directory import import_directory
from models.operations.schedule import materialize
from models.rules.policy import Policy
from models.tables.assignment import Assignment
from models.tables.notification import Notification
from models.tables.org import Contact
from notifications.channels import Channels
from notifications.runtime import Runtime
from tests.servers import SMTPServer

N = 2000
SLOW_N = 200  # messages to the slow relay, at each concurrency
LATENCY = 0.05  # seconds the slow relay takes before accepting a message
CONCURRENT = 8
NOW = datetime(2025, 6, 13, 1, 0, tzinfo=UTC)


def _prepare(url: str, calendar, n: int = N) -> None:
    migrate.upgrade(url)
    with session_scope(url) as s:
        sync_catalogs(s, load_catalogs(catalog_paths(CONFIG_DIR / "plans")), now=NOW)
        import_directory(s, CONFIG_DIR / "directory.example.csv", now=NOW)
        materialize(s, until=NOW.date(), now=NOW, calendar=calendar)
        contact = s.exec(select(Contact)).first()
        ids = list(s.exec(select(Assignment.id)))
        s.add_all(
            Notification(
                dedupe_key=f"bench{i}",
                kind="reminder",
                channel="email",
                recipient=f"u{i}@bench.dondoc.example",
                contact_id=contact.id,
                assignment_id=ids[i % len(ids)],
                step="T-1",
                status="pending",
                next_attempt_at=NOW,
                created_at=NOW,
            )
            for i in range(n)
        )


def _dondoc(smtp_url: str, n: int, concurrency: int = 1) -> float:
    """Messages per second through `dondoc dispatch` (render, Apprise, outbox), `n` of them."""
    with tempfile.TemporaryDirectory() as home:
        url = f"sqlite:///{home}/bench.sqlite3"
        rt = Runtime.from_settings()
        _prepare(url, rt.calendar, n)
        policy = Policy.from_file(CONFIG_DIR / "policy.yaml")
        policy = policy.model_copy(update={"delivery": policy.delivery.model_copy(update={"concurrency": concurrency})})
        rt = Runtime(
            url=url,
            tz=rt.tz,
            calendar=rt.calendar,
            policy=policy,
            channels=Channels(email_url=smtp_url, sms_url=None, outbox_dir=Path(home)),
            templates=None,
        )
        start = time.perf_counter()
        counts = rt.dispatch(NOW)
        seconds = time.perf_counter() - start
        assert counts["sent"] == n, counts
    return n / seconds


def _relay(latency: float, url: multiprocessing.Queue, stop: Event) -> None:
    server = SMTPServer()
    server.fault("DATA", delay=latency)  # then accepts, as usual
    server.start()
    url.put(server.url)
    stop.wait()
    server.stop()


@contextmanager
def distant_relay(latency: float) -> Iterator[str]:
    """The Apprise URL of an SMTP server that takes `latency` seconds to accept each message, in
    a process of its own, as a distant relay is: its work does not share this process's GIL."""
    context = multiprocessing.get_context("spawn")
    url, stop = context.Queue(), context.Event()
    process = context.Process(target=_relay, args=(latency, url, stop), daemon=True)
    process.start()
    try:
        yield url.get(timeout=60)
    finally:
        stop.set()
        process.join(30)


def run() -> list[tuple[str, float]]:
    smtp = SMTPServer()
    smtp.start()
    try:
        dondoc = _dondoc(smtp.url, N)
        assert len(smtp.received) == N
        html = "<p>" + "Nội dung nhắc việc. " * 40 + "</p>"
        start = time.perf_counter()
        for i in range(N):
            msg = EmailMessage()
            msg["Subject"], msg["From"], msg["To"] = (
                "[Nhắc việc] V.1.1 – hạn 18/06/2025",
                "dondoc@x.example",
                f"r{i}@x.example",
            )
            msg.set_content("Nội dung nhắc việc. " * 40)
            msg.add_alternative(html, subtype="html")
            with smtplib.SMTP("127.0.0.1", smtp.port) as conn:
                conn.send_message(msg)
        raw = time.perf_counter() - start

        start = time.perf_counter()
        for i in range(N):
            client = apprise.Apprise()
            client.add(smtp.url.replace("{email}", f"n{i}@x.example"))
            assert client.notify(body=html, title="[Nhắc việc] V.1.1 – hạn 18/06/2025", body_format="html")
        naive = time.perf_counter() - start
    finally:
        smtp.stop()
    with distant_relay(LATENCY) as relay:
        one, many = _dondoc(relay, SLOW_N, 1), _dondoc(relay, SLOW_N, CONCURRENT)
    return [
        ("dondoc dispatch (render + Apprise + outbox)", dondoc),
        ("raw smtplib, one connection per message", N / raw),
        ("naive Apprise object per message, no outbox", N / naive),
        (f"dondoc, relay answering in {LATENCY * 1000:.0f} ms, concurrency 1", one),
        (f"dondoc, relay answering in {LATENCY * 1000:.0f} ms, concurrency {CONCURRENT}", many),
    ]
