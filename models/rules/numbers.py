"""Numbers as Vietnamese writes them, the same in messages, pages and reports. Pure."""

from __future__ import annotations


def number_vi(value: float) -> str:
    """85.5 as Vietnamese writes it: 85,5; whole numbers without decimals; thousands with dots."""
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0")
    return text.translate(str.maketrans(",.", ".,"))


def figure_vi(sent: dict) -> str:
    """A figure as sent (a `submissions()` value): "12", or a rate's counts "45/60 (75%)"; a rate
    stored before rates came as two counts shows as it was sent, "85%"."""
    if sent["base"] is not None:
        share = f" ({number_vi(round(100 * sent['value'] / sent['base'], 1))}%)" if sent["base"] else ""
        return f"{number_vi(sent['value'])}/{number_vi(sent['base'])}{share}"
    return number_vi(sent["value"]) + ("%" if sent["unit"] == "percent" else "")
