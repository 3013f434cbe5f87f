"""`make docs`: render what leadership receives, from a replayed half-year, to docs/*.png.

The leadership digest of 4/7/2025 over the mixed half-year of tests/scenario.py (fictitious
directory), written as HTML by `dondoc digest --html` and photographed by headless chromium.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DONDOC = Path(sys.executable).with_name("dondoc")
AS_OF = "2025-07-04T17:00"


def main() -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("Debian's chromium is needed: apt-get install chromium")
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "DONDOC_HOME": home, "DONDOC_DATABASE_URL": f"sqlite:///{home}/docs.sqlite3"}
        run = lambda *args: subprocess.run([str(DONDOC), *args], env=env, check=True, capture_output=True)  # noqa: E731
        run("init")
        run("directory", "import", str(ROOT / "config" / "directory.example.csv"))
        run("schedule", "--until", AS_OF[:10])
        os.environ.update(env)
        from config.settings import get_settings
        from notifications.runtime import Runtime
        from tests.scenario import mixed_half_year

        get_settings.cache_clear()
        moment = datetime.fromisoformat(AS_OF).replace(tzinfo=get_settings().tz)
        mixed_half_year(env["DONDOC_DATABASE_URL"], moment)
        Runtime.from_settings(get_settings()).escalate(moment)
        page = Path(home) / "digest.html"
        run("digest", "--as-of", AS_OF, "--html", str(page))
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            tab = browser.new_page(viewport={"width": 760, "height": 900})
            tab.goto(page.as_uri())
            target = ROOT / "docs" / "leadership-digest.png"
            target.parent.mkdir(exist_ok=True)
            tab.screenshot(path=str(target), full_page=True)
            browser.close()
    print(f"wrote {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
