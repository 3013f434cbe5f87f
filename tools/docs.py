"""`make docs`: pictures of what people see, from a replayed half-year, to docs/*.png.

- The leadership digest of 4/7/2025 over the mixed half-year of tests/scenario.py (fictitious
  directory), written as HTML by `dondoc digest --html`: its first screen.
- A focal point's message of the day from the same replay, on a desktop and on a phone.
- The Prefect UI of a `make run`-like instance (`dondoc local`, on free ports): the dashboard of
  the bodies with overdue work, a body's check, the status board artifact, the deployments, the
  event feed.
- A focal point's page in the portal, from a reminder's signed link, on a phone.
- The consolidated six-month report's first two pages (`dondoc report --format pdf`, laid out by
  LibreOffice) over a half-year of submissions like tests/test_report.py's, a little richer.
All photographed by headless chromium (Debian's), with Debian's fonts for Vietnamese and emoji,
but the report: the PDF's pages drawn by pdftoppm. `python -m tools.docs report` (or digest,
prefect) makes one step's pictures only.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import httpx

ROOT = Path(__file__).resolve().parents[1]
DONDOC = Path(sys.executable).with_name("dondoc")
AS_OF = "2025-07-04T17:00"
PLAN_START = "2021-11-12"  # the replays follow the plan up from its start: every item is told


def main() -> None:
    """Every step's pictures, or those of the steps named on the command line."""
    steps = sys.argv[1:] or list(STEPS)
    if unknown := [name for name in steps if name not in STEPS]:
        raise SystemExit(f"no step {', '.join(unknown)}: the steps are {', '.join(STEPS)}")
    if {"digest", "prefect", "portal"} & set(steps):
        _chromium()  # checked before installing anything: the one need this tool leaves to you
    system_packages()
    for name in steps:
        started = time.monotonic()
        STEPS[name]()
        print(f"{name}: {time.monotonic() - started:.0f} s")


def _chromium() -> str:
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("Debian's chromium is needed: apt-get install chromium")
    return chromium


def _font(pattern: str) -> bool:
    return bool(subprocess.run(["fc-list", pattern], capture_output=True, text=True).stdout.strip())


def _office() -> bool:
    from notifications.report.files import office

    return office() is not None


# Debian's packages the pictures need, each with how to tell it is there:
# - fonts with Vietnamese letters (the UI's own web fonts lack some of them: without a system font
#   that has them, chromium draws "kim tra" for "kiểm tra") and colour emoji (the board marks a
#   body with overdue work with a red circle);
# - LibreOffice's Writer (the report's PDF is its layout of the DOCX) and pdftoppm (its pages as
#   pictures);
# - Liberation Serif, LibreOffice's stand-in for the report's Times New Roman (the same widths,
#   so the same line breaks as in Word): version 2 (fonts-liberation2), as version 1
#   (fonts-liberation) has no Vietnamese letters and LibreOffice would take them from another font.
PACKAGES: dict[str, Callable[[], bool]] = {
    "fonts-noto-core": lambda: _font(":lang=vi"),
    "fonts-noto-color-emoji": lambda: _font(":charset=1f534"),
    "fonts-liberation2": lambda: _font("Liberation Serif:lang=vi"),
    "libreoffice-writer-nogui": _office,
    "poppler-utils": lambda: shutil.which("pdftoppm") is not None,
}


def system_packages() -> None:
    """Install the PACKAGES missing (as root, with apt-get), else say how."""
    missing = [name for name, present in PACKAGES.items() if not present()]
    if not missing:
        return
    if os.geteuid() != 0:
        raise SystemExit(f"packages for the pictures are missing: sudo apt-get install {' '.join(missing)}")
    quiet = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True, env=quiet)


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
        # Links as a real deployment's; the email is read back from the local outbox's file.
        env, run = _replay(home, AS_OF[:10], DONDOC_PORTAL_URL="https://dondoc.laichau.gov.vn")
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


