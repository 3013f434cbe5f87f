"""Links from the CLI, production secrets, coordinators marked in the directory, extensions moving
the reminder ladder, and the clean-up of uploads a crash interrupted."""

from __future__ import annotations

import csv
import os
import time
from collections.abc import Callable
from datetime import date, datetime

import pytest
from pydantic import ValidationError
from sqlmodel import select

from cli import app
from config import CONFIG_DIR
from config.settings import Settings, get_settings
from models.db import session_scope
from models.errors import LinkRefused
from models.operations.links import verify
from models.tables.link import Purpose
from models.tables.notification import Notification
from notifications.runtime import Runtime
from tests.cli import cli, load_example, runner, status_rows
from tests.clock import TZ
from tests.dues import CALENDAR, H1

PASSWORD = "mật-khẩu-đủ-dài-2025"


@pytest.fixture
def ready(env):
    load_example("2025-06-30")
    rows = status_rows("2025-06-01", "so-yte")
    return next(r for r in rows if r["ref"] == "V.6.1" and r["due"] == H1.isoformat())


def test_link_prints_a_working_link_and_revoke_closes_it(ready, monkeypatch):
    aid = str(ready["id"])
    # Without a public address, a link to the portal `make run` serves on this machine, said so.
    printed = cli("link", aid, "--as-of", "2025-06-10T09:00")
    assert "\nhttp://127.0.0.1:8080/a/" in printed and "DONDOC_PORTAL_URL chưa được đặt" in printed
    monkeypatch.setenv("DONDOC_PORTAL_URL", "https://dondoc.laichau.example")
    get_settings.cache_clear()
    result = runner.invoke(app, ["link", aid, "--as-of", "2025-06-10T09:00"])
    url = result.stdout.strip()
    assert url.startswith("https://dondoc.laichau.example/a/") and "10/07/2025" in result.stderr
    settings, moment = get_settings(), datetime(2025, 6, 11, tzinfo=TZ)
    with session_scope(settings.db_url) as s:
        link = verify(
            s, url.rsplit("/", 1)[1], purpose=Purpose.confirm, secret=settings.secret_key.get_secret_value(), now=moment
        )
        assert link.assignment_id == ready["id"] and link.issued_by == "cli"
    assert "2 đường dẫn" in cli("link", aid, "--revoke", "--as-of", "2025-06-10T10:00")  # the local one too
    with session_scope(settings.db_url) as s, pytest.raises(LinkRefused) as refused:
        verify(
            s, url.rsplit("/", 1)[1], purpose=Purpose.confirm, secret=settings.secret_key.get_secret_value(), now=moment
        )
    assert refused.value.why == LinkRefused.Why.revoked
    assert "không có nhiệm vụ số 999999" in cli("link", "999999", code=1)


def test_production_mode_refuses_the_development_secret(ready):
    with pytest.raises(ValidationError, match="DONDOC_SECRET_KEY"):
        Settings(mode="production")
    with pytest.raises(ValidationError, match="DONDOC_SECRET_KEY"):
        Settings(mode="production", secret_key="short")
    assert Settings(mode="production", secret_key="k" * 48).mode == "production"


