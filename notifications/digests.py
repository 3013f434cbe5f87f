"""The weekly digests as messages: who receives them, their context (figures, chart), queued in
the outbox once per recipient per ISO week.

Read in thirty seconds: one sentence names the bodies to follow up, the chart shows them at the
top, and each list gives at most a few items per body, the others counted: a digest of hundreds
of overdue items stays a few screens long.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from models.operations import outbox
from models.operations.board import BoardRow
from models.operations.digest import LISTS, Digest, for_kind, standings
from models.operations.org import Roster, acting_body
from models.operations.report import drafted
from models.rules.calendar import WorkingCalendar
from models.rules.periods import period_label
from models.rules.status import Status
from models.tables.org import Body, Contact, Role
from models.tables.plan import Plan, followed_on
from models.types import local_date
from notifications.chart import CHART, status_chart
from notifications.context import Memo, plan_values, reader
from notifications.wording import due_phrase, number_notes, report_of

LISTED_PER_BODY = 3  # items of one body a list shows (the worst, or the first due); the others counted
# Bodies the chart draws: the top of the ranking. A province's plan has a hundred communes; a chart
# of them all is unreadable on a phone and takes seconds to draw. The table below it lists them all.
CHARTED = 15
NAMED_IN_SUMMARY = 3  # bodies the opening sentence names; the others counted


def followed_plans(session: Session, today: date, code: str | None = None) -> list[Plan]:
    """The plans a weekly digest is sent for: those followed up today (not a draft, not closed),
    or the one named (closed or not: its figures stay readable)."""
    query = select(Plan).order_by(Plan.id)
    query = query.where(Plan.code == code) if code else query.where(followed_on(today))
    return list(session.exec(query))


def recipients(session: Session, kind: str, plan: Plan, *, now: datetime, tz: ZoneInfo) -> list[Contact]:
    """A plan's digest. Leadership: its leadership body's leaders (or its head). Coordinators: its
    acting coordinating body's focal points and head, and contacts marked coordinator."""
    today = local_date(now, tz)
    if kind == "leadership":
        chosen = Roster(session, {plan.leadership_body_id}).first(plan.leadership_body_id, Role.leader, Role.head)
    else:
        body = acting_body(session, plan.coordinating_body_id, today)
        chosen = Roster(session, {body}).every(body, Role.focal, Role.head)
        chosen += session.exec(select(Contact).where(Contact.coordinator, Contact.active)).all()
    unique = {c.id: c for c in chosen}
    return [c for c in unique.values() if c.email]  # a digest is an email: no SMS version


def coordinators(session: Session, *, now: datetime, tz: ZoneInfo) -> list[Contact]:
    """Every plan's coordinators (an alert is about the system, not one plan), each once."""
    every = [
        c
        for plan in session.exec(select(Plan).order_by(Plan.id))
        for c in recipients(session, "coordinator", plan, now=now, tz=tz)
    ]
    return list({c.id: c for c in every}.values())


def attention(league: list[BoardRow]) -> str:
    """The digest's opening sentence: the bodies with overdue items, worst first (`league` is
    ranked so), the first ones named."""
    late = [b for b in league if b.counts[Status.overdue]]
    if not late:
        return "Không có cơ quan nào cần đôn đốc: không có nhiệm vụ nào quá hạn mà chưa hoàn thành."
    named = [  # the unit said once, with the first
        f"{b.body_label} ({b.counts[Status.overdue]}{'' if n else ' nhiệm vụ quá hạn'})"
        for n, b in enumerate(late[:NAMED_IN_SUMMARY])
    ]
    if len(late) > NAMED_IN_SUMMARY:
        named.append(f"{len(late) - NAMED_IN_SUMMARY} cơ quan khác")
    listed = ", ".join(named[:-1]) + " và " + named[-1] if len(named) > 1 else named[0]
    return f"Cần đôn đốc: {listed}."


def per_body(
    items: list[dict], order: list[str], limit: int | None = LISTED_PER_BODY, counted: Mapping[str, int] | None = None
) -> list[dict]:
    """`items` (each with its "body" name, already in the order they are read) by body: the bodies
    in `order` (the ranking, worst first), then the others (not ranked: a request's) by name; of
    each, its first `limit` items (None: all), and how many there are in all (`counted`'s, where
    `items` holds only the first few of each body) and are left out."""
    by_body: dict[str, list[dict]] = {}
    for item in items:
        by_body.setdefault(item["body"], []).append(item)
    rank = {name: n for n, name in enumerate(order)}
    groups = []
    for body, listed in sorted(by_body.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0])):
        total = counted[body] if counted else len(listed)
        shown = listed[:limit]
        groups.append({"body": body, "shown": shown, "total": total, "more": total - len(shown)})
    return groups


DATED = ("requested_late", "escalated", "upcoming")  # the lists whose items say when they fall due


def lists_of(digest: Digest, limit: int | None = LISTED_PER_BODY) -> dict[str, list[dict]]:
    """The digest's lists by body, the worst bodies first, at most `limit` items each (None: all,
    the portal's full lists); every item listed with a date says what falls due on it."""
    order = [b.body_label for b in digest.league]
    lists = {name: per_body(getattr(digest, name), order, limit, digest.counted.get(name)) for name in LISTS}
    for item in (i for name in DATED for g in lists[name] for i in g["shown"]):
        period = period_label(item["period"])
        item["due_text"] = due_phrase(item["nature"], period, f"{item['due']:%d/%m/%Y}")
        item["report"] = report_of(item["nature"], period)
    return lists


