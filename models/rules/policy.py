"""The reminder policy (config/policy.yaml) and the pure decision of what is due to be sent now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Literal, NamedTuple
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from models.errors import InputError, Problem, format_path
from models.rules.calendar import WorkingCalendar
from models.tables.assignment import OPEN_STATES, Assignment
from models.types import local_date


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QuietHours(_Strict):
    start: time = time(20, 0)
    end: time = time(7, 0)

    def contains(self, moment: time) -> bool:
        if self.start <= self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end  # the window spans midnight


class Nagging(NamedTuple):
    """How often an overdue item is nagged: every `every` working days, and once it is
    `fade_after` working days late, every `then_every` (None: never fades). Nags that fade: the
    first two weeks press, then a weekly line is enough (the item has reached leadership by then)."""

    every: int
    fade_after: int | None = None
    then_every: int = 5

    def offset(self, elapsed: int) -> int:
        """The latest nag's offset (working days after the due date) on the `elapsed`-th working
        day late; 0 before the first nag."""
        if self.fade_after is None or elapsed <= self.fade_after:
            return elapsed - elapsed % self.every
        last = self.fade_after - self.fade_after % self.every  # the last frequent nag
        return last + (elapsed - last) // self.then_every * self.then_every


class Reminders(_Strict):
    steps: list[int] = Field([-7, -3, -1, 0], min_length=1)
    overdue_every: int = Field(3, ge=1)
    fade_after: int | None = Field(10, ge=1)
    fade_every: int = Field(5, ge=1)
    sms_steps: list[int] = [-1, 0]
    quiet_hours: QuietHours = QuietHours()

    @field_validator("steps")
    @classmethod
    def _steps_before_due(cls, steps: list[int]) -> list[int]:
        if any(s > 0 for s in steps):
            raise ValueError("steps are counted up to the due day (<= 0); overdue nags use overdue_every")
        return steps


class DeliveryRules(_Strict):
    max_attempts: int = Field(12, ge=1)
    backoff_minutes: list[int] = Field([5, 15, 60, 180, 720, 1440], min_length=1)
    sms_fallback_after: int = Field(3, ge=1)
    stale_sending_minutes: int = Field(15, ge=1)
    concurrency: int = Field(1, ge=1, le=64)
    # A run's send phase stops claiming after this many seconds; the rest waits for the next run.
    send_seconds: float = Field(900, gt=0)
    # A channel that answered nothing this many times in a row (down, or hung) rests until the next
    # run: its other messages keep their attempts instead of each waiting out a timeout.
    pause_after_silences: int = Field(3, ge=1)

    def backoff(self, attempts: int) -> timedelta:
        return timedelta(minutes=self.backoff_minutes[min(attempts, len(self.backoff_minutes)) - 1])


Audience = Literal["focal", "head", "coordinator", "leadership"]


class Level(_Strict):
    """An escalation level: reached `after` working days past the effective due date, it tells
    `notify`: the body's own `focal` points or `head`, the plan's `coordinator` (Sở LĐ-TB&XH, or
    its successor) or its `leadership` (UBND tỉnh)."""

    level: int = Field(ge=1)
    after: int = Field(ge=1)
    notify: list[Audience] = Field(min_length=1)


DEFAULT_LEVELS = (
    Level(level=1, after=1, notify=["head", "coordinator"]),
    Level(level=2, after=10, notify=["leadership"]),
)
# A request ("Đề nghị ...", `Duty.request`) to a body the province does not direct (the procuracy,
# the court, the Fatherland Front): the coordinating body follows it up; it is not reported to the
# provincial leadership as a failure, nor pressed on the body's head, whom the province does not
# direct either.
DEFAULT_REQUEST_LEVELS = (Level(level=1, after=1, notify=["coordinator"]),)


class Escalation(_Strict):
    levels: list[Level] = list(DEFAULT_LEVELS)
    plans: dict[str, list[Level]] = {}  # by plan code: replaces `levels` for that plan
    duties: dict[str, list[Level]] = {}  # by duty reference: replaces the plan's for that duty
    requests: list[Level] = list(DEFAULT_REQUEST_LEVELS)  # the request duties' (a duty's own still wins)

    @field_validator("levels", "requests")
    @classmethod
    def _ascending(cls, levels: list[Level]) -> list[Level]:
        return _ladder(levels)

    @field_validator("plans", "duties")
    @classmethod
    def _each_ascending(cls, ladders: dict[str, list[Level]]) -> dict[str, list[Level]]:
        return {key: _ladder(levels) for key, levels in ladders.items()}

    def ladder(self, plan: str, ref: str, request: bool = False) -> tuple[Level, ...]:
        """A duty's own ladder, else the requests' for a request, else its plan's, else the default:
        a plan's ladder is written for what the province directs, and does not reach requests. An
        empty `requests` escalates no request at all."""
        if self.duties.get(ref):
            return tuple(self.duties[ref])
        if request:
            return tuple(self.requests)
        return tuple(self.plans.get(plan) or self.levels)

    @property
    def longest(self) -> int:
        """The most levels any ladder has: an item told that many is never told again."""
        return max(len(levels) for levels in [self.levels, self.requests, *self.plans.values(), *self.duties.values()])


def _ladder(levels: list[Level]) -> list[Level]:
    numbers, delays = [lv.level for lv in levels], [lv.after for lv in levels]
    if numbers != list(range(1, len(levels) + 1)) or delays != sorted(set(delays)):
        raise ValueError("levels are numbered 1, 2, ... with strictly increasing delays")
    return levels


class Override(_Strict):
    steps: list[int] | None = None
    overdue_every: int | None = Field(None, ge=1)


class Policy(_Strict):
    reminders: Reminders = Reminders()
    delivery: DeliveryRules = DeliveryRules()
    overrides: dict[str, Override] = {}
    escalation: Escalation = Escalation()

    @classmethod
    def from_file(cls, path: Path) -> Policy:
        from models.intake.catalog.yamlsource import line_of, load_with_lines

        if not path.exists():
            return cls()
        data, lines = load_with_lines(path.read_text(encoding="utf-8"))
        try:
            return cls.model_validate(data or {})
        except ValidationError as exc:
            raise InputError(
                [
                    Problem(str(path), "invalid-policy", format_path(e["loc"]), line_of(lines, e["loc"]), e["msg"])
                    for e in exc.errors()
                ]
            ) from exc

    @property
    def default_rule(self) -> tuple[list[int], Nagging]:
        """(steps, nagging) for a duty without an override."""
        r = self.reminders
        return r.steps, Nagging(r.overdue_every, r.fade_after, r.fade_every)

    def for_duty(self, ref: str) -> tuple[list[int], Nagging]:
        o = self.overrides.get(ref)
        steps, nagging = self.default_rule
        if o and o.overdue_every:
            nagging = nagging._replace(every=o.overdue_every)
        return (o.steps if o and o.steps else steps), nagging

    def sms_wanted(self, offset: int) -> bool:
        return offset > 0 or offset in self.reminders.sms_steps

    def outside_quiet_hours(self, moment: datetime, tz: ZoneInfo) -> datetime:
        """`moment`, or the end of the quiet window it falls in (SMS wait until morning)."""
        q = self.reminders.quiet_hours
        local = moment.astimezone(tz)
        if not q.contains(local.time()):
            return moment
        day = local.date() if local.time() < q.end else local.date() + timedelta(days=1)
        return datetime.combine(day, q.end, tzinfo=tz)


@dataclass(frozen=True)
class Step:
    name: str  # "T-7", "D0", "D+3"
    offset: int  # working days from the due date
    on: date  # the working day it falls on
    due: date  # the (effective) due date it counts from

    @property
    def occasion(self) -> str:
        """ "T-3@2025-06-18": part of the dedupe key, so each step is sent once for a due date, and an
        extension (a new due date) starts a new ladder instead of meeting the old one's keys."""
        return f"{self.name}@{self.due.isoformat()}"

    @property
    def kind(self) -> str:
        return "overdue" if self.offset > 0 else "reminder"