def test_a_contact_marked_coordinator_in_the_directory_may_review(ready, tmp_path):
    directory = tmp_path / "danh-ba.csv"
    rows = list(csv.DictReader((CONFIG_DIR / "directory.example.csv").open(encoding="utf-8")))
    office = "chanhvanphong@ubnd-tinh.dondoc.example"  # the provincial office's chief, marked "x"

    def write(mark: Callable[[dict], str]) -> None:
        with directory.open("w", encoding="utf-8", newline="") as f:
            out = csv.DictWriter(f, [*rows[0], "coordinator"])
            out.writeheader()
            out.writerows({**r, "coordinator": mark(r)} for r in rows)

    write(lambda r: "x" if r["email"] == office else "")
    cli("directory", "import", str(directory))
    assert "Lê Minh Mai" in cli(
        "directory", "password", "chanhvanphong@ubnd-tinh.dondoc.example", input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert "không thuộc cơ quan điều phối" in cli(
        "directory", "password", "lanhdao@ubnd-tinh.dondoc.example", input=f"{PASSWORD}\n{PASSWORD}\n", code=1
    )
    # The coordinating body is the one acting today: Sở Y tế since 01/03/2025, not Sở LĐ-TB&XH.
    assert "ít nhất 12" in cli("directory", "password", "daumoi@so-yte.dondoc.example", input="ngan\nngan\n", code=1)
    assert "không thuộc cơ quan điều phối" in cli(
        "directory", "password", "daumoi@so-ldtbxh.dondoc.example", input=f"{PASSWORD}\n{PASSWORD}\n", code=1
    )
    write(lambda r: "maybe" if r is rows[0] else "")
    assert "row 2" in cli("directory", "import", str(directory), code=1)


def test_an_approved_extension_restarts_the_reminders_on_the_new_date(ready):
    aid = ready["id"]
    runtime = Runtime.from_settings(get_settings())

    def steps_on(day: date) -> list[str]:
        now = datetime(day.year, day.month, day.day, 8, 0, tzinfo=TZ)
        runtime.enqueue(now)
        with session_scope(runtime.url) as s:
            return [
                n.step
                for n in s.exec(
                    select(Notification)
                    .where(Notification.assignment_id == aid, Notification.channel == "email")
                    .order_by(Notification.id)
                )
            ]

    assert steps_on(CALENDAR.add_working_days(H1, -3)) == [f"T-3@{H1}"]  # 12/6 for 17/6
    assert "số 1" in cli(
        "extension",
        "request",
        str(aid),
        "--until",
        "2025-06-30",
        "--reason",
        "Chờ số liệu các huyện",
        "--as-of",
        "2025-06-13T10:00",
    )
    assert "đang chờ" in cli(
        "extension",
        "request",
        str(aid),
        "--until",
        "2025-07-15",
        "--reason",
        "x",
        "--as-of",
        "2025-06-13T11:00",
        code=1,
    )
    assert "chấp thuận" in cli("extension", "decide", "1", "--approve", "--as-of", "2025-06-16T09:00")
    assert "đã được quyết định" in cli("extension", "decide", "1", "--refuse", "muộn", code=1)
    # 25/6: T-3 of 30/6 (with the old date it would be D+6, a nag): a new ladder, sent again.
    # X1: the decision, emailed to the focal points.
    assert steps_on(date(2025, 6, 25)) == [f"T-3@{H1}", "X1", "T-3@2025-06-30"]
    rows = status_rows("2025-06-25")
    assert next(r for r in rows if r["id"] == aid)["status"] == "open"
    assert "phải sau hạn hiện tại (30/06/2025)" in cli(
        "extension",
        "request",
        str(aid),
        "--until",
        "2025-06-20",
        "--reason",
        "x",
        "--as-of",
        "2025-06-17T09:00",
        code=1,
    )


def test_uploads_interrupted_by_a_crash_are_cleaned_at_start(ready):
    from portal.app import create_app

    evidence = get_settings().evidence_dir
    evidence.mkdir(parents=True)
    stale, fresh = evidence / ".upload-crashed", evidence / ".upload-in-flight"
    stale.write_bytes(b"%PDF-half")
    fresh.write_bytes(b"%PDF-now")
    old = time.time() - 2 * 24 * 3600
    os.utime(stale, (old, old))
    create_app(get_settings())
    assert not stale.exists() and fresh.exists()


def test_messages_reuse_a_live_link_until_half_its_life_is_gone(ready):
    from models.operations.links import current

    moment = datetime(2025, 6, 10, 9, 0, tzinfo=TZ)
    with session_scope(get_settings().db_url) as s:
        for contact in (None, 1):
            first = current(s, ready["id"], contact, purpose=Purpose.confirm, now=moment, days=30)
            again = current(s, ready["id"], contact, purpose=Purpose.confirm, now=moment.replace(day=20), days=30)
            later = current(s, ready["id"], contact, purpose=Purpose.confirm, now=moment.replace(month=7), days=30)
            assert first.id == again.id != later.id
