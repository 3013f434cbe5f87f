"""The digest's picture: per body, its items in the four leadership categories as one stacked
horizontal bar, the bodies in the ranking's order (most overdue at the top), so that it shows who
is behind even when nothing is on time (matplotlib, no display).

Read on a phone: the email is about 600 px wide, a phone shows it narrower still. Each body's name
is written above its bar rather than beside it, so that the bars get the whole width and a long
name ("Ủy ban nhân dân thành phố Lai Châu") is not cut. DejaVu Sans, matplotlib's own font, has
every Vietnamese letter.
"""

from __future__ import annotations

from pathlib import Path

from models.operations.board import BoardRow
from models.rules.status import LABELS, Status

CHART = "tinh-hinh-co-quan.png"  # the name the HTML refers to: <img src="cid:tinh-hinh-co-quan.png">
# Unfinished first, from zero: the red overdue segments start at the axis and compare at a glance;
# then what is still within its deadline, then what is done (late, on time). Colour and the
# colour of the count written inside.
SEGMENTS = (
    (Status.overdue, "#c8102e", "white"),
    (Status.open, "#b9cbe8", "#1a1a1a"),
    (Status.done_late, "#e5a823", "#1a1a1a"),
    (Status.done_on_time, "#2e7d46", "white"),
)
WIDTH = 4.2  # inches: shown 600 px wide, 10 pt is about 20 px; on a phone (about 360 px), 12 px
ROW = 0.5  # inches per body: its name, then its bar
MARGINS = 1.3  # inches: the legend above, the axis below
DPI = 160  # sharp on a phone's dense screen
LABELLED = 0.05  # a segment narrower than this share of the widest bar carries no count


def status_chart(lines: list[BoardRow], target: Path) -> Path:
    """Write the chart of `lines` (already ranked, worst first) to `target` as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    widest = max((b.total for b in lines), default=0) or 1
    rows = range(len(lines))
    fig, ax = plt.subplots(figsize=(WIDTH, MARGINS + ROW * max(len(lines), 1)), dpi=DPI)
    try:
        left = [0] * len(lines)
        for status, colour, ink in SEGMENTS:
            values = [b.counts[status] for b in lines]
            ax.barh(rows, values, left=left, height=0.46, color=colour, label=LABELS[status])
            for y, (start, v) in enumerate(zip(left, values, strict=True)):
                if v >= LABELLED * widest:  # plain text, not bar_label's annotations: a tenth of the cost
                    ax.text(start + v / 2, y, str(v), fontsize=9, color=ink, ha="center", va="center")
            left = [s + v for s, v in zip(left, values, strict=True)]
        for y, b in zip(rows, lines, strict=True):
            ax.text(0, y - 0.29, b.body_label, fontsize=10, va="bottom", ha="left")
        ax.set_ylim(len(lines) - 0.5, -0.8)  # the first at the top, room above it for its name
        ax.set_xlim(0, widest * 1.01)
        ax.set_yticks([])
        ax.tick_params(axis="x", labelsize=8, colors="#555555")
        ax.spines[["top", "right", "left"]].set_visible(False)
        ax.spines["bottom"].set_color("#999999")
        ax.set_xlabel("Số nhiệm vụ", fontsize=8, color="#555555")
        fig.legend(loc="upper center", ncols=2, frameon=False, fontsize=9, handlelength=1.2, columnspacing=1.2)
        # Fixed margins in inches rather than tight_layout, which draws the figure once more to
        # measure it: the legend's two lines above, the axis and its label below.
        height = fig.get_figheight()
        fig.subplots_adjust(left=0.03, right=0.97, top=1 - 0.62 / height, bottom=0.5 / height)
        target.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(target, format="png")
    finally:
        plt.close(fig)
    return target
