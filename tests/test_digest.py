"""The weekly digests over a replayed half-year (2025-H1) with a known mix of on-time, late,
awaiting-review, open and overdue items: the figures are checked against an expectation computed
here from the scenario itself, and every number of the HTML must be in the text part. And the
issue's case, nothing done at all: hundreds of overdue items, and a digest that stays short."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timedelta
from html.parser import HTMLParser
from itertools import pairwise

import pytest
from sqlalchemy import update
from sqlmodel import select

from cli import app
from config import CONFIG_DIR
from config.settings import get_settings
from models.db import session_scope
from models.operations.digest import standing, standings
from models.tables.org import Body
from models.tables.plan import Duty, Plan
from notifications.digests import LISTED_PER_BODY, lists_of
from notifications.runtime import Runtime
from tests.cli import cli, init, runner, status_rows
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


BLOCKS = ("p", "li", "h3", "ul", "tr", "br", "table")  # what begins a line a reader sees


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.parts.append("\n" if tag in BLOCKS else "")

    def handle_endtag(self, tag):
        self.parts.append("\n" if tag in BLOCKS else "")

    def handle_data(self, data):
        self.parts.append(data.replace("\n", " "))


@pytest.fixture
def nothing_done(env, monkeypatch):
    """The issue's case: every item of the plan's life open on 4/7/2025, nothing done, nothing on
    time, the overdue ones escalated to leadership (level 2). Returns the overdue count per body."""
    monkeypatch.setenv("DONDOC_ORGANISATION_FILE", "")
    get_settings.cache_clear()
    init()
    cli("directory", "import", str(CONFIG_DIR / "directory.example.csv"))
    cli("schedule", "--until", AS_OF.date().isoformat())
    Runtime.from_settings(get_settings()).escalate(AS_OF)
    return {body: c["overdue"] for body, c in overdue_days()[0].items()}


def overdue_days() -> tuple[dict[str, Counter], Counter]:
    """Per body name, from `dondoc status`: its overdue items (not the requests), and the working
    days they are late in all."""
    with session_scope(get_settings().db_url) as s:
        names = {b.code: b.name for b in s.exec(select(Body))}
    counts: dict[str, Counter] = {}
    days: Counter = Counter()
    for r in status_rows(AS_OF.isoformat()):
        if not r["request"] and r["status"] == "overdue":
            counts.setdefault(names[r["body"]], Counter())["overdue"] += 1
            due = datetime.fromisoformat(r["due"]).date()
            days[names[r["body"]]] += CALENDAR.working_days_between(CALENDAR.roll_forward(due), AS_OF.date())
    return counts, days


def ranked(expected: dict[str, Counter], days: Counter) -> list[str]:
    """The bodies with something due, worst first: most overdue, then most days late, then the
    lowest on-time rate, then by name."""

    def key(b: str):
        c = expected[b]
        return (-c["overdue"], -days[b], c["done_on_time"] / (c["done_on_time"] + c["done_late"] + c["overdue"]), b)

    return sorted((b for b, c in expected.items() if c["done_on_time"] + c["done_late"] + c["overdue"]), key=key)


def lines(part: str) -> list[str]:
    """A part as the lines a reader sees: the HTML's paragraphs, headings and list items each a
    line, as in the text part; a text list item without its dash."""
    if part.lstrip().startswith("<"):
        parser = _Text()
        parser.feed(re.sub(r"<(style|title)[^>]*>.*?</\1>", "", part, flags=re.S))
        part = "".join(parser.parts)
    return [" ".join(line.split()).removeprefix("- ") for line in part.splitlines() if line.strip()]


def listed(part: str, heading: str, unit: str) -> list[tuple[str, int, int, int]]:
    """The list under `heading` (either case) by body, in its order: (body, the count it says,
    the items it lists, how many it says it left out)."""
    section = lines(part)
    start = next(n for n, line in enumerate(section) if line.upper().startswith(heading.upper()))
    groups: list[list] = []
    for line in section[start + 1 :]:
        if head := re.fullmatch(rf"(.+): (\d+) {unit}", line):
            groups.append([head[1], int(head[2]), 0, 0])
        elif more := re.fullmatch(rf"và (\d+) {unit} khác", line):
            groups[-1][3] = int(more[1])
        elif groups and line.endswith("ngày làm việc"):
            groups[-1][2] += 1
        else:
            break
    return [tuple(g) for g in groups]


def test_hundreds_of_overdue_items_make_a_short_digest_that_names_the_worst(nothing_done, tmp_path):
    overdue = nothing_done
    assert sum(overdue.values()) >= 300  # the case: hundreds, none on time
    counts, days = overdue_days()
    order = ranked(counts, days)
    assert counts[order[0]]["overdue"] == max(overdue.values())
    page = tmp_path / "digest.html"
    cli("digest", "--as-of", AS_OF.isoformat(), "--html", str(page))
    html, text = page.read_text(encoding="utf-8"), template_text()
    worst = f"Cần đôn đốc: {order[0]} ({overdue[order[0]]} nhiệm vụ quá hạn), {order[1]} ({overdue[order[1]]}), "
    sentence = f"{worst}{order[2]} ({overdue[order[2]]}) và {len(order) - 3} cơ quan khác."
    for part in (html, text):
        said = lines(part)
        greeting = next(n for n, line in enumerate(said) if line.startswith("Kính gửi: "))
        assert said[greeting + 1] == sentence, said[: greeting + 2]  # before anything else
        escalated = listed(part, "Nhiệm vụ đã báo cáo lãnh đạo tỉnh (quá hạn, cấp 2): ", "nhiệm vụ")
        # Per body, worst first: its count, at most LISTED_PER_BODY of its items, the others counted.
        assert [body for body, *_ in escalated] == order
        for body, count, shown, more in escalated:
            assert (count, shown, more) == (
                overdue[body],
                min(overdue[body], LISTED_PER_BODY),
                max(overdue[body] - LISTED_PER_BODY, 0),
            ), body
        assert "xem đầy đủ trong báo cáo tình hình" in part
    ranking = [line.split(". ", 1)[1].split(":")[0] for line in lines(text) if re.match(r"\d+\. ", line)]
    assert ranking == order
    cells = html_cells(html)
    pairs = list(pairwise(cells))
    assert all((str(rank), body) in pairs for rank, body in enumerate(order, 1))


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
    league = ranked(expected, overdue_days()[1])
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
    escalated = listed(body_text, "NHIỆM VỤ ĐÃ BÁO CÁO LÃNH ĐẠO TỈNH", "nhiệm vụ")
    assert sum(count for _, count, *_ in escalated) == overdue
    shown = sum(shown for _, _, shown, _ in escalated)  # at most LISTED_PER_BODY of each body's
    assert body_text.count(f"quá hạn {LATE_DAYS} ngày làm việc\n") == shown
    # Every number leadership reads in the HTML is in the text part as sent, and in our template.
    missing = html_numbers(html) - numbers(text)
    assert not missing, missing
    assert not html_numbers(html) - numbers(body_text), html_numbers(html) - numbers(body_text)
    # The chart is an inline image the HTML shows.
    images = [p for p in mail.message.walk() if p.get_content_type() == "image/png"]
    assert len(images) == 1 and "cid:tinh-hinh-co-quan.png" in html
    assert images[0]["Content-ID"].strip("<>") == "tinh-hinh-co-quan.png"
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
    ranking, rest = text.split("XẾP HẠNG THEO SỐ NHIỆM VỤ QUÁ HẠN")[1].split("CÁC NỘI DUNG ĐỀ NGHỊ PHỐI HỢP")
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
    said = listed(section, "Chưa nhận được kết quả sau hạn", "nội dung")
    assert {body: count for body, count, *_ in said} == {b: c["overdue"] for b, c in requested.items() if c["overdue"]}
    for body, count, shown, more in said:  # each listed with its date and its basis note, at most
        assert (shown, more) == (min(count, LISTED_PER_BODY), max(count - LISTED_PER_BODY, 0)), body
    assert "CĂN CỨ XÁC ĐỊNH HẠN\n[1] Hạn theo" in text


def test_the_capped_lists_link_to_the_full_lists_on_the_portal(portal):
    """The digest shows a few items per body; its signed link opens them all on the portal, read
    only, for the leader it was sent to; the link opens nothing else."""
    import httpx

    portal.clock.now = AS_OF
    runtime = Runtime.from_settings(portal.settings)
    runtime.escalate(AS_OF)  # everything of 2025-H1 is undone: hundreds of items at level 2
    runtime.digest("leadership", AS_OF)
    runtime.dispatch(AS_OF)
    mail = portal.mail(LEADER, "Báo cáo tuần")
    html, text = mail.part("html"), mail.part("plain")
    url = re.search(r'href="(http://127\.0\.0\.1:\d+/t/[^"]+)"', html).group(1)
    assert f"xem danh sách đầy đủ: {url}" in text  # the text part carries it too
    escalated = listed(text, "Nhiệm vụ đã báo cáo lãnh đạo tỉnh (quá hạn, cấp 2): ", "nhiệm vụ")
    assert any(more for *_, more in escalated), "the digest's list is capped"

    page = httpx.get(url)
    assert page.status_code == 200
    whole = " ".join(lines(page.text))
    for body, count, _, _ in escalated:  # every body's full count, and as many items as it counts
        assert f"{body}: {count} nhiệm vụ" in whole
    shown = sum(shown for _, _, shown, _ in escalated)
    assert page.text.count("ngày làm việc</li>") >= sum(count for _, count, _, _ in escalated) > shown
    token = url.rsplit("/", 1)[1]
    assert httpx.get(f"{portal.url}/t/{token}x").status_code == 403  # forged
    assert httpx.get(f"{portal.url}/a/{token}").status_code in (403, 404)  # not an assignment's link


@pytest.mark.parametrize("scenario", ["half_year", "nothing_done"])
@pytest.mark.parametrize("cap", [1, LISTED_PER_BODY])
def test_lists_capped_in_the_database_are_the_first_items_of_the_full_lists(env, scenario, cap, request):
    """An email's lists are chosen in SQL (the first few items of each body, the others counted,
    every plan at once); the portal's full lists read them all. For every list and body, the
    capped ones are the full ones cut, with the same counts, at several moments: on the
    half-year's mix (requests, submissions awaiting review, items coming due) and on the issue's
    case (hundreds of escalated items)."""
    request.getfixturevalue(scenario)
    settings = get_settings()
    seen: Counter[str] = Counter()
    with session_scope(settings.db_url) as s:
        plans = [p.id for p in s.exec(select(Plan))]
        for now in (AS_OF - timedelta(days=30), AS_OF, AS_OF + timedelta(days=60)):
            capped = standings(s, now=now, tz=TZ, calendar=CALENDAR, plan_ids=plans, listed=cap)
            for plan_id in plans:
                full = standing(s, now=now, tz=TZ, calendar=CALENDAR, plan_id=plan_id)
                assert capped[plan_id].bodies == full.bodies
                assert lists_of(capped[plan_id], limit=cap) == lists_of(full, limit=cap)
                for name, groups in lists_of(full, limit=cap).items():
                    seen[name] += len(getattr(full, name))
                    seen[f"{name} left out"] += sum(g["more"] for g in groups)
    if scenario == "half_year":
        assert all(seen[name] for name in ("requested_late", "awaiting_review", "upcoming")), seen
    else:
        assert seen["escalated left out"], seen  # bodies with more escalated items than the cap
