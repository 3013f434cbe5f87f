"""Jinja2 rendering of messages: `make_message(kind, ctx)` with templates named <kind>-<part>.

Parts: subject, body.txt, body.html, sms. HTML is autoescaped (by the last extension, so name
templates *.html, never *.html.j2); text parts are not. A folder in settings overrides any template.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined

from models.rules.numbers import figure_vi, number_vi
from models.rules.periods import period_label
from notifications.sms import SINGLE_PART, fold
from notifications.wording import capitalised, in_sentence

BUILTIN = Path(__file__).resolve().parent / "templates"
WEEKDAYS = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"]


class Message:
    """The parts of one message, each rendered on first use: an email never renders its SMS."""

    def __init__(self, env: Environment, kind: str, ctx: dict):
        self._env, self._kind, self._ctx = env, kind, ctx

    def _render(self, part: str) -> str:
        return self._env.get_template(f"{self._kind}-{part}").render(self._ctx)

    @cached_property
    def subject(self) -> str:
        return " ".join(self._render("subject.txt").split())

    @cached_property
    def text(self) -> str:
        return self._render("body.txt").strip() + "\n"

    @cached_property
    def html(self) -> str:
        return self._render("body.html")

    @cached_property
    def sms(self) -> str:
        sms = fold(self._render("sms.txt"))
        if len(sms) > SINGLE_PART:
            raise ValueError(f"the {self._kind} SMS is {len(sms)} characters, over {SINGLE_PART}")
        return sms

    @property
    def attachments(self) -> list:
        """Files sent with an email (a digest's chart, shown inline by its name: cid:<name>)."""
        return self._ctx.get("attachments", [])

    def discard(self) -> None:
        """Remove the temporary folders the context made for this message (a digest's chart):
        once sent, the message is rendered again from its row if ever needed."""
        for folder in self._ctx.get("temporary", []):
            shutil.rmtree(folder, ignore_errors=True)

    def prepare(self, channel: str) -> Message:
        """Render now what `channel` sends, so that a template error shows before any sending."""
        if channel == "sms":
            self.sms  # noqa: B018
        else:
            self.subject, self.html  # noqa: B018
        return self


def weekday_vi(day: date) -> str:
    return WEEKDAYS[day.weekday()]


def filesize_vi(size: int) -> str:
    if size < 1024 * 1024:
        return f"{number_vi(max(1, round(size / 1024)))} KB"
    return f"{number_vi(round(size / (1024 * 1024), 1))} MB"


# The filters of every dondoc template, messages and portal pages alike.
FILTERS: dict[str, Callable[..., Any]] = {
    "dmy": lambda d: d.strftime("%d/%m/%Y"),
    "dm": lambda d: d.strftime("%d/%m"),
    "moment": lambda m: m.strftime("%H:%M ngày %d/%m/%Y"),  # "09:30 ngày 17/06/2025", as a letter writes it
    "weekday": weekday_vi,
    "number": number_vi,
    "filesize": filesize_vi,
    "figure": figure_vi,
    "percent": lambda rate: "-" if rate is None else f"{round(100 * rate)}%",
    "period": period_label,  # "2025-H2" -> "Năm 2025": no raw period key where a person reads
    "in_sentence": in_sentence,  # "Năm 2025" inside a sentence: "kỳ năm 2025"
    "capitalize_first": capitalised,  # Jinja's `capitalize` would lower the rest of the sentence
}


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
    env.filters.update(FILTERS)
    return env


def make_message(kind: str, ctx: dict, override: Path | None = None) -> Message:
    return Message(environment(override), kind, ctx)
