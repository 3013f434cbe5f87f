"""The portal against a real uvicorn server, a real SMTP server and real databases: links, uploads,
review and extensions, and the ways each can be abused."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import date, datetime, timedelta
from html import escape
from urllib.parse import urlsplit

import pytest
from sqlalchemy import update
from sqlmodel import select

from models.db import session_scope
from models.operations.audit import By
from models.operations.links import revoke
from models.tables.assignment import Assignment, State
from models.tables.audit import AuditEntry
from models.tables.evidence import Evidence, EvidenceFile, TargetValue
from models.tables.extension import Extension
from models.tables.link import Link, Purpose
from models.tables.org import Body
from models.tables.plan import Duty
from tests.cli import cli, status_rows
from tests.clock import TZ
from tests.conftest import SQLITE_ONLY
from tests.dues import H1
from tests.portal import PDF, raw_multipart

FOCAL = "daumoi@so-yte.dondoc.example"
COORDINATOR = "daumoi@so-ldtbxh.dondoc.example"
PASSWORD = "mật-khẩu-đủ-dài-2025"


def snapshot(db: str) -> tuple:
    """Everything a request could change, but the audit log."""
    with session_scope(db) as s:
        return tuple(
            tuple(r.model_dump().items())
            for model in (Assignment, Link, Evidence, EvidenceFile, Extension)
            for r in s.exec(select(model).order_by(model.id))
        )


def test_submit_receipt_return_resubmit_accept(portal):
    """The whole round, by HTTP: a receipt by email, a return with its reason, a fresh link."""
    aid, contact = portal.assignment(), portal.contact_id(FOCAL)
    url = portal.link(aid, contact)
    with portal.client() as c:
        page = c.get(url)
        assert page.status_code == 200
        for text in ("V.6.1", f"{H1:%d/%m/%Y}", "Sở Y tế", "Gửi minh chứng", "II.3.a.2b"):
            assert text in page.text
        r = portal.submit(
            c,
            url,
            files=[("bao-cao.pdf", PDF)],
            reference="123/BC-SYT",
            document_date="2025-06-09",
            note="Đã kiểm tra 12 cơ sở",
            **{"value.II.3.a.2b": "12", "base.II.3.a.2b": "15"},
        )
        assert r.status_code == 200 and "Đã nhận minh chứng" in r.text
        again = c.post(url, data={"csrf": portal.csrf(page.text), "note": "lần hai"})
        assert again.status_code == 409  # the link was spent by the submission
    receipt = portal.mail(FOCAL, "[Đã nhận]")
    assert "123/BC-SYT" in receipt.part("html") and "12/15 (80%)" in receipt.part("html")
    view_url = re.search(r'href="([^"]+/v/[^"]+)"', receipt.part("html")).group(1)
    with portal.client() as c:
        view = c.get(view_url)
        assert view.status_code == 200 and "bao-cao.pdf" in view.text and "Gửi minh chứng" not in view.text
        assert c.post(view_url.replace("/v/", "/a/"), data={}).status_code == 403  # a view token cannot submit

    with session_scope(portal.db) as s:
        a = s.get(Assignment, aid)
        assert a.state == State.submitted and a.submitted_at == portal.clock.now
        (f,) = s.exec(select(EvidenceFile)).all()
        (v,) = s.exec(select(TargetValue)).all()
        assert (f.filename, f.sha256, v.value, v.base) == ("bao-cao.pdf", hashlib.sha256(PDF).hexdigest(), 12, 15)
    assert (portal.settings.evidence_dir / hashlib.sha256(PDF).hexdigest()).read_bytes() == PDF

    _set_password(COORDINATOR)
    portal.clock.now += timedelta(days=1)
    with portal.client() as coordinator:
        assert portal.login(coordinator, COORDINATOR, PASSWORD).status_code == 303
        listing = coordinator.get("/review")
        assert f'href="/review/{aid}"' in listing.text
        # Plan and period as people read them, not as stored ("2025-H1").
        assert "<td>6 tháng đầu năm 2025</td>" in listing.text and "2025-H1" not in listing.text
        assert 'title="Kế hoạch phòng, chống mại dâm' in listing.text and "3742/KH-UBND</td>" in listing.text
        page = coordinator.get(f"/review/{aid}")
        download = coordinator.get(re.search(r'href="(/review/files/\d+)"', page.text).group(1))
        assert download.content == PDF and download.headers["x-content-type-options"] == "nosniff"
        assert download.headers["content-disposition"].startswith("attachment")
        r = coordinator.post(
            f"/review/{aid}",
            data={"csrf": portal.csrf(page.text), "decision": "return", "comment": "Thiếu số liệu quý II"},
        )
        assert r.status_code == 303
    returned = portal.mail(FOCAL, "[Cần bổ sung]")
    assert "Thiếu số liệu quý II" in returned.part("plain")
    fresh = re.search(r'href="([^"]+/a/[^"]+)"', returned.part("html")).group(1)
    assert fresh != url
    portal.clock.now = portal.clock.now.replace(day=20)  # after the due date (H1, 17/6)
    with portal.client() as c:
        r = portal.submit(c, fresh, reference="130/BC-SYT")
        assert r.status_code == 200
    with portal.client() as coordinator:
        portal.login(coordinator, COORDINATOR, PASSWORD)
        page = coordinator.get(f"/review/{aid}")
        r = coordinator.post(f"/review/{aid}", data={"csrf": portal.csrf(page.text), "decision": "accept"})
        assert r.status_code == 303
    assert _status(aid, "2025-06-21") == "done_late"
    with session_scope(portal.db) as s:
        actions = [
            e.action
            for e in s.exec(
                select(AuditEntry)
                .where(AuditEntry.entity_id == aid, AuditEntry.entity == "assignment")
                .order_by(AuditEntry.id)
            )
        ]
    for action in (
        "link.issued",
        "assignment.viewed",
        "assignment.submitted",
        "assignment.returned",
        "assignment.accepted",
    ):
        assert action in actions


def _set_password(email: str) -> None:
    cli("directory", "password", email, input=f"{PASSWORD}\n")


def _status(aid: int, as_of: str) -> str:
    return next(r["status"] for r in status_rows(as_of) if r["id"] == aid)


@SQLITE_ONLY
def test_two_gets_change_nothing_and_headers_protect_the_token(portal):
    url = portal.link(portal.assignment(), portal.contact_id(FOCAL))
    before = snapshot(portal.db)
    with portal.client() as c:
        first, second = c.get(url), c.get(url)
    assert first.status_code == second.status_code == 200
    assert snapshot(portal.db) == before
    for name, value in (
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("cache-control", "no-store"),
        ("x-frame-options", "DENY"),
    ):
        assert first.headers[name] == value
    assert "frame-ancestors 'none'" in first.headers["content-security-policy"]


@SQLITE_ONLY
def test_bad_tokens_are_refused(portal):
    aid = portal.assignment()
    good = portal.link(aid)
    prefix, token = good.rsplit("/", 1)
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    view = portal.link(aid, purpose=Purpose.view)
    expiring = portal.link(aid, days=1)
    revoked = portal.link(portal.assignment(body="cong-an"))
    with session_scope(portal.db) as s:
        revoke(s, portal.assignment(body="cong-an"), now=portal.clock.now, by=By("test", "cli"))
    with portal.client() as c:
        assert c.get(f"{prefix}/{forged}").status_code == 403
        assert c.get(f"{prefix}/not-a-token").status_code == 403
        assert c.get(view.replace("/v/", "/a/")).status_code == 403  # wrong purpose
        assert c.get(revoked).status_code == 410
        portal.clock.now += timedelta(days=2)
        assert c.get(expiring).status_code == 410
        assert c.get(good).status_code == 200
        portal.clock.now += timedelta(days=30)
        assert c.get(good).status_code == 410
    with portal.client() as c:  # a token signed with another secret
        from itsdangerous import URLSafeSerializer

        other = URLSafeSerializer("another-secret", salt="dondoc.link.confirm").dumps([1, 4102444800])
        assert c.get(f"{prefix}/{other}").status_code == 403


@SQLITE_ONLY
def test_post_without_csrf_is_refused_and_stores_nothing(portal):
    url = portal.link(portal.assignment())
    with portal.client() as c:
        c.get(url)
        r = c.post(url, data={"csrf": "guess", "note": "x"}, files=[("files", ("a.pdf", PDF, "application/pdf"))])
        assert r.status_code == 403
    with portal.client() as stranger:  # no session cookie at all
        assert stranger.post(url, data={"note": "x"}).status_code == 403
    assert not portal.evidence_dir_entries()
    with session_scope(portal.db) as s:
        assert s.exec(select(Evidence)).first() is None


@SQLITE_ONLY
def test_a_50_mb_chunked_upload_gets_413_and_leaves_no_file(portal):
    url = portal.link(portal.assignment())
    with portal.client() as c:
        csrf = portal.csrf(c.get(url).text)
        boundary = "dondoc-test-boundary"

        def body():  # a generator: httpx sends it chunked, with no Content-Length
            yield (
                f'--{boundary}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n{csrf}\r\n'
                f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="big.pdf"\r\n'
                "Content-Type: application/pdf\r\n\r\n"
            ).encode()
            yield b"%PDF-1.4\n"
            for _ in range(50):
                yield b"0" * (1024 * 1024)
            yield f"\r\n--{boundary}--\r\n".encode()

        r = c.post(url, content=body(), headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        assert r.status_code == 413
        assert "transfer-encoding" not in r.request.headers or r.request.headers["transfer-encoding"] == "chunked"
        assert "content-length" not in r.request.headers
        assert not portal.evidence_dir_entries()  # not even a temporary file
        assert portal.submit(c, url, files=[("small.pdf", PDF)]).status_code == 200  # the link still works


@SQLITE_ONLY
def test_html_renamed_pdf_is_refused(portal):
    url = portal.link(portal.assignment())
    with portal.client() as c:
        r = portal.submit(c, url, files=[("bao-cao.pdf", b"<html><script>alert(1)</script></html>")], note="x")
        assert r.status_code == 422 and "theo nội dung tệp" in r.text
        zipped = portal.submit(c, url, files=[("bang.xlsx", b"PK\x03\x04" + b"\0" * 40)])
        assert zipped.status_code == 422
    assert not portal.evidence_dir_entries()
    with session_scope(portal.db) as s:
        assert s.exec(select(Evidence)).first() is None


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("client_name", "stored_name"),
    [
        ("../../x.pdf", "x.pdf"),
        ("..\\..\\windows\\x.pdf", "x.pdf"),
        ("a\x00b.pdf", "ab.pdf"),
        (unicodedata.normalize("NFD", "Báo cáo tháng 6.pdf"), "Báo cáo tháng 6.pdf"),
    ],
)
def test_filenames_are_stored_safely(portal, client_name, stored_name):
    url = portal.link(portal.assignment())
    with portal.client() as c:
        body, content_type = raw_multipart({"csrf": portal.csrf(c.get(url).text)}, [(client_name, PDF)])
        assert c.post(url, content=body, headers={"Content-Type": content_type}).status_code == 303  # to the receipt
    assert [p.name for p in portal.evidence_dir_entries()] == [hashlib.sha256(PDF).hexdigest()]
    with session_scope(portal.db) as s:
        (f,) = s.exec(select(EvidenceFile)).all()
        assert f.filename == stored_name and unicodedata.is_normalized("NFC", f.filename)
        file_id = f.id
    with portal.client() as c:
        r = c.get(f"{url}/files/{file_id}")
        assert r.status_code == 200 and r.content == PDF
        assert r.headers["content-disposition"].startswith("attachment")
        assert r.headers["x-content-type-options"] == "nosniff"
        assert "\x00" not in r.headers["content-disposition"] and ".." not in r.headers["content-disposition"]


@SQLITE_ONLY
def test_a_script_in_a_note_is_escaped_everywhere(portal):
    script = "<script>alert('x')</script>"
    aid, contact = portal.assignment(), portal.contact_id(FOCAL)
    url = portal.link(aid, contact)
    with portal.client() as c:
        r = portal.submit(c, url, note=script, reference=script)
        assert r.status_code == 200
        assert script not in r.text and "&lt;script&gt;" in r.text
        assert script not in c.get(url).text
    receipt = portal.mail(FOCAL, "[Đã nhận]")
    assert script not in receipt.part("html") and "&lt;script&gt;" in receipt.part("html")
    _set_password(COORDINATOR)
    with portal.client() as coordinator:
        portal.login(coordinator, COORDINATOR, PASSWORD)
        page = coordinator.get(f"/review/{aid}")
        assert script not in page.text and "&lt;script&gt;" in page.text
        coordinator.post(
            f"/review/{aid}", data={"csrf": portal.csrf(page.text), "decision": "return", "comment": script}
        )
    returned = portal.mail(FOCAL, "[Cần bổ sung]")
    assert script not in returned.part("html") and script in returned.part("plain")


@SQLITE_ONLY
def test_a_sensitive_duty_takes_no_file(portal):
    url = portal.link(portal.assignment(body="cong-an", ref="V.2.3"))
    with portal.client() as c:
        page = c.get(url)
        assert page.status_code == 200 and 'type="file"' not in page.text
        r = portal.submit(c, url, files=[("danh-sach.pdf", PDF)])
        assert r.status_code == 422 and "không gửi tệp" in r.text
        assert portal.submit(c, url, reference="45/CAT-PV01").status_code == 200
    assert not portal.evidence_dir_entries()


@SQLITE_ONLY
def test_the_page_says_who_set_the_date_what_falls_due_and_what_is_asked(portal):
    """The basis next to the date, the report due on ongoing work, a request's own name."""
    clause = "định kỳ 06 tháng 01 năm báo cáo UBND tỉnh (qua Sở Lao động Thương binh và Xã hội để tổng hợp)"

    def first(s, body: str, ref: str) -> Assignment:
        return s.exec(
            select(Assignment)
            .join(Body, Body.id == Assignment.body_id)
            .join(Duty, Duty.id == Assignment.duty_id)
            .where(Body.code == body, Duty.ref == ref, Assignment.due >= portal.clock.now.date())
            .order_by(Assignment.due)
        ).first()

    with session_scope(portal.db) as s:
        ongoing, asked = first(s, "so-yte", "V.6.1"), first(s, "vks", "V.11.1")
        s.execute(
            update(Duty)
            .where(Duty.id == ongoing.duty_id)
            .values(due_basis="plan", due_source=clause, nature="continuous", request=False)
        )
        s.execute(update(Duty).where(Duty.id == asked.duty_id).values(request=True, nature="task"))
        ongoing_id, asked_id = ongoing.id, asked.id
    with portal.client() as c:
        page = c.get(portal.link(ongoing_id)).text
        request = c.get(portal.link(asked_id)).text
    assert escape(f"Hạn theo Kế hoạch số 3742/KH-UBND: “{clause}”.", quote=False) in page
    assert "Báo cáo kết quả thực hiện nhiệm vụ thường xuyên kỳ 6 tháng đầu năm 2025" in page
    assert "Hạn gửi báo cáo" in page and "Hạn hoàn thành" not in page and "Xác nhận đã gửi báo cáo" in page
    assert "Nội dung đề nghị" in request and "Hạn hoàn thành" in request and "Hạn theo " in request


