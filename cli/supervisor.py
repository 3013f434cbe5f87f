"""The process supervisor behind `dondoc local`, the main job on one machine: a real Prefect server
(its own PREFECT_HOME and SQLite, never the app's database), the portal and `dondoc serve`, as
background processes with logs and pid files under $DONDOC_HOME. Prefect's temporary server runs no
scheduler: the schedules need this one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Local:
    home: Path  # $DONDOC_HOME
    prefect_port: int = 4200
    portal_port: int = 8080

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.prefect_port}/api"

    @property
    def ui_url(self) -> str:
        return f"http://127.0.0.1:{self.prefect_port}"

    @property
    def portal_url(self) -> str:
        return f"http://127.0.0.1:{self.portal_port}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
        env.setdefault("PREFECT_HOME", str((self.home / "prefect").resolve()))
        env.update(PREFECT_API_URL=self.api_url, PREFECT_SERVER_ANALYTICS_ENABLED="false")
        env.setdefault("DONDOC_PORTAL_URL", self.portal_url)
        return env

    def _pid_file(self, name: str) -> Path:
        return self.home / "run" / f"{name}.pid"

    def running(self, name: str) -> int | None:
        try:
            pid = int(self._pid_file(name).read_text())
            os.kill(pid, 0)
            return pid
        except (FileNotFoundError, ValueError, ProcessLookupError, PermissionError):
            return None

    def start(self, name: str, args: list[str]) -> int:
        if pid := self.running(name):
            return pid
        (self.home / "run").mkdir(parents=True, exist_ok=True)
        (self.home / "log").mkdir(parents=True, exist_ok=True)
        with open(self.home / "log" / f"{name}.log", "ab") as log:
            proc = subprocess.Popen(
                args,
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )  # outlives `make run`
        self._pid_file(name).write_text(str(proc.pid))
        return proc.pid

    def wait(self, url: str, name: str, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if not self.running(name):
                raise RuntimeError(f"{name} stopped: see {self.home / 'log' / (name + '.log')}")
            time.sleep(0.5)
        raise RuntimeError(f"{name} did not answer at {url} in {timeout:.0f} s")

    def server(self) -> None:
        self.start(
            "prefect-server",
            [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(self.prefect_port)],
        )
        self.wait(f"{self.api_url}/health", "prefect-server")

    def apps(self) -> None:
        self.start("portal", [str(BIN / "dondoc"), "portal", "--port", str(self.portal_port)])
        self.start("serve", [str(BIN / "dondoc"), "serve"])
        self.wait(f"{self.portal_url}/healthz", "portal")

    def stop(self) -> list[str]:
        stopped = []
        for name in ("serve", "portal", "prefect-server"):
            if pid := self.running(name):
                os.killpg(pid, signal.SIGTERM)
                stopped.append(name)
            self._pid_file(name).unlink(missing_ok=True)
        return stopped
