"""Two sweeps at the same time, in two processes, on SQLite and PostgreSQL: each message once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlmodel import func, select

from config import CONFIG_DIR
from models.db import session_scope
from models.operations.directory import import_directory
from models.operations.schedule import materialize
from models.tables.notification import Delivery, Notification
from tests.conftest import LOADED_AT
from tests.servers import SMSGateway, SMTPServer

ROOT = Path(__file__).resolve().parents[1]
SWEEP = """
import json, sys
from datetime import datetime
from notifications.runtime import Runtime
now = datetime.fromisoformat(sys.argv[1])
rt = Runtime.from_settings()
planned = rt.enqueue(now)
sent = rt.dispatch(now)
print(json.dumps({"planned": planned, **sent, "email": sent.messages["email"], "sms": sent.messages["sms"]}))
"""


def test_two_sweeps_at_once_send_each_message_once(loaded, calendar, tmp_path):
    with session_scope(loaded) as s:
        import_directory(s, CONFIG_DIR / "directory.example.csv", now=LOADED_AT)
        materialize(s, until=LOADED_AT.date().replace(year=2025, month=6, day=13), now=LOADED_AT, calendar=calendar)
    smtp, gateway = SMTPServer(), SMSGateway()
    smtp.start()
    try:
        env = {
            **os.environ,
            "DONDOC_DATABASE_URL": loaded,
            "DONDOC_HOME": str(tmp_path),
            "DONDOC_EMAIL_URL": smtp.url,
            "DONDOC_SMS_URL": gateway.url,
        }
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", SWEEP, "2025-06-13T08:00:00+07:00"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        results = []
        for p in procs:
            out, err = p.communicate(timeout=300)
            assert p.returncode == 0, err
            results.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        smtp.stop()
        gateway.close()
    with session_scope(loaded) as s:
        rows = s.exec(
            select(Notification.channel, func.count())
            .where(Notification.status == Delivery.sent)
            .group_by(Notification.channel)
        ).all()
        total = s.exec(select(func.count()).select_from(Notification)).one()
    sent = dict(rows)
    assert total > 500 and sent["email"] + sent["sms"] == total  # everything went
    assert sum(r["planned"] for r in results) == total  # planned once between the two
    assert sum(r.get("sent", 0) for r in results) == total
    # Each message once: one email and one SMS per person (the day's rows go together), as counted.
    assert len(smtp.received) == sum(r["email"] for r in results) == len({m.to for m in smtp.received})
    assert len(gateway.received) == sum(r["sms"] for r in results) == len({m["to"] for m in gateway.received})
    assert all(r.get("sent", 0) > 0 for r in results)  # both really worked at the same time