@SQLITE_ONLY
def test_login_is_for_coordinators_only(portal):
    with portal.client() as c:
        assert c.get("/review").status_code == 303  # to the login page
        assert portal.login(c, COORDINATOR, PASSWORD).status_code == 401  # no password set yet
    _set_password(COORDINATOR)
    refused = cli("directory", "password", FOCAL, input=f"{PASSWORD}\n", code=1)
    assert "không thuộc cơ quan điều phối" in refused
    with portal.client() as c:
        wrong = portal.login(c, COORDINATOR, "wrong password!!")
        assert wrong.status_code == 401
        # The email stays in the form (escaped), the password does not.
        assert f'value="{COORDINATOR}"' in wrong.text and "wrong password!!" not in wrong.text
        assert 'value="&lt;b&gt;x@y.z"' in portal.login(c, "<b>x@y.z", PASSWORD).text
        assert portal.login(c, "nobody@dondoc.example", PASSWORD).status_code == 401
        assert portal.login(c, COORDINATOR, PASSWORD).status_code == 303
        assert c.get("/review").status_code == 200
        assert c.post("/review/1", data={"decision": "accept"}).status_code == 403  # no CSRF token
    with session_scope(portal.db) as s:
        from models.tables.org import Contact

        stored = s.exec(select(Contact.password_hash).where(Contact.email == COORDINATOR)).one()
        assert stored.startswith("$argon2id$") and PASSWORD not in stored


