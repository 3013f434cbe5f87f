"""What the Prefect UI shows of dondoc's state: artifacts (a status board, a summary of each
sweep) and events mirrored from the audit log. The database stays the record: artifacts are for
display and events expire (7 days by default)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowFilter, FlowFilterName
from prefect.client.schemas.sorting import FlowRunSort
from prefect.events import emit_event
from prefect.settings import get_current_settings
from sqlmodel import select

from config.settings import get_settings
from models.db import session_scope
from models.operations.audit import claim_for_events
from models.operations.board import BoardRow
from models.operations.isolation import skipped_at
from models.operations.tally import Tally, tally
from models.rules.calendar import WorkingCalendar
from models.rules.periods import period_label
from models.rules.status import Status
from models.tables.assignment import Assignment
from models.tables.org import Body, Contact
from models.tables.plan import Duty, Plan, followed_on
from models.types import local_date
from notifications.dispatch import LEFT, UNRECORDED
from notifications.render import FILTERS

BOARD_KEY = "bang-tinh-hinh"  # one board per plan followed up: `board_key(code)`
check_body_flow = "body-check"  # the flow of the body checks (flows/body.py) the board links to
OVERDUE_TAG = "quá hạn"  # on the check run of a body with overdue work: the dashboard filters by it
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


def ui_page(path: str, ui: str | None = None) -> str:
    """The address of a page of the Prefect UI at `ui` (default: Prefect's setting), in the UI the
    server opens by default: V2, under /v2/, when `server.ui.v2_enabled` (the default of the
    Prefect locked here, 3.9), else V1."""
    settings = get_current_settings()
    v2 = getattr(settings.server.ui, "v2_enabled", False)
    return f"{ui or settings.ui_url or ''}{'/v2' if v2 else ''}{path}"


def overdue_dashboard(ui: str | None = None) -> str:
    """The dashboard showing only the check runs of bodies with overdue work (the past day's, as
    the checks run each working morning): its flow runs are those bodies, its failed task runs
    their overdue items."""
    return ui_page(f"/dashboard?tags={quote(json.dumps([OVERDUE_TAG], ensure_ascii=False))}", ui)


STILL_OPEN = (Status.open, Status.overdue, Status.returned)  # what escalation can still be about


@dataclass(frozen=True)
class Board:
    """A plan's board, in the statuses of the body checks (flows/body.py): a body's "Quá hạn" is
    the number of red task runs of its check. Its rows by body, and its requests apart."""

    title: str
    moment: datetime  # local
    rows: list[BoardRow]  # the bodies the province directs, worst first
    requests: list[BoardRow]  # bodies asked to cooperate: after the ranking, unranked
    escalated: Counter[str]  # per body code: items still open, reported to leadership (level 2)

    @classmethod
    def of(cls, counts: Iterable[Tally], *, title: str, moment: datetime, calendar: WorkingCalendar) -> Board:
        """Worst first: the most overdue items, then the most working days late, then the lowest
        on-time rate; bodies with nothing due yet last. From a plan's counts (`tally`)."""
        today = moment.date()
        late: Counter[str] = Counter()
        escalated: Counter[str] = Counter()
        lines: dict[str, BoardRow] = {}
        asked: dict[str, BoardRow] = {}
        for t in counts:
            (asked if t.request else lines).setdefault(t.body, BoardRow(t.body, t.body_label)).counts[t.status] += (
                t.items
            )
            if t.late_due is not None:
                late[t.body] += calendar.days_late(t.late_due, today) * t.items
            if t.escalated and t.status in STILL_OPEN:
                escalated[t.body] += t.items
        worst_first = sorted(
            lines.values(),
            key=lambda b: (
                b.on_time_rate is None,
                -b.counts[Status.overdue],
                -late[b.body],
                b.on_time_rate or 0.0,
                b.body_label,
            ),
        )
        return cls(title, moment, worst_first, sorted(asked.values(), key=lambda r: r.body_label), escalated)


def board_markdown(b: Board, *, checks: dict[str, str], portal: str | None) -> str:
    """The board as markdown: the overdue count first, each body linking to its latest check run
    (`checks`: URL by body code) and to its list in the portal. Short columns: it fits a 1280 px
    screen."""
    late = [r for r in b.rows if r.counts[Status.overdue]]

    def row(rank: str, r: BoardRow, request: bool) -> str:
        name = f"{r.body_label} (đề nghị phối hợp)" if request else r.body_label
        name = f"[{name}]({checks[r.body]})" if r.body in checks else name
        overdue = r.counts[Status.overdue]
        cells = [
            rank,
            f"🔴 {name}" if overdue else name,
            f"**{overdue}**" if overdue else "0",
            "không xếp hạng" if request else FILTERS["percent"](r.on_time_rate),
            str(r.counts[Status.submitted]),
            str(r.counts[Status.returned]),
            str(r.counts[Status.open]),
            f"{r.counts[Status.done_on_time] + r.counts[Status.done_late]} ({r.counts[Status.done_late]})",
            str(b.escalated[r.body]),
            f"[Xem]({portal}/review?body={r.body})" if portal else "",
        ]
        return f"| {' | '.join(cells)} |"

    return "\n".join(
        [
            f"# {b.title}",
            "",
            f"**{len(late)} cơ quan có việc quá hạn** ({sum(r.counts[Status.overdue] for r in late)} việc), "
            f"trên {len(b.rows)} cơ quan có nhiệm vụ. Tình hình đến {b.moment:%H:%M ngày %d/%m/%Y}. "
            f"[Xem các cơ quan này trên Dashboard]({overdue_dashboard()}).",
            "",
            "Tên cơ quan: lượt kiểm tra gần nhất của cơ quan. Quá hạn: việc chưa nộp đã quá hạn. Đã xong: "
            "số việc đã được chấp nhận (trong ngoặc: hoàn thành quá hạn). Báo lãnh đạo: việc quá hạn đã báo "
            "cáo lãnh đạo (cấp 2). Cổng: danh sách việc của cơ quan trên cổng thông tin.",
            "",
            "| # | Cơ quan | Quá hạn | Tỷ lệ đúng hạn | Chờ duyệt | Trả lại | Trong hạn | Đã xong | Báo lãnh đạo "
            "| Cổng |",
            "|---:|---|---:|---:|---:|---:|---:|---:|---:|---|",
            *(row(str(n), r, False) for n, r in enumerate(b.rows, 1)),
            *(row("", r, True) for r in b.requests),
        ]
    )


def latest_checks(codes: set[str]) -> dict[str, str]:
    """The UI address of each body's latest check run, by body code: a page of runs at a time,
    newest first, until every body is found (a number of API calls in the bodies, not the items)."""
    found: dict[str, str] = {}
    with get_client(sync_client=True) as client:
        offset = 0
        while codes - found.keys():
            page = client.read_flow_runs(
                flow_filter=FlowFilter(name=FlowFilterName(any_=[check_body_flow])),
                sort=FlowRunSort.START_TIME_DESC,
                limit=200,
                offset=offset,
            )
            for run in page:
                code = run.parameters.get("body")
                if code in codes and code not in found and run.start_time is not None:
                    found[code] = ui_page(f"/runs/flow-run/{run.id}")
            if len(page) < 200:
                break
            offset += 200
    return found


@task(name="publish-board", task_run_name="đăng bảng tình hình")
def publish_board(now: datetime) -> int:
    """A board per plan followed up, under its own key (a markdown artifact: it carries links)."""
    settings = get_settings()
    calendar = WorkingCalendar.from_file(settings.calendar_file)
    count = 0
    moment = now.astimezone(settings.tz)
    with session_scope(settings.db_url) as s:
        plans = s.exec(select(Plan).where(followed_on(local_date(now, settings.tz))).order_by(Plan.id)).all()
        boards = [
            (
                p.code,
                f"{p.title} ({p.number or p.code})",
                Board.of(
                    tally(s, plan_id=p.id, now=now, tz=settings.tz),
                    title=f"Kế hoạch {p.number or p.code}",
                    moment=moment,
                    calendar=calendar,
                ),
            )
            for p in plans
        ]
    checks = latest_checks({r.body for *_, b in boards for r in (*b.rows, *b.requests)})
    for code, description, b in boards:
        create_markdown_artifact(
            board_markdown(b, checks=checks, portal=settings.portal_url),
            key=board_key(code),
            description=f"{description}: tình hình thực hiện, cơ quan chậm nhất trước",
        )
        count += len(b.rows) + len(b.requests)
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


@task(name="publish-sweep-summary", task_run_name="tổng kết lượt quét")
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


@task(name="mirror-events", task_run_name="đưa nhật ký lên Event Feed")
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
        items = {
            aid: (body_id, f"{ref} · {period_label(period)}", code, f"Kế hoạch {number or code}")
            for aid, body_id, ref, period, code, number in s.exec(
                select(Assignment.id, Assignment.body_id, Duty.ref, Assignment.period, Plan.code, Plan.number)
                .join(Duty, Duty.id == Assignment.duty_id)
                .join(Plan, Plan.id == Duty.plan_id)
                .where(Assignment.id.in_(assignment_ids))
            )
        }
        contacts = dict(s.exec(select(Contact.id, Contact.body_id)).all())
        bodies = {b.id: (b.code, b.label) for b in s.exec(select(Body))}
    for e in wanted:
        # Named as people read them (the body's short name, the item, the plan); codes in the ids.
        resource = {"prefect.resource.id": f"dondoc.{e.entity}.{e.entity_id}"}
        related = []
        if e.entity == "assignment" and e.entity_id in items:
            body_id, item, plan_code, plan_name = items[e.entity_id]
            resource["prefect.resource.name"] = f"{item} · {bodies[body_id][1]}"
            plan = {"prefect.resource.id": f"dondoc.plan.{plan_code}", "prefect.resource.role": "plan"}
            related.append({**plan, "prefect.resource.name": plan_name})
        else:
            body_id = contacts.get(e.details.get("contact"))
        if body_id:
            code, label = bodies[body_id]
            body = {"prefect.resource.id": f"dondoc.body.{code}", "prefect.resource.role": "body"}
            related.insert(0, {**body, "prefect.resource.name": label})
        # The server keeps 7 days of events and hides older ones: a replayed (or long unmirrored)
        # record is shown at the time it is mirrored, its own time in the payload.
        occurred = e.at if e.at > now - timedelta(days=6) else now
        emit_event(
            event=EVENTS[e.action],
            occurred=occurred,
            resource=resource,
            related=related,
            payload={"at": e.at.isoformat(), "actor": e.actor, "channel": e.channel, **e.details},
        )
    return len(wanted)
