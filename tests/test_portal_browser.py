"""The portal in a real browser (Debian's chromium, headless, driven by Playwright): a focal point
follows the link in a reminder caught by the real SMTP server, uploads a PDF and figures, reads the
receipt; a coordinator logs in and returns it; the focal point resubmits late; the coordinator
accepts. The board then tells done on time from done late. A refreshed receipt shows again; a
return without its reason keeps the form; no page logs an error or breaks the site's
Content-Security-Policy."""

from __future__ import annotations

import os
import re
import shutil
from datetime import datetime, timedelta

import pytest

from cli import app as cli_app
from models.tables.link import Purpose
from notifications.runtime import Runtime
from tests.cli import cli, runner, status_rows
from tests.clock import TZ
from tests.conftest import IN_CI, SQLITE_ONLY
from tests.dues import H1
from tests.portal import PDF
from tests.test_portal import snapshot

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


def link_in(mail, ref: str | None = None, due: str = "") -> str:
    """The first portal link of `mail`, or, in a message of the day (each item with its own link),
    that of the first item coded `ref` ("*": any) falling due `due`."""
    code = r"[^)]+" if ref == "*" else re.escape(ref or "")
    item = r"mã " + code + r"\)(?:(?!</li>)[\s\S])*?" + re.escape(due) + r"[\s\S]*?" if ref else ""
    return re.search(item + r'href="(http://127\.0\.0\.1:\d+/a/[^"]+)"', mail.part("html")).group(1)


def sign_in(page, portal) -> None:
    """The coordinator logs in through the form (/review sends a visitor to it)."""
    page.goto(f"{portal.url}/review")
    page.fill("#email", COORDINATOR)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