def _login_link(email: str, *more: str, code: int = 0) -> str:
    """`dondoc directory login-link`'s URL (its last line on stdout), or its refusal."""
    printed = cli("directory", "login-link", email, *more, code=code)
    return printed.strip().splitlines()[-1] if code == 0 else printed


@SQLITE_ONLY
def test_a_one_time_link_signs_a_coordinator_in_once(portal):
    """No password yet: a link the operator gives the coordinator opens a session, once. Opening it
    (as a mail scanner would) spends nothing; the button does, with the CSRF token; a second use,
    an expired link and a focal point's are refused. The portal's clock is 10/6/2025 09:00."""
    assert "không thuộc cơ quan điều phối" in _login_link(FOCAL, code=1)
    url = _login_link(COORDINATOR, "--as-of", "2025-06-10T08:50")
    assert url.startswith(f"{portal.settings.portal_url}/s/")
    with portal.client() as c:
        page = c.get(url)
        assert page.status_code == 200
        assert "Đăng nhập" in page.text and 'action="/s/' in page.text
        assert c.get(url).status_code == 200  # opened twice, still unused
        assert c.get("/review").status_code == 303  # no session from opening it
        assert c.post(url, data={"csrf": "forged"}).status_code == 403  # not the session's CSRF token
        signed = c.post(url, data={"csrf": portal.csrf(page.text)})
        assert signed.status_code == 303 and signed.headers["location"] == "/review"
        assert c.get("/review").status_code == 200
    with portal.client() as other:
        again = other.get(url)
        assert again.status_code == 409 and "đã được dùng" in again.text
        token = portal.csrf(other.get("/login").text)
        assert other.post(url, data={"csrf": token}).status_code == 409
        assert other.get("/review").status_code == 303
    expired = _login_link(COORDINATOR, "--as-of", "2025-06-10T08:00", "--minutes", "30")
    with portal.client() as c:
        assert c.get(expired).status_code == 410
    with session_scope(portal.db) as s:
        from models.tables.audit import AuditEntry

        logins = s.exec(select(AuditEntry).where(AuditEntry.action == "account.login")).all()
        assert len(logins) == 1 and logins[0].details.get("link")