def _replay(home: str, until: str, **settings: str) -> tuple[dict[str, str], Callable[..., str]]:
    """A fresh dondoc in `home` (its own SQLite) following the plan up from its start, with the
    example directory and the assignments begun by `until`: its environment, and a runner of
    `dondoc` in it that returns what it printed and stops the step with its error if it fails."""
    env = {**os.environ, "DONDOC_HOME": home, "DONDOC_DATABASE_URL": f"sqlite:///{home}/docs.sqlite3", **settings}
    for channel in ("DONDOC_EMAIL_URL", "DONDOC_SMS_URL"):
        env.pop(channel, None)  # the local outbox: the replay's messages stay on this machine

    def run(*args: str) -> str:
        done = subprocess.run([str(DONDOC), *args], env=env, capture_output=True, encoding="utf-8")
        if done.returncode:
            raise SystemExit(f"dondoc {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    run("init", "--notify-since", PLAN_START)
    run("directory", "import", str(ROOT / "config" / "directory.example.csv"))
    run("schedule", "--until", until)
    return env, run


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


def portal(chromium: str) -> None:
    """A focal point's page, opened from the signed link of a reminder, on a phone: the duty as the
    plan words it, the due date and who set it, the evidence asked for, the form. The replayed
    half-year of the digest's pictures, the portal served on a free port with its clock at AS_OF."""
    from tests.servers import PortalServer, free_port

    port = free_port()
    with tempfile.TemporaryDirectory() as home:
        env, run = _replay(home, AS_OF[:10], DONDOC_PORTAL_URL=f"http://127.0.0.1:{port}")
        os.environ.update(env)
        from config.settings import get_settings
        from portal.app import create_app
        from tests.scenario import mixed_half_year

        get_settings.cache_clear()
        moment = datetime.fromisoformat(AS_OF).replace(tzinfo=get_settings().tz)
        mixed_half_year(env["DONDOC_DATABASE_URL"], moment)
        rows = json.loads(run("status", "--json", "--as-of", AS_OF))
        # A district's six-month report still open: the page a focal point opens most.
        (item,) = [r for r in rows if (r["body"], r["ref"], r["period"]) == ("tam-duong", "V.BC", "2025-H1")]
        url = run("link", str(item["id"]), "--as-of", AS_OF).strip()
        server = PortalServer(create_app(get_settings(), clock=lambda: moment), port)
        server.start()
        try:
            from playwright.sync_api import sync_playwright

            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
                tab = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
                tab.goto(url)
                target = ROOT / "docs" / "portal-phone.png"
                tab.screenshot(path=str(target))  # the first screen, as the link opens
                print(f"wrote {target.relative_to(ROOT)}")
                browser.close()
        finally:
            server.stop()


# The report as the coordinator drafts it on the working day after the bodies' deadline
# (17/06/2025), as in tests/test_report.py.
REPORT_AS_OF = "2025-06-20T08:00"
# II.1.a.1 (communes running propaganda over all communes), summed: six districts report their
# communes; Mường Tè and Nậm Nhùn send nothing, so the target stays undecided though above 70%.
COMMUNES = {
    "tp-laichau": (7, 7),
    "tam-duong": (10, 13),
    "phong-tho": (12, 17),
    "sin-ho": (15, 22),
    "than-uyen": (9, 12),
    "tan-uyen": (8, 10),
}


def report() -> None:
    """The first two pages of the consolidated six-month report, as the PDF LibreOffice lays out
    from the DOCX, over a half-year of submissions sent through `dondoc confirm` and `review`:
    those of tests/test_report.py (a largest figure, a returned one replaced, a late one) with more
    districts, the press's counts, a pilot model and a district's difficulties."""
    with tempfile.TemporaryDirectory() as home:
        _, run = _replay(home, "2025-06-30")
        rows = json.loads(run("status", "--json", "--as-of", "2025-06-01"))

        def item(body: str, ref: str = "V.BC") -> str:
            return str(next(r["id"] for r in rows if (r["body"], r["ref"], r["period"]) == (body, ref, "2025-H1")))

        for i, (district, (done, communes)) in enumerate(COMMUNES.items()):
            figures = ["--value", f"II.1.a.1={done}/{communes}"]
            note = "Đã tổ chức tuyên truyền về phòng, chống mại dâm tại các xã, phường, thị trấn."
            if district == "tam-duong":
                figures += ["--value", "II.4.a.1=1"]
                note += "\nDuy trì 01 mô hình thí điểm hỗ trợ người bán dâm hòa nhập cộng đồng."
            if district == "sin-ho":
                note += "\nKhó khăn: địa bàn rộng, giao thông đi lại khó khăn; cán bộ cấp xã kiêm nhiệm nhiều việc."
            at = f"2025-06-16T{8 + i:02d}:00"  # the day before their deadline
            run("confirm", item(district), "--reference", f"{41 + i}/BC-UBND", *figures, "--note", note, "--as-of", at)
        # II.1.a.2, the press's counts (at least 1 a quarter, 2 in the half-year), summed: the
        # half-year's, with the six-month report; the districts' stations send none.
        for body, count, reference in (("dai-ptth", 9, "27/BC-ĐPTTH"), ("bao-laichau", 6, "19/BC-BLC")):
            sent = ["--reference", reference, "--value", f"II.1.a.2={count}", "--as-of", "2025-06-16T14:00"]
            run("confirm", item(body), *sent, "--note", f"Đăng tải {count} tin, bài về phòng, chống mại dâm.")
        # As in the test: II.3.a.2b, `max`, Sở Y tế 12/15 (80%) beats Công an tỉnh 30/45; II.3.a.1,
        # `sum`, Công an tỉnh's first figure returned, then 14/14, and Sở Y tế's 5/6 a day late.
        health = item("so-yte")
        run("confirm", health, "--reference", "45/BC-SYT", "--value", "II.3.a.2b=12/15", "--as-of", "2025-06-16T10:00")
        run("review", health, "--accept", "--as-of", "2025-06-18T08:00")
        police = item("cong-an")
        figures = ["--value", "II.3.a.2b=30/45"]
        run("confirm", police, "--value", "II.3.a.1=10/14", *figures, "--as-of", "2025-06-16T11:00")
        run("review", police, "--return", "Số liệu chưa khớp", "--as-of", "2025-06-17T08:00")
        run("confirm", police, "--value", "II.3.a.1=14/14", *figures, "--as-of", "2025-06-17T15:00")
        run("confirm", item("so-yte", "V.6.1"), "--value", "II.3.a.1=5/6", "--as-of", "2025-06-19T09:00")
        pdf = Path(home) / "bao-cao.pdf"
        run("report", "--period", "2025-H1", "--format", "pdf", "--out", str(pdf), "--as-of", REPORT_AS_OF)
        # pdftoppm numbers its pictures with as many digits as the document has pages (-1 or -01):
        # drawn aside, then given the names the README shows.
        pages = Path(home) / "pages"
        pages.mkdir()
        subprocess.run(["pdftoppm", "-r", "110", "-png", "-f", "1", "-l", "2", str(pdf), str(pages / "p")], check=True)
        for number, page in enumerate(sorted(pages.glob("p-*.png")), 1):
            target = ROOT / "docs" / f"report-page-{number:02d}.png"
            shutil.move(page, target)
            print(f"wrote {target.relative_to(ROOT)}")


STEPS: dict[str, Callable[[], None]] = {
    "digest": lambda: digest(_chromium()),
    "prefect": lambda: prefect_ui(_chromium()),
    "report": report,
    "portal": lambda: portal(_chromium()),  # last: it leaves the portal's local address in the environment
}


if __name__ == "__main__":
    main()
