"""Dispatch rate: 2,000 emails to a local aiosmtpd server through dondoc, beside a raw smtplib loop
(one connection per message) and a naive loop building one Apprise object per message."""

from __future__ import annotations

import smtplib
import tempfile
import time
from datetime import UTC, datetime
from email.message import EmailMessage
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
NOW = datetime(2025, 6, 13, 1, 0, tzinfo=UTC)


def _prepare(url: str, calendar) -> None:
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
            for i in range(N)
        )


def run() -> list[tuple[str, float]]:
    smtp = SMTPServer()
    smtp.start()
    try:
        with tempfile.TemporaryDirectory() as home:
            url = f"sqlite:///{home}/bench.sqlite3"
            rt = Runtime.from_settings()
            _prepare(url, rt.calendar)
            rt = Runtime(
                url=url,
                tz=rt.tz,
                calendar=rt.calendar,
                policy=Policy.from_file(CONFIG_DIR / "policy.yaml"),
                channels=Channels(email_url=smtp.url, sms_url=None, outbox_dir=Path(home)),
                templates=None,
            )
            start = time.perf_counter()
            counts = rt.dispatch(NOW)
            dondoc = time.perf_counter() - start
            assert counts["sent"] == N and len(smtp.received) == N, counts

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
    return [
        ("dondoc dispatch (render + Apprise + outbox)", N / dondoc),
        ("raw smtplib, one connection per message", N / raw),
        ("naive Apprise object per message, no outbox", N / naive),
    ]