@SQLITE_ONLY
def test_extension_asked_on_the_page_and_approved_moves_the_due_date(portal):
    aid, contact = portal.assignment(), portal.contact_id(FOCAL)
    url = portal.link(aid, contact)
    with portal.client() as c:
        page = c.get(url)
        r = c.post(
            f"{url}/extension",
            data={"csrf": portal.csrf(page.text), "due": "2025-06-30", "reason": "Chờ số liệu của các huyện"},
            follow_redirects=True,
        )
        assert r.status_code == 200 and "30/06/2025" in r.text
        again = c.post(
            f"{url}/extension", data={"csrf": portal.csrf(page.text), "due": "2025-07-30", "reason": "lần nữa"}
        )
        assert again.status_code == 422  # one pending request at a time
    _set_password(COORDINATOR)
    with portal.client() as coordinator:
        portal.login(coordinator, COORDINATOR, PASSWORD)
        assert "30/06/2025" in coordinator.get("/review").text
        page = coordinator.get(f"/review/{aid}")
        ext_id = int(re.search(r'action="/review/extensions/(\d+)"', page.text).group(1))
        r = coordinator.post(
            f"/review/extensions/{ext_id}", data={"csrf": portal.csrf(page.text), "decision": "approve"}
        )
        assert r.status_code == 303
    decided = portal.mail(FOCAL, "[Gia hạn]")
    assert "hạn mới 30/06/2025" in decided.subject
    with session_scope(portal.db) as s:
        assert s.get(Assignment, aid).extended_due == date(2025, 6, 30)
        assert [e.decision for e in s.exec(select(Extension))] == ["approved"]
    assert _status(aid, "2025-06-25") == "open"  # past the due date (17/6), within the extension