def digest_context(
    session: Session,
    kind: str,
    *,
    now: datetime,
    tz: ZoneInfo,
    calendar: WorkingCalendar,
    plan: Plan,
    contact: Contact | None = None,
    memo: Memo | None = None,
) -> dict:
    """One plan's digest: its items only, under its title, for `contact`.

    Its figures and chart are the same for every reader of the plan's digest of `kind` at `now`:
    `memo` (a dispatch run's) keeps them, so that a plan's history is read once however many
    coordinators and leaders receive it."""
    memo = memo or Memo()
    shared = memo.get(
        ("digest", plan.id, kind, now),
        lambda: _figures(session, kind, now=now, tz=tz, calendar=calendar, plan=plan, memo=memo),
    )
    attachments, temporary = [], []
    if shared["league"]:
        # The same chart for both kinds of digest: their ranking counts the same categories.
        png = memo.get(("chart", plan.id, now), lambda: _chart(shared["league"][:CHARTED]))
        # A fresh folder per message: the file keeps the name the HTML refers to (cid:...); the
        # message removes it once sent (`Message.discard`).
        folder = Path(tempfile.mkdtemp(prefix="dondoc-chart-"))
        chart = folder / CHART
        chart.write_bytes(png)
        attachments.append(chart)
        temporary.append(folder)
    return shared | {"attachments": attachments, "temporary": temporary, "contact": reader(session, contact)}


def _chart(league: list[BoardRow]) -> bytes:
    with tempfile.TemporaryDirectory(prefix="dondoc-chart-") as folder:
        return status_chart(league, Path(folder) / CHART).read_bytes()


def _figures(
    session: Session, kind: str, *, now: datetime, tz: ZoneInfo, calendar: WorkingCalendar, plan: Plan, memo: Memo
) -> dict:
    """What every reader of a plan's digest of `kind` sees."""

    def capped(plan_ids: list[int]) -> dict[int, Digest]:  # a list at most LISTED_PER_BODY items per body
        return standings(session, now=now, tz=tz, calendar=calendar, plan_ids=plan_ids, listed=LISTED_PER_BODY)

    def standing_of(plan_id: int) -> Digest:  # both kinds', and a parent plan's digest's, built once
        # Every plan followed up at once (a run sends their digests); another (closed, named) alone.
        every = memo.get(
            ("standings", now), lambda: capped([p.id for p in followed_plans(session, local_date(now, tz))])
        )
        if plan_id in every:
            return every[plan_id]
        return memo.get(("standing", plan_id, now), lambda: capped([plan_id])[plan_id])

    digest = for_kind(standing_of(plan.id), kind)
    coordinating = session.get(Body, acting_body(session, plan.coordinating_body_id, digest.today))
    league = digest.league
    lists = memo.get(("lists", plan.id, now), lambda: lists_of(digest))  # the same for both kinds
    # Every date listed refers to a numbered note saying who set it, in the order the templates
    # list them: the requests, the escalated items, the coming dates. Only the items shown: a note
    # no line refers to is noise.
    dated = [i for name in DATED for g in lists[name] for i in g["shown"]]
    # A plan with plans under it (a five-year plan's annual plans): their totals, each named.
    children = [
        {
            "title": child.title,
            "number": child.number or child.code,
            "state": child.state_on(digest.today),
            "totals": standing_of(child.id).totals,
        }
        for child in session.exec(select(Plan).where(Plan.parent_id == plan.id).order_by(Plan.id))
    ]
    return {
        "digest": digest,
        "league": league,
        "attention": attention(league),
        "lists": lists,
        "listed": LISTED_PER_BODY,
        "full_list_url": None,  # a message's signed link to the portal's full lists (context.py)
        "children": children,
        "notes": number_notes(dated),
        "leadership": session.get(Body, plan.leadership_body_id).name,
        "S": Status,
        "kind": kind,
        "chart": CHART,
        "charted": min(len(league), CHARTED),
        "plan": {**plan_values(session, plan), "state": plan.state_on(digest.today)},
        "coordinator": coordinating.name,
        # The consolidated reports drafted this past week (flows/report.py), for the coordinators
        # to check and sign; their links are added where the portal is public (context.py).
        "reports": [
            {**r, "at": r["at"].astimezone(tz)}
            for r in (
                drafted(session, plan.id, since=now - timedelta(days=7), until=now) if kind == "coordinator" else []
            )
        ],
        "report_url": None,
        "state": "open",
    }


def enqueue(session: Session, kind: str, *, now: datetime, tz: ZoneInfo) -> list[int]:
    """One digest per recipient, plan followed up and ISO week; the figures are those of `now`
    (kept in the row, so a retry sends the same figures)."""
    today = local_date(now, tz)
    year, week, _ = today.isocalendar()
    return outbox.queue(
        session,
        [
            outbox.message(
                f"digest-{kind}@{year}-W{week:02d}:{plan.code}:email:{c.email}",
                f"digest-{kind}",
                "email",
                c.email,
                contact_id=c.id,
                step=f"{year}-W{week:02d}",
                context={"as_of": now.isoformat(), "plan": plan.code},
                now=now,
            )
            for plan in followed_plans(session, today)
            for c in recipients(session, kind, plan, now=now, tz=tz)
        ],
    )