def step_name(offset: int) -> str:
    return "D0" if offset == 0 else (f"T{offset}" if offset < 0 else f"D+{offset}")


def due_steps(
    a: Assignment, ref: str, policy: Policy, now: datetime, calendar: WorkingCalendar, tz: ZoneInfo
) -> list[Step]:
    """The reminder step due at `now` for `a`: the latest one whose day has come, or none.

    Pure. Computed from `now`, not from when the sweep was scheduled: five late sweeps in a row
    all find the same step, and the outbox's dedupe key sends it once. A step missed during an
    outage is not sent late when a later one is already due.
    """
    if a.state not in OPEN_STATES:
        return []
    steps, nagging = policy.for_duty(ref)
    step = step_on(a.effective_due, tuple(steps), nagging, local_date(now, tz), calendar)
    return [step] if step else []


def step_on(due: date, steps: tuple[int, ...], nagging: Nagging, today: date, calendar: WorkingCalendar) -> Step | None:
    """The step of an open assignment due `due`, on `today`. It depends on nothing else, so a
    sweep decides once per distinct due date, not once per assignment."""
    due = calendar.roll_forward(due)
    elapsed = calendar.working_days_between(due, today)  # negative before the due day
    offset: int | None
    if elapsed > 0:  # overdue: a nag every few working days, fading
        offset = nagging.offset(elapsed)
    else:
        offset = max((s for s in steps if s <= elapsed), default=None)
    if offset is None or (offset == 0 and elapsed > 0):
        return None
    return Step(step_name(offset), offset, calendar.add_working_days(due, offset), due)