@SQLITE_ONLY
def test_repeated_wrong_passwords_lock_the_account_for_a_while(portal):
    _set_password(COORDINATOR)
    with portal.client() as c:
        for _ in range(5):
            assert portal.login(c, COORDINATOR, "wrong password!!").status_code == 401
        locked = portal.login(c, COORDINATOR, PASSWORD)  # the right one, refused the same way
        assert locked.status_code == 401 and "tạm khóa" in locked.text
        assert "tạm khóa" in portal.login(c, "nobody@dondoc.example", PASSWORD).text  # the same answer
    portal.clock.now += timedelta(minutes=16)
    with portal.client() as c:
        assert portal.login(c, COORDINATOR, PASSWORD).status_code == 303
    with session_scope(portal.db) as s:
        actions = [
            e.action
            for e in s.exec(select(AuditEntry).where(AuditEntry.entity == "contact").order_by(AuditEntry.id))
            if e.action.startswith("account.login")
        ]
    assert actions == ["account.login_failed"] * 6 + ["account.login"]


def test_the_favicon_is_no_content_not_a_404(portal):
    with portal.client() as client:
        answer = client.get("/favicon.ico")
    assert answer.status_code == 204 and not answer.content


@SQLITE_ONLY
def test_a_receipt_is_a_page_of_its_own_shown_again_on_refresh_and_only_through_the_link(portal):
    """POST, redirect, GET: refreshing the receipt shows it again instead of posting again (which
    would be refused as a spent link); the receipt opens only under the link that carried it."""
    aid, contact = portal.assignment(), portal.contact_id(FOCAL)
    url = portal.link(aid, contact)
    with portal.client() as c:
        page = c.get(url)
        posted = c.post(url, data={"csrf": portal.csrf(page.text), "reference": "123/BC-SYT"})
        assert posted.status_code == 303
        receipt = posted.headers["location"]
        portal.mail(FOCAL, "[Đã nhận]")  # sent after the response, with a link of its own
        before = snapshot(portal.db)
        shown, refreshed = c.get(receipt), c.get(receipt)
        assert shown.status_code == refreshed.status_code == 200
        assert snapshot(portal.db) == before  # showing it again changes nothing
    with session_scope(portal.db) as s:
        (evidence_id,) = s.exec(select(Evidence.id).where(Evidence.assignment_id == aid)).all()
    link_path = urlsplit(url).path
    assert receipt == f"{link_path}/receipt/{evidence_id}"
    assert "Đã nhận minh chứng" in refreshed.text and f"(số {evidence_id})" in refreshed.text
    assert "123/BC-SYT" in refreshed.text
    other = urlsplit(portal.link(portal.assignment(body="cong-an"))).path
    forged = link_path[:-3] + ("AAA" if not link_path.endswith("AAA") else "BBB")
    with portal.client() as stranger:
        assert stranger.get(f"{other}/receipt/{evidence_id}").status_code == 404  # another assignment's link
        assert stranger.get(f"{forged}/receipt/{evidence_id}").status_code == 403
        assert stranger.get(f"/receipt/{evidence_id}").status_code == 404  # no link, no receipt
        assert stranger.get(f"{link_path}/receipt/{evidence_id + 1}").status_code == 404


