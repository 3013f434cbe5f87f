"""What the portal's routers share, as FastAPI dependencies over the `Context` that `create_app`
stores in `app.state`: the settings and runtime, the clock, the database, the page renderer, the
CSRF-checked forms and the ids in paths.

Dependencies are solved in the order of a route's parameters, all of them before the route's own
path parameters are validated: a dependency that answers for itself (reads the body, checks a
login) comes after the ids it must not outrun, which is why ids are dependencies too.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Annotated, Protocol

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from pydantic import Field, TypeAdapter, ValidationError
from sqlmodel import Session, select
from starlette.background import BackgroundTask

from config import MAX_ID
from config.settings import Settings
from models.db import reading, session_scope
from models.tables.evidence import Evidence, EvidenceFile
from notifications.render import FILTERS
from notifications.runtime import Runtime
from portal.errors import ErrorPage
from portal.forms import ReceivedForm, read_form

HERE = Path(__file__).resolve().parent


def templates() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(HERE / "templates")),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
    )
    env.filters.update(FILTERS)
    env.globals["state_labels"] = {"accepted": "Đã chấp nhận", "returned": "Bị trả lại", None: "Chờ xem xét"}
    return env


@dataclass(frozen=True)
class Context:
    """One app's settings, runtime, clock and templates (`app.state.portal`)."""

    settings: Settings
    runtime: Runtime
    clock: Callable[[], datetime]
    templates: Environment

    @staticmethod
    def of(request: Request) -> Context:
        return request.app.state.portal

    @property
    def secret(self) -> str:
        return self.settings.secret_key.get_secret_value()

    def send_later(self, ids: list[int]) -> BackgroundTask | None:
        """Messages already committed to the outbox go out after the response; if this process
        dies first, the next sweep sends them. Due by the clock as the response leaves."""
        return BackgroundTask(self.runtime.dispatch, self.clock(), ids) if ids else None


# The small dependencies are coroutines: FastAPI would run a plain function in a worker thread.


async def context(request: Request) -> Context:
    return Context.of(request)


Ctx = Annotated[Context, Depends(context)]


async def now(ctx: Ctx) -> datetime:
    """The request's moment, read once from the app's clock (tests pass a fixed one)."""
    return ctx.clock()


Now = Annotated[datetime, Depends(now)]


Database = Callable[[], AbstractContextManager[Session]]


async def transactions(ctx: Ctx) -> Database:
    """A transaction per `with db() as s:`, so that each route keeps its own transaction bounds
    (none held while a body is read or a password verified)."""
    return partial(session_scope, ctx.settings.db_url)


Db = Annotated[Database, Depends(transactions)]


async def reads(ctx: Ctx) -> Database:
    """A transaction per `with reads() as s:` that only reads (`models.db.reading`): a page's
    work takes no write lock; what it records goes in a short `db()` after it."""
    return partial(reading, ctx.settings.db_url)


Reads = Annotated[Database, Depends(reads)]


def csrf_token(request: Request) -> str:
    return request.session.setdefault("csrf", secrets.token_urlsafe(32))


def render(request: Request, template: str, code: int = 200, /, **values) -> HTMLResponse:
    """A page; a plain function, since the exception handlers render without dependencies."""
    values = {"error": None, "form": {}, "back": None, **values}
    html = (
        Context.of(request)
        .templates.get_template(template)
        .render(csrf=csrf_token(request), signed_in=request.session.get("name"), **values)
    )
    return HTMLResponse(html, status_code=code)


class Renderer(Protocol):
    def __call__(self, template: str, code: int = 200, /, **values) -> HTMLResponse: ...


async def renderer(request: Request) -> Renderer:
    return partial(render, request)


Page = Annotated[Renderer, Depends(renderer)]


async def _checked_form(request: Request, ctx: Context, *, files: bool) -> ReceivedForm:
    form = await read_form(
        request.stream(),
        request.headers.get("content-type", ""),
        evidence_dir=ctx.settings.evidence_dir,
        max_file_bytes=ctx.settings.max_file_bytes,
        max_files=ctx.settings.max_files,
        file_fields={"files"} if files else set(),
    )
    expected = request.session.get("csrf")
    if not expected or not hmac.compare_digest(form.get("csrf").encode(), expected.encode()):
        form.discard()
        raise ErrorPage("Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Xin mở lại trang và gửi lại.", 403)
    return form


async def form(request: Request, ctx: Ctx) -> ReceivedForm:
    """The request's form, taking no file, its CSRF token checked (403 otherwise)."""
    return await _checked_form(request, ctx, files=False)


async def upload_form(request: Request, ctx: Ctx) -> AsyncIterator[ReceivedForm]:
    """The request's form with its files, its CSRF token checked; the files the route did not keep
    are removed as it returns or raises."""
    received = await _checked_form(request, ctx, files=True)
    try:
        yield received
    finally:
        received.discard()


Form = Annotated[ReceivedForm, Depends(form)]
UploadForm = Annotated[ReceivedForm, Depends(upload_form, scope="function")]

# A row id in a path: anything else (0, negative, past the INTEGER columns, not a number) names no
# page, answered by the RequestValidationError handler (404) before any other dependency runs.
_ROW_ID = TypeAdapter(Annotated[int, Field(ge=1, le=MAX_ID)])


def _row_id(name: str):
    async def row_id(request: Request) -> int:
        try:
            return _ROW_ID.validate_python(request.path_params[name])
        except ValidationError as exc:
            raise RequestValidationError(exc.errors()) from None

    return Depends(row_id)


# First among a route's parameters: a malformed id is answered before a login or a form is looked at.
AssignmentId = Annotated[int, _row_id("assignment_id")]
ExtensionId = Annotated[int, _row_id("extension_id")]
EvidenceId = Annotated[int, _row_id("evidence_id")]
FileId = Annotated[int, _row_id("file_id")]


def evidence_file(ctx: Context, db: Database, file_id: int, assignment_id: int | None) -> FileResponse:
    """A stored file as an attachment; with `assignment_id`, only one of that assignment's."""
    with db() as s:
        row = s.exec(
            select(EvidenceFile, Evidence.assignment_id).join(Evidence).where(EvidenceFile.id == file_id)
        ).first()
    if row is None or (assignment_id is not None and row[1] != assignment_id):
        raise ErrorPage("Không tìm thấy tệp.", 404)
    f = row[0]
    return FileResponse(
        ctx.settings.evidence_dir / f.sha256,
        media_type=f.content_type,
        filename=f.filename,
        content_disposition_type="attachment",
    )
