"""The coordinators' pages: what waits for review, an assignment's submissions, the decisions on
submissions and on extension requests, and the submitted files."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import select
from starlette.concurrency import run_in_threadpool

from models.operations import actions, extension
from models.operations.audit import By
from models.operations.board import DueBasis
from models.operations.confirmation import Ruling, submissions
from models.rules.status import classify
from models.tables.assignment import Assignment, State
from models.tables.extension import Decision, Extension
from models.tables.org import Body
from models.tables.plan import Duty, Plan
from notifications.context import assignment_context
from portal.auth import Coordinator, CoordinatorPage
from portal.deps import AssignmentId, Context, Ctx, Database, Db, ExtensionId, FileId, Form, Now, Page, evidence_file
from portal.errors import ErrorPage
from portal.forms import ReceivedForm

router = APIRouter()


@router.get("/", include_in_schema=False)
def home():
    return RedirectResponse("/review", 303)


@router.get("/review", response_class=HTMLResponse)
def review_list(_reviewer: CoordinatorPage, ctx: Ctx, db: Db, now: Now, page: Page):
    tz = ctx.settings.tz
    with db() as s:
        # Plan by plan (a coordinator may coordinate several), oldest submission first.
        submitted = s.exec(
            select(Assignment, Duty, Body, Plan)
            .join(Duty, Duty.id == Assignment.duty_id)
            .join(Body, Body.id == Assignment.body_id)
            .join(Plan, Plan.id == Duty.plan_id)
            .where(Assignment.state == State.submitted)
            .order_by(Plan.id, Assignment.submitted_at)
        ).all()
        pending = s.exec(
            select(Extension, Assignment, Duty, Body)
            .join(Assignment, Assignment.id == Extension.assignment_id)
            .join(Duty, Duty.id == Assignment.duty_id)
            .join(Body, Body.id == Assignment.body_id)
            .where(Extension.decision == Decision.pending)
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
    return page("review_list.html", waiting=waiting, asked=asked, now=now.astimezone(tz))


@router.get("/review/{assignment_id}", response_class=HTMLResponse)
def review_page(assignment_id: AssignmentId, _reviewer: CoordinatorPage, ctx: Ctx, db: Db, now: Now, page: Page):
    tz = ctx.settings.tz
    with db() as s:
        a = s.get(Assignment, assignment_id)
        if a is None:
            raise ErrorPage("Không có nhiệm vụ này.", 404)
        duty = assignment_context(s, a.id, now=now, calendar=ctx.runtime.calendar, tz=tz)
        history = submissions(s, a.id)
        for h in history:
            h["submitted_at"] = h["submitted_at"].astimezone(tz)
        view = {
            **duty,
            "status": classify(a, now, tz),
            "history": history,
            "extensions": extension.history(s, a.id),
            "pending": extension.pending(s, a.id),
            "reviewable": a.state == State.submitted,
        }
    return page("review.html", **view)


@dataclass(frozen=True)
class _Subject:
    """What a coordinator decides on: the action (models.operations.actions), the form's two
    choices (yes first), what to say when none is chosen or the subject is unknown, and the
    assignment whose page the decision returns to."""

    decide: Callable
    choices: tuple[str, str]
    unchosen: str
    missing: str
    assignment_of: Callable


SUBMISSION = _Subject(
    actions.decide_submission,
    ("accept", "return"),
    "Chọn chấp nhận hoặc trả lại.",
    "Không có nhiệm vụ này.",
    lambda a: a.id,
)
EXTENSION = _Subject(
    actions.decide_extension,
    ("approve", "refuse"),
    "Chọn chấp thuận hoặc không chấp thuận.",
    "Không có đề nghị gia hạn này.",
    lambda ext: ext.assignment_id,
)


async def _decide(
    subject: _Subject, subject_id: int, form: ReceivedForm, reviewer: int, ctx: Context, db: Database, now: datetime
) -> RedirectResponse:
    """A coordinator's decision, the form and the login already checked. Back to the assignment's
    page; the messages the decision owes go after the response."""
    decision = form.get("decision")
    if decision not in subject.choices:
        raise ErrorPage(subject.unchosen, 422)
    ruling, by = Ruling(decision == subject.choices[0], form.get("comment")), By(f"contact:{reviewer}", "portal")

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
async def review_submit(assignment_id: AssignmentId, form: Form, reviewer: Coordinator, ctx: Ctx, db: Db, now: Now):
    return await _decide(SUBMISSION, assignment_id, form, reviewer, ctx, db, now)


@router.post("/review/extensions/{extension_id}")
async def extension_decide(extension_id: ExtensionId, form: Form, reviewer: Coordinator, ctx: Ctx, db: Db, now: Now):
    return await _decide(EXTENSION, extension_id, form, reviewer, ctx, db, now)


@router.get("/review/files/{file_id}")
def review_download(file_id: FileId, _reviewer: Coordinator, ctx: Ctx, db: Db):
    return evidence_file(ctx, db, file_id, None)
