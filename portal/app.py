"""The portal: a focal point opens a signed link, sees the duty, confirms with evidence or asks for
an extension; a coordinator logs in, reviews submissions and extension requests.

Pages are server-rendered HTML that work on a phone without JavaScript. GET only shows (mail
scanners open links); every POST carries a CSRF token tied to the session cookie. Database work
runs in worker threads, through the same operations as the CLI (`models.actions`).

The routes are in routers by area (`links`, `auth`, `review`); what they share is in `deps`, as
dependencies over the `Context` stored here in `app.state`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from config.settings import MIN_SECRET, Settings, get_settings
from models.errors import NotFound, Refused
from models.intake.uploads import remove_stale_uploads
from models.operations.links import PATHS
from notifications.runtime import Runtime
from portal import auth, links, overview, reports, review
from portal.deps import HERE, Context, render, templates
from portal.errors import ErrorPage, status_of

log = logging.getLogger(__name__)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",  # a link's token must not leak to another site
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "Cache-Control": "no-store",
}


def create_app(
    settings: Settings | None = None, *, clock: Callable[[], datetime] | None = None, runtime: Runtime | None = None
) -> FastAPI:
    """The portal app. `clock` gives "now" (tests pass a fixed one); `runtime` sends messages."""
    settings = settings or get_settings()
    ctx = Context(
        settings=settings,
        runtime=runtime or Runtime.from_settings(settings),
        clock=clock or (lambda: datetime.now(UTC)),
        templates=templates(),
    )
    if len(ctx.secret) < MIN_SECRET:
        log.warning(
            "DONDOC_SECRET_KEY is shorter than %d characters: links and sessions signed with it can be "
            "forged by guessing it (python -c 'import secrets; print(secrets.token_urlsafe(48))')",
            MIN_SECRET,
        )
    logging.getLogger("uvicorn.access").addFilter(REDACT_TOKENS)  # once, however many apps are made
    if removed := remove_stale_uploads(settings.evidence_dir):
        log.warning("removed %d temporary upload files left by an interrupted upload", removed)
    app = FastAPI(
        title="dondoc",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        exception_handlers={
            ErrorPage: refused_page,
            Refused: refused_page,
            NotFound: refused_page,
            auth.SignInRequired: sign_in_first,
            RequestValidationError: malformed_path,
            StarletteHTTPException: http_error,
        },
    )
    app.state.portal = ctx  # what the dependencies in `deps` read
    app.add_middleware(
        SessionMiddleware,
        secret_key=ctx.secret,
        session_cookie="dondoc_session",
        max_age=auth.SESSION_HOURS * 3600,
        same_site="lax",
        https_only=settings.mode == "production",
    )
    app.add_middleware(SecurityHeaders)
    for router in (links.router, overview.router, auth.router, review.router, reports.router, site):
        app.include_router(router)
    return app


async def refused_page(request: Request, exc: ErrorPage | Refused | NotFound) -> HTMLResponse:
    """A refusal with its reason: the portal's own, or a shared `models` rule's."""
    return render(request, "message.html", status_of(exc), title="Không thực hiện được", message=str(exc))


async def sign_in_first(request: Request, exc: auth.SignInRequired) -> RedirectResponse:
    """A coordinator's page without a live session: to the login page."""
    return RedirectResponse("/login", 303)


async def malformed_path(request: Request, exc: RequestValidationError) -> HTMLResponse:
    """Routes validate nothing but the ids in their paths (`deps`): one out of range or malformed
    names no page."""
    return render(request, "message.html", 404, title="Không thực hiện được", message="Không tìm thấy trang.")


async def http_error(request: Request, exc: StarletteHTTPException) -> HTMLResponse:
    message = {404: "Không tìm thấy trang.", 405: "Thao tác không được phép."}.get(exc.status_code, str(exc.detail))
    return render(request, "message.html", exc.status_code, title="Không thực hiện được", message=message)


site = APIRouter()  # what belongs to no area


@site.get("/static/portal.css")
def stylesheet():
    return Response(
        (HERE / "static" / "portal.css").read_bytes(),
        media_type="text/css",
        headers={"Cache-Control": "public, max-age=86400"},
    )


@site.get("/favicon.ico", include_in_schema=False)
def favicon():
    """Browsers ask for it on every page: "no icon" (204), not a 404 in the console."""
    return Response(status_code=204, headers={"Cache-Control": "public, max-age=86400"})


@site.get("/healthz", include_in_schema=False)
def healthz():
    return PlainTextResponse("ok")


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
                message["headers"] = [
                    *message.get("headers", []),
                    *((k, v) for k, v in self.headers if k not in present),
                ]
            await send(message)

        await self.app(scope, receive, with_headers)
