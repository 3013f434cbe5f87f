"""Every part of every email works (issue 14): the plain-text part carries the same links as the
HTML part (a text-only mail client gets the address, not just "Xác nhận và nộp minh chứng"), and
the subject read back equals the one rendered, spaces included, both through a real SMTP server
and in the local outbox's .eml files. Digests leave no temporary chart folder behind."""

from __future__ import annotations

import email
import email.policy
import re
import tempfile
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from config.settings import get_settings
from models.db import session_scope
from models.tables.notification import Notification
from notifications.context import Rendering
from notifications.dispatch import compose
from notifications.kinds import DAILY_KINDS, KINDS
from notifications.runtime import Runtime
from tests.cli import cli, load_example
from tests.clock import TZ, at

LINK = re.compile(r'href="([^"]+)"')
DAY = "2025-06-30"  # the half-year's reports a fortnight late: long subjects, a link in every reminder


def rendered_subjects(url: str, runtime: Runtime) -> Counter:
    """What each recipient's email subject renders to, from the sent rows it carried (subjects
    carry no link: a re-render gives the same). The rows here were all sent in one dispatch."""
    out: Counter = Counter()
    with session_scope(url) as s:
        rows = s.exec(select(Notification).where(Notification.channel == "email", Notification.status == "sent"))
        by_recipient: dict[tuple[str, int], list] = {}
        for row in rows:
            # The daily kinds of a recipient share one message; the others go alone.
            key = (row.recipient, row.id) if row.kind not in DAILY_KINDS else (row.recipient, 0)
            by_recipient.setdefault(key, []).append(row)
        for (recipient, _), group in by_recipient.items():
            at = Rendering(group[0].created_at, runtime.calendar, TZ)
            parts = [(row, KINDS[row.kind].context(s, row, at)) for row in group]
            out[(recipient, compose(parts, at).subject)] += 1
    return out


def check(messages: list[tuple[str, email.message.EmailMessage]], expected: Counter) -> int:
    """Every HTML link is in the text part; every subject is one rendered. Returns the links seen."""
    links = 0
    for to, m in messages:
        html = m.get_body(("html",)).get_content()
        text = m.get_body(("plain",)).get_content()
        for href in LINK.findall(html):
            href = href.replace("&amp;", "&")
            assert href in text, (m["Subject"], href, text[-600:])
            links += 1
        assert (to, str(m["Subject"])) in expected, (to, str(m["Subject"]))
    assert Counter((to, str(m["Subject"])) for to, m in messages) == expected
    return links


@pytest.fixture
def june(env, monkeypatch) -> Runtime:
    monkeypatch.setenv("DONDOC_PORTAL_URL", "https://dondoc.example")
    get_settings.cache_clear()
    load_example(DAY)
    return Runtime.from_settings(get_settings())


def test_over_smtp_the_text_part_has_the_links_and_subjects_keep_their_spaces(june, env, smtp, monkeypatch):
    monkeypatch.setenv("DONDOC_EMAIL_URL", smtp.url)
    get_settings.cache_clear()
    runtime = Runtime.from_settings(get_settings())
    runtime.enqueue(at(DAY))
    runtime.escalate(at(DAY))
    runtime.dispatch(at(DAY))
    received = [(r.to, r.message) for r in smtp.received]
    assert len(received) > 30 and max(Counter(to for to, _ in received).values()) == 1  # one email each
    links = check(received, rendered_subjects(env, runtime))
    assert links >= len(received) // 2  # reminders and nags carry a link each


def test_in_the_local_outbox_too(june, env):
    june.enqueue(at(DAY))
    june.escalate(at(DAY))
    june.dispatch(at(DAY))
    folder = get_settings().home / "outbox"
    messages = []
    for path in sorted(folder.glob("*.eml")):
        m = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        messages.append((str(m["To"]), m))
    assert len(messages) > 30 and max(Counter(to for to, _ in messages).values()) == 1
    check(messages, rendered_subjects(env, june))
    # Dated by the dispatch's moment, not the machine's (a replayed half-year reads as its days;
    # the outbox once dated every message by the clock of the replay).
    dates = [m["Date"].datetime for _, m in messages]
    assert all(at(DAY) <= d < at(DAY) + timedelta(minutes=10) for d in dates), sorted(dates)[::10]


def test_a_digest_leaves_no_temporary_folder(june, env):
    before = set(Path(tempfile.gettempdir()).glob("dondoc-chart-*"))
    june.digest("leadership", at(DAY, 17))
    assert june.dispatch(at(DAY, 17))["sent"] >= 1
    assert set(Path(tempfile.gettempdir()).glob("dondoc-chart-*")) == before


def test_digest_html_says_where_it_wrote_and_leaves_no_chart(june, env, tmp_path):
    before = set(Path(tempfile.gettempdir()).glob("dondoc-chart-*"))
    page = tmp_path / "bao-cao-tuan.html"
    printed = cli("digest", "--as-of", DAY, "--html", str(page))
    assert f"Đã ghi {page.resolve()}" in "".join(printed.split("\n")) and "XẾP HẠNG" not in printed
    assert "data:image/png;base64," in page.read_text(encoding="utf-8")  # the chart, inside the page
    assert set(Path(tempfile.gettempdir()).glob("dondoc-chart-*")) == before