@SQLITE_ONLY
def test_an_extension_request_is_shown_again_on_refresh(portal):
    url = portal.link(portal.assignment(), portal.contact_id(FOCAL))
    with portal.client() as c:
        page = c.get(url)
        posted = c.post(
            f"{url}/extension", data={"csrf": portal.csrf(page.text), "due": "2025-06-30", "reason": "Chờ số liệu"}
        )
        assert posted.status_code == 303 and posted.headers["location"] == f"{urlsplit(url).path}/extension"
        for _ in range(2):  # the page and its refresh
            shown = c.get(posted.headers["location"])
            assert shown.status_code == 200 and "Đã gửi đề nghị gia hạn" in shown.text and "30/06/2025" in shown.text
    with session_scope(portal.db) as s:
        assert len(s.exec(select(Extension)).all()) == 1


def _submitted_and_signed_in(portal, coordinator, at: datetime | None = None) -> tuple[int, str]:
    """An assignment submitted through its link (at `at`), and its review page for a signed-in coordinator."""
    aid = portal.assignment()
    if at is not None:
        portal.clock.now = at
    with portal.client() as c:
        assert portal.submit(c, portal.link(aid, portal.contact_id(FOCAL)), reference="123/BC-SYT").status_code == 200
    _set_password(COORDINATOR)
    assert portal.login(coordinator, COORDINATOR, PASSWORD).status_code == 303
    return aid, coordinator.get(f"/review/{aid}").text


@SQLITE_ONLY
def test_returning_without_a_reason_keeps_the_review_page_and_what_was_typed(portal):
    url = portal.link(portal.assignment(), portal.contact_id(FOCAL))
    with portal.client() as c:  # an extension asked for first: the page then has both decisions
        page = c.get(url)
        c.post(f"{url}/extension", data={"csrf": portal.csrf(page.text), "due": "2025-06-30", "reason": "Chờ số liệu"})
    with portal.client() as coordinator:
        aid, page = _submitted_and_signed_in(portal, coordinator)
        # The browser asks for the reason first; Chấp nhận needs none.
        assert re.search(r'<textarea id="comment"[^>]* required', page)
        assert re.search(r'<button[^>]* value="accept" formnovalidate', page)
        assert re.search(r'<textarea id="ext-comment"[^>]* required', page)
        before = snapshot(portal.db)
        returned = coordinator.post(
            f"/review/{aid}", data={"csrf": portal.csrf(page), "decision": "return", "comment": "   "}
        )
        assert returned.status_code == 422
        assert (
            "Chưa trả lại được vì chưa có lý do. Xin ghi lý do trả lại vào ô Ý kiến để đơn vị biết cần bổ sung "
            "những gì, rồi bấm “Trả lại”." in returned.text
        )
        assert 'href="#comment"' in returned.text and 'href="/review"' in returned.text  # ways on and back
        assert f'action="/review/{aid}"' in returned.text  # the form itself, not an error page
        assert re.search(r'<textarea id="comment"[^>]*>   </textarea>', returned.text)  # as typed
        refused = coordinator.post(
            re.search(r'action="(/review/extensions/\d+)"', page).group(1),
            data={"csrf": portal.csrf(page), "decision": "refuse", "comment": ""},
        )
        assert refused.status_code == 422 and "Chưa quyết định được vì chưa có lý do không chấp thuận" in refused.text
        assert 'href="#ext-comment"' in refused.text and f'action="/review/{aid}"' in refused.text
    assert snapshot(portal.db) == before  # nothing decided


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("day", "extended_to", "said"),
    [
        (19, None, "Nộp ngày 19/06/2025, muộn 2 ngày làm việc so với hạn 17/06/2025."),
        (21, None, "Nộp ngày 21/06/2025, muộn 3 ngày làm việc so với hạn 17/06/2025."),  # a Saturday: 18, 19, 20
        (17, None, "Nộp ngày 17/06/2025, đúng hạn (hạn 17/06/2025)."),
        (10, None, "Nộp ngày 10/06/2025, đúng hạn (hạn 17/06/2025)."),
        (19, date(2025, 6, 30), "Nộp ngày 19/06/2025, đúng hạn (hạn 30/06/2025)."),
        (
            21,
            date(2025, 6, 20),  # a Friday
            "Nộp ngày 21/06/2025, sau hạn 20/06/2025 vào ngày nghỉ, chưa muộn ngày làm việc nào.",
        ),
    ],
    ids=["late", "on-a-saturday", "on-the-day", "early", "within-an-extension", "the-day-off-after-an-extension"],
)
def test_the_review_page_says_how_late_the_submission_is(portal, day, extended_to, said):
    """In working days, as the deadline counts them, against the due date in force (an approved
    extension's), before the coordinator decides."""
    with session_scope(portal.db) as s:
        s.execute(update(Assignment).where(Assignment.id == portal.assignment()).values(extended_due=extended_to))
    with portal.client() as coordinator:
        _, page = _submitted_and_signed_in(portal, coordinator, datetime(2025, 6, day, 9, 0, tzinfo=TZ))
    assert said in page


