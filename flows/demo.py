"""`dondoc demo`: a period replayed with a simulated clock, as a province would live it.

Each working day: the catalog sync (06:30) creates the assignments begun, the daily sweep (07:00)
reminds, escalates and sends, the weekly digests go on Mondays (08:00); then the focal points act
and the coordinator reviews. Every run is a Prefect flow run at its simulated moment, so the
Prefect UI fills as it would have. At the end, the report of the period is drafted.

What the focal points do is drawn per item from a seeded random stream (the same replay every
time): most confirm on time with a PDF report as evidence, some late, some never (their items
climb both escalation levels), and a body with no focal point in the directory never (it had no
link); the coordinator accepts each submission the next working day, but for those of the last
LEFT_TO_REVIEW working days, left awaiting review for whoever signs in to the portal after the
replay. One submission is returned and sent again, and one extension is asked for and approved, so
that every kind of message appears.

What fell due before the period is put on record first, as a province starting with dondoc would
enter its paper record: most done on time, some late, a few never, with the document's number and
no file, and no message (dondoc was not there to send one).
"""

from __future__ import annotations

import random
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from fpdf import FPDF
from sqlalchemy import func
from sqlmodel import Session, select

from config.settings import Settings, get_settings
from flows.catalog import catalog_sync
from flows.digest import weekly_digest
from flows.report import draft_report
from flows.sweep import daily_sweep
from models.db import session_scope
from models.intake.uploads import receive_file
from models.operations.actions import decide_extension, decide_submission, submit
from models.operations.audit import By
from models.operations.confirmation import Ruling, Submission, confirm, review
from models.operations.extension import request as ask_extension
from models.operations.org import Roster
from models.rules.calendar import WorkingCalendar
from models.rules.periods import period_label
from models.rules.policy import Policy
from models.rules.status import Status, classify
from models.tables.assignment import EFFECTIVE_DUE, OPEN_STATES, Assignment, State
from models.tables.audit import AuditEntry
from models.tables.notification import Delivery, Notification
from models.tables.org import Body, Role
from models.tables.plan import Duty
from models.types import local_date
from notifications.kinds import DAILY_KINDS
from notifications.runtime import Runtime

SEED = 2025
ON_TIME, LATE = 0.62, 0.22  # of the items due in the period; the rest are never done
# Of the items due before the period, as the province's paper record would hold them: without
# them, the first digest read "0% on time, 490 overdue" (the whole plan until then undone).
PAST_ON_TIME, PAST_LATE = 0.85, 0.12
FONTS = (  # a font with Vietnamese letters, from Debian's packages; none: the text without accents
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)
LEFT_TO_REVIEW = 5  # working days at the end whose submissions the replay's coordinator leaves
DEMO = By("demo", "cli")  # who acted, in the audit log: the replay, not a person


@dataclass
class Act:
    """What happens to one item: submitted on `submit_on` (None: never), reviewed the next working
    day; `returned` once first; an extension asked on `extend_on` for `extend_to`."""

    submit_on: date | None
    returned: bool = False
    extend_on: date | None = None
    extend_to: date | None = None


