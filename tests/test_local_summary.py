"""The end of `make run` (`dondoc local summary`): where the messages went, a coordinator's
sign-in link that opens the portal `make run` started, and commands that work as printed in the
shell that ran it (`dondoc` is not on its PATH)."""

from __future__ import annotations

import sys
from datetime import datetime

from cli import invoked_as
from config.settings import get_settings
from models.db import session_scope
from models.operations.accounts import is_coordinator
from models.operations.links import verify
from models.tables.link import Purpose
from models.tables.org import Contact
from tests.cli import cli, load_example


def test_the_summary_says_where_messages_are_and_gives_a_sign_in_link(env, monkeypatch):
    monkeypatch.delenv("DONDOC_PORTAL_URL", raising=False)  # `make run` sets it; the default portal
    get_settings.cache_clear()
    load_example("2025-06-30")
    settings = get_settings()
    printed = cli("local", "summary")
    url = next(line for line in printed.splitlines() if "/s/" in line)
    assert url.startswith("http://127.0.0.1:8080/s/")  # where `dondoc local apps` serves the portal
    now = datetime.now(settings.tz)
    with session_scope(env) as s:
        link = verify(
            s, url.rsplit("/", 1)[1], purpose=Purpose.sign_in, secret=settings.secret_key.get_secret_value(), now=now
        )
        contact = s.get_one(Contact, link.contact_id)
        assert is_coordinator(s, contact, now.date()) and link.used_at is None
        email = contact.email
    assert f"directory login-link {email}" in printed
    # The command works as printed, in a shell where `make run`'s DONDOC_PORTAL_URL is not set.
    assert "\nhttp://127.0.0.1:8080/s/" in cli("directory", "login-link", email)
    assert f"{settings.outbox_dir}/ (0 thư)" in printed  # nothing sent: no SMTP configured
    assert "Dừng tất cả: make stop" in printed
    assert "http://127.0.0.1:4200" in printed
    # The local server's dashboard of the bodies with overdue work, whatever PREFECT_API_URL says.
    assert "http://127.0.0.1:4200/v2/dashboard?tags=%5B%22qu%C3%A1%20h%E1%BA%A1n%22%5D" in printed


def test_dondoc_is_named_as_the_shell_that_ran_it_can_run_it(tmp_path, monkeypatch):
    venv = tmp_path / ".venv" / "bin"
    venv.mkdir(parents=True)
    exe = venv / "dondoc"
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", [str(exe)])
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.delenv("DONDOC_HOME", raising=False)
    assert invoked_as() == ".venv/bin/dondoc"  # as `make run` runs it
    monkeypatch.setenv("PATH", f"{venv}:/usr/bin:/bin")
    assert invoked_as() == "dondoc"  # an activated venv
    monkeypatch.setenv("DONDOC_HOME", str(tmp_path / "var" / "demo"))
    assert invoked_as() == "DONDOC_HOME=var/demo dondoc"  # as `make demo` set it
