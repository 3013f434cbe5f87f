"""`make docs`: pictures of what people see, from a replayed half-year, to docs/*.png.

- The leadership digest of 4/7/2025 over the mixed half-year of tests/scenario.py (fictitious
  directory), written as HTML by `dondoc digest --html`: its first screen.
- A focal point's message of the day from the same replay, on a desktop and on a phone.
- The Prefect UI of a `make run`-like instance (`dondoc local`, on free ports): the dashboard of
  the bodies with overdue work, a body's check, the status board artifact, the deployments, the
  event feed.
All photographed by headless chromium (Debian's), with Debian's fonts for Vietnamese and emoji.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import httpx

ROOT = Path(__file__).resolve().parents[1]
DONDOC = Path(sys.executable).with_name("dondoc")
AS_OF = "2025-07-04T17:00"
PLAN_START = "2021-11-12"  # the replays follow the plan up from its start: every item is told


def main() -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("Debian's chromium is needed: apt-get install chromium")
    fonts()
    digest(chromium)
    prefect_ui(chromium)


# Debian's fonts with Vietnamese letters (the UI's own web fonts lack some of them: without a
# system font that has them, chromium draws "kim tra" for "kiểm tra") and colour emoji (the board
# marks a body with overdue work with a red circle).
FONTS = ("fonts-noto-core", "fonts-noto-color-emoji")


def fonts() -> None:
    """Install FONTS when missing (as root, with apt-get), else say how."""
    vietnamese = subprocess.run(["fc-list", ":lang=vi"], capture_output=True, text=True).stdout.strip()
    emoji = subprocess.run(["fc-list", ":charset=1f534"], capture_output=True, text=True).stdout.strip()
    if vietnamese and emoji:
        return
    if os.geteuid() != 0:
        raise SystemExit(f"fonts for the pictures are missing: sudo apt-get install {' '.join(FONTS)}")
    quiet = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "install", "-y", "-qq", *FONTS], check=True, env=quiet)


def prefect_ui(chromium: str) -> None:
    """The Prefect UI (V2, what the server opens) of a `make run`-like instance on free ports, at
    1280 px: the dashboard filtered on the bodies with overdue work, a body's check run with its
    red task runs, the board, the deployments, the event feed."""
    from cli.supervisor import Local
    from tests.servers import free_port

    with tempfile.TemporaryDirectory() as home:
        local = Local(Path(home), prefect_port=free_port(), portal_port=free_port())
        env = {
            **local.env(),
            "DONDOC_HOME": home,
            "DONDOC_DATABASE_URL": f"sqlite:///{home}/ui.sqlite3",
            "PREFECT_HOME": f"{home}/prefect",
        }
        os.environ.update(env)
        run = lambda *args: subprocess.run([str(DONDOC), *args], env=env, check=True, capture_output=True)  # noqa: E731
        try:
            local.server()
            run("init", "--notify-since", PLAN_START)
            run("directory", "import", str(ROOT / "config" / "directory.example.csv"))
            run("schedule", "--until", AS_OF[:10])
            from config.settings import get_settings
            from tests.scenario import mixed_half_year

            get_settings.cache_clear()
            mixed_half_year(env["DONDOC_DATABASE_URL"], datetime.fromisoformat(AS_OF).replace(tzinfo=get_settings().tz))
            run("sweep", "--as-of", AS_OF)
            # Now, while the sweep's events are the latest (once the server has them).
            _events(local.api_url)
            _photograph(chromium, local.ui_url, [("prefect-event-feed", "/events", None)], height=1600)
            local.apps()  # the portal and `dondoc serve`, on this instance's ports
            from flows.automations import apply

            apply()
            _checked(local.api_url)
            run("sweep", "--as-of", AS_OF)  # again: the board links to the check runs
            (board,) = httpx.post(
                f"{local.api_url}/artifacts/filter",
                json={
                    "artifacts": {"key": {"any_": ["bang-tinh-hinh-lai-chau-pcmd-2021-2025"]}},
                    "sort": "CREATED_DESC",
                    "limit": 1,
                },
            ).json()
            runs = httpx.post(
                f"{local.api_url}/flow_runs/filter", json={"flow_runs": {"name": {"like_": "Công an tỉnh"}}}
            ).json()
            overdue = quote(json.dumps(["quá hạn"], ensure_ascii=False))
            shots = [
                ("prefect-dashboard", f"/dashboard?tags={overdue}", None),
                ("prefect-board-artifact", f"/artifacts/artifact/{board['id']}", None),  # the worst first
                ("prefect-body-run", f"/runs/flow-run/{runs[0]['id']}", "Task Runs"),
                ("prefect-deployments", "/deployments", None),
            ]
            _photograph(chromium, local.ui_url, shots)
        finally:
            local.stop()


def _photograph(chromium: str, ui: str, shots: list[tuple[str, str, str | None]], height: int = 900) -> None:
    """Each (picture name, page of the V2 UI, tab to click first) to docs/<name>.png, 1280 px wide."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        tab = browser.new_page(viewport={"width": 1280, "height": height})
        for name, path, click in shots:
            tab.goto(f"{ui}/v2{path}")
            tab.wait_for_load_state("networkidle")
            if click:
                tab.get_by_role("tab", name=click).first.click()
                tab.wait_for_load_state("networkidle")
            time.sleep(3)  # the UI draws after its data arrives
            tab.screenshot(path=str(ROOT / "docs" / f"{name}.png"))
            print(f"wrote docs/{name}.png")
        browser.close()


