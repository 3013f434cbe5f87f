"""`dondoc sweep` (a real Prefect flow run), `--dry-run`, and `dondoc outbox`."""

from __future__ import annotations

import email
import logging
import os
import subprocess
import sys
from datetime import datetime
from email import policy
from pathlib import Path

import pytest
from sqlmodel import select

from cli import app
from models.db import session_scope
from models.tables.notification import Delivery, Notification
from notifications.kinds import DAILY_KINDS
from notifications.runtime import Runtime
from tests.cli import cli, cli_json, load_example, runner
from tests.conftest import SQLITE_ONLY

ROOT = Path(__file__).resolve().parents[1]
DONDOC = Path(sys.executable).with_name("dondoc")
AS_OF = "2025-06-13T08:00:00+07:00"


@pytest.fixture
def scheduled(env):
    load_example("2025-06-13")
    return env


def outbox(*args: str) -> list[dict]:
    return cli_json("outbox", "--json", *args)


@SQLITE_ONLY
def test_dry_run_prints_and_writes_nothing(scheduled):
    text = cli("sweep", "--dry-run", "--as-of", AS_OF)
    assert "daumoi@so-yte.dondoc.example" in text and "T-3" in text
    assert outbox() == []


@SQLITE_ONLY
def test_a_real_flow_run_fills_the_local_outbox_once(scheduled, tmp_path):
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_API_URL": ""}
    env.pop("PREFECT_API_URL")
    first = subprocess.run(
        [str(DONDOC), "sweep", "--as-of", AS_OF], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert first.returncode == 0, first.stderr
    logs = first.stdout + first.stderr
    assert "Flow run" in logs  # it ran as a Prefect flow
    # Six task runs (plan, escalate, dispatch, summary, board, events) whatever the number of
    # assignments and messages.
    assert logs.count("Finished in state Completed()") == 7  # six tasks and the flow
    rows = outbox()
    assert rows and {r["status"] for r in rows} == {"sent"}
    assert {"id", "kind", "channel", "recipient", "assignment_id", "status", "attempts"} <= set(rows[0])
    files = sorted((Path(os.environ["DONDOC_HOME"]) / "outbox").iterdir())
    # One message per person and channel for the day's reminders, nags and notices; the rest alone.
    daily = {(r["channel"], r["recipient"]) for r in rows if r["kind"] in DAILY_KINDS}
    assert len(files) == len(daily) + sum(r["kind"] not in DAILY_KINDS for r in rows) < len(rows)
    assert f"Đã gửi {sum(f.suffix == '.eml' for f in files)} email" in " ".join(first.stdout.split())
    eml = next(f for f in files if f.suffix == ".eml")
    msg = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert msg["Subject"].startswith(("[Nhắc việc]", "[Quá hạn", "[Đề nghị", "V/v tình hình"))
    assert "Kính gửi" in msg.get_body(("plain",)).get_content()
    sms = next(f for f in files if f.suffix == ".txt").read_text()
    assert sms.isascii() and "Nhac viec" in sms
    again = subprocess.run(
        [str(DONDOC), "sweep", "--as-of", AS_OF], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert again.returncode == 0 and "planned: 0" in again.stdout and "escalations: 0" in again.stdout
    assert len(outbox()) == len(rows)


@SQLITE_ONLY
def test_outbox_filter_and_retry(scheduled, caplog):
    from config.settings import get_settings

    now = datetime.fromisoformat(AS_OF)
    settings = get_settings().model_copy(update={"email_url": None})
    rt = Runtime.from_settings(settings)
    rt.enqueue(now)
    with session_scope(scheduled) as s:
        row = s.exec(select(Notification).where(Notification.channel == "email")).first()
        row.status, row.last_error, row.attempts = Delivery.dead, "Sending email to *** failed.", 1
    dead = outbox("--status", "dead")
    assert [r["id"] for r in dead] == [row.id]
    assert "dead" in cli("outbox", "--status", "dead")
    with caplog.at_level(logging.INFO):
        out = cli("outbox", "retry", str(row.id))
    assert "sent" in out and outbox("--status", "dead") == []
    assert [r["status"] for r in outbox() if r["id"] == row.id] == ["sent"]
    for record in caplog.records:  # INFO logs carry no addresses or phone numbers
        assert "@" not in record.getMessage() and "+84" not in record.getMessage()
    result = runner.invoke(app, ["outbox", "retry", str(row.id)])
    assert result.exit_code == 1 and "đang ở trạng thái sent" in result.output


@SQLITE_ONLY
def test_digest_send_is_a_flow_run_once_a_week(scheduled, tmp_path):
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect")}
    env.pop("PREFECT_API_URL", None)
    args = [str(DONDOC), "digest", "--send", "--as-of", AS_OF]
    first = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    assert "Flow run" in first.stdout + first.stderr and "queued: 1" in first.stdout
    (row,) = [r for r in outbox() if r["kind"] == "digest-leadership"]
    assert (row["recipient"], row["status"]) == ("lanhdao@ubnd-tinh.dondoc.example", "sent")
    eml = next(f for f in (Path(os.environ["DONDOC_HOME"]) / "outbox").iterdir() if f.suffix == ".eml")
    msg = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert msg["Subject"].startswith("[Báo cáo tuần]")
    chart = next(p for p in msg.walk() if p.get_content_type() == "image/png")
    assert (
        chart["Content-ID"] == "<tinh-hinh-co-quan.png>"
        and "cid:tinh-hinh-co-quan.png" in msg.get_body(("html",)).get_content()
    )
    again = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and "queued: 0" in again.stdout  # the same week: nothing twice
