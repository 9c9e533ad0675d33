"""The pictures behind ``.plot()``: a line per segment, funnel bars, a retention heat map.

matplotlib is an optional extra (``pip install 'mixpanel_data[plot]'``) imported only here, when a
picture is asked for. Figures are made with :class:`matplotlib.figure.Figure` directly, not
pyplot, so nothing global changes and no window opens; pass ``ax=`` to draw into your own axes.

Example:
    >>> fig = line_chart(["2026-10-01", "2026-10-02"], {"US": {"2026-10-01": 3}}, ["US"],
    ...                  title="Signed Up")
    >>> [line.get_label() for line in fig.axes[0].get_lines()]
    ['US']
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from mixpanel_data.exceptions import ConfigError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from mixpanel_data.results.funnel import FunnelStep
    from mixpanel_data.results.retention import CohortRow


def _axes(ax: Axes | None, size: tuple[float, float]) -> tuple[Figure, Axes]:
    """``ax`` and its figure, or a new figure with one axes."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ConfigError("plotting needs matplotlib: pip install 'mixpanel_data[plot]'") from None
    if ax is not None:
        figure = ax.get_figure(root=True)
        assert isinstance(figure, Figure)
        return figure, ax
    figure = Figure(figsize=size, layout="constrained")
    return figure, figure.add_subplot()


def _when(key: str) -> dt.datetime:
    text = str(key)
    if len(text) > 10 and text[10] == "T":
        text = text[:10]
    return dt.datetime.fromisoformat(text)


def line_chart(
    dates: Sequence[str],
    series: Mapping[str, Mapping[str, int | float]],
    segments: Sequence[str],
    *,
    title: str,
    ax: Axes | None = None,
) -> Figure:
    """One line per segment over ``dates`` (a missing date counts as 0)."""
    figure, axes = _axes(ax, (8, 4))
    xs: Any = [_when(d) for d in dates]  # matplotlib's stubs do not list datetimes
    for segment in segments:
        values = series.get(segment, {})
        axes.plot(xs, [values.get(d, 0) for d in dates], marker=".", label=segment)
    axes.set_title(title)
    axes.set_ylabel("count")
    axes.grid(True, alpha=0.3)
    if len(segments) > 1:
        axes.legend(fontsize="small", loc="best")
    figure.autofmt_xdate()
    return figure


def funnel_bars(steps: Sequence[FunnelStep], *, title: str, ax: Axes | None = None) -> Figure:
    """A bar per step, labelled with its count and overall conversion."""
    figure, axes = _axes(ax, (8, 4))
    bars = axes.bar(
        [f"{s.step}. {s.name}" for s in steps], [s.count for s in steps], color="#7856ff"
    )
    axes.bar_label(
        bars,
        labels=[f"{s.count:,}\n{s.overall_conversion * 100:.1f}%" for s in steps],
        padding=2,
        fontsize="small",
    )
    axes.set_title(title)
    axes.set_ylabel("users")
    axes.margins(y=0.2)
    return figure


def heat_map(cohorts: Sequence[CohortRow], *, title: str, ax: Axes | None = None) -> Figure:
    """Cohorts down, periods across, colour = rate (blank where a cohort has no such period)."""
    figure, axes = _axes(ax, (8, max(2.5, 0.35 * len(cohorts) + 1.5)))
    periods = max((len(c.rates) for c in cohorts), default=0)
    grid: list[list[Any]] = [
        [c.rates[p] if p < len(c.rates) else math.nan for p in range(periods)] for c in cohorts
    ]
    image = axes.imshow(grid or [[math.nan]], cmap="Purples", vmin=0, vmax=1, aspect="auto")
    axes.set_xticks(range(periods), [str(p) for p in range(periods)])
    axes.set_yticks(range(len(cohorts)), [f"{c.date} ({c.size:,})" for c in cohorts])
    axes.set_xlabel("period")
    axes.set_title(title)
    if len(cohorts) * periods <= 400:
        for row, cohort in enumerate(cohorts):
            for col, rate in enumerate(cohort.rates):
                colour = "white" if rate > 0.6 else "black"
                axes.text(
                    col,
                    row,
                    f"{rate * 100:.0f}",
                    ha="center",
                    va="center",
                    fontsize="x-small",
                    color=colour,
                )
    figure.colorbar(image, ax=axes, label="retention")
    return figure


__all__ = ["funnel_bars", "heat_map", "line_chart"]