@dataclass
class Replay:
    settings: Settings
    calendar: WorkingCalendar
    policy: Policy
    start: date
    end: date
    plan: str | None = None
    acts: dict[int, Act] = field(default_factory=dict)
    waiting: dict[int, date] = field(default_factory=dict)  # submitted item: the day it is reviewed
    pending: dict[int, date] = field(default_factory=dict)  # extension id: the day it is decided
    specials: Counter[str] = field(default_factory=Counter)  # returns and extensions made so far
    focal: dict[int, int | None] = field(default_factory=dict)  # body id: its focal point's contact id
    settled: bool = False  # what fell due before the period is on record

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=self.settings.tz)

    def days(self) -> Iterator[date]:
        day = self.start
        while day <= self.end:
            yield day
            day += timedelta(days=1)

    def run_day(self, day: date) -> None:
        """One simulated day: nothing happens on a day off (no flow is scheduled on one)."""
        if not self.calendar.is_working_day(day):
            return
        catalog_sync(as_of=self.at(day, 6, 30))
        if not self.settled:
            self.settle_the_past()
        daily_sweep(as_of=self.at(day, 7))
        if day.weekday() == 0:  # the weekly digests, Monday 08:00
            for kind in ("leadership", "coordinator"):
                weekly_digest(kind=kind, as_of=self.at(day, 8))
        self.act(day)

    def settle_the_past(self) -> None:
        """Record the items due before the period (from the seeded draw: the same every replay) as
        submitted and accepted then, without a message: the record the province had on paper."""
        self.settled = True
        with session_scope(self.settings.db_url) as s:
            query = select(Assignment).where(Assignment.state.in_(OPEN_STATES), Assignment.due < self.start)
            for a in s.exec(query.order_by(Assignment.id)).all():
                rng = random.Random(f"{SEED}:past:{a.id}")
                draw = rng.random()
                if draw < PAST_ON_TIME:
                    day = max(
                        self.calendar.roll_forward(a.period_start),
                        self.calendar.add_working_days(a.due, -rng.randint(0, 4)),
                    )
                elif draw < PAST_ON_TIME + PAST_LATE:
                    day = self.calendar.add_working_days(a.due, rng.randint(1, 8))
                else:
                    continue
                day = min(day, self.calendar.add_working_days(self.start, -2))  # reviewed before the period
                body = s.get_one(Body, a.body_id)
                sent = Submission(
                    reference=_reference(a, body),
                    document_date=day,
                    note="Nhập từ hồ sơ giấy trước khi theo dõi trên hệ thống.",
                )
                confirm(
                    s,
                    a.id,
                    sent,
                    now=self.at(day, 10),
                    tz=self.settings.tz,
                    date_margin_days=self.settings.date_margin_days,
                    by=DEMO,
                )
                review(s, a.id, Ruling(True), now=self.at(self.calendar.add_working_days(day, 1), 15), by=DEMO)

    def finish(self) -> list[str]:
        """The period's report, as the coordinator would ask for it at the end of its last day."""
        return draft_report(plan=self.plan, as_of=self.at(self.end, 17))

    def act(self, day: date) -> None:
        """The focal points' submissions and extension requests of the day, then the coordinator's
        decisions, each sent at once as the portal would."""
        runtime = Runtime.from_settings(self.settings)
        ids: list[int] = []
        with session_scope(self.settings.db_url) as s:
            for a in self._open_items(s, day):
                if a.id not in self.acts:
                    # A body with no focal point in the directory got no link: it does nothing.
                    self.acts[a.id] = self._draw(a) if self._focal(s, a.body_id) else Act(None)
                act = self.acts[a.id]
                if act.extend_on == day and act.extend_to:
                    ext = ask_extension(
                        s,
                        a.id,
                        act.extend_to,
                        "Chờ tổng hợp số liệu của các xã sau sắp xếp đơn vị hành chính.",
                        now=self.at(day, 10),
                        calendar=self.calendar,
                        tz=self.settings.tz,
                        date_margin_days=self.settings.date_margin_days,
                        contact_id=self._focal(s, a.body_id),
                        by=DEMO,
                    )
                    self.pending[ext.id] = self.calendar.add_working_days(day, 1)
                if act.submit_on == day and a.id not in self.waiting:
                    ids += self._submit(s, a, day)
            for ext_id, decided in list(self.pending.items()):
                if decided == day:
                    ids += decide_extension(
                        s, ext_id, Ruling(True), now=self.at(day, 14), policy=self.policy, tz=self.settings.tz, by=DEMO
                    )[1]
                    del self.pending[ext_id]
            for assignment_id, reviewed in list(self.waiting.items()):
                if reviewed != day:
                    continue
                del self.waiting[assignment_id]
                act = self.acts[assignment_id]
                ruling = Ruling(True)
                if act.returned:
                    ruling = Ruling(False, "Đề nghị bổ sung số liệu kết quả theo chỉ tiêu của kế hoạch.")
                    act.returned = False
                    act.submit_on = self.calendar.add_working_days(day, 2)  # sent again
                ids += decide_submission(
                    s, assignment_id, ruling, now=self.at(day, 15), policy=self.policy, tz=self.settings.tz, by=DEMO
                )[1]
        runtime.dispatch(self.at(day, 16), ids=ids)

    def _open_items(self, s: Session, day: date) -> list[Assignment]:
        query = (
            select(Assignment)
            .where(Assignment.state.in_(OPEN_STATES), Assignment.period_start <= day, Assignment.due >= self.start)
            .order_by(Assignment.due, Assignment.id)
        )
        return list(s.exec(query))

    def _draw(self, a: Assignment) -> Act:
        """The item's fate, from its own seeded draw: the same every replay."""
        rng = random.Random(f"{SEED}:{a.id}")
        due = a.extended_due or a.due
        earliest = self.calendar.roll_forward(max(self.start, a.period_start))
        if not self.specials["extension"] and due > self.calendar.add_working_days(earliest, 3):
            self.specials["extension"] += 1
            asked = self.calendar.add_working_days(due, -3)
            new_due = self.calendar.add_working_days(due, 10)
            return Act(self.calendar.add_working_days(new_due, -1), extend_on=asked, extend_to=new_due)
        draw = rng.random()
        if draw < ON_TIME:
            on = max(earliest, self.calendar.add_working_days(due, -rng.randint(0, 4)))
            returned = not self.specials["return"]
            self.specials["return"] += returned
            return Act(on, returned=returned)
        if draw < ON_TIME + LATE:
            return Act(self.calendar.add_working_days(due, rng.randint(1, 8)))
        return Act(None)

    def _submit(self, s: Session, a: Assignment, day: date) -> list[int]:
        """The body's report of the item as a PDF (only its number and figures for a duty that
        touches personal data: no file is taken for one), sent the way the portal sends it."""
        duty, body = s.get_one(Duty, a.duty_id), s.get_one(Body, a.body_id)
        number = _number(a)
        with tempfile.TemporaryDirectory(prefix="dondoc-demo-") as folder:
            uploads = []
            if not duty.sensitive:
                pdf = Path(folder) / f"bao-cao-{duty.ref.lower().replace('.', '-')}-{a.period.lower()}.pdf"
                evidence_pdf(pdf, body.name, duty.ref, duty.title, period_label(a.period), day, number)
                uploads.append(receive_file(pdf, self.settings.evidence_dir, max_bytes=self.settings.max_file_bytes))
            try:
                sent = Submission(
                    files=uploads,
                    reference=_reference(a, body),
                    document_date=day,
                    note="Đã triển khai thực hiện theo kế hoạch; kết quả chi tiết tại báo cáo kèm theo.",
                    contact_id=self._focal(s, a.body_id),
                )
                _, ids = submit(
                    s,
                    a.id,
                    sent,
                    now=self.at(day, 9 + a.id % 7),
                    policy=self.policy,
                    tz=self.settings.tz,
                    date_margin_days=self.settings.date_margin_days,
                    by=DEMO,
                )
            finally:
                for upload in uploads:
                    upload.discard()  # what was not kept
        if day <= self.calendar.add_working_days(self.end, -LEFT_TO_REVIEW):
            self.waiting[a.id] = self.calendar.add_working_days(day, 1)
        return ids

    def _focal(self, s: Session, body_id: int) -> int | None:
        """The body's first focal point (the directory does not change during a replay)."""
        if body_id not in self.focal:
            found = Roster(s, {body_id}).first(body_id, Role.focal)
            self.focal[body_id] = found[0].id if found else None
        return self.focal[body_id]


