"""Real servers for the tests: SMTP (aiosmtpd), an HTTP SMS gateway, the portal, a Prefect server."""

from __future__ import annotations

import asyncio
import email
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    to: str
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def part(self, subtype: str) -> str:
        return self.message.get_body((subtype,)).get_content()


@dataclass
class Fault:
    """What the SMTP server does at one stage: wait `delay` seconds (forever if `hang`), then
    answer `reply` ("451 4.7.1 Greylisted") or go on as usual; `store` keeps the message first
    (DATA only: delivered, then maybe never acknowledged); `times` limits it to the first n
    sessions that reach the stage."""

    reply: str | None = None
    hang: bool = False
    delay: float = 0
    store: bool = False
    times: int | None = None


class SMTPServer:
    """aiosmtpd on a free port. Addresses starting with "bad" are refused with 550. `faults` by
    stage (HELO, MAIL, RCPT, DATA: the end of the message) make it answer any code or hang."""

    STAGES = ("HELO", "MAIL", "RCPT", "DATA")

    def __init__(self):
        self.port = free_port()
        self.received: list[Received] = []
        self.faults: dict[str, Fault] = {}
        self.attempts: Counter = Counter()  # sessions that reached each stage
        self._lock = threading.RLock()
        self._controller: Controller | None = None

    def fault(
        self,
        stage: str,
        reply: str | None = None,
        *,
        hang: bool = False,
        delay: float = 0,
        store: bool = False,
        times: int | None = None,
    ) -> None:
        assert stage in self.STAGES, stage
        self.faults[stage] = Fault(reply, hang, delay, store, times)

    async def _at(self, stage: str, envelope=None) -> str | None:
        """The fault's answer at `stage`, if one applies now (after hanging, if it hangs)."""
        with self._lock:
            self.attempts[stage] += 1
            fault = self.faults.get(stage)
            if fault is None or fault.times == 0:
                return None
            if fault.times is not None:
                fault.times -= 1
            if fault.store:
                self._store(envelope)
        if fault.hang or fault.delay:
            await asyncio.sleep(3600 if fault.hang else fault.delay)  # a hang: the client's timeout ends it
        return fault.reply

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        if reply := await self._at("HELO"):
            session.refused = reply  # the client falls back to HELO: refused the same
            return [reply]
        session.host_name = hostname
        return responses

    async def handle_HELO(self, server, session, envelope, hostname):
        if reply := getattr(session, "refused", None):
            return reply
        session.host_name = hostname
        return f"250 {server.hostname}"

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if reply := await self._at("MAIL"):
            return reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if reply := await self._at("RCPT"):
            return reply
        if address.startswith("bad"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        fault = self.faults.get("DATA")
        stored = fault is not None and fault.store and fault.times != 0
        if reply := await self._at("DATA", envelope):
            return reply
        if not stored:
            self._store(envelope)
        return "250 OK"

    def _store(self, envelope) -> None:
        msg = email.message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            for to in envelope.rcpt_tos:
                self.received.append(Received(to, msg))

    def received_by(self) -> Counter:
        """How many copies each recipient got."""
        with self._lock:
            return Counter(r.to for r in self.received)

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller:
            self._controller.stop()
            self._controller = None

    def url_with(self, **params: str) -> str:
        """The Apprise URL, with extra parameters (cto=1: a one-second socket timeout)."""
        return self.url + "".join(f"&{k}={v}" for k, v in params.items())

    @property
    def url(self) -> str:
        return f"mailto://127.0.0.1:{self.port}?from=dondoc@laichau.dondoc.example&to={{email}}"


class SilentServer:
    """Accepts TCP connections and never says a word: a relay that has hung."""

    def __init__(self):
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port = self._sock.getsockname()[1]
        self.connections: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self.connections.append(conn)

    @property
    def url(self) -> str:
        return f"mailto://127.0.0.1:{self.port}?from=dondoc@laichau.dondoc.example&to={{email}}"

    def close(self) -> None:
        self._sock.close()
        for conn in self.connections:
            conn.close()


@dataclass
class SMSGateway:
    """A JSON SMS gateway. `mode`: "ok", "error-body" (200 with an error), "down" (HTTP 503)."""

    mode: str = "ok"
    received: list[dict] = field(default_factory=list)

    def __post_init__(self):
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if gateway.mode == "down":
                    self.send_response(503)
                    self.end_headers()
                    return
                if gateway.mode == "ok":
                    gateway.received.append(payload)
                    answer = {"status": "ok", "id": len(gateway.received)}
                else:
                    answer = {"status": "error", "error": "invalid sender"}
                body = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):  # keep the test output clean
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"jsonsms://127.0.0.1:{self._server.server_port}/sms?to={{phone}}&from=LAICHAU"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class Clock:
    """The portal's "now", moved by the test."""

    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


class PortalServer:
    """The portal app under a real uvicorn server, in a thread, on a free port."""

    def __init__(self, app, port: int):
        import uvicorn

        self.port = port
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
        )
        self._thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        import time

        self._thread.start()
        for _ in range(200):
            if self.server.started:
                return
            time.sleep(0.02)
        raise RuntimeError("the portal did not start")

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(10)


@contextmanager
def prefect_server(home: Path, *, timeout: float = 240, **settings: str) -> Iterator[str]:
    """A real `prefect server start` on a free port, with its own PREFECT_HOME (and `settings`,
    e.g. PREFECT_API_DATABASE_CONNECTION_URL); yields its API URL. The first start migrates its
    database: the timeout is generous."""
    import httpx

    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false", **settings)
    url = f"http://127.0.0.1:{port}/api"
    with open(home / "server.log", "wb") as log:
        proc = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("prefect")),
                "server",
                "start",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the Prefect server did not start: {(home / 'server.log').read_text()[-2000:]}")
                time.sleep(0.5)
            yield url
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(30)
