"""SegmentationResult: built from Mixpanel's documented example and from edge cases."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from mixpanel_data.exceptions import DataError
from mixpanel_data.results import SegmentationResult

QUERY = {"event": "Signed up", "from_date": "2011-08-06", "to_date": "2011-08-09", "unit": "day"}


def test_documented_example_gives_the_counts_a_reader_sees(
    mixpanel_examples: dict[str, Any],
) -> None:
    r = SegmentationResult.from_response(mixpanel_examples["/segmentation"], **QUERY)
    assert r.series == {
        "Signed up": {"2011-08-06": 147, "2011-08-07": 146, "2011-08-08": 776, "2011-08-09": 1376}
    }
    assert r.total == 147 + 146 + 776 + 1376
    # Mixpanel's `series` is not in date order; ours is.
    assert r.dates == ["2011-08-06", "2011-08-07", "2011-08-08", "2011-08-09"]
    assert r.segments == ["Signed up"]
    assert r.segment_property is None


def test_df_is_tidy_with_documented_dtypes(mixpanel_examples: dict[str, Any]) -> None:
    df = SegmentationResult.from_response(mixpanel_examples["/segmentation"], **QUERY).df
    assert list(df.columns) == ["date", "segment", "count"]
    assert [str(t) for t in df.dtypes] == ["datetime64[ns]", "string", "int64"]
    assert df["date"].tolist() == list(
        pd.to_datetime(["2011-08-06", "2011-08-07", "2011-08-08", "2011-08-09"])
    )
    assert df["count"].tolist() == [147, 146, 776, 1376]


def test_df_is_cached(mixpanel_examples: dict[str, Any]) -> None:
    r = SegmentationResult.from_response(mixpanel_examples["/segmentation"], **QUERY)
    assert r.df is r.df


def test_segments_keep_only_returned_dates_and_sort_by_total() -> None:
    raw = {
        "data": {
            "series": ["2026-03-01", "2026-03-02", "2026-03-03"],
            "values": {
                "DE": {"2026-03-01": 87, "2026-03-02": 102},
                "US": {"2026-03-01": 412, "2026-03-02": 455, "2026-03-03": 398},
            },
        },
        "legend_size": 2,
    }
    r = SegmentationResult.from_response(
        raw, event="Purchased", from_date="2026-03-01", to_date="2026-03-03",
        on='properties["country"]',
    )  # fmt: skip
    assert r.segments == ["US", "DE"]
    assert r.total == 87 + 102 + 412 + 455 + 398
    df = r.df
    assert len(df) == 5
    assert df[df["segment"] == "DE"]["count"].tolist() == [87, 102]
    assert df.iloc[0].tolist()[1:] == ["DE", 87]  # sorted by date, then segment


def test_average_counts_are_float() -> None:
    raw = {"data": {"series": ["2026-03-01"], "values": {"x": {"2026-03-01": 1.5}}}}
    r = SegmentationResult.from_response(
        raw, event="e", from_date="2026-03-01", to_date="2026-03-01", type="average"
    )
    assert str(r.df["count"].dtype) == "float64"


def test_to_dict_round_trips_through_json(
    mixpanel_examples: dict[str, Any], roundtrip: Any
) -> None:
    r = SegmentationResult.from_response(mixpanel_examples["/segmentation"], **QUERY)
    d = r.to_dict()
    assert roundtrip(d) == d
    assert d["total"] == 2445 and d["event"] == "Signed up" and "_raw" not in d


def test_str_is_readable(mixpanel_examples: dict[str, Any]) -> None:
    text = str(SegmentationResult.from_response(mixpanel_examples["/segmentation"], **QUERY))
    assert "'Signed up'" in text and "2011-08-06 to 2011-08-09" in text and "2,445" in text


def test_empty_answer_gives_an_empty_typed_frame() -> None:
    r = SegmentationResult.from_response(
        {"data": {"series": [], "values": {}}}, event="e", from_date="2026-01-01",
        to_date="2026-01-01",
    )  # fmt: skip
    assert r.total == 0 and r.df.empty
    assert [str(t) for t in r.df.dtypes] == ["datetime64[ns]", "string", "int64"]


def test_raw_is_kept_privately(mixpanel_examples: dict[str, Any]) -> None:
    raw = mixpanel_examples["/segmentation"]
    r = SegmentationResult.from_response(raw, **QUERY)
    assert r._raw is raw
    assert "_raw" not in repr(r)


@pytest.mark.parametrize(
    "raw",
    [[], {"data": []}, {"data": {"values": {"US": 3}}}, {"data": {"values": {"US": {"d": "x"}}}}],
)
def test_malformed_answers_raise_data_error(raw: Any) -> None:
    with pytest.raises(DataError):
        SegmentationResult.from_response(
            raw, event="e", from_date="2026-01-01", to_date="2026-01-01"
        )
