"""What a signed link opens: the assignment's page (`/a/<token>` to confirm, `/v/<token>` to read),
the submission with its evidence, the extension request, and the files submitted.

GET only shows (mail scanners open links); the POSTs carry the CSRF token of the session cookie.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from models.errors import LinkRefused, Refused
from models.operations import actions, extension
from models.operations.audit import By, record
from models.operations.confirmation import Submission, reported_targets, submissions
from models.operations.links import PATHS, spend, verify
from models.rules.status import classify
from models.tables.assignment import OPEN_STATES, Assignment
from models.tables.evidence import Evidence
from models.tables.link import Link, Purpose
from models.tables.org import Body, Contact
from models.tables.plan import Duty
from notifications.context import assignment_context
from portal.deps import (
    Context,
    Ctx,
    Database,
    Db,
    EvidenceId,
    FileId,
    Form,
    Now,
    Page,
    Reads,
    UploadForm,
    evidence_file,
)
from portal.errors import ErrorPage
from portal.forms import ReceivedForm

PURPOSES = {PATHS[p]: p for p in (Purpose.confirm, Purpose.view)}  # an assignment's pages: "a", "v"

router = APIRouter()


def _verified(s: Session, ctx: Context, token: str, purpose: Purpose, now: datetime) -> Link:
    return verify(s, token, purpose=purpose, secret=ctx.secret, now=now)


def _view(s: Session, ctx: Context, link: Link, now: datetime, *, purpose: Purpose, can_submit: bool) -> dict:
    """What the assignment page shows through `link`."""
    tz = ctx.settings.tz
    a = s.get(Assignment, link.assignment_id)
    contact = s.get(Contact, link.contact_id) if link.contact_id else None
    duty_view = assignment_context(s, a.id, now=now, calendar=ctx.runtime.calendar, tz=tz, contact=contact)
    duty, body = s.get(Duty, a.duty_id), s.get(Body, a.body_id)
    targets = reported_targets(s, duty.plan_id, body.code)
    history = submissions(s, a.id)
    for h in history:
        h["submitted_at"] = h["submitted_at"].astimezone(tz)
    return {
        **duty_view,
        "status": classify(a, now, tz),
        "sensitive": duty.sensitive,
        "targets": targets,
        "history": history,
        "extensions": extension.history(s, a.id),
        "can_submit": can_submit and link.used_at is None and a.state in OPEN_STATES,
        "can_extend": can_submit and a.state in OPEN_STATES and extension.pending(s, a.id) is None,
        "prefix": f"/{PATHS[purpose]}/",
        "max_file_mb": ctx.settings.max_file_mb,
        "today": now.astimezone(tz).date(),
    }


def _opened(
    ctx: Context, reads: Database, db: Database, now: datetime, token: str, purpose: Purpose, *, can_submit: bool
) -> dict:
    """The page a link opens, the view recorded in the audit log (after it: the page's reads hold
    no write lock)."""
    with reads() as s:
        link = _verified(s, ctx, token, purpose, now)
        view = _view(s, ctx, link, now, purpose=purpose, can_submit=can_submit)
    with db() as s:
        record(s, "assignment.viewed", "assignment", link.assignment_id, now=now, by=link_actor(link), link=link.id)
    return view


def _confirm_view(ctx: Context, db: Database, now: datetime, token: str) -> dict:
    """The confirm page again, around a refusal (not a view to record)."""
    with db() as s:
        link = _verified(s, ctx, token, Purpose.confirm, now)
        return _view(s, ctx, link, now, purpose=Purpose.confirm, can_submit=True)


@router.get("/a/{token}", response_class=HTMLResponse)
def confirm_page(token: str, ctx: Ctx, reads: Reads, db: Db, now: Now, page: Page):
    view = _opened(ctx, reads, db, now, token, Purpose.confirm, can_submit=True)
    return page("assignment.html", token=token, **view)


@router.get("/v/{token}", response_class=HTMLResponse)
def view_page(token: str, ctx: Ctx, reads: Reads, db: Db, now: Now, page: Page):
    view = _opened(ctx, reads, db, now, token, Purpose.view, can_submit=False)
    return page("assignment.html", token=token, **view)


def unspent(token: str, ctx: Ctx, db: Db, now: Now) -> None:
    """A confirm link still usable, checked before the body is read: a body that could only be
    thrown away is not read (the submission checks it again, in its own transaction)."""
    with db() as s:
        link = _verified(s, ctx, token, Purpose.confirm, now)
        if link.used_at is not None:
            raise LinkRefused("Đường dẫn này đã được dùng để nộp. Kết quả đang chờ xem xét.", LinkRefused.Why.spent)


Unspent = Annotated[None, Depends(unspent)]


@router.post("/a/{token}")
async def submit(token: str, _unspent: Unspent, form: UploadForm, ctx: Ctx, db: Db, now: Now, page: Page):
    try:
        (values, bases), document_date = _figures(form), _date(form.get("document_date"), "Ngày văn bản")

        def record_submission() -> tuple[int, list[int]]:
            with db() as s:
                link = _verified(s, ctx, token, Purpose.confirm, now)
                spend(s, link, now=now)  # in the same transaction: a refusal leaves the link usable
                sent = Submission(
                    files=form.files,
                    reference=form.get("reference"),
                    document_date=document_date,
                    values=values,
                    bases=bases,
                    note=form.get("note"),
                    contact_id=link.contact_id,
                )
                evidence, ids = actions.submit(
                    s,
                    link.assignment_id,
                    sent,
                    now=now,
                    policy=ctx.runtime.policy,
                    tz=ctx.settings.tz,
                    date_margin_days=ctx.settings.date_margin_days,
                    by=link_actor(link),
                )
                return evidence.id, ids

        evidence_id, ids = await run_in_threadpool(record_submission)
    except LinkRefused:
        raise
    except (Refused, ErrorPage) as exc:  # the page again, with the reason and what was typed
        view = await run_in_threadpool(_confirm_view, ctx, db, now, token)
        return page("assignment.html", 422, token=token, error=str(exc), form=form.fields, **view)
    # To a page of its own: refreshing the receipt shows it again rather than posting once more.
    return RedirectResponse(f"/a/{token}/receipt/{evidence_id}", 303, background=ctx.send_later(ids))


@router.get("/a/{token}/receipt/{evidence_id}", response_class=HTMLResponse)
def receipt(evidence_id: EvidenceId, token: str, ctx: Ctx, db: Db, now: Now, page: Page):
    """A submission's receipt, under a link to its assignment: who may see the assignment's
    submissions, and nobody else."""
    with db() as s:
        link = _verified(s, ctx, token, Purpose.confirm, now)
        evidence = s.get(Evidence, evidence_id)
        if evidence is None or evidence.assignment_id != link.assignment_id:
            raise ErrorPage("Không tìm thấy biên nhận này.", 404)
        view = _view(s, ctx, link, now, purpose=Purpose.confirm, can_submit=False)
        review = evidence.review
    return page("receipt.html", token=token, evidence_id=evidence_id, review=review, **view)


@router.post("/a/{token}/extension")
async def ask_extension(token: str, form: Form, ctx: Ctx, db: Db, now: Now):
    new_due = _date(form.get("due"), "Ngày đề nghị gia hạn")
    if new_due is None:
        raise ErrorPage("Cần chọn ngày đề nghị gia hạn.", 422)

    def ask() -> None:
        with db() as s:
            link = _verified(s, ctx, token, Purpose.confirm, now)
            extension.request(
                s,
                link.assignment_id,
                new_due,
                form.get("reason"),
                now=now,
                calendar=ctx.runtime.calendar,
                tz=ctx.settings.tz,
                date_margin_days=ctx.settings.date_margin_days,
                contact_id=link.contact_id,
                by=link_actor(link),
            )

    await run_in_threadpool(ask)
    return RedirectResponse(f"/a/{token}/extension", 303)  # a refresh shows the request, not a second one


@router.get("/a/{token}/extension", response_class=HTMLResponse)
def extension_asked(token: str, ctx: Ctx, db: Db, now: Now, page: Page):
    """The request waiting for a decision; once decided, the assignment's page tells how."""
    with db() as s:
        link = _verified(s, ctx, token, Purpose.confirm, now)
        asked = extension.pending(s, link.assignment_id)
        if asked is None:
            return RedirectResponse(f"/a/{token}", 303)
        requested_due = asked.requested_due
    return page(
        "message.html",
        title="Đã gửi đề nghị gia hạn",
        message=f"Đề nghị gia hạn đến {requested_due:%d/%m/%Y} đã được gửi tới cơ quan "
        "điều phối. Đơn vị sẽ nhận thư khi có quyết định.",
        back=f"/a/{token}",
    )


