"""Real servers for the tests: SMTP (aiosmtpd), an HTTP SMS gateway, the portal, a Prefect server."""
from __future__ import annotations

import email
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
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


class SMTPServer:
    """aiosmtpd on a free port. Addresses starting with "bad" are refused with 550."""

    def __init__(self):
        self.port = free_port()
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("bad"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            for to in envelope.rcpt_tos:
                self.received.append(Received(to, msg))
        return "250 OK"

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller:
            self._controller.stop()
            self._controller = None

    @property
    def url(self) -> str:
        return f"mailto://127.0.0.1:{self.port}?from=dondoc@laichau.dondoc.example&to={{email}}"


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
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                                    lifespan="off"))
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
        proc = subprocess.Popen([str(Path(sys.executable).with_name("prefect")), "server", "start", "--host",
                                 "127.0.0.1", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
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
