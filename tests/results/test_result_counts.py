"""EventCountsResult and PropertyCountsResult over Mixpanel's examples."""

from __future__ import annotations

from typing import Any

from mixpanel_data.results import EventCountsResult, PropertyCountsResult

DATES = {"from_date": "2010-05-29", "to_date": "2010-05-31"}


def test_event_counts_example(mixpanel_examples: dict[str, Any], roundtrip: Any) -> None:
    r = EventCountsResult.from_response(
        mixpanel_examples["/events"], events=["splash features", "account-page"], **DATES
    )
    assert r.series["account-page"] == {"2010-05-30": 1}
    assert r.totals() == {"splash features": 15, "account-page": 1}
    assert r.dates == ["2010-05-29", "2010-05-30", "2010-05-31"]
    df = r.df
    assert list(df.columns) == ["date", "event", "count"]
    assert [str(t) for t in df.dtypes] == ["datetime64[ns]", "string", "int64"]
    assert len(df) == 4
    on_30 = df[df["date"] == "2010-05-30"].set_index("event")["count"].to_dict()
    assert on_30 == {"account-page": 1, "splash features": 4}
    assert roundtrip(r.to_dict()) == r.to_dict()
    assert "splash features" in str(r) and "15" in str(r)


def test_property_counts_example(mixpanel_examples: dict[str, Any], roundtrip: Any) -> None:
    r = PropertyCountsResult.from_response(
        mixpanel_examples["/events/properties"], event="Viewed page", property_name="feature",
        type="unique", **DATES,
    )  # fmt: skip
    assert r.totals() == {"splash features": 6 + 4 + 5}
    df = r.df
    assert list(df.columns) == ["date", "value", "count"]
    assert [str(t) for t in df.dtypes] == ["datetime64[ns]", "string", "int64"]
    assert df["count"].tolist() == [6, 4, 5]
    assert roundtrip(r.to_dict()) == r.to_dict()
    assert "'feature'" in str(r)
