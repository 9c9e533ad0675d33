"""``--format chart``: a time series drawn in the terminal with Unicode blocks.

A column chart of the total per time bucket (eight rows high, each cell split in eighths), the first
and last dates under it, then one sparkline per segment (the largest first) with its total. Wide
ranges are folded: neighbouring buckets are added up so the chart fits ``width`` columns.

Example:
    >>> print(draw(["2026-10-01", "2026-10-02"], {"US": {"2026-10-01": 1, "2026-10-02": 2}},
    ...            title="Sign Up", height=2))
    Sign Up
    total 3, max 2 per bucket, 2 bucket(s)
        2 ┤ █
          ┤██
        0 └──
           2026-10-01 .. 2026-10-02
    US  ▄█  3
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from mixpanel_data.exceptions import ValidationError

BLOCKS = " ▁▂▃▄▅▆▇█"
"""Eighths of a cell, from empty to full."""
SEGMENT_ROWS = 8
"""Sparklines shown; the rest are counted on one line."""
CHART_COMMANDS = frozenset(
    {
        "segmentation",
        "segmentation-numeric",
        "segmentation-sum",
        "segmentation-average",
        "event-counts",
        "property-counts",
        "saved-report",  # Insights reports are time series; the others are refused on output
    }
)
"""The `mp query` commands whose answer ``--format chart`` can draw."""


def _fold(values: Sequence[float], width: int) -> list[float]:
    """``values`` added up in runs of equal length so that at most ``width`` remain."""
    if len(values) <= width:
        return list(values)
    size = math.ceil(len(values) / width)
    return [sum(values[i : i + size]) for i in range(0, len(values), size)]


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() or abs(value) >= 100 else f"{value:,.2f}"


def _columns(values: Sequence[float], height: int) -> list[str]:
    """Rows of a column chart, top row first; each column is one value."""
    top = max(values, default=0)
    eighths = [round(v / top * height * 8) if top > 0 else 0 for v in values]
    rows = []
    for level in range(height, 0, -1):
        floor = (level - 1) * 8
        rows.append("".join(BLOCKS[max(0, min(8, e - floor))] for e in eighths))
    return rows


def sparkline(values: Sequence[float]) -> str:
    """One row of blocks, the largest value a full block (``▁`` for anything above 0).

    Example:
        >>> sparkline([0, 1, 2, 4])
        ' ▂▄█'
    """
    top = max(values, default=0)
    if top <= 0:
        return " " * len(values)
    return "".join(BLOCKS[max(1, round(v / top * 8))] if v > 0 else " " for v in values)


def draw(
    dates: Sequence[str],
    series: Mapping[str, Mapping[str, float]],
    *,
    title: str,
    width: int = 60,
    height: int = 8,
) -> str:
    """The chart of ``{segment: {date: value}}`` over ``dates`` as text (no trailing newline)."""
    segments = sorted(series, key=lambda s: (-sum(series[s].values()), s))
    totals = [sum(series[s].get(d, 0) for s in segments) for d in dates]
    folded = _fold(totals, width)
    total = sum(totals)
    top = max(folded, default=0)
    lines = [
        title,
        f"total {_number(total)}, max {_number(top)} per bucket, {len(dates)} bucket(s)",
    ]
    if len(folded) < len(totals):
        lines[-1] += f" (every {math.ceil(len(totals) / width)} added up per column)"
    label = max(len(_number(top)), 1)
    for i, row in enumerate(_columns(folded, height)):
        mark = _number(top) if i == 0 else ""
        lines.append(f"{mark:>{label + 4}} ┤{row}")
    lines.append(f"{'0':>{label + 4}} └{'─' * len(folded)}")
    if dates:
        lines.append(" " * (label + 6) + f"{dates[0][:10]} .. {dates[-1][:10]}")
    name_width = min(24, max((len(s) for s in segments[:SEGMENT_ROWS]), default=0))
    for s in segments[:SEGMENT_ROWS]:
        values = _fold([series[s].get(d, 0) for d in dates], width)
        name = s if len(s) <= name_width else s[: name_width - 1] + "…"
        lines.append(f"{name:<{name_width}}  {sparkline(values)}  {_number(sum(values))}")
    if len(segments) > SEGMENT_ROWS:
        lines.append(f"... {len(segments) - SEGMENT_ROWS} more segment(s)")
    return "\n".join(lines)


def refuse_chart(ctx: Any) -> None:
    """Raise ``typer.BadParameter`` (exit 3) unless ``ctx`` is a command in :data:`CHART_COMMANDS`.

    Checked while the arguments are parsed, so `mp fetch events -f chart` fails before fetching.
    """
    import typer

    words: list[str] = []
    while ctx is not None:  # "mp", "query", "segmentation" (or one context named "mp query ...")
        words[:0] = str(ctx.info_name or "").split()
        ctx = ctx.parent
    if words[-2:-1] == ["query"] and words[-1] in CHART_COMMANDS:
        return
    names = ", ".join(sorted(CHART_COMMANDS))
    raise typer.BadParameter(f"chart draws time series only: mp query {names}")


def chart(result: Any) -> str:
    """``draw`` for a time-series result (one with ``_plot_data``), ending with a newline.

    Anything else is a :class:`ValidationError` naming ``--format`` (exit code 3).
    """
    inner = getattr(result, "inner", None) or result  # a saved funnel, retention or flows report
    plot_data = getattr(inner, "_plot_data", None)
    if not callable(plot_data):
        raise ValidationError(
            "--format chart draws time series (segmentation, event counts, property counts, "
            "numeric segmentation); use --format table for this command"
        )
    dates, series, _ = plot_data()
    return draw(dates, series, title=str(inner).splitlines()[0]) + "\n"


__all__ = ["BLOCKS", "CHART_COMMANDS", "chart", "draw", "refuse_chart", "sparkline"]
