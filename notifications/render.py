"""Jinja2 rendering of messages: `make_message(kind, ctx)` with templates named <kind>-<part>.

Parts: subject, body.txt, body.html, sms. HTML is autoescaped (by the last extension, so name
templates *.html, never *.html.j2); text parts are not. A folder in settings overrides any template.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined

from notifications.sms import SINGLE_PART, fold

BUILTIN = Path(__file__).resolve().parent / "templates"
WEEKDAYS = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"]


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    html: str
    sms: str


def weekday_vi(day: date) -> str:
    return WEEKDAYS[day.weekday()]


@lru_cache(maxsize=4)
def environment(override: Path | None = None) -> Environment:
    loaders = [FileSystemLoader(str(override))] if override else []
    env = Environment(
        loader=ChoiceLoader([*loaders, FileSystemLoader(str(BUILTIN))]),
        autoescape=lambda name: bool(name) and name.endswith(".html"),
        undefined=StrictUndefined,  # a missing value is a bug, not an empty string in a letter
        keep_trailing_newline=False,
        trim_blocks=False,
    )
    env.filters["dmy"] = lambda d: d.strftime("%d/%m/%Y")
    env.filters["dm"] = lambda d: d.strftime("%d/%m")
    env.filters["weekday"] = weekday_vi
    return env


def make_message(kind: str, ctx: dict, override: Path | None = None) -> Message:
    env = environment(override)
    subject = " ".join(env.get_template(f"{kind}-subject.txt").render(ctx).split())
    sms = fold(env.get_template(f"{kind}-sms.txt").render(ctx))
    if len(sms) > SINGLE_PART:
        raise ValueError(f"the {kind} SMS is {len(sms)} characters, over {SINGLE_PART}")
    return Message(
        subject=subject,
        text=env.get_template(f"{kind}-body.txt").render(ctx).strip() + "\n",
        html=env.get_template(f"{kind}-body.html").render(ctx),
        sms=sms,
    )
