"""Messages: Vietnamese email with the duty verbatim, escaped HTML, neutral GSM-7 SMS ≤ 160."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from config import CONFIG_DIR
from models.intake.catalog.load import load_catalogs
from notifications.context import Rendering
from notifications.render import environment, make_message, weekday_vi
from notifications.sms import fold, is_gsm7
from notifications.wording import due_wording
from tests.clock import TZ
from tests.dues import CALENDAR

CATALOG = load_catalogs([CONFIG_DIR / "plans" / "lai-chau-pcmd-2021-2025.yaml"])[0].catalog
LONGEST_DUTY = max(CATALOG.duties, key=lambda d: len(d.text))
LONGEST_BODY = max(CATALOG.bodies, key=lambda b: len(b.name))


BASIS = "Hạn theo đề nghị của cơ quan thường trực (Sở LĐ-TB&XH): ngày 18 tháng cuối kỳ."


def context(*, nature: str = "task", request: bool = False, **overrides) -> dict:
    """A message's values, as notifications/context.py builds them, for a duty of this `nature`."""
    ctx = {
        "assignment_id": 987654321,
        "plan": {
            "code": "lai-chau-pcmd-2021-2025",
            "title": "Kế hoạch phòng, chống mại dâm",
            "number": "3742/KH-UBND",
            "citation": "Kế hoạch số 3742/KH-UBND ngày 12/11/2021 của Ủy ban nhân dân tỉnh Lai Châu",
        },
        "body": {"code": LONGEST_BODY.code, "name": LONGEST_BODY.name, "label": LONGEST_BODY.name},
        "contact": {"name": "Nguyễn Thị Phương Thảo", "addressee": "Đồng chí Nguyễn Thị Phương Thảo, cán bộ đầu mối"},
        "duty": {
            "ref": LONGEST_DUTY.ref,
            "source": LONGEST_DUTY.source,
            "title": LONGEST_DUTY.title,
            "text": " ".join(LONGEST_DUTY.text.split()),
            "evidence": ["Tệp văn bản", "Số liệu"],
            "implements": None,
        },
        "period": "Năm 2025",  # the December half is the year (models/rules/periods.py)
        "due": date(2025, 12, 18),
        "due_weekday": "Thứ Năm",
        "days_left": 3,
        "coordinator": "Sở Lao động - Thương binh và Xã hội",
        "confirm_url": None,
        "step": "T-3",
        "leadership": "Ủy ban nhân dân tỉnh Lai Châu",
        "basis": BASIS,
        "request": request,
        "nature": nature,
    }
    ctx.update(overrides)
    ctx.setdefault(
        "wording",
        due_wording(
            nature,
            request=request,
            period=ctx["period"],
            due=ctx["due"],
            weekday=ctx["due_weekday"],
            leadership=ctx["leadership"],
            coordinator=ctx["coordinator"],
        ),
    )
    return ctx


