"""What falls due and how a body is asked for it, in the words of an official letter. One place
for the wording every message and page uses, so that no template decides it with its own tests.

- A task (`Duty.nature == "task"`) is completed by its date: "hạn hoàn thành".
- A report (`"report"`) is sent by its date: "hạn gửi báo cáo".
- Ongoing work (`"continuous"`, the plan's "thường xuyên", "tăng cường") has no completion date in
  the Government's task-tracking rules (QĐ 23/2018/QĐ-TTg): what falls due is the report on it for
  the period, "báo cáo kết quả thực hiện nhiệm vụ thường xuyên kỳ …, hạn gửi …".
- A request (`Duty.request`, the plan's "Đề nghị …" to bodies the province does not direct) is
  asked, never ordered: the People's Committee "đề nghị quý cơ quan", and nothing says "yêu cầu"
  or "khẩn trương" to such a body.

Pure functions of strings and dates.
"""

from __future__ import annotations

from datetime import date

CONTINUOUS_REPORT = "báo cáo kết quả thực hiện nhiệm vụ thường xuyên"


def in_sentence(label: str) -> str:
    """A period label inside a sentence: "Năm 2025" -> "năm 2025", "Quý III/2025" -> "quý III/2025"."""
    return label[:1].lower() + label[1:]


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def report_of(nature: str, period: str) -> str:
    """The report that falls due for a duty, or "" for a task (its completion falls due):
    "báo cáo kết quả thực hiện nhiệm vụ thường xuyên kỳ 6 tháng đầu năm 2025", "báo cáo năm 2025" (a
    report is named as officials name it, models/rules/periods.py `report_name`)."""
    if nature == "continuous":
        return f"{CONTINUOUS_REPORT} kỳ {in_sentence(period)}"
    if nature == "report":
        return f"báo cáo {in_sentence(period)}"
    return ""


def deadline_of(nature: str) -> str:
    """What the date is the limit of: "hạn hoàn thành" (a task), "hạn gửi báo cáo" (the others)."""
    return "hạn hoàn thành" if nature not in ("continuous", "report") else "hạn gửi báo cáo"


def due_phrase(nature: str, period: str, day: str) -> str:
    """A list's line about a date (`day` already written out, e.g. "18/06/2025"):
    "kỳ năm 2025, hạn hoàn thành 18/12/2025" for a task, "báo cáo kết quả thực hiện nhiệm vụ
    thường xuyên kỳ năm 2025, hạn gửi 18/12/2025" for ongoing work."""
    report = report_of(nature, period)
    return f"{report}, hạn gửi {day}" if report else f"kỳ {in_sentence(period)}, hạn hoàn thành {day}"


def due_wording(
    nature: str, *, request: bool, period: str, due: date, weekday: str, leadership: str, coordinator: str
) -> dict[str, str]:
    """The phrases one assignment's messages and pages are written with (`period` is its label,
    `leadership` the body that issued the plan, `coordinator` the acting coordinating body's name).

    - `item`, `item_label`: what the duty is called ("nhiệm vụ"; "nội dung", "Nội dung đề nghị" for a request)
    - `addressee`: how the body is named in a sentence ("đơn vị"; "quý cơ quan" for a request)
    - `label`: the date's row label, "Hạn hoàn thành" or "Hạn gửi báo cáo"
    - `deadline`: the same inside a sentence
    - `report`, `Report`: the report that falls due ("" for a task); `when`: the date in a sentence,
      "báo cáo kết quả thực hiện nhiệm vụ thường xuyên kỳ năm 2025, hạn gửi Thứ Năm, 18/12/2025"
    - `due_of`: what a day is the limit of, "hạn gửi báo cáo … (nhiệm vụ dưới đây)"
    - `what`, `What`: what is late ("nhiệm vụ dưới đây", "báo cáo … (nhiệm vụ dưới đây)")
    - `missing`: what has not come ("chưa có minh chứng hoàn thành", "chưa nhận được")
    - `confirm`: what a submission confirms
    - `intro`: a request's opening sentence ("" for the duties the province directs)
    - `ask`: what an overdue message asks for; `closing`: the line above the signature
    """
    item = "nội dung" if request else "nhiệm vụ"
    report = report_of(nature, period)
    day = f"{weekday}, {due:%d/%m/%Y}"
    if report:
        what = f"{report} ({item} dưới đây)" if nature == "continuous" else f"{report} dưới đây"
        due_of = f"hạn gửi {what}"
        missing, confirm, result = "chưa nhận được", "xác nhận đã gửi báo cáo", "báo cáo"
    else:
        what = f"{item} dưới đây"
        due_of = f"hạn hoàn thành {what}"
        missing, confirm, result = "chưa có minh chứng hoàn thành", "xác nhận hoàn thành", "kết quả thực hiện"
    if request:
        # Asked of a body the province does not direct: the People's Committee requests, the
        # coordinating body collects; no urgency, no order.
        intro = (
            f"{leadership} trân trọng đề nghị quý cơ quan phối hợp thực hiện nội dung dưới đây và gửi {result} về"
            f" {coordinator}."
        )
        ask = f"{leadership} trân trọng đề nghị quý cơ quan quan tâm, gửi {result} về {coordinator} để tổng hợp."
        closing = "Trân trọng cảm ơn sự phối hợp của quý cơ quan."
    else:
        intro, closing = "", "Trân trọng,"
        ask = (
            "Đề nghị đơn vị khẩn trương gửi báo cáo." if report else "Đề nghị đơn vị khẩn trương thực hiện và xác nhận."
        )
    return {
        "item": item,
        "item_label": "Nội dung đề nghị" if request else "Nhiệm vụ",
        "addressee": "quý cơ quan" if request else "đơn vị",
        "label": capitalised(deadline_of(nature)),
        "deadline": deadline_of(nature),
        "report": report,
        "Report": capitalised(report),
        "when": due_phrase(nature, period, day),
        "due_of": due_of,
        "what": what,
        "What": capitalised(what),
        "missing": missing,
        "confirm": confirm,
        "intro": intro,
        "ask": ask,
        "closing": closing,
    }


def request_followup(*, own: bool, leadership: str, coordinator: str) -> str:
    """What an overdue notice says of requests: to the requested body itself (`own`), the People's
    Committee asks again; to the coordinating body, that these are requests to follow up by
    contact, not orders to press."""
    if own:
        return (
            f"{leadership} trân trọng đề nghị quý cơ quan quan tâm, gửi kết quả thực hiện về {coordinator} để tổng hợp."
        )
    return (
        f"Các nội dung dưới đây là đề nghị của {leadership} đối với các cơ quan mà tỉnh không trực tiếp chỉ"
        " đạo; đề nghị liên hệ, trao đổi để các cơ quan phối hợp gửi kết quả."
    )


def number_notes(items: list[dict], key: str = "basis") -> list[str]:
    """Number the distinct sentences of `items[...][key]` in order of first appearance, set each
    item's `note` to its number, and return the sentences: a list of fifty dates set the same way
    says so once, in a note, not fifty times."""
    notes: dict[str, int] = {}
    for item in items:
        item["note"] = notes.setdefault(item[key], len(notes) + 1)
    return list(notes)
