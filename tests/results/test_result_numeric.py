"""NumericBucketResult, NumericSumResult, NumericAverageResult over Mixpanel's examples."""

from __future__ import annotations

from typing import Any

import pytest

from mixpanel_data.results import NumericAverageResult, NumericBucketResult, NumericSumResult
from mixpanel_data.results.numeric import bucket_start

Q = {
    "event": "Purchased",
    "from_date": "2011-08-06",
    "to_date": "2011-08-09",
    "on": 'properties["amount"]',
}


def test_buckets_from_the_documented_example(mixpanel_examples: dict[str, Any]) -> None:
    r = NumericBucketResult.from_response(mixpanel_examples["/segmentation/numeric"], **Q)
    assert r.buckets == [
        "2,000 - 2,100", "2,100 - 2,200", "2,200 - 2,300", "2,300 - 2,400", "2,400 - 2,500",
    ]  # fmt: skip
    assert r.series["2,000 - 2,100"]["2011-08-09"] == 15
    assert r.series["2,300 - 2,400"] == {"2011-08-06": 4, "2011-08-08": 1, "2011-08-09": 12}
    assert r.total == (1 + 5 + 4 + 15) + (2 + 7 + 15) + (1 + 6 + 5) + (4 + 1 + 12) + (2 + 5)


def test_bucket_df_columns_dtypes_and_order(mixpanel_examples: dict[str, Any]) -> None:
    df = NumericBucketResult.from_response(mixpanel_examples["/segmentation/numeric"], **Q).df
    assert list(df.columns) == ["date", "bucket", "count"]
    assert [str(t) for t in df.dtypes] == ["datetime64[ns]", "string", "int64"]
    assert len(df) == 15
    first_day = df[df["date"] == "2011-08-06"]
    assert first_day["bucket"].tolist() == ["2,000 - 2,100", "2,200 - 2,300", "2,300 - 2,400"]
    assert first_day["count"].tolist() == [1, 1, 4]


def test_buckets_sort_by_value_not_text() -> None:
    raw = {
        "data": {
            "series": ["d"],
            "values": {"10 - 20": {"d": 1}, "5 - 10": {"d": 2}, "-5 - 0": {"d": 3}},
        }
    }
    r = NumericBucketResult.from_response(raw, **Q)
    assert r.buckets == ["-5 - 0", "5 - 10", "10 - 20"]
    assert bucket_start("2,000 - 2,100") == 2000.0
    assert bucket_start("no number") == float("inf")


def test_sum_from_the_documented_example(mixpanel_examples: dict[str, Any], roundtrip: Any) -> None:
    r = NumericSumResult.from_response(mixpanel_examples["/segmentation/sum"], **Q)
    assert r.results == {"2019-10-06": 7, "2019-10-07": 4}
    assert list(r.results) == ["2019-10-06", "2019-10-07"]
    assert r.total == 11
    assert r.computed_at == "2019-10-07T23:02:11.666218+00:00"
    df = r.df
    assert list(df.columns) == ["date", "sum"]
    assert [str(t) for t in df.dtypes] == ["datetime64[ns]", "float64"]
    assert df["sum"].tolist() == [7.0, 4.0]
    assert roundtrip(r.to_dict()) == r.to_dict()
    assert "total 11" in str(r)


def test_average_from_the_documented_example(
    mixpanel_examples: dict[str, Any], roundtrip: Any
) -> None:
    r = NumericAverageResult.from_response(mixpanel_examples["/segmentation/average"], **Q)
    assert r.results["2011-08-07"] == pytest.approx(4.640625)
    assert r.results["2011-08-09"] == pytest.approx(7.3353658536585)
    df = r.df
    assert list(df.columns) == ["date", "average"]
    assert [str(t) for t in df.dtypes] == ["datetime64[ns]", "float64"]
    assert df["average"].round(6).tolist() == [8.647059, 4.640625, 3.62309, 7.335366]
    assert roundtrip(r.to_dict()) == r.to_dict()
    assert 'Average of properties["amount"]' in str(r)


def test_bucket_to_dict_round_trips(mixpanel_examples: dict[str, Any], roundtrip: Any) -> None:
    r = NumericBucketResult.from_response(mixpanel_examples["/segmentation/numeric"], **Q)
    assert roundtrip(r.to_dict()) == r.to_dict()
    assert "5 bucket(s), total 85" in str(r)
