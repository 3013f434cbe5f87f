"""A report written in the format asked: DOCX (the draft to sign), XLSX (the figures annex), HTML
(the browser, the Prefect UI), PDF (LibreOffice from the DOCX, as the signed copy will look)."""

from __future__ import annotations

import base64
import shutil
import subprocess
import tempfile
from pathlib import Path

from models.rules.report import Report

FORMATS = ("docx", "xlsx", "html", "pdf")


def report_path(home: Path, plan: str, period: str, fmt: str) -> Path:
    """Where a report is kept: DONDOC_HOME/reports/<plan>/bao-cao-<period>.<format>."""
    return home / "reports" / plan / f"bao-cao-{period}.{fmt}"


def write_report(report: Report, fmt: str, target: Path) -> Path:
    from notifications.report.chart import rate_chart

    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r}: one of {', '.join(FORMATS)}")
    target.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "xlsx":
        from notifications.report.xlsx import write_xlsx

        return write_xlsx(report, target)
    with tempfile.TemporaryDirectory() as scratch:
        chart = rate_chart(report, Path(scratch) / "ty-le-dung-han.png")
        if fmt == "html":
            from notifications.report.html import render_html

            image = f"data:image/png;base64,{base64.b64encode(chart.read_bytes()).decode()}" if chart else None
            target.write_text(render_html(report, image), encoding="utf-8")
            return target
        from notifications.report.docx import write_docx

        if fmt == "docx":
            return write_docx(report, target, chart)
        return to_pdf(write_docx(report, Path(scratch) / f"{target.stem}.docx", chart), target)


def office() -> str | None:
    """LibreOffice's command, if installed (Debian: libreoffice-writer)."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(docx: Path, target: Path) -> Path:
    """The DOCX as LibreOffice lays it out (headless, its own profile so that a desktop session
    of the same user neither blocks nor is disturbed by it)."""
    command = office()
    if command is None:
        raise RuntimeError("cần LibreOffice để xuất PDF (Debian: apt-get install libreoffice-writer)")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [command, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
             "--outdir", str(docx.parent), str(docx)],
            check=True, capture_output=True, timeout=300,
        )  # fmt: skip
    made = docx.with_suffix(".pdf")
    shutil.move(made, target)
    return target
