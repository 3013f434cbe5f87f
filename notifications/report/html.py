"""The consolidated report as one HTML page, for the browser and the Prefect UI: the content of the
DOCX, with its figures written by words.py as every format writes them.

The sentences are the DOCX's (notifications/report/docx.py), so that the page and the signed
report read alike. The report is turned here into plain texts and flags; templates/report.html
only lays them out,
autoescaped (a body's name or a focal point's note is never markup). Whatever is marked in red
(overdue, not met) says so in words too: colour alone is lost in print and to some readers.
"""

from __future__ import annotations

from models.rules.periods import period_label
from models.rules.report import BodySection, Line, Progress, Report
from models.rules.status import LABELS, Status
from notifications.render import environment
from notifications.report.words import (
    dmy,
    figure_text,
    grouped_targets,
    number,
    rate_text,
    status_text,
    threshold_text,
    trend_text,
    value_text,
    verdict,
)

TEMPLATE = "report.html"
ROMAN = ("I", "II", "III", "IV", "V")
SECTIONS = ("targets", "bodies", "requests", "late", "difficulties")
CHART_ALT = "Biểu đồ tỷ lệ hoàn thành đúng hạn theo cơ quan, đơn vị"


def render_html(report: Report, chart: str | None = None) -> str:
    """The report as a standalone page; `chart` is the URL (or data: URI) of its picture, if any."""
    return environment().get_template(TEMPLATE).render(context(report, chart))


def context(report: Report, chart: str | None) -> dict:
    plan, now = report.plan, report.now
    subject = f"Kết quả thực hiện {plan.title}, {report.period_label}"
    asked = any(p.requests for p in report.plans)
    sections = [key for key in SECTIONS if key != "requests" or asked]  # numbered as shown
    return {
        "title": f"Báo cáo {subject[0].lower()}{subject[1:]}",
        "issuer_parent": report.issuer_parent.upper(),
        "issuer": report.issuer.upper(),
        "subject": subject,
        "opening": f"Thực hiện Kế hoạch số {plan.number} ngày {dmy(plan.issued_on)} của {report.recipient} "
        f"({plan.title}), {report.issuer} báo cáo kết quả thực hiện {report.period_label} như sau:",
        "span": f"Số liệu tính từ ngày {dmy(report.period_start)} đến ngày {dmy(report.period_end)}; "
        f"tổng hợp đến {now:%H:%M} ngày {dmy(now)}.",
        "today": dmy(now),
        "closing": f"Trên đây là báo cáo kết quả thực hiện {report.period_label} của {report.issuer}, "
        f"kính báo cáo {report.recipient} xem xét, chỉ đạo./.",
        "number": {key: ROMAN[i] for i, key in enumerate(sections)},
        "groups": _groups(report),
        "chart": chart,
        "chart_alt": CHART_ALT,
        "parts": _parts(report, "bodies"),
        "requests": _parts(report, "requests"),
        "overdue": [_late_row(ln) for ln in report.overdue],
        "done_late": [_late_row(ln) for ln in report.done_late],
        "difficulties": [{"who": f"{ln.body_label} ({ln.ref})", "text": text} for ln, text in report.difficulties],
    }


def _groups(report: Report) -> list[dict]:
    return [
        {"heading": heading, "targets": [_target(p, report.kind) for p in group]}
        for heading, group in grouped_targets(report)
    ]


def _target(p: Progress, kind: str) -> dict:
    return {
        "name": f"{p.ref}. {p.measure}",
        "required": threshold_text(p),
        "value": value_text(p),
        "verdict": verdict(p),
        "no_value": p.value is None,
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
        "trend": trend_text(p, kind),
    }


def _parts(report: Report, kind: str) -> list[dict]:
    """The bodies (`kind` "bodies") or the requested bodies ("requests") of each plan in the report,
    numbered under the plan's heading when the report holds more than one."""
    parts = [p for p in report.plans if getattr(p, kind)]
    several = len(report.plans) > 1
    return [
        {
            "heading": f"{i}. Kế hoạch số {p.number} ngày {dmy(p.issued_on)}: {p.title}" if several else "",
            "bodies": _bodies(getattr(p, kind), f"{i}." if several else ""),
        }
        for i, p in enumerate(parts, 1)
    ]


def _bodies(sections: list[BodySection], prefix: str) -> list[dict]:
    return [
        {
            "heading": f"{prefix}{i}. {s.body_label}" + (f" (đến ngày {dmy(s.ended)})" if s.ended else ""),
            "total": number(sum(s.counts.values())),
            "counts": [
                {"label": LABELS[status].lower(), "n": number(s.counts[status]), "alert": status == Status.overdue}
                for status in Status
                if s.counts.get(status)
            ],
            "rate": "" if s.on_time_rate is None else rate_text(s.on_time_rate),
            "lines": [_line(ln) for ln in s.lines],
        }
        for i, s in enumerate(sections, 1)
    ]


def _line(ln: Line) -> dict:
    return {
        "name": f"{ln.ref}. {ln.title}",
        "status": status_text(ln),
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
