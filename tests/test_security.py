"""Nothing lost, nobody let in (issue 10): sessions the server can end, a login throttle that
parallel attempts cannot outrun, argon2 outside the write lock, ids past 64 bits, a key of its own
per install, and secrets kept out of errors and logs. The portal runs under a real uvicorn server
on real databases; argon2 is the real one, only counted or paused where a test must see it work."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import sqlite3
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from itsdangerous import TimestampSigner, URLSafeSerializer
from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlmodel import select

from cli import app
from config import MAX_ID
from config.settings import Settings
from models.db import session_scope
from models.operations import accounts
from models.operations.audit import SYSTEM
from models.operations.links import issue
from models.tables.audit import AuditEntry
from models.tables.link import Purpose
from models.tables.org import Contact
from tests.cli import cli, init, runner
from tests.conftest import SQLITE_ONLY

COORDINATOR = "daumoi@so-ldtbxh.dondoc.example"
PASSWORD = "mật-khẩu-đủ-dài-2025"
WRONG = "wrong password!!"
# The public key every install shared before issue 10: what an attacker would sign with.
OLD_PUBLIC_SECRET = "dondoc-development-secret-not-for-production"
HUGE = "99999999999999999999"  # past 2^64
OUT_OF_RANGE = (HUGE, str(2**63), str(2**31), "0", "-1", "x")  # ids are INTEGER: 32 bits on PostgreSQL
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def fresh_install(monkeypatch):
    """As installed: no key in the environment (each test that wants one sets it)."""
    monkeypatch.delenv("DONDOC_SECRET_KEY", raising=False)
    monkeypatch.delenv("DONDOC_MODE", raising=False)


def _set_password(password: str = PASSWORD) -> None:
    cli("directory", "password", COORDINATOR, input=f"{password}\n{password}\n")


def _login_actions(db: str) -> list[str]:
    with session_scope(db) as s:
        return [
            e.action
            for e in s.exec(
                select(AuditEntry).where(AuditEntry.action.startswith("account.login")).order_by(AuditEntry.id)
            )
        ]


# ---- 17: sessions the server can end ------------------------------------------------------------


def _signed_in_cookie(portal) -> str:
    """A coordinator's session cookie, as a thief would copy it from a browser."""
    with portal.client() as c:
        assert portal.login(c, COORDINATOR, PASSWORD).status_code == 303
        return c.cookies["dondoc_session"]


def _replay(portal, cookie: str, path: str = "/review"):
    with portal.client() as thief:
        thief.cookies.set("dondoc_session", cookie)
        return thief.get(path)


def test_a_copied_cookie_stops_working_after_logout_and_after_a_password_change(portal):
    _set_password()
    aid = portal.assignment()
    with portal.client() as c:
        assert portal.login(c, COORDINATOR, PASSWORD).status_code == 303
        copied = c.cookies["dondoc_session"]
        page = c.get("/review")
        assert page.status_code == 200
        assert _replay(portal, copied).status_code == 200  # a copy works while the session lives
        assert c.post("/logout", data={"csrf": portal.csrf(page.text)}).status_code == 303
    for path in ("/review", f"/review/{aid}"):
        replayed = _replay(portal, copied, path)
        assert (replayed.status_code, replayed.headers.get("location")) == (303, "/login")
    assert _replay(portal, copied, "/review/files/1").status_code == 401

    copied = _signed_in_cookie(portal)
    assert _replay(portal, copied).status_code == 200
    _set_password("một-mật-khẩu-mới-2025")  # `dondoc directory password`: every session of the contact ends
    replayed = _replay(portal, copied)
    assert (replayed.status_code, replayed.headers.get("location")) == (303, "/login")


@SQLITE_ONLY
def test_a_session_ends_when_its_hours_are_over_or_the_contact_stops_coordinating(portal):
    _set_password()
    copied = _signed_in_cookie(portal)
    portal.clock.now += timedelta(hours=8, seconds=1)  # the server's clock, not the cookie's own age
    assert _replay(portal, copied).status_code == 303
    portal.clock.now -= timedelta(hours=8, seconds=1)
    copied = _signed_in_cookie(portal)
    with session_scope(portal.db) as s:
        s.exec(select(Contact).where(Contact.email == COORDINATOR)).one().active = False
    assert _replay(portal, copied).status_code == 303


