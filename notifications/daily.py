"""A person's message of the day: what the sweep queued for one recipient on one channel
(reminders at every step, overdue nags, escalation notices) in one email and one SMS, instead of
one message per item. Each row keeps its own outbox entry (its step, its dedupe key, its status):
only the sending is shared. The templates are `daily-*` (notifications/templates).

Pure: it arranges the contexts the kinds' builders made (notifications/context.py).
"""

from __future__ import annotations

from models.types import local_date
from notifications.context import Rendering
from notifications.wording import number_notes

DAILY = "daily"  # the templates' name: every part, the SMS too (the daily kinds all have one)
TEMPLATES = tuple(f"{DAILY}-{part}" for part in ("subject.txt", "body.txt", "body.html", "sms.txt"))
ITEM_KINDS = ("reminder", "overdue")  # about one of the reader's own items; the rest are notices


def daily_context(parts: list[tuple[str, dict]], at: Rendering) -> dict:
    """The values of the `daily-*` templates, from each row's (kind, context): the reader's own
    items grouped by plan and body, the most urgent first (the longest overdue, then the soonest
    due), and the escalation notices about others' items, the highest level first."""
    items = sorted(
        (c for kind, c in parts if kind in ITEM_KINDS),
        key=lambda c: (c["days_left"], c["duty"]["ref"], c["body"]["name"]),
    )
    notices = sorted((c for kind, c in parts if kind not in ITEM_KINDS), key=lambda c: -c["level"])
    notes = number_notes(items)  # the same basis for many items is said once, in a numbered note
    plans: dict[str, dict] = {}  # in the order of their most urgent item
    for c in items:
        plan = plans.setdefault(c["plan"]["code"], {**c["plan"], "bodies": {}})
        plan["bodies"].setdefault(c["body"]["code"], {**c["body"], "items": []})["items"].append(c)
    every_plan = {c["plan"]["code"]: c["plan"] for _, c in parts if c.get("plan")}
    contexts = [c for _, c in parts]
    return {
        "state": "open",
        "today": local_date(at.now, at.tz),
        "contact": contexts[0]["contact"],
        "plans": [{**p, "bodies": list(p["bodies"].values())} for p in plans.values()],
        "notes": notes,
        "notices": notices,
        # Asked, not directed: a body the province does not direct reads "quý cơ quan", "nội dung".
        "requests_only": bool(items) and all(c["request"] for c in items),
        "overdue": sum(1 for c in items if c["days_left"] < 0),
        "due": sum(1 for c in items if c["days_left"] >= 0),
        "escalated": sum(n["count"] for n in notices),
        "escalated_bodies": len({b["name"] for n in notices for b in [*n["bodies"], *n["requested"]]}),
        # The footer names the plan when there is one, and every coordinating body that signs.
        "plan": next(iter(every_plan.values())) if len(every_plan) == 1 else None,
        "coordinator": ", ".join(dict.fromkeys(c["coordinator"] for c in contexts if c.get("coordinator"))),
    }
