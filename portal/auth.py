"""Coordinators' sessions: login (throttled, `sign_in`), a one-time sign-in link (`/s/<token>`,
`dondoc directory login-link`), logout, and the signed-in coordinator as a dependency.

Sessions live on the server: the signed cookie carries a random token whose `portalsession` row is
checked on every coordinator request, so logout and a new password end a copied cookie too.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from models.errors import LinkRefused
from models.operations.accounts import SignedIn as NewSession
from models.operations.accounts import is_coordinator, sign_in, sign_in_by_link
from models.operations.links import verify
from models.operations.sessions import end_session, live_session
from models.tables.link import Purpose
from models.tables.org import Contact
from models.types import local_date
from portal.deps import Ctx, Db, Form, Now, Page, Reads, form
from portal.errors import ErrorPage

SESSION_HOURS = 8
SESSION_KEYS = ("contact", "name", "sid")  # what a login puts in the cookie's session

router = APIRouter()


class SignInRequired(Exception):
    """A coordinator's page asked for without a live session: answered by sending the visitor to
    /login (one handler, in `create_app`)."""


def signed_in(request: Request, ctx: Ctx, db: Db, now: Now) -> int | None:
    """The signed-in coordinator's contact id, or None (and the session's login forgotten). The
    cookie's signature is not enough: its session must still be live on the server (logout and a
    new password end it), and the contact still a coordinator."""
    contact_id = request.session.get("contact")
    if contact_id is not None:
        with db() as s:
            contact = s.get(Contact, contact_id)
            if (
                contact is not None
                and live_session(s, request.session.get("sid"), contact.id, now=now)
                and is_coordinator(s, contact, local_date(now, ctx.settings.tz))
            ):
                return contact.id
    for key in SESSION_KEYS:
        request.session.pop(key, None)
    return None


SignedIn = Annotated[int | None, Depends(signed_in)]


async def coordinator(contact_id: SignedIn) -> int:
    """For actions and downloads: refused (401), since a redirect would lose what was asked."""
    if contact_id is None:
        raise ErrorPage("Cần đăng nhập với tài khoản cán bộ điều phối.", 401)
    return contact_id


async def coordinator_page(contact_id: SignedIn) -> int:
    """For the coordinators' pages: a visitor not signed in is sent to log in."""
    if contact_id is None:
        raise SignInRequired
    return contact_id


Coordinator = Annotated[int, Depends(coordinator)]
CoordinatorPage = Annotated[int, Depends(coordinator_page)]


@router.get("/login", response_class=HTMLResponse)
def login_page(page: Page):
    return page("login.html")


@router.post("/login")
async def login(request: Request, form: Form, ctx: Ctx, now: Now, page: Page):
    # The connecting address, or the proxy's X-Forwarded-For when uvicorn trusts that proxy
    # (`dondoc portal --forwarded-allow-ips`): the key of the per-client throttle.
    client = request.client.host if request.client else "unknown"
    # Its own transactions, none held while argon2 runs.
    found = await run_in_threadpool(
        sign_in,
        ctx.settings.db_url,
        form.get("email"),
        form.get("password"),
        now=now,
        today=local_date(now, ctx.settings.tz),
        client=client,
        session_hours=SESSION_HOURS,
    )
    if found is None:  # one answer for every failure: it tells nothing about the account
        return page(
            "login.html",
            401,
            error="Email hoặc mật khẩu không đúng, hoặc tài khoản đang tạm khóa 15 phút sau nhiều lần đăng nhập sai.",
            email=str(form.get("email") or "")[:254],  # kept in the form: only the password is typed again
        )
    return _signed_in(request, found)


def _signed_in(request: Request, found: NewSession) -> RedirectResponse:
    # A new session on login, no fixation: not even the CSRF token is kept (the next page makes one).
    request.session.clear()
    request.session.update(contact=found.contact_id, name=found.name, sid=found.token)
    return RedirectResponse("/review", 303)


USED = "Đường dẫn đăng nhập này đã được dùng. Xin đề nghị quản trị hệ thống tạo đường dẫn mới."


@router.get("/s/{token}", response_class=HTMLResponse)
def link_page(token: str, ctx: Ctx, reads: Reads, now: Now, page: Page):
    """Who the link signs in, and a button: GET only shows (mail scanners and previews open links),
    the POST spends it."""
    with reads() as s:
        link = verify(s, token, purpose=Purpose.sign_in, secret=ctx.secret, now=now)
        if link.used_at is not None:
            raise LinkRefused(USED, LinkRefused.Why.spent)
        name = s.get_one(Contact, link.contact_id).name
    return page("signin.html", name=name, token=token)


@router.post("/s/{token}", dependencies=[Depends(form)])  # the form only for its CSRF token
async def link_sign_in(token: str, request: Request, ctx: Ctx, db: Db, now: Now):
    def enter() -> NewSession:
        with db() as s:
            link = verify(s, token, purpose=Purpose.sign_in, secret=ctx.secret, now=now)
            today = local_date(now, ctx.settings.tz)
            return sign_in_by_link(s, link, now=now, today=today, session_hours=SESSION_HOURS, used=USED)

    return _signed_in(request, await run_in_threadpool(enter))


@router.post("/logout", dependencies=[Depends(form)])  # the form only for its CSRF token
async def logout(request: Request, db: Db, now: Now):
    token = request.session.get("sid")

    def end() -> None:  # on the server: a copy of the cookie opens nothing after logout
        with db() as s:
            end_session(s, token, now=now)

    if token:
        await run_in_threadpool(end)
    request.session.clear()
    return RedirectResponse("/login", 303)
