"""A plan's full lists, read only, through the signed link of a weekly digest (`/t/<token>`): the
digest caps each list at a few items per body; this page gives them all, the worst bodies first.
No login: the link is the reader's (a leader's), and it expires like any other."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from models.operations.audit import record
from models.operations.digest import build
from models.operations.links import verify
from models.tables.link import Purpose
from models.tables.plan import Plan
from notifications.context import plan_values
from notifications.digests import attention, lists_of
from portal.deps import Ctx, Db, Now, Page, Reads
from portal.links import link_actor

router = APIRouter()


@router.get("/t/{token}", response_class=HTMLResponse)
def overview(token: str, ctx: Ctx, reads: Reads, db: Db, now: Now, page: Page):
    with reads() as s:
        link = verify(s, token, purpose=Purpose.overview, secret=ctx.secret, now=now)
        plan = s.get_one(Plan, link.plan_id)
        digest = build(
            s, kind="leadership", now=now, tz=ctx.settings.tz, calendar=ctx.runtime.calendar, plan_id=plan.id
        )
        view = {
            "plan": plan_values(s, plan),
            "today": digest.today,
            "attention": attention(digest.league),
            "lists": lists_of(digest, limit=None),
        }
    with db() as s:
        record(s, "plan.viewed", "plan", plan.id, now=now, by=link_actor(link), link=link.id)
    return page("overview.html", **view)
