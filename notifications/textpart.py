"""An HTML email's text/plain part is dondoc's own text template, not a conversion of the HTML.

Apprise's email plugin writes the plain part of an HTML message with
`convert_between(HTML, TEXT, body)` (apprise/plugins/email/base.py, `prepare_emails`), which keeps
a link's words and drops its address: a text-only mail client would read "Xác nhận và nộp minh
chứng" with nowhere to go. dondoc renders both parts from its templates; `own_text(html, text)`
says, for the length of a send, which text goes with that HTML, and the replacement below answers
Apprise's conversion of that body with it (any other body is converted as before). Like
notifications/smtp.py, this replaces a name Apprise's module imported; pyproject.toml bounds
Apprise to the releases checked.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from apprise import NotifyFormat
from apprise.conversion import convert_between
from apprise.plugins.email import base as apprise_email

_lock = threading.Lock()
_texts: dict[str, tuple[str, int]] = {}  # HTML body -> (its text part, sends under way)


@contextmanager
def own_text(html: str, text: str) -> Iterator[None]:
    """While inside, an HTML email with body `html` gets `text` as its plain part."""
    with _lock:
        _, users = _texts.get(html, (text, 0))
        _texts[html] = (text, users + 1)
    try:
        yield
    finally:
        with _lock:
            text, users = _texts[html]
            if users > 1:
                _texts[html] = (text, users - 1)
            else:
                del _texts[html]


def text_for(html: str) -> str:
    """The plain part of an HTML body: dondoc's own text when a send registered it."""
    with _lock:
        own = _texts.get(html)
    return own[0] if own else convert_between(NotifyFormat.HTML, NotifyFormat.TEXT, html)


def _convert(from_format: Any, to_format: Any, content: str, *args: Any, **kwargs: Any) -> str:
    if from_format == NotifyFormat.HTML and to_format == NotifyFormat.TEXT:
        with _lock:
            own = _texts.get(content)
        if own:
            return own[0]
    return convert_between(from_format, to_format, content, *args, **kwargs)


setattr(apprise_email, "convert_between", _convert)  # noqa: B010 (a module attribute replaced)
