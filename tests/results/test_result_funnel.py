"""FunnelResult over Mixpanel's documented example and the other shapes funnels come in."""

from __future__ import annotations

import math
from typing import Any

import pytest

from mixpanel_data.results import FunnelResult, FunnelStep
from mixpanel_data.results.funnel import combine_steps

Q = {"funnel_id": 12345, "funnel_name": "Games", "from_date": "2016-09-12", "to_date": "2016-10-02"}


@pytest.fixture
def result(mixpanel_examples: dict[str, Any]) -> FunnelResult:
    return FunnelResult.from_response(mixpanel_examples["/funnels"], unit="week", **Q)


def test_steps_add_up_the_three_weeks(result: FunnelResult) -> None:
    first = 32688 + 32486 + 16103
    second = 20524 + 20809 + 12679
    assert [s.count for s in result.steps] == [first, second]
    assert [s.name for s in result.steps] == ["App Open", "Game Played"]
    assert result.steps[1].event == "$custom_event:12345"
    assert result.steps[1].step_conversion == pytest.approx(second / first)
    assert result.steps[1].overall_conversion == pytest.approx(second / first)
    assert result.conversion_rate == pytest.approx(second / first)
    # average time of step 2: each week's mean weighted by that week's converters
    expected = (133 * 20524 + 75 * 20809 + 571 * 12679) / second
    assert result.steps[1].avg_time == pytest.approx(expected)


def test_per_week_rows_keep_mixpanels_ratios(result: FunnelResult) -> None:
    df = result.df
    assert list(df.columns) == [
        "date", "segment", "step", "event", "name", "count", "step_conversion",
        "overall_conversion", "avg_time", "avg_time_from_start",
    ]  # fmt: skip
    assert [str(t) for t in df.dtypes] == [
        "datetime64[ns]", "string", "int64", "string", "string", "int64", "float64", "float64",
        "float64", "float64",
    ]  # fmt: skip
    assert len(df) == 6
    row = df[(df["date"] == "2016-09-26") & (df["step"] == 2)].iloc[0]
    assert row["count"] == 12679
    assert row["step_conversion"] == pytest.approx(0.7873688132646091)
    assert row["avg_time"] == 571
    assert set(df["segment"]) == {"$overall"}
    assert result.dates == ["2016-09-12", "2016-09-19", "2016-09-26"]


def test_to_dict_round_trips(result: FunnelResult, roundtrip: Any) -> None:
    d = result.to_dict()
    assert roundtrip(d) == d
    assert d["steps"][0]["count"] == 81277
    assert d["buckets"]["2016-09-19"]["$overall"][1]["count"] == 20809


def test_str_lists_the_steps(result: FunnelResult) -> None:
    text = str(result)
    assert "Funnel 12345 'Games'" in text and "Game Played" in text and "81,277" in text


def test_segmented_shape_uses_overall_for_the_steps() -> None:
    def steps(a: int, b: int) -> list[dict[str, Any]]:
        return [
            {"count": a, "event": "A", "avg_time": None, "avg_time_from_start": None},
            {"count": b, "event": "B", "avg_time": 10, "avg_time_from_start": 10},
        ]

    raw = {
        "meta": {"dates": ["2026-03-02"], "property_values": ["US", "DE"]},
        "data": {"2026-03-02": {"$overall": steps(10, 4), "US": steps(7, 3), "DE": steps(3, 1)}},
    }
    r = FunnelResult.from_response(
        raw, funnel_id=1, from_date="2026-03-02", to_date="2026-03-02", on='properties["c"]'
    )
    assert [s.count for s in r.steps] == [10, 4]
    assert r.conversion_rate == pytest.approx(0.4)
    assert r.df["segment"].tolist() == ["$overall", "$overall", "DE", "DE", "US", "US"]
    assert math.isnan(r.df["avg_time"].iloc[0])
    assert r.steps[0].avg_time is None


def test_simplified_list_shape() -> None:
    raw = {
        "data": {"2026-03-02": [{"count": 8, "step": 1, "name": "A"}, {"count": 2, "name": "B"}]}
    }
    r = FunnelResult.from_response(raw, funnel_id=1, from_date="2026-03-02", to_date="2026-03-02")
    assert [(s.name, s.count) for s in r.steps] == [("A", 8), ("B", 2)]
    assert r.steps[1].step_conversion == 0.25


def test_combine_steps_with_an_empty_first_step_does_not_divide_by_zero() -> None:
    zero = [
        FunnelStep(1, "A", "A", 0, 1.0, 1.0),
        FunnelStep(2, "B", "B", 0, 0.0, 0.0),
    ]
    out = combine_steps([zero, zero])
    assert [s.overall_conversion for s in out] == [0.0, 0.0]
    assert combine_steps([]) == []


def test_no_buckets_gives_no_steps() -> None:
    r = FunnelResult.from_response(
        {"data": {}}, funnel_id=1, from_date="2026-01-01", to_date="2026-01-01"
    )
    assert r.steps == [] and r.conversion_rate == 0.0 and r.df.empty
