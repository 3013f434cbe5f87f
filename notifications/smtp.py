"""What dondoc changes in Apprise's SMTP controller, and why. Both replace a module that Apprise's
`apprise.plugins.email.smtp` imports (pyproject.toml bounds Apprise to the releases checked):

- `smtplib`: the SMTP client records the server's replies, so that a refusal keeps its code and
  the command it answered (RFC 5321: 4xx temporary, 5xx permanent), and a message whose end-of-data
  answer never came is told apart as an unknown outcome (it may have been delivered).
- `ssl`: contexts built on first use. Apprise builds one for every connection, plain ones
  included, and building it parses the whole CA bundle: about 20 ms of CPU a message, five times
  the cost of the SMTP exchange on a local relay.
"""

from __future__ import annotations

import smtplib
import ssl
from typing import cast

from apprise.plugins.email import smtp as apprise_smtp

from notifications.verdict import note

# Commands whose refusal is not the send's: smtplib answers a refused EHLO with HELO, and RSET and
# QUIT follow a failure that was already recorded.
_NOT_FAILURES = {"EHLO", "RSET", "QUIT"}


class RecordingSMTP(smtplib.SMTP):
    """smtplib's client, noting the first refusal and a missing answer in the current verdict."""

    _command = "CONNECT"  # the greeting answers the connection
    _message_sent = False

    def connect(self, host: str = "localhost", port: int = 0, source_address=None):
        try:
            return super().connect(host, port, source_address)
        except OSError as exc:
            note(f"SMTP: cannot connect to {host}:{port} ({exc.__class__.__name__}: {exc})", unreachable=True)
            raise

    def putcmd(self, cmd: str, args: str = "") -> None:
        self._command = cmd.upper()
        super().putcmd(cmd, args)

    def getreply(self) -> tuple[int, bytes]:
        try:
            code, text = super().getreply()
        except smtplib.SMTPServerDisconnected as exc:
            if self._message_sent:
                note(f"SMTP: no answer after the whole message was sent ({exc}): outcome unknown", unknown=True)
            elif self._command not in _NOT_FAILURES:
                note(f"SMTP: no answer at {self._command} ({exc})", unreachable=True)
            raise
        # After DATA's 354, smtplib sends the message: the reply that follows is its fate.
        self._message_sent = self._command == "DATA" and code == 354
        if code >= 400 and self._command not in _NOT_FAILURES:
            reply = " ".join(text.decode("utf-8", "replace").split())
            note(f"SMTP {code} {reply} (at {self._command})", permanent=code >= 500)
        return code, text


class RecordingSMTP_SSL(RecordingSMTP, smtplib.SMTP_SSL):  # noqa: N801 (smtplib's name)
    pass


class _SMTPLib:
    """`smtplib` as Apprise's SMTP controller sees it: the recording clients."""

    SMTP = RecordingSMTP
    SMTP_SSL = RecordingSMTP_SSL

    def __getattr__(self, name: str) -> object:
        return getattr(smtplib, name)


class _LazyTLSContext:
    """An SSL context built on first use. Settings made before first use (Apprise turns
    verification off this way) are replayed on the real context."""

    def __init__(self) -> None:
        object.__setattr__(self, "_context", None)
        object.__setattr__(self, "_settings", [])

    def _real(self) -> ssl.SSLContext:
        if self._context is None:
            context = ssl.create_default_context()
            for name, value in self._settings:
                setattr(context, name, value)
            object.__setattr__(self, "_context", context)
        return cast(ssl.SSLContext, self._context)

    def __setattr__(self, name: str, value: object) -> None:
        if self._context is None:
            self._settings.append((name, value))
        else:
            setattr(self._context, name, value)

    def __getattr__(self, name: str) -> object:
        return getattr(self._real(), name)


class _SSLModule:
    """`ssl` as Apprise's SMTP controller sees it, but with lazy contexts."""

    create_default_context = staticmethod(lambda *args, **kwargs: _LazyTLSContext())

    def __getattr__(self, name: str) -> object:
        return getattr(ssl, name)


# setattr: a module attribute replaced by an object that only looks like the module.
setattr(apprise_smtp, "smtplib", _SMTPLib())  # noqa: B010
setattr(apprise_smtp, "ssl", _SSLModule())  # noqa: B010