# ---- 18: the throttle --------------------------------------------------------------------------


class CountingHasher(PasswordHasher):
    """The real argon2, counting verifications and telling when the fifth one has started."""

    def __init__(self):
        super().__init__()
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.calls = 0
        self.fifth_started = threading.Event()

    def verify(self, hash, password):
        with self.lock:
            self.calls += 1
            if self.calls >= accounts.LOCK_AFTER:
                self.fifth_started.set()
        return super().verify(hash, password)


def _login_form(portal):
    c = portal.client()
    return c, portal.csrf(c.get("/login").text)


def test_parallel_logins_never_verify_more_than_five_per_window(portal, monkeypatch):
    """29 wrong passwords at once, then the right one once 5 verifications have started, 4 times:
    at most 5 are ever verified per window, and the right one is refused like the rest."""
    hasher = CountingHasher()
    monkeypatch.setattr(accounts, "_hasher", hasher)
    _set_password()
    for _burst in range(4):
        portal.clock.now += timedelta(minutes=16)  # a new window
        hasher.reset()
        forms = [_login_form(portal) for _ in range(30)]
        start = threading.Barrier(29)

        def attempt(form, password, wait=True, start=start):
            client, csrf = form
            if wait:
                start.wait(30)
            try:
                return client.post("/login", data={"csrf": csrf, "email": COORDINATOR, "password": password})
            finally:
                client.close()

        with ThreadPoolExecutor(30) as pool:
            wrong = [pool.submit(attempt, form, WRONG) for form in forms[:29]]
            assert hasher.fifth_started.wait(60)
            right = pool.submit(attempt, forms[29], PASSWORD, False)
            answers = [f.result(60) for f in [*wrong, right]]
        assert hasher.calls <= accounts.LOCK_AFTER, hasher.calls
        assert right.result().status_code == 401
        assert {a.status_code for a in answers} == {401}
        assert all("tạm khóa" in a.text for a in answers)  # one answer for every failure
    assert _login_actions(portal.db) == ["account.login_failed"] * 30 * 4
    portal.clock.now += timedelta(minutes=16)
    with portal.client() as c:
        assert portal.login(c, COORDINATOR, PASSWORD).status_code == 303
    assert _login_actions(portal.db)[-1] == "account.login"


@SQLITE_ONLY
def test_a_success_resets_the_address_and_each_client_has_its_own_budget(portal):
    _set_password()
    for _ in range(2):  # without the reset, the second round's right password would be the 10th attempt
        with portal.client() as c:
            for _ in range(4):
                assert portal.login(c, COORDINATOR, WRONG).status_code == 401
            assert portal.login(c, COORDINATOR, PASSWORD).status_code == 303
    portal.clock.now += timedelta(minutes=16)
    with portal.client() as c:
        # From 127.0.0.1, as a reverse proxy on the same machine: uvicorn trusts its X-Forwarded-For.
        c.headers["X-Forwarded-For"] = "203.0.113.7"
        for i in range(accounts.CLIENT_LOCK_AFTER):  # unknown addresses count the same
            assert portal.login(c, f"khong-co-{i}@dondoc.example", PASSWORD).status_code == 401
        assert portal.login(c, COORDINATOR, PASSWORD).status_code == 401
        c.headers["X-Forwarded-For"] = "198.51.100.9"
        assert portal.login(c, COORDINATOR, PASSWORD).status_code == 303


# ---- 19: argon2 outside the write lock ---------------------------------------------------------


class PausingHasher(PasswordHasher):
    """The real argon2, pausing before each verification until the test has probed the database."""

    def __init__(self):
        super().__init__()
        self.verifying, self.go_on = threading.Event(), threading.Event()

    def verify(self, hash, password):
        self.verifying.set()
        assert self.go_on.wait(30)
        return super().verify(hash, password)


