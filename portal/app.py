"""The portal: a focal point opens a signed link, sees the duty, confirms with evidence or asks for
an extension; a coordinator logs in, reviews submissions and extension requests.

Pages are server-rendered HTML that work on a phone without JavaScript. GET only shows (mail
scanners open links); every POST carries a CSRF token tied to the session cookie. Database work
runs in worker threads, through the same operations as the CLI (`models.actions`).
"""
from __future__ import annotations

import hmac
import logging
import re
import secrets
from collections.abc import Callable
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlmodel import select
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from config import MAX_ID
from config.settings import MIN_SECRET, Settings, get_settings
from models.db import session_scope
from models.errors import LinkRefused, NotFound, Refused
from models.intake.uploads import remove_stale_uploads
from models.operations import actions, extension
from models.operations.accounts import is_coordinator, sign_in
from models.operations.audit import record
from models.operations.confirmation import reported_targets, submissions
from models.operations.links import PATHS, spend, verify
from models.operations.sessions import end_session, live_session
from models.rules.status import classify
from models.tables.assignment import OPEN_STATES, Assignment, State
from models.tables.evidence import Evidence, EvidenceFile
from models.tables.extension import Decision, Extension
from models.tables.link import Link, Purpose
from models.tables.org import Body, Contact
from models.tables.plan import Duty
from notifications.context import assignment_context
from notifications.render import FILTERS
from notifications.runtime import Runtime
from portal.errors import ErrorPage, status_of
from portal.forms import ReceivedForm, read_form

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
SESSION_HOURS = 8
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",  # a link's token must not leak to another site
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "Cache-Control": "no-store",
}
# A row id in a path: anything else (0, negative, past 64 bits, not a number) names nothing: 404.
RowId = Annotated[int, PathParam(ge=1, le=MAX_ID)]



def _templates() -> Environment:
    env = Environment(loader=FileSystemLoader(str(HERE / "templates")), autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined)
    env.filters.update(FILTERS)
    env.globals["state_labels"] = {"accepted": "Đã chấp nhận", "returned": "Bị trả lại", None: "Chờ xem xét"}
    return env


