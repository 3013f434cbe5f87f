"""The portal in a real browser (Debian's chromium, headless, driven by Playwright): a focal point
follows the link in a reminder caught by the real SMTP server, uploads a PDF and figures, reads the
receipt; a coordinator logs in and returns it; the focal point resubmits late; the coordinator
accepts. The board then tells done on time from done late."""

from __future__ import annotations

import os
import re
import shutil
from datetime import datetime, timedelta

import pytest

from cli import app as cli_app
from notifications.runtime import Runtime
from tests.cli import cli, runner, status_rows
from tests.clock import TZ
from tests.conftest import IN_CI, SQLITE_ONLY
from tests.dues import H1
from tests.portal import PDF

CHROMIUM = os.environ.get("DONDOC_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
FOCAL = "daumoi@so-yte.dondoc.example"
COORDINATOR = "daumoi@so-ldtbxh.dondoc.example"
PASSWORD = "mật-khẩu-đủ-dài-2025"
pytestmark = SQLITE_ONLY


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        reason = "Debian's chromium is not installed (apt-get install chromium); .ci/run installs it"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield b
        b.close()


def link_in(mail) -> str:
    return re.search(r'href="(http://127\.0\.0\.1:\d+/a/[^"]+)"', mail.part("html")).group(1)


def sign_in(page, portal) -> None:
    """The coordinator logs in through the form (/review sends a visitor to it)."""
    page.goto(f"{portal.url}/review")
    page.fill("#email", COORDINATOR)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


def statuses(as_of: str) -> dict[int, str]:
    return {r["id"]: r["status"] for r in status_rows(as_of)}


def test_confirm_return_resubmit_accept_in_a_browser(portal, browser, tmp_path):
    # The morning sweep of 9/6/2025 (the T-7 step for H1, 17/6, until T-3): reminders with signed
    # links go out by email.
    sweep_at = datetime(2025, 6, 9, 8, 0, tzinfo=TZ)
    runtime = Runtime.from_settings(portal.settings)
    runtime.enqueue(sweep_at)
    runtime.dispatch(sweep_at)
    reminder = portal.mail(FOCAL, "[Nhắc việc] V.6.1")
    on_time = portal.mail("daumoi@cong-an.dondoc.example", "[Nhắc việc]")
    report = tmp_path / "Báo cáo kiểm tra.pdf"
    report.write_bytes(PDF)

    focal = browser.new_context(viewport={"width": 390, "height": 844})  # a phone
    page = focal.new_page()
    page.goto(link_in(reminder))
    assert page.get_by_text("mục V.6.1").is_visible() and page.get_by_text(f"{H1:%d/%m/%Y}").first.is_visible()
    page.set_input_files("#files", str(report))
    page.fill("#reference", "123/BC-SYT")
    page.fill("[id='value.II.3.a.2b']", "85,5")
    page.fill("#note", "Đã kiểm tra 12 cơ sở")
    page.get_by_role("button", name="Gửi minh chứng").click()
    assert page.locator("h1").inner_text() == "Đã nhận minh chứng"
    assert page.get_by_text("Báo cáo kiểm tra.pdf").is_visible()
    portal.mail(FOCAL, "[Đã nhận]")

    # The other body confirms on time with a reference only.
    other = focal.new_page()
    other.goto(link_in(on_time))
    other.fill("#reference", "45/CAT-PV01")
    other.get_by_role("button", name="Gửi minh chứng").click()
    assert other.locator("h1").inner_text() == "Đã nhận minh chứng"

    cli("directory", "password", COORDINATOR, input=f"{PASSWORD}\n{PASSWORD}\n")
    portal.clock.now += timedelta(days=1)
    coordinator = browser.new_context().new_page()
    sign_in(coordinator, portal)
    assert coordinator.locator("h1").inner_text() == "Chờ xem xét"
    coordinator.get_by_role("link", name=re.compile("V.6.1")).click()
    coordinator.fill("#comment", "Thiếu số liệu quý II")
    coordinator.get_by_role("button", name="Trả lại").click()
    assert coordinator.get_by_text("Bị trả lại").first.is_visible()
    coordinator.goto(f"{portal.url}/review")
    coordinator.locator("tr", has_text="Công an").get_by_role("link").click()
    coordinator.get_by_role("button", name="Chấp nhận").click()
    assert coordinator.get_by_text("Hoàn thành đúng hạn").first.is_visible()

    returned = portal.mail(FOCAL, "[Cần bổ sung]")
    portal.clock.now = datetime(2025, 6, 20, 10, 0, tzinfo=TZ)  # after the due date (17/6)
    page.goto(link_in(returned))
    assert page.get_by_text("Thiếu số liệu quý II").is_visible()
    page.fill("#reference", "130/BC-SYT")
    page.fill("[id='value.II.3.a.2b']", "87")
    page.get_by_role("button", name="Gửi minh chứng").click()
    assert page.locator("h1").inner_text() == "Đã nhận minh chứng"

    portal.clock.now += timedelta(hours=2)
    sign_in(coordinator, portal)  # nine days on, the 8-hour session has ended on the server
    coordinator.get_by_role("link", name=re.compile("V.6.1")).click()
    coordinator.get_by_role("button", name="Chấp nhận").click()
    assert coordinator.get_by_text("Hoàn thành quá hạn").first.is_visible()

    by_id = statuses("2025-06-21")
    assert by_id[portal.assignment(ref="V.6.1")] == "done_late"
    assert list(by_id.values()).count("done_on_time") == 1 and list(by_id.values()).count("done_late") == 1
    for body, label in (("so-yte", "Hoàn thành quá hạn"), ("cong-an", "Hoàn thành đúng hạn")):
        listing = runner.invoke(
            cli_app, ["status", "--as-of", "2025-06-21", "--body", body], env={"COLUMNS": "200"}
        ).stdout
        assert label in listing
    focal.close()