def _other_writer_commits(database: str) -> bool:
    """Another connection takes the write lock, without waiting, and commits."""
    conn = sqlite3.connect(database, timeout=0, isolation_level=None)
    try:
        conn.execute("PRAGMA busy_timeout=0")
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("COMMIT")
        return True
    except sqlite3.OperationalError:  # database is locked
        return False
    finally:
        conn.close()


@SQLITE_ONLY
@pytest.mark.parametrize("password", [PASSWORD, WRONG])
def test_no_write_lock_is_held_while_a_password_is_verified(portal, monkeypatch, password):
    _set_password()
    hasher = PausingHasher()
    monkeypatch.setattr(accounts, "_hasher", hasher)
    with ThreadPoolExecutor(1) as pool, portal.client() as c:
        answer = pool.submit(portal.login, c, COORDINATOR, password)
        try:
            assert hasher.verifying.wait(30)
            free = _other_writer_commits(make_url(portal.db).database)
        finally:
            hasher.go_on.set()
        assert answer.result(30).status_code == (303 if password == PASSWORD else 401)
    assert free


# ---- 20: ids past 64 bits -------------------------------------------------------------------


def test_ids_out_of_range_answer_404(portal):
    _set_password()
    url = portal.link(portal.assignment())
    with portal.client() as c:
        for bad in OUT_OF_RANGE:
            assert c.get(f"{url}/files/{bad}").status_code == 404, bad  # no login needed
            assert c.get(f"{url.replace('/a/', '/v/')}/files/{bad}").status_code == 404, bad
        assert portal.login(c, COORDINATOR, PASSWORD).status_code == 303
        csrf = portal.csrf(c.get("/review").text)
        for bad in OUT_OF_RANGE:
            assert c.get(f"/review/{bad}").status_code == 404, bad
            assert c.get(f"/review/files/{bad}").status_code == 404, bad
            assert c.post(f"/review/{bad}", data={"csrf": csrf, "decision": "accept"}).status_code == 404, bad
            assert c.post(f"/review/extensions/{bad}", data={"csrf": csrf, "decision": "approve"}).status_code == 404
        largest = c.get(f"/review/{MAX_ID}")  # in range, and no such assignment
        assert largest.status_code == 404 and "Không có nhiệm vụ này" in largest.text


@SQLITE_ONLY
@pytest.mark.parametrize(
    "args",
    [
        ["confirm", HUGE],
        ["review", HUGE, "--accept"],
        ["link", HUGE],
        ["link", "1", "--contact", HUGE],
        ["outbox", "retry", HUGE],
        ["extension", "decide", HUGE, "--approve"],
        ["extension", "request", HUGE, "--until", "2025-07-01", "--reason", "x"],
        ["review", "0", "--accept"],
    ],
)
def test_cli_ids_out_of_range_are_usage_errors(env, monkeypatch, args):
    monkeypatch.setenv("DONDOC_PORTAL_URL", "https://dondoc.laichau.example")
    init()
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.output
    said = " ".join(result.output.replace("│", " ").split())
    assert "Invalid value for" in said
    assert f"less than or equal to {MAX_ID}" in said or "greater than or equal to 1" in said


# ---- 21: a key of its own per install --------------------------------------------------------

KEY_DIGEST = (
    "import hashlib; from config.settings import Settings; "
    "print(hashlib.sha256(Settings().secret_key.get_secret_value().encode()).hexdigest())"
)


def _digest(settings: Settings) -> str:
    return hashlib.sha256(settings.secret_key.get_secret_value().encode()).hexdigest()