def evidence_pdf(path: Path, body: str, ref: str, title: str, period: str, day: date, number: int) -> Path:
    """A one-page report, as a body would send: who, what, which period, a number and a date;
    marked as made by the demo."""
    pdf = FPDF(format="A4")
    pdf.add_page()
    font = next((f for f in FONTS if Path(f).is_file()), None)
    if font:
        pdf.add_font("body", fname=font)
        pdf.set_font("body", size=12)
    else:
        pdf.set_font("Helvetica", size=12)
    lines = [
        body.upper(),
        f"Số: {number}/BC",
        f"Ngày {day:%d/%m/%Y}",
        "",
        "BÁO CÁO",
        f"Kết quả thực hiện nhiệm vụ {ref}, {period}",
        "",
        title,
        "",
        "Minh chứng mô phỏng do `dondoc demo` tạo, không phải văn bản thật.",
    ]
    for line in lines:
        pdf.multi_cell(0, 7, line if font else _plain(line), new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def _number(a: Assignment) -> int:
    """The number of the body's report on the item (made up, the same every replay)."""
    return 100 + a.id % 800


def _reference(a: Assignment, body: Body) -> str:
    return f"{_number(a)}/BC-{body.short_name or body.code}"


def _plain(text: str) -> str:
    """Without accents, for a PDF core font (Latin-1 only): "Đề nghị" → "De nghi"."""
    folded = unicodedata.normalize("NFKD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in folded if not unicodedata.combining(c)).encode("latin-1", "replace").decode("latin-1")


def replay(
    start: date, end: date, *, plan: str | None = None, each_day: Callable[[date], None] | None = None
) -> list[str]:
    """Replay `start`..`end` on the configured database; returns the report files drafted."""
    settings = get_settings()
    runtime = Runtime.from_settings(settings)
    r = Replay(settings, runtime.calendar, runtime.policy, start, end, plan)
    for day in r.days():
        r.run_day(day)
        if each_day:
            each_day(day)
    return r.finish()


@dataclass
class Summary:
    """What a replay did, read back from the database (the test holds the printed figures to it)."""

    messages: Counter[tuple[str, str]]  # (kind, channel): messages sent; a day's reminders are one
    items: Counter[str]  # per kind: the outbox rows sent (an item, a step, a recipient)
    recipients: Counter[str]  # per kind: distinct addresses
    submissions: int
    returned: int
    extensions: int
    statuses: Counter[Status]  # of the items due in the period, at its end
    escalated: Counter[int]  # items raised to each level during the period
    awaiting: int  # submissions awaiting a coordinator's review at the end

    @property
    def on_time_rate(self) -> float | None:
        counted = self.statuses[Status.done_on_time] + self.statuses[Status.done_late] + self.statuses[Status.overdue]
        return self.statuses[Status.done_on_time] / counted if counted else None


def summary(start: date, end: date) -> Summary:
    settings = get_settings()
    tz = settings.tz
    since = datetime.combine(start, time.min, tzinfo=tz)
    until = datetime.combine(end, time.max, tzinfo=tz)
    messages: Counter[tuple[str, str]] = Counter()
    items: Counter[str] = Counter()
    addresses: dict[str, set[str]] = {}
    days: set[tuple[str, str, date]] = set()  # a day's message to one address
    with session_scope(settings.db_url) as s:
        for n in s.exec(select(Notification).where(Notification.status == Delivery.sent)):
            kind = "daily" if n.kind in DAILY_KINDS else n.kind
            items[n.kind] += 1
            addresses.setdefault(kind, set()).add(n.recipient)
            sent_on = local_date(n.sent_at or n.created_at, tz)
            if kind != "daily":
                messages[kind, n.channel] += 1
            elif (n.channel, n.recipient, sent_on) not in days:
                days.add((n.channel, n.recipient, sent_on))
                messages[kind, n.channel] += 1
        audit = s.exec(select(AuditEntry).where(AuditEntry.at >= since, AuditEntry.at <= until)).all()
        due = s.exec(select(Assignment).where(EFFECTIVE_DUE.between(start, end), Assignment.period_start <= end)).all()
        statuses = Counter(classify(a, until, tz) for a in due)
        awaiting = s.exec(select(func.count()).where(Assignment.state == State.submitted)).one()
    actions = Counter(e.action for e in audit)
    return Summary(
        messages,
        items,
        Counter({kind: len(found) for kind, found in addresses.items()}),
        actions["assignment.submitted"],
        actions["assignment.returned"],
        actions["extension.approved"],
        statuses,
        Counter(int(e.details.get("level", 0)) for e in audit if e.action == "assignment.escalated"),
        awaiting,
    )