KINDS = ["reminder", "overdue"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("days_left", [0, 7, -250])
def test_sms_is_neutral_gsm7_and_fits_one_part(kind, days_left):
    sms = make_message(kind, context(days_left=days_left)).sms
    assert len(sms) <= 160 and is_gsm7(sms) and sms.isascii()
    for word in ("mai dam", "mại dâm", "Thao", "Y te", "ban dam"):
        assert word.lower() not in sms.lower()
    assert "3742/KH-UBND" in sms and "18/12" in sms


@pytest.mark.parametrize("kind", KINDS)
def test_email_names_everything_in_vietnamese(kind):
    m = make_message(kind, context(days_left=-4 if kind == "overdue" else 3))
    assert LONGEST_DUTY.ref in m.subject and "\n" not in m.subject
    for part in (m.text, m.html):
        assert "Nguyễn Thị Phương Thảo" in part and LONGEST_BODY.name in part
        assert "Thứ Năm, 18/12/2025" in part and "Năm 2025" in part
        # No command line in a letter: without a portal link, the item's number and where to send
        assert LONGEST_DUTY.source in part and "mã nhiệm vụ 987654321" in part and "dondoc" not in part
    assert " ".join(LONGEST_DUTY.text.split()) in m.text
    assert ("Còn 3 ngày làm việc" in m.text) if kind == "reminder" else ("quá hạn 4 ngày làm việc" in m.text)


@pytest.mark.parametrize("kind", KINDS)
def test_a_script_in_a_duty_is_escaped_in_html_only(kind):
    evil = "<script>alert('x')</script>"
    ctx = context(
        duty={**context()["duty"], "title": evil, "text": f"Nội dung {evil} & hơn"},
        contact={"name": "<b>Ai</b>", "addressee": "Đồng chí <b>Ai</b>"},
    )
    m = make_message(kind, ctx)
    assert "<script>" not in m.html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in m.html
    assert "&lt;b&gt;Ai&lt;/b&gt;" in m.html and "&amp; hơn" in m.html
    assert evil in m.text  # plain text is not HTML: shown as written


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("nature", ["task", "report", "continuous"])
@pytest.mark.parametrize("asked", [False, True])
def test_what_falls_due_who_set_it_and_how_it_is_asked(kind, nature, asked):
    """The basis next to the date in both parts, never in the SMS; a report where one falls due; a
    request asked for, never ordered."""
    m = make_message(kind, context(nature=nature, request=asked, days_left=-4 if kind == "overdue" else 3))
    assert BASIS in m.text and BASIS.replace("&", "&amp;") in m.html
    assert "han theo" not in m.sms.lower() and "tháng cuối kỳ" not in m.sms
    for part in (m.text, m.html.replace("&amp;", "&")):
        letter = part.replace(context()["duty"]["text"], "")  # the plan's own words aside
        if nature == "task":
            assert "Hạn hoàn thành:" in letter or "Hạn hoàn thành</td>" in letter
        else:
            assert "hạn hoàn thành" not in letter.lower() and "Hạn gửi báo cáo" in letter
        if nature == "continuous":
            assert "báo cáo kết quả thực hiện nhiệm vụ thường xuyên kỳ năm 2025" in letter.lower()
        if nature == "report":  # named as officials name it: never "báo cáo kỳ năm 2025"
            assert "báo cáo năm 2025" in letter.lower() and "báo cáo kỳ" not in letter.lower()
        if asked:
            assert "Ủy ban nhân dân tỉnh Lai Châu trân trọng đề nghị quý cơ quan" in letter
            assert "Nội dung đề nghị" in letter
            for order in ("khẩn trương", "yêu cầu", "Đề nghị đơn vị"):
                assert order not in letter
        else:
            assert "quý cơ quan" not in letter


def test_a_portal_link_replaces_the_command():
    m = make_message("reminder", context(confirm_url="https://dondoc.example/a/abc?x=1&y=2"))
    assert 'href="https://dondoc.example/a/abc?x=1&amp;y=2"' in m.html
    assert "https://dondoc.example/a/abc?x=1&y=2" in m.text and "dondoc confirm" not in m.text


def test_templates_can_be_overridden_from_a_folder(tmp_path):
    (tmp_path / "reminder-subject.txt").write_text("Nhắc: {{ duty.ref }} trước {{ due|dmy }}", encoding="utf-8")
    m = make_message("reminder", context(), override=tmp_path)
    assert m.subject == f"Nhắc: {LONGEST_DUTY.ref} trước 18/12/2025"
    assert "Kính gửi" in m.text  # the other parts stay built in


def test_html_templates_autoescape_and_text_ones_do_not():
    env = environment(None)
    assert env.from_string("{{ x }}").render(x="<i>") == "<i>"
    assert env.get_template("reminder-body.html").environment.autoescape("reminder-body.html") is True
    assert env.autoescape("reminder-body.txt") is False


def test_vietnamese_helpers():
    assert [weekday_vi(date(2025, 6, d)) for d in (16, 22)] == ["Thứ Hai", "Chủ nhật"]
    assert fold("Đôn đốc Sở Y tế – “hạn” 18/6…") == 'Don doc So Y te - "han" 18/6...'


def test_the_kinds_that_fall_back_to_sms_are_those_with_an_sms_template():
    from notifications.kinds import KINDS
    from notifications.render import BUILTIN

    assert {k.name for k in KINDS.values() if k.sms} | {"daily"} == {
        p.name.removesuffix("-sms.txt") for p in BUILTIN.glob("*-sms.txt")
    }


def test_every_kind_has_its_templates_and_every_template_its_kind():
    """A kind cannot be half-added: registered without its templates, or templates without it
    (names starting with `_` are the parts templates include); the message of the day's are its own,
    and the consolidated report's page is no message."""
    from notifications import daily
    from notifications.kinds import KINDS
    from notifications.render import BUILTIN
    from notifications.report import html

    assert all(name == k.name for name, k in KINDS.items())
    assert {t for k in KINDS.values() for t in k.templates} | set(daily.TEMPLATES) | {html.TEMPLATE} == {
        p.name for p in BUILTIN.iterdir() if not p.name.startswith("_")
    }


def test_every_notice_is_a_registered_kind_with_an_sms_form():
    """models/operations/notices.py queues notices by SMS to a contact without email."""
    from models.operations.notices import QUEUED
    from notifications.kinds import KINDS

    assert all(kind in KINDS and KINDS[kind].sms for kind in QUEUED)


@pytest.mark.parametrize("kind", ["receipt", "returned"])
def test_a_period_inside_a_sentence_is_in_lower_case(kind):
    """ "minh chứng kỳ năm 2025", as running text writes it; the label alone keeps its capital."""
    subject = make_message(kind, context(period="Năm 2025")).subject
    assert "kỳ năm 2025" in subject and "Năm 2025" not in subject


def test_a_day_of_requests_asks_in_the_words_of_a_request():
    """A body the province does not direct reads "quý cơ quan", "nội dung đề nghị phối hợp" in its
    message of the day, never "đơn vị có … nhiệm vụ"."""
    from notifications.daily import daily_context

    at = Rendering(datetime(2025, 12, 15, 8, tzinfo=TZ), CALENDAR, TZ)
    asked = [("reminder", context(request=True)), ("overdue", context(request=True, days_left=-2))]
    m = make_message("daily", daily_context(asked, at))
    assert m.subject.startswith("V/v tình hình thực hiện các nội dung đề nghị phối hợp")
    assert "1 nội dung đề nghị phối hợp quá hạn" in m.subject and "nhiệm vụ" not in m.subject
    assert "quý cơ quan có 1 nội dung đã quá hạn" in m.text and "đơn vị có" not in m.text
    directed = make_message("daily", daily_context([("reminder", context()), ("overdue", context(days_left=-2))], at))
    assert "đơn vị có 1 nhiệm vụ đã quá hạn" in directed.text
