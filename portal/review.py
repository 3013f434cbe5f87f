"""The coordinators' pages: what waits for review, an assignment's submissions, the decisions on
submissions and on extension requests, and the submitted files."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session, SQLModel, select
from starlette.concurrency import run_in_threadpool

from models.operations import actions, extension
from models.operations.audit import By
from models.operations.board import DueBasis, assignment_views
from models.operations.confirmation import Ruling, submissions
from models.rules.status import Status, classify
from models.tables.assignment import Assignment, State
from models.tables.extension import Decision, Extension
from models.tables.org import Body
from models.tables.plan import Duty, Plan
from models.types import local_date
from notifications.context import assignment_context
from portal.auth import Coordinator, CoordinatorPage
from portal.deps import (
    AssignmentId,
    Context,
    Ctx,
    Database,
    Db,
    ExtensionId,
    FileId,
    Form,
    Now,
    Page,
    Renderer,
    evidence_file,
)
from portal.errors import ErrorPage
from portal.forms import ReceivedForm

router = APIRouter()


@router.get("/", include_in_schema=False)
def home():
    return RedirectResponse("/review", 303)


@router.get("/review", response_class=HTMLResponse)
def review_list(_reviewer: CoordinatorPage, ctx: Ctx, db: Db, now: Now, page: Page, body: str | None = None):
    """What waits for review; with `?body=<code>` (the link of a body's check), that body's only,
    after what it still owes."""
    tz = ctx.settings.tz
    with db() as s:
        shown = _body(s, body) if body else None
        only = (Body.id == shown.id,) if shown else ()
        # Plan by plan (a coordinator may coordinate several), oldest submission first.
        submitted = s.exec(
            select(Assignment, Duty, Body, Plan)
            .join(Duty, Duty.id == Assignment.duty_id)
            .join(Body, Body.id == Assignment.body_id)
            .join(Plan, Plan.id == Duty.plan_id)
            .where(Assignment.state == State.submitted, *only)
            .order_by(Plan.id, Assignment.submitted_at)
        ).all()
        pending = s.exec(
            select(Extension, Assignment, Duty, Body)
            .join(Assignment, Assignment.id == Extension.assignment_id)
            .join(Duty, Duty.id == Assignment.duty_id)
            .join(Body, Body.id == Assignment.body_id)
            .where(Extension.decision == Decision.pending, *only)
            .order_by(Extension.requested_at)
        ).all()
        waiting = [
            {"a": a, "duty": d, "body": b, "plan": p, "submitted_at": a.submitted_at.astimezone(tz)}
            for a, d, b, p in submitted
        ]
        # Each date with who set it, as everywhere a date is shown.
        basis = DueBasis(s, now.astimezone(tz).date())
        asked = [
            {"ext": e, "a": a, "duty": d, "body": b, "plan": (p := s.get(Plan, d.plan_id)), "basis": basis(a, d, p)}
            for e, a, d, b in pending
        ]
        work = _unfinished(s, ctx, shown.code, now) if shown else []
    return page("review_list.html", waiting=waiting, asked=asked, now=now.astimezone(tz), body=shown, work=work)


def _body(s: Session, code: str) -> Body:
    body = s.exec(select(Body).where(Body.code == code)).first()
    if body is None:
        raise ErrorPage(f"Không có cơ quan với mã “{code}”.", 404)
    return body


# Late counts only what the body still owes: a submission awaiting review is the coordinator's
# to decide (its review page says how late it came).
_DONE = (Status.done_on_time, Status.done_late)


def _unfinished(s: Session, ctx: Context, code: str, now: datetime) -> list[dict]:
    """A body's assignments begun by `now` and not accepted: the overdue first, the most working
    days late first (counted as the digests count them, from the due date in force moved off a day
    off), then the others by due date."""
    tz, calendar = ctx.settings.tz, ctx.runtime.calendar
    today = local_date(now, tz)
    views = [v for v in assignment_views(s, now=now, tz=tz, body=code) if v.status not in _DONE]
    plans = {p.code: p for p in s.exec(select(Plan).where(Plan.code.in_({v.plan for v in views})))}
    work = []
    for v in views:
        late = 0 if v.status == Status.submitted else calendar.days_late(v.due, today)
        work.append({"v": v, "plan": plans[v.plan], "late": late})
    # Stable: among equals, the listing's order (plan by plan, by due date, in the plan's order).
    return sorted(work, key=lambda w: (w["late"] == 0, -w["late"], w["v"].due))


@router.get("/review/{assignment_id}", response_class=HTMLResponse)
def review_page(assignment_id: AssignmentId, _reviewer: CoordinatorPage, ctx: Ctx, db: Db, now: Now, page: Page):
    with db() as s:
        view = _review_view(s, ctx, assignment_id, now)
    return page("review.html", **view)


def _review_view(s: Session, ctx: Context, assignment_id: int, now: datetime) -> dict:
    """What the review page shows: the duty, how late the submission under review is, the
    submissions and the extension requests."""
    tz, calendar = ctx.settings.tz, ctx.runtime.calendar
    a = s.get(Assignment, assignment_id)
    if a is None:
        raise ErrorPage("Không có nhiệm vụ này.", 404)
    duty = assignment_context(s, a.id, now=now, calendar=calendar, tz=tz)
    history = submissions(s, a.id)
    for h in history:
        h["submitted_at"] = h["submitted_at"].astimezone(tz)
    submitted_on = local_date(a.submitted_at, tz) if a.submitted_at else None
    return {
        **duty,
        "status": classify(a, now, tz),
        "history": history,
        "extensions": extension.history(s, a.id),
        "pending": extension.pending(s, a.id),
        "reviewable": a.state == State.submitted,
        "submitted_on": submitted_on,
        # Counted as the deadline is, in working days from the due date (already a working day).
        "late_days": calendar.working_days_between(duty["due"], submitted_on) if submitted_on else None,
    }


@dataclass(frozen=True)
class _Subject:
    """What a coordinator decides on: the action (models.operations.actions), the form's two
    choices (yes first), what to say when none is chosen, when a no comes without its reason or
    when the subject is unknown; its table, the assignment whose page the decision returns to, and
    the id of the form's comment field."""

    decide: Callable
    choices: tuple[str, str]
    unchosen: str
    unexplained: str
    missing: str
    table: type[SQLModel]
    assignment_of: Callable
    comment_field: str


SUBMISSION = _Subject(
    actions.decide_submission,
    ("accept", "return"),
    "Chưa quyết định được: xin bấm “Chấp nhận” hoặc “Trả lại”.",
    "Chưa trả lại được vì chưa có lý do. Xin ghi lý do trả lại vào ô Ý kiến để đơn vị biết cần bổ sung "
    "những gì, rồi bấm “Trả lại”.",
    "Không có nhiệm vụ này.",
    Assignment,
    lambda a: a.id,
    "comment",
)
EXTENSION = _Subject(
    actions.decide_extension,
    ("approve", "refuse"),
    "Chưa quyết định được: xin bấm “Chấp thuận gia hạn” hoặc “Không chấp thuận”.",
    "Chưa quyết định được vì chưa có lý do không chấp thuận. Xin ghi lý do vào ô Ý kiến của đề nghị "
    "gia hạn, rồi bấm “Không chấp thuận”.",
    "Không có đề nghị gia hạn này.",
    Extension,
    lambda ext: ext.assignment_id,
    "ext-comment",
)


async def _decide(
    subject: _Subject,
    subject_id: int,
    form: ReceivedForm,
    reviewer: int,
    ctx: Context,
    db: Database,
    now: datetime,
    page: Renderer,
) -> Response:
    """A coordinator's decision, the form and the login already checked. Back to the assignment's
    page; the messages the decision owes go after the response. A decision left incomplete (no
    choice, a no without its reason) keeps the page, with what was typed and what is missing."""
    decision = form.get("decision")
    ruling, by = Ruling(decision == subject.choices[0], form.get("comment")), By(f"contact:{reviewer}", "portal")
    if decision not in subject.choices or ruling.unexplained:

        def again() -> dict:
            with db() as s:
                row = s.get(subject.table, subject_id)
                if row is None:
                    raise ErrorPage(subject.missing, 404)
                return _review_view(s, ctx, subject.assignment_of(row), now)

        view = await run_in_threadpool(again)
        error = subject.unchosen if decision not in subject.choices else subject.unexplained
        field = subject.comment_field
        return page("review.html", 422, error=error, error_field=field, form={field: form.get("comment")}, **view)

    def run() -> tuple[int, list[int]]:
        with db() as s:
            try:
                done, ids = subject.decide(
                    s, subject_id, ruling, now=now, policy=ctx.runtime.policy, tz=ctx.settings.tz, by=by
                )
            except LookupError:
                raise ErrorPage(subject.missing, 404) from None
            return subject.assignment_of(done), ids

    assignment_id, ids = await run_in_threadpool(run)
    return RedirectResponse(f"/review/{assignment_id}", 303, background=ctx.send_later(ids))


# The form (its CSRF token) before the login, as the routes' parameters are in that order.


@router.post("/review/{assignment_id}")
async def review_submit(
    assignment_id: AssignmentId, form: Form, reviewer: Coordinator, ctx: Ctx, db: Db, now: Now, page: Page
):
    return await _decide(SUBMISSION, assignment_id, form, reviewer, ctx, db, now, page)


@router.post("/review/extensions/{extension_id}")
async def extension_decide(
    extension_id: ExtensionId, form: Form, reviewer: Coordinator, ctx: Ctx, db: Db, now: Now, page: Page
):
    return await _decide(EXTENSION, extension_id, form, reviewer, ctx, db, now, page)


@router.get("/review/files/{file_id}")
def review_download(file_id: FileId, _reviewer: Coordinator, ctx: Ctx, db: Db):
    return evidence_file(ctx, db, file_id, None)
