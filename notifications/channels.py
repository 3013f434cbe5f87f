"""Delivery through Apprise, one recipient per call, with the outcome of each call.

Channels: email (DONDOC_EMAIL_URL), sms (DONDOC_SMS_URL), each an Apprise URL template with
{email} or {phone} in it. Unset, messages go to $DONDOC_HOME/outbox as .eml/.txt files through the
`dondocfile://` schema registered here, so the code path is the same. `jsonsms://` (`jsonsmss://`
for HTTPS) is an adapter for JSON SMS gateways that report errors in a 200 body, which Apprise's
json:// would count as sent.
"""

from __future__ import annotations

import email.policy
import logging
import os
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import quote, urlencode

import apprise
import httpx
from apprise import NotifyFormat
from apprise.decorators import notify

from notifications import smtp  # noqa: F401 (Apprise's SMTP controller, recording the replies)
from notifications.render import Message
from notifications.textpart import own_text, text_for
from notifications.verdict import Verdict, note, watching


class Redact(logging.Filter):
    """Apprise names recipients in its log lines, and an SMTP refusal may quote the address: mask
    addresses and numbers before any handler."""

    PATTERN = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+|\+?\d[\d .-]{7,}\d")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.PATTERN.search(message):
            record.msg, record.args = self.PATTERN.sub("***", message), ()
        return True


logging.getLogger("apprise").addFilter(Redact())


@dataclass(frozen=True)
class Outcome:
    error: str | None = None  # None: accepted by the server or gateway
    permanent: bool = False  # refused for good: not retried
    unknown: bool = False  # sent whole, never acknowledged: it may have been delivered
    unreachable: bool = False  # no answer at all: the server is down or hung

    @classmethod
    def of(cls, verdict: Verdict) -> Outcome:
        return cls(verdict.error, verdict.permanent, verdict.unknown, verdict.unreachable)


# UTF-8 headers (RFC 6532) unfolded up to RFC 5322's 998 characters: a file is not a relay. The
# default policy folds a long subject into encoded words and a reader drops the space at each fold
# ("ngân sáchhằng"); SMTPUTF8's own folding starts a long subject on a new line, read back with a
# leading space.
OUTBOX_POLICY = email.policy.SMTPUTF8.clone(max_line_length=998)


@notify(on="dondocfile", name="dondoc local outbox")
def _write_to_outbox(body, title, notify_type, body_format, meta, *args, **kwargs) -> bool:
    q = meta.get("qsd", {})
    folder = Path(q["dir"])
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")  # the files in the order they were written
    if q.get("channel") == "email":
        msg = EmailMessage(policy=OUTBOX_POLICY)
        msg["Subject"], msg["To"], msg["From"] = title, q["to"], "dondoc@localhost"
        # The dispatch's moment, not the machine's: a replayed half-year reads as its own days.
        sent = datetime.fromisoformat(q["date"]) if q.get("date") else datetime.now(UTC)
        msg["Date"] = format_datetime(sent.astimezone(UTC))
        msg.set_content(text_for(body))
        msg.add_alternative(body, subtype="html")
        html = msg.get_payload()[1]
        for a in kwargs.get("attach") or []:  # inline images, as Apprise's email plugin sends them
            maintype, _, subtype = (a.mimetype or "application/octet-stream").partition("/")
            html.add_related(Path(a.path).read_bytes(), maintype, subtype, cid=f"<{a.name}>", filename=a.name)
        data, suffix = bytes(msg), ".eml"
    else:
        data, suffix = f"To: {q['to']}\n\n{body}\n".encode(), ".txt"
    target = folder / f"{stamp}-{q.get('channel', 'msg')}-{uuid.uuid4().hex[:8]}{suffix}"
    tmp = target.with_suffix(".tmp")
    with open(tmp, "wb") as fh:  # whole file or none: write, flush to disk, then rename
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.rename(target)
    return True