def _processes_digests(home: Path, count: int) -> set[str]:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("DONDOC_")}, "DONDOC_HOME": str(home)}
    procs = [
        subprocess.Popen([sys.executable, "-c", KEY_DIGEST], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(count)
    ]
    return {p.communicate(timeout=60)[0].strip() for p in procs}


def test_each_install_makes_its_own_key_and_keeps_it(tmp_path):
    first, second = Settings(home=tmp_path / "a"), Settings(home=tmp_path / "b")
    assert _digest(first) != _digest(second)
    assert len(first.secret_key.get_secret_value()) >= 32
    key_file = tmp_path / "a" / "secret.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert _digest(Settings(home=tmp_path / "a")) == _digest(first)  # settings read again
    assert _processes_digests(tmp_path / "a", 1) == {_digest(first)}  # another process
    assert len(_processes_digests(tmp_path / "c", 8)) == 1  # eight processes starting at once agree
    assert [p.name for p in (tmp_path / "c").iterdir()] == ["secret.key"]  # no temporary file left
    with pytest.raises(ValidationError, match="DONDOC_SECRET_KEY"):
        Settings(home=tmp_path / "d", mode="production")  # machines must share one key: it comes from outside


@SQLITE_ONLY
def test_the_old_public_key_opens_no_link_and_no_session(portal):
    _set_password()
    with session_scope(portal.db) as s:
        link = issue(s, portal.assignment(), Purpose.confirm, now=portal.clock.now, days=30, contact_id=None, by=SYSTEM)
        forged = URLSafeSerializer(OLD_PUBLIC_SECRET, salt="dondoc.link.confirm").dumps(
            [link.id, int(link.expires_at.timestamp())]
        )
    session = {"contact": portal.contact_id(COORDINATOR), "name": "x", "sid": "made-up", "csrf": "x"}
    cookie = TimestampSigner(OLD_PUBLIC_SECRET).sign(base64.b64encode(json.dumps(session).encode())).decode()
    with portal.client() as c:
        assert c.get(f"/a/{forged}").status_code == 403
        assert c.get(portal.links.url(link)).status_code == 200  # the install's own key opens it
    assert _replay(portal, cookie).status_code == 303


def test_a_weak_key_is_warned_about_at_start(tmp_path, caplog):
    from portal.app import create_app

    settings = Settings(home=tmp_path, secret_key="short-key")
    with caplog.at_level(logging.WARNING, logger="portal.app"):
        create_app(settings)
    assert any("32" in r.getMessage() and "DONDOC_SECRET_KEY" in r.getMessage() for r in caplog.records)
    assert "short-key" not in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="portal.app"):
        create_app(Settings(home=tmp_path / "fresh"))
    assert "DONDOC_SECRET_KEY" not in caplog.text


# ---- 22: secrets kept out of errors and logs -------------------------------------------------


def test_a_refused_key_is_not_echoed_by_the_settings_error(monkeypatch):
    monkeypatch.setenv("DONDOC_MODE", "production")
    monkeypatch.setenv("DONDOC_SECRET_KEY", "short-but-secret-XYZ")
    with pytest.raises(ValidationError) as refused:
        Settings()
    assert "DONDOC_SECRET_KEY" in str(refused.value)
    assert "short-but-secret-XYZ" not in str(refused.value) and "short-but-secret-XYZ" not in repr(refused.value)


class Lines(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(record.getMessage())


@SQLITE_ONLY
def test_the_access_log_holds_no_link_token(portal):
    aid = portal.assignment()
    confirm, view = portal.link(aid), portal.link(aid, purpose=Purpose.view)
    tokens = [confirm.rsplit("/", 1)[1], view.rsplit("/", 1)[1]]
    access, lines = logging.getLogger("uvicorn.access"), Lines()
    level = access.level
    access.setLevel(logging.INFO)  # the test server runs at "warning"; `dondoc portal` logs access at "info"
    access.addHandler(lines)
    try:
        with portal.client() as c:
            for path in (
                confirm,
                view,
                f"{confirm}/files/1",
                f"{view}/files/1",
                f"{confirm}/extension",
                f"{confirm}?x=1",
            ):
                c.get(path)
    finally:
        access.removeHandler(lines)
        access.setLevel(level)
    assert len(lines.lines) == 6, lines.lines
    assert not [line for line in lines.lines if any(t in line for t in tokens)], lines.lines
    assert any('"GET /a/*** HTTP' in line for line in lines.lines)
    assert any('"GET /v/***/files/1 HTTP' in line for line in lines.lines)
