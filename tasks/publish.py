"""What the Prefect UI shows of dondoc's state: artifacts (a status board, a summary of each
sweep) and events mirrored from the audit log. The database stays the record: artifacts are for
display and events expire (7 days by default)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.events import emit_event
from sqlmodel import select

from config.settings import get_settings
from models.db import session_scope
from models.operations.audit import claim_for_events
from models.operations.board import BoardRow
from models.operations.digest import CATEGORIES, build
from models.operations.isolation import skipped_at
from models.rules.calendar import WorkingCalendar
from models.rules.status import LABELS
from models.tables.assignment import Assignment
from models.tables.org import Body, Contact
from models.tables.plan import Plan, followed_on
from models.types import local_date
from notifications.dispatch import LEFT, UNRECORDED
from notifications.render import FILTERS

BOARD_KEY = "bang-tinh-hinh"  # one table artifact per plan followed up: `board_key(code)`
SWEEP_KEY = "tong-ket-quet"
# Audit actions that become events, under the names coordinators filter the Event Feed by.
EVENTS = {
    "assignment.submitted": "dondoc.assignment.submitted",
    "assignment.accepted": "dondoc.assignment.accepted",
    "assignment.returned": "dondoc.assignment.returned",
    "assignment.overdue": "dondoc.assignment.overdue",
    "assignment.escalated": "dondoc.assignment.escalated",
    "notification.failed": "dondoc.notification.failed",
}


def board_key(plan: str) -> str:
    return f"{BOARD_KEY}-{plan}"


def board_rows(now: datetime, plan_id: int) -> list[dict]:
    settings = get_settings()
    with session_scope(settings.db_url) as s:
        digest = build(
            s,
            kind="leadership",
            now=now,
            tz=settings.tz,
            calendar=WorkingCalendar.from_file(settings.calendar_file),
            plan_id=plan_id,
        )
    # Per body, and apart for its requests (to bodies the province does not direct: listed after
    # the ranking, never in it).
    awaiting = Counter((i["body"], i["request"]) for i in digest.awaiting_review)
    escalated = Counter((i["body"], i["request"]) for i in digest.escalated)

    def row(b: BoardRow, request: bool) -> dict:
        return {
            "Cơ quan": f"{b.body_label} (đề nghị phối hợp)" if request else b.body_label,
            **{LABELS[c]: b.counts[c] for c in CATEGORIES},
            "Chờ duyệt": awaiting[(b.body_label, request)],
            "Báo cáo lãnh đạo (cấp 2)": escalated[(b.body_label, request)],
            "Tỷ lệ đúng hạn": "không xếp hạng" if request else FILTERS["percent"](b.on_time_rate),
        }

    ranked = [*digest.league, *(b for b in digest.bodies if b.on_time_rate is None)]
    return [row(b, False) for b in ranked] + [row(b, True) for b in digest.requests]


@task(name="publish-board", task_run_name="publish the status boards")
def publish_board(now: datetime) -> int:
    """A board per plan followed up, under its own key and title."""
    settings = get_settings()
    with session_scope(settings.db_url) as s:
        plans = [
            (p.id, p.code, p.number or p.code, p.title)
            for p in s.exec(select(Plan).where(followed_on(local_date(now, settings.tz))).order_by(Plan.id))
        ]
    count = 0
    for plan_id, code, number, title in plans:
        rows = board_rows(now, plan_id)
        create_table_artifact(
            rows,
            key=board_key(code),
            description=f"{title} ({number}): tình hình thực hiện đến {now.astimezone(settings.tz):%H:%M %d/%m/%Y}",
        )
        count += len(rows)
    return count


# What a sweep's send phase can end with, as the summary names it.
SENT_LABELS = (
    ("sent", "Đã gửi"),
    ("failed", "Lỗi tạm thời, sẽ gửi lại"),
    ("dead", "Không gửi được"),
    ("unknown", "Chưa rõ đã đến hay chưa (không gửi lại tự động)"),
    ("cancelled", "Huỷ (đã nộp)"),
    (LEFT, "Để lại cho lượt sau (hết thời gian hoặc máy chủ không trả lời)"),
    (UNRECORDED, "Đã gửi nhưng chưa ghi được kết quả (cơ sở dữ liệu lỗi)"),
)


@task(name="publish-sweep-summary", task_run_name="summarise the sweep")
def publish_sweep_summary(now: datetime, planned: int, escalations: int, sent: dict[str, int]) -> None:
    settings = get_settings()
    with session_scope(settings.db_url) as s:
        skipped = skipped_at(s, now)
    lines = [
        f"# Lượt quét {now.astimezone(settings.tz):%H:%M %d/%m/%Y}",
        "",
        "| | Số tin |",
        "|---|---:|",
        f"| Nhắc việc mới đưa vào hộp thư đi | {planned} |",
        f"| Thông báo quá hạn (cấp 1, 2) | {escalations} |",
        f"| Email đã gửi (mỗi người nhận một thư trong ngày) | {sent.get('email', 0)} |",
        f"| SMS đã gửi | {sent.get('sms', 0)} |",
        *(
            f"| {label} | {sent.get(key, 0)} |"
            for key, label in SENT_LABELS
            if key in ("sent", "failed", "dead", "cancelled") or sent.get(key)
        ),
    ]
    if skipped:
        lines += [
            "",
            f"**{skipped} nhiệm vụ bị bỏ qua do dữ liệu không hợp lệ** (đã báo cán bộ điều phối; "
            "xem nhật ký kiểm tra `assignment.skipped`).",
        ]
    create_markdown_artifact("\n".join(lines), key=SWEEP_KEY, description="Kết quả lượt quét hằng ngày")


@task(name="mirror-events", task_run_name="mirror the audit log as events")
def mirror_events(limit: int = 5000) -> int:
    """Emit an event for each audit row after the cursor that coordinators watch. The rows are
    claimed first (the cursor lives in dondoc's database and moves atomically), so two mirrors at
    once never emit a row twice. Run from the sweep, so that the CLI and the portal need no
    Prefect."""
    settings = get_settings()
    now = datetime.now(UTC)
    with session_scope(settings.db_url) as s:
        wanted = [e for e in claim_for_events(s, limit=limit) if e.action in EVENTS]
        assignment_ids = {e.entity_id for e in wanted if e.entity == "assignment"}
        bodies = dict(s.exec(select(Assignment.id, Assignment.body_id).where(Assignment.id.in_(assignment_ids))).all())
        contacts = dict(s.exec(select(Contact.id, Contact.body_id)).all())
        codes = dict(s.exec(select(Body.id, Body.code)).all())
    for e in wanted:
        body_id = bodies.get(e.entity_id) if e.entity == "assignment" else contacts.get(e.details.get("contact"))
        related = (
            [
                {
                    "prefect.resource.id": f"dondoc.body.{codes[body_id]}",
                    "prefect.resource.role": "body",
                    "prefect.resource.name": codes[body_id],
                }
            ]
            if body_id
            else []
        )
        # The server keeps 7 days of events and hides older ones: a replayed (or long unmirrored)
        # record is shown at the time it is mirrored, its own time in the payload.
        occurred = e.at if e.at > now - timedelta(days=6) else now
        emit_event(
            event=EVENTS[e.action],
            occurred=occurred,
            resource={"prefect.resource.id": f"dondoc.{e.entity}.{e.entity_id}"},
            related=related,
            payload={"at": e.at.isoformat(), "actor": e.actor, "channel": e.channel, **e.details},
        )
    return len(wanted)
