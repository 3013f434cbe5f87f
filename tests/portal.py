"""A running portal for tests, with helpers to act as a focal point or a coordinator."""

from __future__ import annotations

import re
import time
from datetime import date, datetime
from pathlib import Path

import httpx
from sqlmodel import select

from config.settings import Settings
from models.db import session_scope
from models.operations.audit import SYSTEM
from models.operations.links import Links, issue
from models.tables.assignment import Assignment
from models.tables.link import Purpose
from models.tables.org import Body, Contact
from models.tables.plan import Duty
from portal.app import create_app
from tests.clock import TZ
from tests.dues import H1
from tests.servers import Clock, PortalServer, Received

START = datetime(2025, 6, 10, 9, 0, tzinfo=TZ)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class Portal:
    def __init__(self, settings: Settings, port: int, smtp):
        self.settings, self.smtp = settings, smtp
        self.clock = Clock(START)
        self.app = create_app(settings, clock=self.clock)
        self.server = PortalServer(self.app, port)
        self.links = Links.from_settings(settings)

    def start(self) -> None:
        self.server.start()

    def stop(self) -> None:
        self.server.stop()

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def db(self) -> str:
        return self.settings.db_url

    def assignment(self, body: str = "so-yte", due: date = H1, ref: str | None = None) -> int:
        """A body's assignment due on `due` (by default the 2025 six-month report's date)."""
        with session_scope(self.db) as s:
            query = (
                select(Assignment.id)
                .join(Body, Body.id == Assignment.body_id)
                .join(Duty, Duty.id == Assignment.duty_id)
                .where(Body.code == body, Assignment.due == due)
            )
            if ref:
                query = query.where(Duty.ref == ref)
            return s.exec(query.order_by(Duty.position)).first()

    def contact_id(self, email: str) -> int:
        with session_scope(self.db) as s:
            return s.exec(select(Contact.id).where(Contact.email == email)).one()

    def link(
        self, assignment_id: int, contact_id: int | None = None, *, purpose: Purpose = Purpose.confirm, days: int = 30
    ) -> str:
        with session_scope(self.db) as s:
            return self.links.url(
                issue(s, assignment_id, purpose, now=self.clock.now, days=days, contact_id=contact_id, by=SYSTEM)
            )

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, follow_redirects=False, timeout=30)

    @staticmethod
    def csrf(html: str) -> str:
        return CSRF.search(html).group(1)

    def submit(
        self, client: httpx.Client, url: str, *, files: list[tuple[str, bytes]] = (), **fields
    ) -> httpx.Response:
        page = client.get(url)
        data = {"csrf": self.csrf(page.text), **fields}
        parts = [("files", (name, content, "application/octet-stream")) for name, content in files]
        # As a browser does: what the page then shows is the receipt the submission redirects to.
        return client.post(url, data=data, files=parts or None, follow_redirects=True)

    def login(self, client: httpx.Client, email: str, password: str) -> httpx.Response:
        page = client.get("/login")
        return client.post("/login", data={"csrf": self.csrf(page.text), "email": email, "password": password})

    def mail(self, to: str, subject: str, timeout: float = 15) -> Received:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for r in self.smtp.received:
                if r.to == to and subject in r.subject:
                    return r
            time.sleep(0.05)
        raise AssertionError(f"no email '{subject}' to {to}; got {[(r.to, r.subject) for r in self.smtp.received]}")

    def evidence_dir_entries(self) -> list[Path]:
        d = self.settings.evidence_dir
        return sorted(d.iterdir()) if d.exists() else []


def raw_multipart(fields: dict[str, str], files: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    """A multipart body written byte by byte, filenames as given (httpx would escape a NUL)."""
    boundary = "dondoc-raw-boundary"
    out = b""
    for name, value in fields.items():
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    for filename, content in files:
        out += (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{filename}"\r\n'
                "Content-Type: application/pdf\r\n\r\n"
            ).encode()
            + content
            + b"\r\n"
        )
    return out + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"