@router.get("/{prefix}/{token}/files/{file_id}")
def link_download(file_id: FileId, prefix: str, token: str, ctx: Ctx, db: Db, now: Now):
    purpose = PURPOSES.get(prefix)
    if purpose is None:
        raise ErrorPage("Không tìm thấy trang.", 404)
    with db() as s:
        link = _verified(s, ctx, token, purpose, now)
    return evidence_file(ctx, db, file_id, link.assignment_id)


def link_actor(link: Link) -> By:
    """Who acts through a link: its contact, or the link itself when it names none."""
    return By(f"contact:{link.contact_id}" if link.contact_id else f"link:{link.id}", "portal")


def _figures(form: ReceivedForm) -> tuple[dict[str, float], dict[str, float]]:
    """Fields named value.<target ref> (a count, or a rate's numerator) and base.<target ref> (a
    rate's denominator); blank ones are skipped. 85,5 and 85.5 both read 85.5."""
    found: dict[str, dict[str, float]] = {"value": {}, "base": {}}
    for name, text in form.fields.items():
        kind, dot, ref = name.partition(".")
        if dot and kind in found and text.strip():
            try:
                found[kind][ref] = float(text.strip().replace(",", "."))
            except ValueError:
                raise ErrorPage(f"{ref}: '{text.strip()[:40]}' không phải một số.", 422) from None
    return found["value"], found["base"]


def _date(text: str, label: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ErrorPage(f"{label}: '{text.strip()[:40]}' không phải một ngày (năm-tháng-ngày).", 422) from None
