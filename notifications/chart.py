"""The digest's picture: on-time rate per body, a horizontal bar chart (matplotlib, no display).
DejaVu Sans, matplotlib's own font, has every Vietnamese letter."""

from __future__ import annotations

from pathlib import Path

from models.operations.board import BoardRow

ON_TIME_CHART = "ty-le-dung-han.png"  # the name the HTML refers to: <img src="cid:ty-le-dung-han.png">


def on_time_chart(lines: list[BoardRow], target: Path) -> Path:
    """Write the chart of `lines` (already ranked, best first) to `target` as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    names = [b.body_label for b in lines][::-1]  # the best at the top
    rates = [round(100 * b.on_time_rate) for b in lines][::-1]
    height = 0.9 + 0.32 * max(len(lines), 1)
    fig, ax = plt.subplots(figsize=(7.2, height), dpi=110)
    try:
        bars = ax.barh(
            names, rates, color=["#11602a" if r >= 80 else "#c8102e" if r < 50 else "#d98c00" for r in rates]
        )
        ax.bar_label(bars, labels=[f"{r}%" for r in rates], padding=3, fontsize=8)
        ax.set_xlim(0, 110)
        ax.set_xlabel("Tỷ lệ hoàn thành đúng hạn (%)", fontsize=9)
        ax.tick_params(axis="y", labelsize=8)
        ax.tick_params(axis="x", labelsize=8)
        ax.spines[["top", "right"]].set_visible(False)
        fig.tight_layout()
        target.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(target, format="png")
    finally:
        plt.close(fig)
    return target