def _so_yte_at_the_end_of_june(portal) -> dict[str, int]:
    """On 25/06/2025, Sở Y tế with everything accepted but: the 2024 second half's V.6.1, left
    undone; the 2025 first half's V.BC, undone (due 17/06) and V.6.1, undone within an extension to
    20/06 that has also passed; the second half's V.6.1 submitted and V.BC open, with an extension
    asked. Công an tỉnh with a submission and an extension request of its own. Ids by name."""

    def one(s, body: str, ref: str, period: str) -> Assignment:
        return s.exec(
            select(Assignment)
            .join(Body, Body.id == Assignment.body_id)
            .join(Duty, Duty.id == Assignment.duty_id)
            .where(Body.code == body, Duty.ref == ref, Assignment.period == period)
        ).one()

    portal.clock.now = datetime(2025, 6, 25, 9, 0, tzinfo=TZ)
    long_ago = datetime(2021, 12, 1, 9, 0, tzinfo=TZ)
    with session_scope(portal.db) as s:
        ids = {
            "old": one(s, "so-yte", "V.6.1", "2024-H2").id,
            "report": one(s, "so-yte", "V.BC", "2025-H1").id,
            "extended": one(s, "so-yte", "V.6.1", "2025-H1").id,
            "submitted": one(s, "so-yte", "V.6.1", "2025-H2").id,
            "open": one(s, "so-yte", "V.BC", "2025-H2").id,
            "accepted": one(s, "so-yte", "V.BC", "2024-H2").id,
            "other_submitted": one(s, "cong-an", "V.BC", "2025-H1").id,
            "other_asked": one(s, "cong-an", "V.BC", "2025-H2").id,
        }
        so_yte = s.exec(select(Body.id).where(Body.code == "so-yte")).one()
        kept = [ids[k] for k in ("old", "report", "extended", "submitted", "open")]
        s.execute(
            update(Assignment)
            .where(Assignment.body_id == so_yte, Assignment.id.not_in(kept))
            .values(state=State.accepted, submitted_at=long_ago, reviewed_at=long_ago, completed_at=long_ago)
        )
        s.execute(update(Assignment).where(Assignment.id == ids["extended"]).values(extended_due=date(2025, 6, 20)))
        yesterday = datetime(2025, 6, 24, 10, 0, tzinfo=TZ)
        s.execute(
            update(Assignment)
            .where(Assignment.id.in_((ids["submitted"], ids["other_submitted"])))
            .values(state=State.submitted, submitted_at=yesterday)
        )
        for key, asked in (("open", date(2025, 12, 30)), ("other_asked", date(2025, 12, 31))):
            a = s.get(Assignment, ids[key])
            s.add(
                Extension(
                    assignment_id=a.id,
                    previous_due=a.due,
                    requested_due=asked,
                    reason="Chờ số liệu",
                    requested_at=yesterday,
                    requested_by="test",
                )
            )
    return ids


