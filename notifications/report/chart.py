"""The report's picture: each directed body's on-time rate as a horizontal bar, the lowest at the
top, so that who is behind is read first (matplotlib, no display).

Drawn at the size it is printed (16 cm wide in the DOCX, 200 dpi), so that a point here is a point
on paper. A province directs some fifty bodies: each takes a row, the picture grows with them up
to a page's height, then the rows close up, and a long name is wrapped only while its row has
room for two lines. DejaVu Sans, matplotlib's own font, has every Vietnamese letter.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from models.rules.report import Report
from models.rules.status import Status, on_time_rate
from notifications.report.words import percent

WIDTH = 16 / 2.54  # inches: the DOCX's text width
DPI = 200
ROW = 0.3  # inches per body while the picture is under a page
MARGINS = 1.1  # inches: the title above, the axis below
TALLEST = 9.0  # inches: with its caption, the picture stays on one A4 page
FONT = 8  # points, the bodies' names and the bars' labels
WRAP = 40  # characters of a name on one line, when its row holds two
# At most this many bars, the lowest rates: a country's thousand bodies would be lines too thin to
# name (and seconds to draw); the report's tables list every body.
SHOWN = 60
COLOUR = "#2e7d46"  # the digest's "done on time"


def rate_chart(report: Report, target: Path) -> Path | None:
    """Write the on-time rate per directed body to `target` as PNG; None when no body had anything fall due."""
    every = _rates(report)
    if not every:
        return None
    rates = every[:SHOWN]
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    pitch = min(ROW, (TALLEST - MARGINS) / len(rates))
    width = WRAP if pitch * 72 >= 2.4 * FONT else 200  # two lines need about 2.4 times the font's size
    names = [textwrap.fill(label, width) for label, _ in rates]
    values = [100 * rate for _, rate in rates]
    rows = range(len(rates))
    title = f"Tỷ lệ hoàn thành đúng hạn theo cơ quan, đơn vị — {report.period_label}"
    if len(every) > SHOWN:
        title += f" ({SHOWN} trong {len(every)} cơ quan, đơn vị có tỷ lệ thấp nhất)"
    with plt.rc_context({"font.family": "DejaVu Sans"}):
        fig, ax = plt.subplots(figsize=(WIDTH, MARGINS + pitch * len(rates)), dpi=DPI)
        try:
            bars = ax.barh(rows, values, height=0.62, color=COLOUR)
            ax.bar_label(bars, labels=[percent(v) for v in values], padding=3, fontsize=FONT)
            ax.set_yticks(rows, names, fontsize=FONT)
            ax.set_ylim(len(rates) - 0.5, -0.5)  # the first, the lowest rate, at the top
            # Room right of 100% for a full bar's label; the axis itself stops at 100%.
            ax.set_xlim(0, 112)
            ax.set_xticks(range(0, 101, 20), [percent(x) for x in range(0, 101, 20)], fontsize=FONT - 1)
            ax.spines["bottom"].set_bounds(0, 100)
            ax.spines[["top", "right"]].set_visible(False)
            ax.spines[["left", "bottom"]].set_color("#999999")
            ax.tick_params(axis="y", length=0)
            ax.tick_params(axis="x", colors="#555555")
            ax.grid(axis="x", color="#e5e5e5", linewidth=0.6)
            ax.set_axisbelow(True)
            # Over the whole width, names included: over the bars alone, a long period would not fit.
            fig.suptitle(textwrap.fill(title, 72), x=0.01, ha="left", fontsize=FONT + 2, fontweight="bold")
            fig.tight_layout()
            target.parent.mkdir(parents=True, exist_ok=True)
            fig.savefig(target, format="png")
        finally:
            plt.close(fig)
    return target


def _rates(report: Report) -> list[tuple[str, float]]:
    """(name, rate) of each directed body with something due, lowest first. A body in several
    plan parts (the plan and its annual plans) is one bar: its counts are added up."""
    counts: dict[str, dict[Status, int]] = {}
    names: dict[str, str] = {}
    for part in report.plans:
        for s in part.bodies:
            names.setdefault(s.body, s.body_label)
            total = counts.setdefault(s.body, dict.fromkeys(Status, 0))
            for status, n in s.counts.items():
                total[status] += n
    rates = [(names[body], on_time_rate(c)) for body, c in counts.items()]
    return sorted(((name, rate) for name, rate in rates if rate is not None), key=lambda r: (r[1], r[0]))
