"""``.plot()`` on time-series, funnel and retention results: what each figure holds.

No image comparison: the tests read the drawn artists back (lines and their data, bars and their
heights and labels, the heat map's cells) and compare them with the result's own numbers.
"""

from __future__ import annotations

import builtins
import math
from typing import Any

import pandas as pd
import pytest
from matplotlib.collections import QuadMesh
from matplotlib.figure import Figure
from matplotlib.image import AxesImage

from mixpanel_data._workspace import Workspace
from mixpanel_data.exceptions import ConfigError, ValidationError
from mixpanel_data.results import SegmentationResult, _plot


def test_segmentation_draws_one_line_per_segment(ws: Workspace, span: dict[str, str]) -> None:
    result = ws.segmentation("Purchase", on='properties["$os"]', **span)
    fig = result.plot()
    assert isinstance(fig, Figure)
    lines = fig.axes[0].get_lines()
    segments = sorted(result.df["segment"].unique())
    assert sorted(line.get_label() for line in lines) == segments
    for line in lines:
        by_date = result.df[result.df["segment"] == line.get_label()]
        # every day of the span is a point; days without events are drawn at 0
        assert len(line.get_ydata()) == len(result.dates)
        assert sum(line.get_ydata()) == by_date["count"].sum()
    legend = fig.axes[0].get_legend()
    assert legend is not None and len(legend.get_texts()) == len(segments)


def test_segmentation_without_on_draws_one_line_and_no_legend(
    ws: Workspace, span: dict[str, str]
) -> None:
    result = ws.segmentation("Sign Up", **span)
    ax = result.plot().axes[0]
    assert len(ax.get_lines()) == 1
    assert ax.get_legend() is None
    assert sum(ax.get_lines()[0].get_ydata()) == result.df["count"].sum()


def test_top_limits_the_lines() -> None:
    dates = ["2026-10-01", "2026-10-02"]
    values = {f"s{i}": {dates[0]: i, dates[1]: i} for i in range(1, 6)}
    raw = {"data": {"series": dates, "values": values}}
    result = SegmentationResult.from_response(raw, event="E", from_date=dates[0], to_date=dates[1])
    labels = [line.get_label() for line in result.plot(top=2).axes[0].get_lines()]
    assert labels == ["s5", "s4"]  # the two largest


def test_funnel_draws_a_bar_per_step_with_conversion_labels(
    ws: Workspace, span: dict[str, str]
) -> None:
    funnel_id = ws.list_funnels()[0].funnel_id
    result = ws.funnel(funnel_id, **span)
    ax = result.plot().axes[0]
    overall = result.df[result.df["segment"] == "$overall"]
    counts = list(overall.groupby("step")["count"].sum())
    assert [p.get_height() for p in ax.patches] == counts
    labels = [t.get_text() for t in ax.texts]
    assert labels == [f"{c:,}\n{c / counts[0] * 100:.1f}%" for c in counts]
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        f"{s.step}. {s.name}" for s in result.steps
    ]


def test_retention_draws_a_cell_per_cohort_and_period(ws: Workspace, span: dict[str, str]) -> None:
    result = ws.retention("Sign Up", interval_count=5, **span)
    fig = result.plot()
    ax = fig.axes[0]
    images = [a for a in ax.get_children() if isinstance(a, AxesImage | QuadMesh)]
    assert len(images) == 1
    grid = images[0].get_array()
    assert grid is not None
    cohorts = result.df.groupby("cohort_date")
    assert grid.shape[0] == cohorts.ngroups
    assert grid.shape[1] == result.df["period"].max() + 1
    for row, (_, cohort) in enumerate(cohorts):
        for period, rate in zip(cohort["period"], cohort["rate"], strict=True):
            assert math.isclose(float(grid[row, period]), rate)
    assert len(fig.axes) == 2  # the heat map and its colour bar


def test_plot_into_given_axes(ws: Workspace, span: dict[str, str]) -> None:
    fig = Figure()
    left, right = fig.subplots(1, 2)
    result = ws.segmentation("Sign Up", **span)
    assert result.plot(ax=right) is fig
    assert len(right.get_lines()) == 1 and len(left.get_lines()) == 0


def test_without_matplotlib_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_matplotlib(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    raw = {"data": {"series": ["2026-10-01"], "values": {"E": {"2026-10-01": 1}}}}
    result = SegmentationResult.from_response(raw, event="E", from_date="x", to_date="x")
    with pytest.raises(ConfigError, match=r"pip install 'mixpanel_data\[plot\]'"):
        result.plot()


def test_module_example() -> None:
    import doctest

    assert doctest.testmod(_plot).failed == 0


def test_every_time_series_plots_a_line_per_series(ws: Workspace, span: dict[str, str]) -> None:
    """Event counts, property counts and the numeric segmentations draw what their .df holds."""
    amount = 'properties["amount"]'
    cases = [
        (ws.event_counts(["Purchase", "Sign Up"], **span), "event", "count"),
        (ws.property_counts("Purchase", "$os", **span), "value", "count"),
        (ws.segmentation_numeric("Purchase", on=amount, **span), "bucket", "count"),
        (ws.segmentation_sum("Purchase", on=amount, **span), None, "sum"),
        (ws.segmentation_average("Purchase", on=amount, **span), None, "average"),
    ]
    for result, key, value in cases:
        df = result.df
        ax = result.plot().axes[0]
        lines = ax.get_lines()
        name = type(result).__name__
        if key is None:  # one value per date: one line
            assert len(lines) == 1, name
            assert sum(lines[0].get_ydata()) == pytest.approx(df[value].sum()), name
            continue
        assert sorted(line.get_label() for line in lines) == sorted(df[key].unique()), name
        for line in lines:
            expected = df[df[key] == line.get_label()][value].sum()
            assert sum(line.get_ydata()) == pytest.approx(expected), (name, line.get_label())


def test_saved_reports_plot_what_they_hold(ws: Workspace) -> None:
    """Insights: a line per metric (and segment); funnels and retention: their own pictures."""
    kinds = {b.type: b.id for b in ws.list_bookmarks()}
    insights = ws.saved_report(kinds["insights"])
    df = insights.df
    pairs = zip(df["metric"], df["segment"], strict=True)
    names = {m if pd.isna(s) else f"{m} / {s}" for m, s in pairs}
    lines = insights.plot().axes[0].get_lines()
    assert {line.get_label() for line in lines} == names
    assert sum(sum(line.get_ydata()) for line in lines) == pytest.approx(df["value"].sum())

    funnel = ws.saved_report(kinds["funnels"])
    assert funnel.funnel is not None
    assert len(funnel.plot().axes[0].patches) == len(funnel.funnel.steps)

    retention = ws.saved_report(kinds["retention"])
    assert retention.retention is not None
    assert len(retention.plot().axes) == 2  # heat map and colour bar

    with pytest.raises(ValidationError, match="flows report has no plot"):
        ws.saved_report(kinds["flows"]).plot()
