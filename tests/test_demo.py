"""`dondoc demo` over three weeks around the half-year's reports (9/6 to 2/7/2025, due 17/6): its
printed summary against the database, the outbox folder and `dondoc status`: the messages of each
kind (one file each), the submissions, the return, the extension, both escalation levels, the
on-time rate, the report drafted."""

from __future__ import annotations

import email
import email.policy
import re
from collections import Counter
from datetime import date, datetime, time
from pathlib import Path

from sqlmodel import select

from config.settings import get_settings
from models.db import session_scope
from models.rules.status import Status, classify
from models.tables.assignment import Assignment
from models.tables.audit import AuditEntry
from models.tables.evidence import Evidence, EvidenceFile
from models.tables.extension import Extension
from models.tables.plan import Duty
from tests.cli import cli, status_rows
from tests.clock import TZ
from tests.conftest import SQLITE_ONLY

START, END = date(2025, 6, 9), date(2025, 7, 2)


def _figure(printed: str, pattern: str) -> list[int]:
    found = re.search(pattern, printed)
    assert found, (pattern, printed)
    return [int(g) for g in found.groups()]


@SQLITE_ONLY
def test_the_demo_summary_matches_the_database_and_the_outbox(env):
    printed = cli("demo", "--from", START.isoformat(), "--to", END.isoformat())
    settings = get_settings()
    outbox = Path(settings.outbox_dir)
    emails, sms = len(list(outbox.glob("*.eml"))), len(list(outbox.glob("*.txt")))
    table = {
        line.split("│")[1].strip(): [int(c) for c in line.split("│")[2:4]]
        for line in printed.splitlines()
        if line.count("│") >= 4 and re.search(r"│\s+\d+\s+│", line)
    }
    assert sum(e for e, _ in table.values()) == emails > 0  # every email printed is a file, and only those
    assert sum(s for _, s in table.values()) == sms
    assert any(k.startswith("Thư trong ngày") for k in table) and any(k.startswith("Bản tin") for k in table)
    assert table["Xác nhận đã nhận minh chứng"][0] > 0 and table["Trả lại minh chứng"][0] == 1
    assert table["Quyết định gia hạn"][0] == 1

    submitted, returned, extended = _figure(
        printed, r"Minh chứng đã nộp: (\d+) lần; trả lại (\d+); gia hạn được chấp thuận (\d+)"
    )
    begun = datetime.combine(START, time.min, tzinfo=TZ)
    with session_scope(settings.db_url) as s:
        in_period = Evidence.submitted_at >= begun
        evidence = s.exec(select(Evidence).where(in_period)).all()
        files = s.exec(select(EvidenceFile).join(Evidence).where(in_period)).all()
        # A PDF with each, but for a duty touching personal data (its number and figures only).
        sensitive = s.exec(select(Evidence.id).join(Assignment).join(Duty).where(Duty.sensitive, in_period)).all()
        # What fell due before the period is on record, without files: most of it done.
        past = s.exec(select(Assignment).where(Assignment.due < START)).all()
        past_files = s.exec(select(EvidenceFile).join(Evidence).where(Evidence.submitted_at < begun)).all()
        extensions = s.exec(select(Extension)).all()
        raised = Counter(
            e.details["level"] for e in s.exec(select(AuditEntry).where(AuditEntry.action == "assignment.escalated"))
        )
    assert submitted == len(evidence) > 0 and len(files) == len(evidence) - len(sensitive) > 0
    past_done = Counter(classify(a, begun, TZ) for a in past)
    assert past_done[Status.done_on_time] > 0.75 * len(past) and past_done[Status.done_late] > 0, past_done
    assert 0 < past_done[Status.overdue] < 0.1 * len(past) and not past_files
    first_digest = next(
        str(m["Subject"])
        for f in sorted(outbox.glob("*.eml"))
        if str((m := email.message_from_bytes(f.read_bytes(), policy=email.policy.default))["Subject"]).startswith(
            "[Báo cáo tuần]"
        )
    )
    assert " 0% đúng hạn" not in first_digest, first_digest  # the plan before the period is not all undone
    assert returned == sum(e.review == "returned" for e in evidence) == 1
    assert extended == sum(x.decision == "approved" for x in extensions) == 1
    level1, level2 = _figure(printed, r"cấp 1 \(.*?\) (\d+) việc; cấp 2 \(.*?\) (\d+) việc")
    assert (level1, level2) == (raised[1], raised[2]) and level1 > 0 and level2 > 0

    due = [r for r in status_rows(f"{END.isoformat()}T23:59:59") if START <= date.fromisoformat(r["due"]) <= END]
    statuses = Counter(r["status"] for r in due)
    total, on_time, late, overdue = _figure(
        printed,
        r"Việc đến hạn trong kỳ: (\d+): hoàn thành đúng hạn (\d+), hoàn thành quá hạn (\d+), "
        r"chưa hoàn thành quá hạn (\d+)",
    )
    assert total == len(due)
    assert (on_time, late, overdue) == (statuses["done_on_time"], statuses["done_late"], statuses["overdue"])
    assert 0 < on_time < total
    rate = _figure(printed, r"tỷ lệ đúng hạn (\d+)%")[0]
    assert rate == round(100 * on_time / (on_time + late + overdue))
    # The last days' submissions are left for whoever signs in after the replay.
    (awaiting,) = _figure(printed, r"Chờ cán bộ điều phối xem xét: (\d+) minh chứng")
    with session_scope(settings.db_url) as s:
        pending = s.exec(select(Assignment).where(Assignment.state == "submitted")).all()
    assert awaiting == len(pending) > 0
    assert min(a.submitted_at for a in pending).date() >= date(2025, 6, 26)  # the last 5 working days
    report = re.search(r"Báo cáo dự thảo: (\S+\.docx)", printed)
    assert report and Path(report.group(1)).is_file()
    assert f"{outbox}/" in printed and "local summary" in printed
    assert "Giao diện Prefect: không có (PREFECT_API_URL chưa đặt" in printed  # the tests' temporary server
    # Each email is dated on its simulated day, as a mail client sorts them.
    dated = {
        email.message_from_bytes(f.read_bytes(), policy=email.policy.default)["Date"].datetime.astimezone(TZ).date()
        for f in outbox.glob("*.eml")
    }
    assert min(dated) >= START and max(dated) <= END and len(dated) > 5, sorted(dated)

    again = cli("demo", "--from", START.isoformat(), "--to", END.isoformat(), code=1)  # not on a used home
    assert "đã có dữ liệu" in again