def _post_sms(meta: dict, scheme: str, body: str) -> bool:
    q = meta.get("qsd", {})
    port = f":{meta['port']}" if meta.get("port") else ""
    url = f"{scheme}://{meta['host']}{port}{meta.get('fullpath') or '/'}"
    payload = {"to": q.get("to"), "from": q.get("from", "DONDOC"), "text": body}
    try:
        response = httpx.post(url, json=payload, timeout=float(q.get("timeout", 10)))
    except (httpx.ReadTimeout, httpx.RemoteProtocolError) as exc:  # the request went out, no answer came
        note(
            f"SMS gateway: no answer after the message was sent ({exc.__class__.__name__}): outcome unknown",
            unknown=True,
        )
        return False
    except httpx.HTTPError as exc:
        note(f"SMS gateway unreachable ({exc.__class__.__name__})", unreachable=True)
        return False
    if response.status_code >= 400:
        # A 4xx is the request's fault (bad number, bad sender): retrying sends the same request.
        permanent = response.status_code < 500 and response.status_code not in (408, 429)
        note(f"SMS gateway refused: HTTP {response.status_code}", permanent=permanent)
        return False
    try:
        answer = response.json()
    except ValueError:
        return True  # a 2xx without JSON: nothing says it failed
    if isinstance(answer, dict) and (
        answer.get("error")
        or str(answer.get("status", "ok")).lower() not in ("ok", "success", "sent", "queued", "0", "200")
    ):
        note(f"SMS gateway answered 2xx with an error: {str(answer.get('error') or answer.get('status'))[:200]}")
        return False
    return True


@notify(on="jsonsms", name="JSON SMS gateway (HTTP)")
def _jsonsms(body, title, notify_type, body_format, meta, *args, **kwargs) -> bool:
    return _post_sms(meta, "http", body)


@notify(on="jsonsmss", name="JSON SMS gateway (HTTPS)")
def _jsonsmss(body, title, notify_type, body_format, meta, *args, **kwargs) -> bool:
    return _post_sms(meta, "https", body)


class Channels:
    def __init__(self, *, email_url: str | None, sms_url: str | None, outbox_dir: Path):
        self.templates = {"email": email_url, "sms": sms_url}
        self.outbox_dir = outbox_dir

    def url_for(self, channel: str, recipient: str, at: datetime | None = None) -> str:
        """The Apprise URL for one recipient. `at` dates a message written to the local outbox (a
        real server dates what it sends by its own clock)."""
        template = self.templates.get(channel)
        if not template:
            query = {"dir": str(self.outbox_dir.resolve()), "channel": channel, "to": recipient}
            if at is not None:
                query["date"] = at.isoformat()
            return f"dondocfile://outbox/?{urlencode(query)}"
        placeholder = "{email}" if channel == "email" else "{phone}"
        return template.replace(placeholder, quote(recipient, safe="@"))  # "+84..." must stay a plus

    def send(self, channel: str, recipient: str, message: Message, at: datetime | None = None) -> Outcome:
        with watching() as verdict:
            delivered = self._notify(channel, recipient, message, at)
        if verdict.error:  # what the server said wins over Apprise's boolean
            return Outcome.of(verdict)
        if delivered:
            return Outcome()
        # Another Apprise service (not dondoc's SMTP client or SMS adapter): its log says why, and
        # with no reply code the failure counts as temporary.
        reasons = [e.message for e in delivered.logs() if e.level in ("WARNING", "ERROR", "CRITICAL")]
        return Outcome("; ".join(reasons) or f"the {channel} channel did not deliver")

    def _notify(
        self, channel: str, recipient: str, message: Message, at: datetime | None
    ) -> apprise.AppriseResult | bool:
        client = apprise.Apprise()
        if not client.add(self.url_for(channel, recipient, at)):
            note(f"the {channel} URL is not a valid Apprise URL", permanent=True)
            return False
        if channel != "email":
            return client.notify(body=message.sms, body_format=NotifyFormat.TEXT)
        formats = client[0].notify_format
        html = NotifyFormat.HTML in (formats if isinstance(formats, tuple) else (formats,))
        body, fmt = (message.html, NotifyFormat.HTML) if html else (message.text, NotifyFormat.TEXT)
        attach = None
        if message.attachments:
            attach = apprise.AppriseAttachment([str(p) for p in message.attachments])
            client = apprise.Apprise()  # images inline (RFC 2387): the HTML shows them by cid:name
            url = self.url_for(channel, recipient, at)
            client.add(url + ("&" if "?" in url else "?") + "inline=yes")
        with own_text(message.html, message.text):  # the text part: our template, with its links
            return client.notify(body=body, title=message.subject, body_format=fmt, attach=attach)