@SQLITE_ONLY
def test_a_bodys_portal_list_shows_its_unfinished_work_the_latest_first(portal):
    """/review?body=<code>: what one body still owes, the furthest behind first, counted in working
    days from the due date in force; the two review lists narrowed to that body; nothing of another."""
    ids = _so_yte_at_the_end_of_june(portal)
    _set_password(COORDINATOR)
    with portal.client() as coordinator:
        portal.login(coordinator, COORDINATOR, PASSWORD)
        page = coordinator.get("/review", params={"body": "so-yte"})
        everything = coordinator.get("/review").text
    assert page.status_code == 200
    text = page.text
    assert "<h1>Cơ quan: Sở Y tế</h1>" in text and '<a href="/review">Tất cả cơ quan</a>' in text
    work, rest = text.split("<h2>Chờ xem xét</h2>")
    assert "<h2>Nhiệm vụ chưa hoàn thành của Sở Y tế</h2>" in work
    # Overdue first, most working days late first; then the rest by due date. Nothing accepted.
    order = [int(i) for i in re.findall(r'href="/review/(\d+)"', work)]
    assert order == [ids[k] for k in ("old", "report", "extended", "submitted", "open")]
    rows = {int(re.search(r'href="/review/(\d+)"', r).group(1)): r for r in re.findall(r"<tr>.*?</tr>", work, re.S)[1:]}
    report = rows[ids["report"]]
    for said in ("3742/KH-UBND", "V.BC", "6 tháng đầu năm 2025", "17/06/2025", "Chưa hoàn thành, quá hạn"):
        assert said in report
    assert "6 ngày làm việc" in report  # 18, 19, 20, 23, 24 and 25/06
    assert "20/06/2025" in rows[ids["extended"]] and "3 ngày làm việc" in rows[ids["extended"]]  # 23, 24, 25/06
    assert "ngày làm việc" in rows[ids["old"]]
    assert "Đã nộp, chờ xem xét" in rows[ids["submitted"]] and "ngày làm việc" not in rows[ids["submitted"]]
    assert "Chưa hoàn thành, trong hạn" in rows[ids["open"]] and "ngày làm việc" not in rows[ids["open"]]
    # The review lists, the body's only.
    waiting, asked = rest.split("<h2>Đề nghị gia hạn chờ quyết định</h2>")
    assert f'href="/review/{ids["submitted"]}"' in waiting and f'href="/review/{ids["open"]}"' in asked
    for other in (ids["other_submitted"], ids["other_asked"], ids["accepted"]):
        assert f'href="/review/{other}"' not in text
    # Without ?body= the page is as it was: every body, no body's list.
    for shown in (ids["submitted"], ids["other_submitted"], ids["open"], ids["other_asked"]):
        assert f'href="/review/{shown}"' in everything
    assert "Nhiệm vụ chưa hoàn thành" not in everything and "Tất cả cơ quan" not in everything


@SQLITE_ONLY
def test_a_bodys_portal_list_is_for_coordinators_and_known_bodies(portal):
    with portal.client() as c:
        answer = c.get("/review", params={"body": "so-yte"})
        assert answer.status_code == 303 and answer.headers["location"] == "/login"
    _set_password(COORDINATOR)
    with portal.client() as coordinator:
        portal.login(coordinator, COORDINATOR, PASSWORD)
        unknown = coordinator.get("/review", params={"body": "khong-co"})
    assert unknown.status_code == 404
    assert "Không thực hiện được" in unknown.text and "Không có cơ quan với mã “khong-co”." in unknown.text
    with portal.client() as coordinator:
        portal.login(coordinator, COORDINATOR, PASSWORD)
        script = coordinator.get("/review", params={"body": "<script>x</script>"})
    assert script.status_code == 404 and "<script>x</script>" not in script.text


def test_a_drafted_report_is_downloaded_by_a_signed_in_coordinator_only(portal):
    cli("report", "--period", "2025-H1", "--as-of", "2025-06-20T08:00")  # DONDOC_HOME/reports/<plan>/
    url = "/reports/lai-chau-pcmd-2021-2025/bao-cao-2025-H1.docx"
    with portal.client() as c:
        assert c.get(url).status_code == 401
    _set_password(COORDINATOR)
    with portal.client() as coordinator:
        portal.login(coordinator, COORDINATOR, PASSWORD)
        got = coordinator.get(url)
        assert got.status_code == 200 and got.content[:2] == b"PK"  # a DOCX is a ZIP
        assert "attachment" in got.headers["content-disposition"]
        for other in (
            "/reports/lai-chau-pcmd-2021-2025/bao-cao-2025.docx",  # not drafted
            "/reports/lai-chau-pcmd-2021-2025/..%2F..%2Fsecret.key",
            "/reports/lai-chau-pcmd-2021-2025/bao-cao-2025-H1.sqlite3",
        ):
            assert coordinator.get(other).status_code == 404, other