class Troubles:
    """What a browser context's pages report: console errors, uncaught exceptions and violations of
    the Content-Security-Policy (a listener the test adds to every document, which the policy cannot
    block). The browser's note of a page's own error status (a 404 page, a 422 form) is the page
    meaning it, each step checking the status it expects: not a trouble."""

    REPORT_VIOLATIONS = (
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`))"
    )

    def __init__(self, context):
        self.seen: list[str] = []
        context.add_init_script(self.REPORT_VIOLATIONS)
        context.on("console", self.console)
        context.on("weberror", lambda e: self.seen.append(f"{e.page.url if e.page else '?'}: {e.error}"))

    def console(self, message) -> None:
        own_status = message.text.startswith("Failed to load resource: the server responded with a status of")
        if message.type == "error" and not (own_status and message.location["url"] == message.page.url):
            self.seen.append(f"{message.page.url if message.page else '?'}: {message.text}")


def statuses(as_of: str) -> dict[int, str]:
    return {r["id"]: r["status"] for r in status_rows(as_of)}


def test_confirm_return_resubmit_accept_in_a_browser(portal, browser, tmp_path):
    # The morning sweep of 9/6/2025 (the T-7 step for H1, 17/6, until T-3): reminders with signed
    # links go out by email.
    sweep_at = datetime(2025, 6, 9, 8, 0, tzinfo=TZ)
    runtime = Runtime.from_settings(portal.settings)
    runtime.enqueue(sweep_at)
    runtime.dispatch(sweep_at)
    reminder = portal.mail(FOCAL, "V/v tình hình thực hiện nhiệm vụ")  # the day's one email: V.6.1 among others
    on_time = portal.mail("daumoi@cong-an.dondoc.example", "V/v tình hình thực hiện nhiệm vụ")
    report = tmp_path / "Báo cáo kiểm tra.pdf"
    report.write_bytes(PDF)

    focal = browser.new_context(viewport={"width": 390, "height": 844})  # a phone
    page = focal.new_page()
    page.goto(link_in(reminder, "V.6.1", f"{H1:%d/%m/%Y}"))
    assert page.get_by_text("mã V.6.1").is_visible() and page.get_by_text(f"{H1:%d/%m/%Y}").first.is_visible()
    page.set_input_files("#files", str(report))
    page.fill("#reference", "123/BC-SYT")
    # A rate, as its two counts: establishments inspected, of those listed (labelled from the catalog).
    rate = page.get_by_role("group", name=re.compile("Chỉ tiêu II.3.a.2b"))
    assert rate.get_by_label("Tổng số cơ sở kinh doanh dịch vụ dễ phát sinh tệ nạn mại dâm trên địa bàn").is_visible()
    page.fill("[id='value.II.3.a.2b']", "12")
    page.fill("[id='base.II.3.a.2b']", "15")
    page.fill("#note", "Đã kiểm tra 12 cơ sở")
    page.get_by_role("button", name="Gửi minh chứng").click()
    assert page.locator("h1").inner_text() == "Đã nhận minh chứng"
    assert page.get_by_text("Báo cáo kiểm tra.pdf").is_visible()
    portal.mail(FOCAL, "[Đã nhận]")

    # The other body confirms on time with a reference only.
    other = focal.new_page()
    other.goto(link_in(on_time, "*", f"{H1:%d/%m/%Y}"))
    other.fill("#reference", "45/CAT-PV01")
    other.get_by_role("button", name="Gửi minh chứng").click()
    assert other.locator("h1").inner_text() == "Đã nhận minh chứng"

    cli("directory", "password", COORDINATOR, input=f"{PASSWORD}\n")
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
    page.fill("[id='value.II.3.a.2b']", "13")
    page.fill("[id='base.II.3.a.2b']", "15")
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


def test_refreshing_the_receipt_shows_it_again(portal, browser):
    """The issue's case: the receipt, refreshed, was a 409 "Không thực hiện được" for a submission
    that had succeeded."""
    aid = portal.assignment()
    page = browser.new_context().new_page()
    page.goto(portal.link(aid, portal.contact_id(FOCAL)))
    page.fill("#reference", "123/BC-SYT")
    page.get_by_role("button", name="Gửi minh chứng").click()
    assert page.locator("h1").inner_text() == "Đã nhận minh chứng"
    # The receipt email goes after the response, with a link of its own: wait for it, or the
    # snapshot races it (CI, loaded, took the snapshot before that link was written).
    portal.mail(FOCAL, "[Đã nhận]")
    before = snapshot(portal.db)
    for _ in range(2):
        again = page.reload()
        assert again.status == 200 and page.locator("h1").inner_text() == "Đã nhận minh chứng"
        assert page.get_by_text("123/BC-SYT").is_visible()
    assert snapshot(portal.db) == before  # nothing posted again
    page.context.close()


def test_a_return_without_a_reason_keeps_the_form(portal, browser):
    aid = portal.assignment()
    with portal.client() as c:
        assert portal.submit(c, portal.link(aid, portal.contact_id(FOCAL)), reference="123/BC-SYT").status_code == 200
    cli("directory", "password", COORDINATOR, input=f"{PASSWORD}\n")
    page = browser.new_context().new_page()
    sign_in(page, portal)
    page.get_by_role("link", name=re.compile("V.6.1")).click()
    review = page.url
    before = snapshot(portal.db)

    # Nothing typed: the browser itself asks for the reason, and sends nothing.
    page.get_by_role("button", name="Trả lại").click()
    assert page.url == review and page.locator("#comment").evaluate("e => e.validity.valueMissing")
    # Only spaces pass the browser: the server keeps the page, says what is missing, keeps what was typed.
    page.fill("#comment", "   ")
    page.get_by_role("button", name="Trả lại").click()
    assert page.get_by_role("alert").inner_text().startswith("Chưa trả lại được vì chưa có lý do.")
    assert page.locator("#comment").input_value() == "   "
    assert snapshot(portal.db) == before
    page.get_by_role("link", name="Đến ô Ý kiến").click()
    page.fill("#comment", "Thiếu số liệu quý II")
    page.get_by_role("button", name="Trả lại").click()
    assert page.get_by_text("Bị trả lại").first.is_visible()
    assert page.reload().status == 200 and page.get_by_text("Thiếu số liệu quý II").is_visible()  # not posted again
    page.context.close()


def test_no_page_logs_an_error_or_breaks_the_content_security_policy(portal, browser):
    """Every page, as a focal point and as a coordinator reach them, the message and error pages too."""
    aid, asking = portal.assignment(), portal.assignment(body="cong-an")
    url = portal.link(aid, portal.contact_id(FOCAL))
    cli("directory", "password", COORDINATOR, input=f"{PASSWORD}\n")
    context = browser.new_context()
    troubles = Troubles(context)
    page, stale = context.new_page(), context.new_page()

    def opened(target: str, status: int = 200) -> None:
        assert page.goto(target).status == status, target

    opened(url)
    stale.goto(url)  # the same form, open in another tab
    page.fill("#reference", "123/BC-SYT")
    page.get_by_role("button", name="Gửi minh chứng").click()
    assert page.locator("h1").inner_text() == "Đã nhận minh chứng"
    page.reload()
    stale.get_by_role("button", name="Gửi minh chứng").click()  # the link is spent: a refusal page
    assert stale.locator("h1").inner_text() == "Không thực hiện được"
    opened(portal.link(aid, purpose=Purpose.view))
    opened(url.rsplit("/", 1)[0] + "/not-a-token", 403)
    opened(f"{portal.url}/khong-co-trang-nay", 404)
    opened(portal.link(asking))
    page.get_by_text("Xin gia hạn").click()
    page.fill("#due", "2025-06-30")
    page.fill("#reason", "Chờ số liệu của các huyện")
    page.get_by_role("button", name="Gửi đề nghị gia hạn").click()
    assert page.locator("h1").inner_text() == "Đã gửi đề nghị gia hạn"

    opened(f"{portal.url}/login")
    page.fill("#email", COORDINATOR)
    page.fill("#password", "wrong password!!")
    page.get_by_role("button", name="Đăng nhập").click()
    assert page.get_by_role("alert").is_visible()
    sign_in(page, portal)
    assert page.locator("h1").inner_text() == "Chờ xem xét"
    opened(f"{portal.url}/review/{asking}")
    opened(f"{portal.url}/review/{aid}")
    page.fill("#comment", " ")
    page.get_by_role("button", name="Trả lại").click()
    assert page.get_by_role("alert").is_visible()
    page.fill("#comment", "Thiếu số liệu quý II")
    page.get_by_role("button", name="Trả lại").click()
    page.get_by_role("button", name="Đăng xuất").click()
    assert page.locator("h1").inner_text() == "Đăng nhập cán bộ điều phối"
    assert troubles.seen == []
    context.close()
