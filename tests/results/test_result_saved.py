"""SavedReportResult: insights series, funnel/retention headers, and flows bookmarks."""

from __future__ import annotations

from typing import Any

import pandas as pd

from mixpanel_data.results import SavedReportResult
from mixpanel_data.results.saved import flatten_series


def test_insights_example(mixpanel_examples: dict[str, Any], roundtrip: Any) -> None:
    r = SavedReportResult.from_response(
        mixpanel_examples["/insights"], bookmark_id=12345, name="Weekly"
    )
    assert r.kind == "insights"
    assert (r.from_date, r.to_date) == ("2020-08-31", "2020-09-12")
    assert r.computed_at == "2020-09-21T16:35:41.252314+00:00"
    assert r.totals() == {"Logged in": 9852 + 4325, "Viewed page": 10246 + 11432}
    df = r.df
    assert list(df.columns) == ["date", "metric", "segment", "value"]
    assert [str(t) for t in df.dtypes] == ["datetime64[ns]", "string", "string", "int64"]
    assert df["date"].tolist() == list(pd.to_datetime(["2020-08-31", "2020-09-07"] * 2))
    assert df["value"].tolist() == [9852, 4325, 10246, 11432]
    assert df["segment"].isna().all()
    d = r.to_dict()
    assert roundtrip(d) == d and d["kind"] == "insights" and d["flows"] is None
    assert "Saved report 12345 'Weekly' (insights)" in str(r)


def test_kind_from_headers_and_nested_segments() -> None:
    raw = {
        "headers": ["$retention", "country"],
        "series": {
            "Retention": {
                "US": {"2026-03-02T00:00:00-08:00": 0.5},
                "$overall": {"2026-03-02T00:00:00-08:00": 0.4},
            }
        },
    }
    r = SavedReportResult.from_response(raw, bookmark_id=3)
    assert r.kind == "retention"
    assert r.df["segment"].tolist() == ["US", "$overall"]
    assert str(r.df["value"].dtype) == "float64"
    assert (
        SavedReportResult.from_response({"headers": ["$funnel"], "series": {}}, bookmark_id=1).kind
        == "funnels"
    )
    # an explicit kind from the bookmark listing wins over the headers
    assert SavedReportResult.from_response(raw, bookmark_id=3, kind="insights").kind == "insights"


def test_flatten_series_without_dates() -> None:
    assert flatten_series({"Total": {"US": 3, "DE": {"a": True}}}) == [
        (None, "Total", "US", 3),
        (None, "Total", "DE / a", 1),
    ]


def test_flows_bookmark(spec_examples: dict[str, Any], roundtrip: Any) -> None:
    r = SavedReportResult.from_response(
        spec_examples["QueryFlowsResponse"], bookmark_id=4420007, kind="flows", name="After signup"
    )
    assert r.kind == "flows" and r.flows is not None
    assert r.df.equals(r.flows.df)
    assert r.df["count"].tolist() == [708, 492]
    d = r.to_dict()
    assert roundtrip(d) == d and d["flows"]["overall_conversion_rate"] == 0.41
    assert "After signup" in str(r)


def test_a_funnel_or_retention_run_from_its_definition(
    mixpanel_examples: dict[str, Any], roundtrip: Any
) -> None:
    from mixpanel_data.results import FunnelResult, RetentionResult

    funnel = FunnelResult.from_response(
        mixpanel_examples["/funnels"], funnel_id=1, from_date="2016-09-12", to_date="2016-10-02"
    )
    r = SavedReportResult.from_result(funnel, bookmark_id=7, name="F")
    assert (r.kind, r.from_date, r.to_date) == ("funnels", "2016-09-12", "2016-10-02")
    assert r.inner is funnel and r.df.equals(funnel.df)
    d = r.to_dict()
    assert roundtrip(d) == d and d["funnel"]["steps"][1]["count"] == 54012
    assert "Game Played" in str(r)
    retention = RetentionResult.from_response(
        mixpanel_examples["/retention"], born_event="A", return_event=None,
        from_date="2012-01-01", to_date="2012-01-03",
    )  # fmt: skip
    s = SavedReportResult.from_result(retention, bookmark_id=8)
    assert s.kind == "retention" and s.retention is retention and s.funnel is None
    assert list(s.df.columns) == ["cohort_date", "size", "period", "count", "rate"]
