"""What a transport learnt about one send, beyond the boolean Apprise returns.

Apprise answers True or False. To tell a greylisting 451 (try again) from a 550 (give up), and a
refusal from a message that went out but was never acknowledged, the transports underneath note
what they saw in the verdict of the send in progress (a context variable: Apprise runs a send in
the caller's thread or in a copy of its context, so the note reaches the caller either way).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass
class Verdict:
    error: str | None = None
    permanent: bool = False  # the server refused for good (SMTP 5xx, HTTP 4xx): retrying is useless
    unknown: bool = False  # the message went out whole and no answer came: it may have been delivered
    unreachable: bool = False  # no answer at all: the server is down or hung


_current: ContextVar[Verdict | None] = ContextVar("dondoc_verdict", default=None)


@contextmanager
def watching() -> Iterator[Verdict]:
    """The verdict of the sends made inside the block."""
    verdict = Verdict()
    token = _current.set(verdict)
    try:
        yield verdict
    finally:
        _current.reset(token)


def note(error: str, *, permanent: bool = False, unknown: bool = False, unreachable: bool = False) -> None:
    """Record a failure of the send in progress; the first one is the cause, later ones follow it
    (a refused RCPT is followed by RSET and QUIT)."""
    verdict = _current.get()
    if verdict is not None and verdict.error is None:
        verdict.error, verdict.permanent, verdict.unknown, verdict.unreachable = (
            error,
            permanent,
            unknown,
            unreachable or unknown,
        )