def _events(api: str, timeout: float = 120) -> None:
    """Wait for the sweep's events (sent in the background, stored by the server a moment later)."""
    wanted = {"filter": {"event": {"prefix": ["dondoc."]}}, "limit": 1}
    deadline = time.monotonic() + timeout
    while not httpx.post(f"{api}/events/filter", json=wanted).json()["events"]:
        if time.monotonic() > deadline:
            raise SystemExit("the sweep's events did not reach the Prefect server")
        time.sleep(2)
    time.sleep(65)  # the rest of them, and a minute: the V2 feed reads up to the last whole minute


def _checked(api: str, timeout: float = 900) -> None:
    """Every body's check as of AS_OF, run by `dondoc serve` as the schedule would; waited for."""
    from config.settings import get_settings
    from flows.deployments import request_checks

    ids = request_checks(as_of=datetime.fromisoformat(AS_OF).replace(tzinfo=get_settings().tz))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = httpx.post(f"{api}/flow_runs/filter", json={"flow_runs": {"id": {"any_": ids}}, "limit": 200}).json()
        if all(r["state_type"] in ("COMPLETED", "FAILED", "CRASHED") for r in runs):
            return
        time.sleep(2)
    raise SystemExit(f"the body checks did not finish in {timeout:.0f} s")


def digest(chromium: str) -> None:
    """The leadership digest's first screen, and a focal point's message of the day on a desktop
    and a phone, from the same replayed half-year."""
    with tempfile.TemporaryDirectory() as home:
        env = {
            **os.environ,
            "DONDOC_HOME": home,
            "DONDOC_DATABASE_URL": f"sqlite:///{home}/docs.sqlite3",
            "DONDOC_PORTAL_URL": "https://dondoc.laichau.gov.vn",  # links as a real deployment's
        }
        env.pop("DONDOC_EMAIL_URL", None)  # the local outbox: the email is read back from its file
        run = lambda *args: subprocess.run([str(DONDOC), *args], env=env, check=True, capture_output=True)  # noqa: E731
        run("init", "--notify-since", PLAN_START)
        run("directory", "import", str(ROOT / "config" / "directory.example.csv"))
        run("schedule", "--until", AS_OF[:10])
        os.environ.update(env)
        from config.settings import get_settings
        from notifications.runtime import Runtime
        from tests.scenario import mixed_half_year

        get_settings.cache_clear()
        moment = datetime.fromisoformat(AS_OF).replace(tzinfo=get_settings().tz)
        mixed_half_year(env["DONDOC_DATABASE_URL"], moment)
        runtime = Runtime.from_settings(get_settings())
        runtime.escalate(moment)
        page = Path(home) / "digest.html"
        run("digest", "--as-of", AS_OF, "--html", str(page))
        runtime.enqueue(moment)
        runtime.dispatch(moment)
        letter = Path(home) / "email.html"
        letter.write_text(_daily_email(Path(home) / "outbox"), encoding="utf-8")
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            for source, name, size in (
                (page, "leadership-digest.png", (760, 1100)),  # the first screen: what is read in 30 s
                (letter, "email-desktop.png", (1024, 900)),
                (letter, "email-phone.png", (390, 844)),
            ):
                tab = browser.new_page(viewport={"width": size[0], "height": size[1]})
                tab.goto(source.as_uri())
                target = ROOT / "docs" / name
                target.parent.mkdir(exist_ok=True)
                tab.screenshot(path=str(target))
                tab.close()
                print(f"wrote {target.relative_to(ROOT)}")
            browser.close()


def _daily_email(outbox: Path) -> str:
    """The HTML part of the fullest message of the day to a focal point, as written to the local
    outbox (the example directory's focal points are daumoi@…)."""
    import email
    import email.policy

    letters = []
    for path in sorted(outbox.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if str(message["To"]).startswith("daumoi@") and str(message["Subject"]).startswith("V/v"):
            html = message.get_body(("html",)).get_content()
            letters.append((html.count("Xác nhận và nộp minh chứng"), html))
    if not letters:
        raise SystemExit(f"no message of the day to a focal point in {outbox}")
    return max(letters)[1]


if __name__ == "__main__":
    main()
