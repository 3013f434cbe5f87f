"""The consolidated report as one HTML page, for the browser and the Prefect UI: the content of the
DOCX, with its figures written by words.py as every format writes them.

The report is turned here into plain texts and flags; templates/report.html only lays them out,
autoescaped (a body's name or a focal point's note is never markup). Whatever is marked in red
(overdue, not met) says so in words too: colour alone is lost in print and to some readers.
"""

from __future__ import annotations

import dataclasses
from zoneinfo import ZoneInfo

from models.rules.periods import period_label
from models.rules.report import BodySection, Line, PlanPart, Progress, Report
from models.rules.status import LABELS, Status
from notifications.render import environment
from notifications.report.words import dmy, figure_text, number, rate_text, threshold_text, value_text, verdict

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
TEMPLATE = "report.html"
ROMAN = ("I", "II", "III", "IV", "V", "VI")
CHART_ALT = "Biểu đồ tỷ lệ hoàn thành đúng hạn theo cơ quan, đơn vị"


def render_html(report: Report, chart: str | None = None, *, tz: ZoneInfo = LOCAL) -> str:
    """The report as a standalone page; `chart` is the URL (or data: URI) of its picture, if any."""
    return environment().get_template(TEMPLATE).render(context(report, chart, tz))


def context(report: Report, chart: str | None, tz: ZoneInfo) -> dict:
    plan, now = report.plan, report.now.astimezone(tz)
    subject = f"Kết quả thực hiện {plan.title}, {report.period_label}"
    sections = ["targets", "bodies", *(["requests"] if any(p.requests for p in report.plans) else []), "late", "hard"]
    several = len(report.plans) > 1
    return {
        "title": f"Báo cáo {subject[0].lower()}{subject[1:]}",
        "issuer_parent": report.issuer_parent.upper(),
        "issuer": report.issuer.upper(),
        "subject": subject,
        "recipient": report.recipient,
        "span": f"Số liệu từ ngày {dmy(report.period_start)} đến ngày {dmy(report.period_end)}, "
        f"tổng hợp đến {now:%H:%M} ngày {dmy(now)}.",
        "number": {key: ROMAN[i] for i, key in enumerate(sections)},
        "groups": _groups(report),
        "chart": chart,
        "chart_alt": CHART_ALT,
        "parts": [{"heading": _part_heading(p) if several else "", "bodies": _bodies(p.bodies)} for p in report.plans],
        "requests": [
            {"heading": _part_heading(p) if several else "", "bodies": _bodies(p.requests)}
            for p in report.plans
            if p.requests
        ],
        "overdue": [_late_row(ln) for ln in report.overdue],
        "done_late": [_late_row(ln) for ln in report.done_late],
        "difficulties": [
            {"who": f"{ln.body_label} (nhiệm vụ {ln.ref})", "text": text} for ln, text in report.difficulties
        ],
    }


def _groups(report: Report) -> list[dict]:
    """The targets under the plan's headings, in the plan's order; a group the report has no heading
    for still shows, under its code."""
    targets = [p for part in report.plans for p in part.targets]
    codes = [*report.target_groups, *dict.fromkeys(p.group for p in targets if p.group not in report.target_groups)]
    groups = []
    for code in codes:
        rows = [_target(p) for p in targets if p.group == code]
        if rows:
            groups.append({"heading": f"{len(groups) + 1}. {report.target_groups.get(code, code)}", "targets": rows})
    return groups


def _target(p: Progress) -> dict:
    return {
        "name": f"{p.ref}. {p.measure}",
        "required": threshold_text(p),
        "value": value_text(p),
        "verdict": verdict(p),
        "alert": p.met is False,
        "undecided": p.met is None,
        "figures": [
            {
                "body": f.body_label,
                "text": figure_text(p, f),
                "missing": f.missing,
                "unreviewed": not (f.missing or f.reviewed),
            }
            for f in p.figures
        ],
        "missing": ", ".join(f.body_label for f in p.missing),
        # An earlier value is written as the period's own: through value_text, on a copy holding it.
        "trend": "; ".join(f"{label}: {value_text(dataclasses.replace(p, value=v))}" for label, v in p.trend),
    }


def _part_heading(part: PlanPart) -> str:
    return f"{part.title} (số {part.number} ngày {dmy(part.issued_on)})"


def _bodies(sections: list[BodySection]) -> list[dict]:
    return [
        {
            "heading": f"{i}. {s.body_label}" + (f" (đến ngày {dmy(s.ended)})" if s.ended else ""),
            "total": number(sum(s.counts.values())),
            "counts": [
                {"label": LABELS[status].lower(), "n": number(s.counts[status]), "alert": status == Status.overdue}
                for status in Status
                if s.counts.get(status)
            ],
            "rate": rate_text(s.on_time_rate),
            "lines": [_line(ln) for ln in s.lines],
        }
        for i, s in enumerate(sections, 1)
    ]


def _status(ln: Line) -> str:
    late = f" ({number(ln.days_late)} ngày làm việc)" if ln.days_late else ""
    return LABELS[ln.status] + late


def _line(ln: Line) -> dict:
    return {
        "name": f"{ln.ref}. {ln.title}",
        "status": _status(ln),
        "alert": ln.status == Status.overdue,
        "due": dmy(ln.due),
        "period": period_label(ln.period),
        "summary": ln.summary,
        "references": "; ".join(ln.references),
        "figures": "; ".join(ln.figures),
    }


def _late_row(ln: Line) -> dict:
    return {
        "ref": ln.ref,
        "title": ln.title,
        "body": ln.body_label + (" (đề nghị phối hợp)" if ln.request else ""),
        "due": dmy(ln.due),
        "days": number(ln.days_late),
    }