def create_app(settings: Settings | None = None, *, clock: Callable[[], datetime] | None = None,
               runtime: Runtime | None = None) -> FastAPI:
    """The portal app. `clock` gives "now" (tests pass a fixed one); `runtime` sends messages."""
    settings = settings or get_settings()
    runtime = runtime or Runtime.from_settings(settings)
    clock = clock or (lambda: datetime.now(UTC))
    secret = settings.secret_key.get_secret_value()
    if len(secret) < MIN_SECRET:
        log.warning("DONDOC_SECRET_KEY is shorter than %d characters: links and sessions signed with it can be "
                    "forged by guessing it (python -c 'import secrets; print(secrets.token_urlsafe(48))')", MIN_SECRET)
    logging.getLogger("uvicorn.access").addFilter(REDACT_TOKENS)  # once, however many apps are made
    url, tz, calendar = settings.db_url, settings.tz, runtime.calendar
    env = _templates()
    if removed := remove_stale_uploads(settings.evidence_dir):
        log.warning("removed %d temporary upload files left by an interrupted upload", removed)
    app = FastAPI(title="dondoc", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(SessionMiddleware, secret_key=secret, session_cookie="dondoc_session",
                       max_age=SESSION_HOURS * 3600, same_site="lax", https_only=settings.mode == "production")

    app.add_middleware(SecurityHeaders)

    @contextmanager
    def db():
        with session_scope(url) as s:
            yield s

    def csrf(request: Request) -> str:
        return request.session.setdefault("csrf", secrets.token_urlsafe(32))

    def check_csrf(request: Request, form: ReceivedForm) -> None:
        expected = request.session.get("csrf")
        if not expected or not hmac.compare_digest(form.get("csrf").encode(), expected.encode()):
            raise ErrorPage("Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Xin mở lại trang và gửi lại.", 403)

    def page(request: Request, template: str, code: int = 200, /, **ctx) -> HTMLResponse:
        ctx = {"error": None, "form": {}, "back": None, **ctx}
        html = env.get_template(template).render(csrf=csrf(request), signed_in=request.session.get("name"), **ctx)
        return HTMLResponse(html, status_code=code)

    def send_later(ids: list[int]) -> BackgroundTask | None:
        """Messages already committed to the outbox go out after the response; if this process
        dies first, the next sweep sends them."""
        return BackgroundTask(runtime.dispatch, clock(), ids) if ids else None

    async def form_of(request: Request, *, files: bool = False) -> ReceivedForm:
        form = await read_form(request.stream(), request.headers.get("content-type", ""),
                               evidence_dir=settings.evidence_dir, max_file_bytes=settings.max_file_bytes,
                               max_files=settings.max_files, file_fields={"files"} if files else set())
        try:
            check_csrf(request, form)
        except ErrorPage:
            form.discard()
            raise
        return form

    @app.exception_handler(ErrorPage)
    @app.exception_handler(Refused)
    @app.exception_handler(NotFound)
    async def refused_page(request: Request, exc: ErrorPage | Refused | NotFound) -> HTMLResponse:
        """A refusal with its reason: the portal's own, or a shared `models` rule's."""
        return page(request, "message.html", status_of(exc), title="Không thực hiện được", message=str(exc))

    @app.exception_handler(RequestValidationError)
    async def malformed_path(request: Request, exc: RequestValidationError) -> HTMLResponse:
        """Routes take nothing but ids in their paths: one out of range or malformed names no page."""
        return page(request, "message.html", 404, title="Không thực hiện được", message="Không tìm thấy trang.")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> HTMLResponse:
        message = {404: "Không tìm thấy trang.", 405: "Thao tác không được phép."}.get(exc.status_code, str(exc.detail))
        return page(request, "message.html", exc.status_code, title="Không thực hiện được", message=message)

    # ---- what a link opens -------------------------------------------------------------------

    def assignment_view(s, link: Link, now: datetime, *, purpose: Purpose, can_submit: bool) -> dict:
        a = s.get(Assignment, link.assignment_id)
        contact = s.get(Contact, link.contact_id) if link.contact_id else None
        ctx = assignment_context(s, a.id, now=now, calendar=calendar, tz=tz, contact=contact)
        duty, body = s.get(Duty, a.duty_id), s.get(Body, a.body_id)
        targets = reported_targets(s, duty.plan_id, body.code)
        history = submissions(s, a.id)
        for h in history:
            h["submitted_at"] = h["submitted_at"].astimezone(tz)
        return {**ctx, "status": classify(a, now, tz), "sensitive": duty.sensitive, "targets": targets,
                "history": history, "extensions": extension.history(s, a.id),
                "can_submit": can_submit and link.used_at is None and a.state in OPEN_STATES,
                "can_extend": can_submit and a.state in OPEN_STATES and extension.pending(s, a.id) is None,
                "prefix": f"/{'a' if purpose is Purpose.confirm else 'v'}/", "max_file_mb": settings.max_file_mb,
                "today": now.astimezone(tz).date()}

    def open_link(token: str, purpose: Purpose, *, can_submit: bool) -> dict:
        now = clock()
        with db() as s:
            link = verify(s, token, purpose=purpose, secret=secret, now=now)
            view = assignment_view(s, link, now, purpose=purpose, can_submit=can_submit)
            record(s, now=now, actor=_actor(link), channel="portal", action="assignment.viewed",
                   entity="assignment", entity_id=link.assignment_id, link=link.id)
        return view

    @app.get("/a/{token}", response_class=HTMLResponse)
    def confirm_page(request: Request, token: str):
        return page(request, "assignment.html", token=token, **open_link(token, Purpose.confirm, can_submit=True))

    @app.get("/v/{token}", response_class=HTMLResponse)
    def view_page(request: Request, token: str):
        return page(request, "assignment.html", token=token, **open_link(token, Purpose.view, can_submit=False))

    @app.post("/a/{token}")
    async def submit(request: Request, token: str):
        now = clock()

        def usable() -> None:  # refuse before reading a body that could only be thrown away
            with db() as s:
                link = verify(s, token, purpose=Purpose.confirm, secret=secret, now=now)
                if link.used_at is not None:
                    raise LinkRefused("Đường dẫn này đã được dùng để nộp. Kết quả đang chờ xem xét.", LinkRefused.Why.spent)

        await run_in_threadpool(usable)
        form = await form_of(request, files=True)
        try:
            values, document_date = _figures(form), _date(form.get("document_date"), "Ngày văn bản")

            def record_submission() -> tuple[int, list[int]]:
                with db() as s:
                    link = verify(s, token, purpose=Purpose.confirm, secret=secret, now=now)
                    spend(s, link, now=now)  # in the same transaction: a refusal leaves the link usable
                    evidence, ids = actions.submit(
                        s, link.assignment_id, now=now, policy=runtime.policy, tz=tz,
                        date_margin_days=settings.date_margin_days, files=form.files,
                        reference=form.get("reference"), document_date=document_date, values=values,
                        note=form.get("note"), contact_id=link.contact_id, actor=_actor(link), channel="portal")
                    return evidence.id, ids

            evidence_id, ids = await run_in_threadpool(record_submission)
        except (Refused, ErrorPage) as exc:
            if isinstance(exc, LinkRefused):
                raise
            view = await run_in_threadpool(link_view, token, now, True)
            return page(request, "assignment.html", 422, token=token, error=str(exc), form=form.fields, **view)
        finally:
            form.discard()  # whatever was not kept
        view = await run_in_threadpool(link_view, token, now, False)
        response = page(request, "receipt.html", token=token, evidence_id=evidence_id, **view)
        response.background = send_later(ids)
        return response

    def link_view(token: str, now: datetime, can_submit: bool) -> dict:
        with db() as s:
            link = verify(s, token, purpose=Purpose.confirm, secret=secret, now=now)
            return assignment_view(s, link, now, purpose=Purpose.confirm, can_submit=can_submit)

    @app.post("/a/{token}/extension")
    async def ask_extension(request: Request, token: str):
        form = await form_of(request)
        now = clock()
        new_due = _date(form.get("due"), "Ngày đề nghị gia hạn")
        if new_due is None:
            raise ErrorPage("Cần chọn ngày đề nghị gia hạn.", 422)

        def ask() -> dict:
            with db() as s:
                link = verify(s, token, purpose=Purpose.confirm, secret=secret, now=now)
                ext = extension.request(s, link.assignment_id, new_due=new_due, reason=form.get("reason"),
                                        now=now, calendar=calendar, tz=tz, date_margin_days=settings.date_margin_days,
                                        contact_id=link.contact_id, actor=_actor(link), channel="portal")
                return {"requested_due": ext.requested_due}

        done = await run_in_threadpool(ask)
        return page(request, "message.html", title="Đã gửi đề nghị gia hạn",
                    message=f"Đề nghị gia hạn đến {done['requested_due']:%d/%m/%Y} đã được gửi tới cơ quan "
                            "điều phối. Đơn vị sẽ nhận thư khi có quyết định.", back=f"/a/{token}")

    def download(file_id: int, assignment_id: int | None) -> FileResponse:
        with db() as s:
            row = s.exec(select(EvidenceFile, Evidence.assignment_id).join(Evidence)
                         .where(EvidenceFile.id == file_id)).first()
        if row is None or (assignment_id is not None and row[1] != assignment_id):
            raise ErrorPage("Không tìm thấy tệp.", 404)
        f = row[0]
        return FileResponse(settings.evidence_dir / f.sha256, media_type=f.content_type, filename=f.filename,
                            content_disposition_type="attachment")

    @app.get("/{prefix}/{token}/files/{file_id}")
    def link_download(prefix: str, token: str, file_id: RowId):
        purpose = {"a": Purpose.confirm, "v": Purpose.view}.get(prefix)
        if purpose is None:
            raise ErrorPage("Không tìm thấy trang.", 404)
        with db() as s:
            link = verify(s, token, purpose=purpose, secret=secret, now=clock())
        return download(file_id, link.assignment_id)

    # ---- coordinators ------------------------------------------------------------------------

    def coordinator_id(request: Request) -> int:
        """The signed-in coordinator. The cookie's signature is not enough: its session must still be
        live on the server (logout and a new password end it), and the contact still a coordinator."""
        contact_id = request.session.get("contact")
        if contact_id is not None:
            with db() as s:
                contact = s.get(Contact, contact_id)
                if (contact is not None and live_session(s, request.session.get("sid"), contact.id, now=clock())
                        and is_coordinator(s, contact)):
                    return contact.id
        for key in ("contact", "name", "sid"):
            request.session.pop(key, None)
        raise ErrorPage("Cần đăng nhập với tài khoản cán bộ điều phối.", 401)

    @app.get("/", include_in_schema=False)
    def home():
        return RedirectResponse("/review", 303)

    @app.get("/login", response_class=HTMLResponse)
    def login_page(request: Request):
        return page(request, "login.html")

    @app.post("/login")
    async def login(request: Request):
        form = await form_of(request)
        # The connecting address, or the proxy's X-Forwarded-For when uvicorn trusts that proxy
        # (`dondoc portal --forwarded-allow-ips`): the key of the per-client throttle.
        client = request.client.host if request.client else "unknown"
        found = await run_in_threadpool(lambda: sign_in(url, form.get("email"), form.get("password"), now=clock(),
                                                        client=client, session_hours=SESSION_HOURS))
        if found is None:  # one answer for every failure: it tells nothing about the account
            return page(request, "login.html", 401, error="Email hoặc mật khẩu không đúng, hoặc tài khoản đang tạm "
                                                         "khóa 15 phút sau nhiều lần đăng nhập sai.")
        request.session.clear()  # a new session on login: no fixation
        request.session.update(contact=found.contact_id, name=found.name, sid=found.token,
                               csrf=secrets.token_urlsafe(32))
        return RedirectResponse("/review", 303)

    @app.post("/logout")
    async def logout(request: Request):
        await form_of(request)
        token = request.session.get("sid")

        def end() -> None:  # on the server: a copy of the cookie opens nothing after logout
            with db() as s:
                end_session(s, token, now=clock())

        if token:
            await run_in_threadpool(end)
        request.session.clear()
        return RedirectResponse("/login", 303)

    @app.get("/review", response_class=HTMLResponse)
    def review_list(request: Request):
        try:
            coordinator_id(request)
        except ErrorPage:
            return RedirectResponse("/login", 303)
        now = clock()
        with db() as s:
            waiting = s.exec(select(Assignment, Duty, Body).join(Duty, Duty.id == Assignment.duty_id)
                             .join(Body, Body.id == Assignment.body_id)
                             .where(Assignment.state == State.submitted).order_by(Assignment.submitted_at)).all()
            asked = s.exec(select(Extension, Assignment, Duty, Body)
                           .join(Assignment, Assignment.id == Extension.assignment_id)
                           .join(Duty, Duty.id == Assignment.duty_id).join(Body, Body.id == Assignment.body_id)
                           .where(Extension.decision == Decision.pending)
                           .order_by(Extension.requested_at)).all()
            waiting = [{"a": a, "duty": d, "body": b, "submitted_at": a.submitted_at.astimezone(tz)}
                       for a, d, b in waiting]
            asked = [{"ext": e, "a": a, "duty": d, "body": b} for e, a, d, b in asked]
        return page(request, "review_list.html", waiting=waiting, asked=asked, now=now.astimezone(tz))

    @app.get("/review/{assignment_id}", response_class=HTMLResponse)
    def review_page(request: Request, assignment_id: RowId):
        try:
            coordinator_id(request)
        except ErrorPage:
            return RedirectResponse("/login", 303)
        return page(request, "review.html", **review_view(assignment_id))

    def review_view(assignment_id: int) -> dict:
        now = clock()
        with db() as s:
            a = s.get(Assignment, assignment_id)
            if a is None:
                raise ErrorPage("Không có nhiệm vụ này.", 404)
            ctx = assignment_context(s, a.id, now=now, calendar=calendar, tz=tz)
            history = submissions(s, a.id)
            for h in history:
                h["submitted_at"] = h["submitted_at"].astimezone(tz)
            return {**ctx, "status": classify(a, now, tz), "history": history,
                    "extensions": extension.history(s, a.id), "pending": extension.pending(s, a.id),
                    "reviewable": a.state == State.submitted}

    async def coordinator_decision(request: Request, choices: tuple[str, str], unchosen: str, missing: str,
                                   operation: Callable) -> RedirectResponse:
        """A coordinator's POST: the form, the login, one of two `choices`, then `operation(session,
        first choice taken?, comment, now, actor)` -> (assignment id, outbox ids). Back to the page."""
        form = await form_of(request)
        reviewer = await run_in_threadpool(coordinator_id, request)
        decision = form.get("decision")
        if decision not in choices:
            raise ErrorPage(unchosen, 422)
        now = clock()

        def decide() -> tuple[int, list[int]]:
            with db() as s:
                try:
                    return operation(s, decision == choices[0], form.get("comment"), now, f"contact:{reviewer}")
                except LookupError:
                    raise ErrorPage(missing, 404) from None

        assignment_id, ids = await run_in_threadpool(decide)
        return RedirectResponse(f"/review/{assignment_id}", 303, background=send_later(ids))

    @app.post("/review/{assignment_id}")
    async def review_submit(request: Request, assignment_id: RowId):
        def operation(s, accept, comment, now, actor):
            _, ids = actions.decide_submission(s, assignment_id, accept=accept, now=now, policy=runtime.policy, tz=tz,
                                               comment=comment, actor=actor, channel="portal")
            return assignment_id, ids

        return await coordinator_decision(request, ("accept", "return"), "Chọn chấp nhận hoặc trả lại.",
                                          "Không có nhiệm vụ này.", operation)

    @app.post("/review/extensions/{extension_id}")
    async def extension_decide(request: Request, extension_id: RowId):
        def operation(s, approve, comment, now, actor):
            ext, ids = actions.decide_extension(s, extension_id, approve=approve, now=now, policy=runtime.policy,
                                                tz=tz, comment=comment, actor=actor, channel="portal")
            return ext.assignment_id, ids

        return await coordinator_decision(request, ("approve", "refuse"), "Chọn chấp thuận hoặc không chấp thuận.",
                                          "Không có đề nghị gia hạn này.", operation)

    @app.get("/review/files/{file_id}")
    def review_download(request: Request, file_id: RowId):
        coordinator_id(request)
        return download(file_id, None)

    @app.get("/static/portal.css")
    def stylesheet():
        return Response((HERE / "static" / "portal.css").read_bytes(), media_type="text/css",
                        headers={"Cache-Control": "public, max-age=86400"})

    @app.get("/healthz", include_in_schema=False)
    def healthz():
        return PlainTextResponse("ok")

    return app


class TokenRedaction(logging.Filter):
    """Link tokens are bearer credentials valid for weeks: the access log keeps each path but the
    token in `/a/<token>` and `/v/<token>` (and below them), which becomes `***`."""

    TOKEN = re.compile(rf"(/(?:{'|'.join(PATHS.values())})/)[^/?#\s\"]+")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(self.redact(a) if isinstance(a, str) else a for a in record.args)
        record.msg = self.redact(record.msg) if isinstance(record.msg, str) else record.msg
        return True

    def redact(self, text: str) -> str:
        return self.TOKEN.sub(r"\1***", text)


REDACT_TOKENS = TokenRedaction()


class SecurityHeaders:
    """Plain ASGI middleware (BaseHTTPMiddleware would buffer and re-wrap every response)."""

    def __init__(self, app):
        self.app = app
        self.headers = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *((k, v) for k, v in self.headers if k not in present)]
            await send(message)

        await self.app(scope, receive, with_headers)


def _actor(link: Link) -> str:
    return f"contact:{link.contact_id}" if link.contact_id else f"link:{link.id}"


def _figures(form: ReceivedForm) -> dict[str, float]:
    """Fields named value.<target ref>; blank ones are skipped. 85,5 and 85.5 both read 85.5."""
    values = {}
    for name, text in form.fields.items():
        if name.startswith("value.") and text.strip():
            try:
                values[name.removeprefix("value.")] = float(text.strip().replace(",", "."))
            except ValueError:
                raise ErrorPage(f"{name.removeprefix('value.')}: '{text.strip()[:40]}' không phải một số.", 422) from None
    return values


def _date(text: str, label: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ErrorPage(f"{label}: '{text.strip()[:40]}' không phải một ngày (năm-tháng-ngày).", 422) from None
