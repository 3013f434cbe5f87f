"""The weekly digests over a replayed half-year (2025-H1) with a known mix of on-time, late,
awaiting-review, open and overdue items: the figures are checked against an expectation computed
here from the scenario itself, and every number of the HTML must be in the text part."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import update
from sqlmodel import select

from cli import app
from config import CONFIG_DIR
from config.settings import get_settings
from models.db import session_scope
from models.tables.org import Body
from models.tables.plan import Duty
from notifications.runtime import Runtime
from tests.cli import cli, init, runner
from tests.clock import TZ
from tests.dues import CALENDAR, H1
from tests.scenario import at, mixed_half_year

AS_OF = datetime(2025, 7, 4, 17, 0, tzinfo=TZ)  # D+13 for the half-year's reports (due 17/6)
LATE_DAYS = CALENDAR.working_days_between(H1, AS_OF.date())
LEADER = "lanhdao@ubnd-tinh.dondoc.example"
COORDINATOR = "daumoi@so-ldtbxh.dondoc.example"


@pytest.fixture
def half_year(env, smtp, monkeypatch, tmp_path):
    """Before 2025 all done on time. In 2025-H1, by id modulo 4: on time and accepted; late and
    accepted; submitted on time, awaiting review; nothing. Item 11 a request to the procuracy and
    the court. Returns the expectation per body (and apart, per body, for the requests)."""
    monkeypatch.setenv("DONDOC_EMAIL_URL", smtp.url)
    # The plan's own bodies, Sở LĐ-TB&XH coordinating: the digest's figures, not the organisation
    # history (with it, the districts' items of 2025-H1 are no longer escalated after 30/6).
    monkeypatch.setenv("DONDOC_ORGANISATION_FILE", "")
    get_settings.cache_clear()
    init()
    cli("schedule", "--until", AS_OF.date().isoformat())
    with session_scope(env) as s:
        s.execute(update(Duty).where(Duty.ref.like("V.11.%")).values(request=True))
    expected, awaiting, upcoming, requested = mixed_half_year(env, AS_OF)
    with session_scope(env) as s:
        late_ids = {b.code: b.name for b in s.exec(select(Body))}
    # The first body (by code) with an overdue item gets a focal address the server refuses.
    late = min(code for code, name in late_ids.items() if expected[name]["overdue"])
    directory = tmp_path / "danh-ba.csv"
    directory.write_text(
        (CONFIG_DIR / "directory.example.csv")
        .read_text(encoding="utf-8")
        .replace(f"daumoi@{late}.dondoc.example", f"bad-daumoi@{late}.dondoc.example"),
        encoding="utf-8",
    )
    cli("directory", "import", str(directory))
    runtime = Runtime.from_settings(get_settings())
    for day in (CALENDAR.add_working_days(H1, 9), AS_OF.date()):  # reminder sweeps: D+9 nags, one refused
        runtime.enqueue(at(day, 8))
        runtime.dispatch(at(day, 8))
    runtime.escalate(AS_OF)  # the half-year's overdue reports reach level 2 (D+10 was 1/7)
    overdue_h1 = sum(c["overdue"] for c in expected.values())
    return expected, awaiting, upcoming, overdue_h1, requested, f"bad-daumoi@{late}.dondoc.example"


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data):
        self.parts.append(data)


def numbers(text: str) -> Counter:
    return Counter(re.findall(r"\d+(?:[.,/]\d+)*%?", text))


def html_numbers(html: str) -> Counter:
    parser = _Text()
    parser.feed(re.sub(r"<(style|title)[^>]*>.*?</\1>", "", html, flags=re.S))
    return numbers(" ".join(parser.parts))


def test_the_leadership_digest_figures_match_the_scenario(half_year, smtp):
    expected, awaiting, upcoming, overdue, _, _ = half_year
    runtime = Runtime.from_settings(get_settings())
    assert len(runtime.digest("leadership", AS_OF)) == 1
    assert runtime.digest("leadership", AS_OF + timedelta(days=1)) == []  # once a week
    runtime.dispatch(AS_OF)
    (mail,) = [m for m in smtp.received if m.to == LEADER and m.subject.startswith("[Báo cáo tuần]")]
    html, text = mail.part("html"), mail.part("plain")

    def rate(c: Counter) -> str:
        due = c["done_on_time"] + c["done_late"] + c["overdue"]
        return f"{round(100 * c['done_on_time'] / due)}%" if due else "-"

    total = sum(expected.values(), Counter())
    body_text = template_text()
    assert f"Hoàn thành đúng hạn: {total['done_on_time']}" in body_text
    assert f"Hoàn thành quá hạn: {total['done_late']}" in body_text
    assert f"Chưa hoàn thành, trong hạn: {total['open']}" in body_text
    assert f"Chưa hoàn thành, quá hạn: {total['overdue']}" in body_text
    assert mail.subject.endswith(f"{rate(total)} đúng hạn, {total['overdue']} quá hạn")
    league = sorted(
        (b for b in expected if rate(expected[b]) != "-"),
        key=lambda b: (
            -expected[b]["done_on_time"]
            / (expected[b]["done_on_time"] + expected[b]["done_late"] + expected[b]["overdue"]),
            b,
        ),
    )
    cells = html_cells(html)
    for rank, body in enumerate(league, start=1):
        c = expected[body]
        line = f"{rank}. {body}: {c['done_on_time']} / {c['done_late']} / {c['open']} / {c['overdue']}, {rate(c)}"
        assert line in body_text, line
        row = [str(rank), body, *(str(c[k]) for k in ("done_on_time", "done_late", "open", "overdue")), rate(c)]
        assert any(cells[i : i + len(row)] == row for i in range(len(cells))), row
    assert f"MINH CHỨNG CHỜ XEM XÉT: {awaiting}" in body_text
    assert f"ĐẾN HẠN TRONG 2 TUẦN TỚI: {upcoming}" in body_text
    assert f"(QUÁ HẠN, CẤP 2): {overdue}\n" in body_text  # every overdue item is as late as the others
    assert body_text.count(f"quá hạn {LATE_DAYS} ngày làm việc\n") == overdue
    # Every number leadership reads in the HTML is in the text part as sent, and in our template.
    missing = html_numbers(html) - numbers(text)
    assert not missing, missing
    assert not html_numbers(html) - numbers(body_text), html_numbers(html) - numbers(body_text)
    # The chart is an inline image the HTML shows.
    images = [p for p in mail.message.walk() if p.get_content_type() == "image/png"]
    assert len(images) == 1 and "cid:ty-le-dung-han.png" in html
    assert images[0]["Content-ID"].strip("<>") == "ty-le-dung-han.png"
    assert images[0].get_payload(decode=True).startswith(b"\x89PNG")


def html_cells(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return [p.strip() for p in parser.parts if p.strip()]


def template_text() -> str:
    """Our own text template, as `dondoc digest` prints it (the text part of the email as sent is
    Apprise's conversion of the HTML)."""
    result = runner.invoke(app, ["digest", "--as-of", AS_OF.isoformat()])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_coordinator_digest_lists_delivery_failures_and_extensions(half_year, smtp):
    *_, refused = half_year
    text = runner.invoke(app, ["digest", "--kind", "coordinator", "--as-of", AS_OF.isoformat()]).stdout
    failures = text.split("ĐẦU MỐI KHÔNG NHẬN ĐƯỢC TIN TRONG 7 NGÀY QUA: ")[1]
    assert failures.startswith("1\n") and f"(email {refused}): " in failures and "0 tin đang gửi lại" in failures
    assert "ĐỀ NGHỊ GIA HẠN CHỜ QUYẾT ĐỊNH: 0" in text
    runtime = Runtime.from_settings(get_settings())
    runtime.digest("coordinator", AS_OF)
    runtime.dispatch(AS_OF)
    (mail,) = [m for m in smtp.received if m.to == COORDINATOR and m.subject.startswith("[Báo cáo tuần]")]
    assert refused in mail.part("plain")


def test_requests_are_listed_apart_from_the_ranking(half_year, smtp):
    """Requests to bodies the province does not direct are counted per body, apart, and never
    ranked; the totals are those of the duties it assigns."""
    expected, *_, requested, _ = half_year
    expected = {body: c for body, c in expected.items() if c.total()}
    assert requested and not set(requested) & set(expected)  # item 11's bodies hold only requests
    text = template_text()
    ranking, rest = text.split("XẾP HẠNG THEO TỶ LỆ ĐÚNG HẠN")[1].split("CÁC NỘI DUNG ĐỀ NGHỊ PHỐI HỢP")
    section = rest.split("NHIỆM VỤ ĐÃ BÁO CÁO LÃNH ĐẠO TỈNH")[0]
    total = sum(expected.values(), Counter())
    assert f"tính trên {total.total()} nhiệm vụ của {len(expected)} cơ quan" in text
    for body, c in requested.items():
        assert body not in ranking
        done = c["done_on_time"] + c["done_late"]
        line = (
            f"- {body}: {c.total()} nội dung; đã có kết quả {done} (đúng hạn {c['done_on_time']}); "
            f"chưa đến hạn {c['open']}; chưa nhận được sau hạn {c['overdue']}"
        )
        assert line in section, line
    late = sum(c["overdue"] for c in requested.values())
    assert f"Chưa nhận được kết quả sau hạn: {late}\n" in section
    assert section.count("ngày làm việc\n") == late  # each listed with its date and its basis note
    assert "CĂN CỨ XÁC ĐỊNH HẠN\n[1] Hạn theo" in text
