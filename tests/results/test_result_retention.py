"""RetentionResult and CohortRow over Mixpanel's example."""

from __future__ import annotations

from typing import Any

import pytest

from mixpanel_data.results import CohortRow, RetentionResult

Q = {
    "born_event": "Added to cart",
    "return_event": "Viewed report",
    "from_date": "2012-01-01",
    "to_date": "2012-01-03",
}


@pytest.fixture
def result(mixpanel_examples: dict[str, Any]) -> RetentionResult:
    return RetentionResult.from_response(mixpanel_examples["/retention"], interval_count=2, **Q)


def test_cohorts_sizes_counts_and_rates(result: RetentionResult) -> None:
    assert [c.date for c in result.cohorts] == ["2012-01-01", "2012-01-02", "2012-01-03"]
    assert [c.size for c in result.cohorts] == [2, 10, 10]
    assert result.cohorts[1].counts == [9, 7, 6]
    assert result.cohorts[0].rates == [1.0, 0.5, 1.0]
    assert result.cohorts[1].rates == pytest.approx([0.9, 0.7, 0.6])
    assert result.average_rates == pytest.approx([20 / 22, 14 / 22, 12 / 22])


def test_df(result: RetentionResult) -> None:
    df = result.df
    assert list(df.columns) == ["cohort_date", "size", "period", "count", "rate"]
    assert [str(t) for t in df.dtypes] == ["datetime64[ns]", "int64", "int64", "int64", "float64"]
    assert len(df) == 9
    row = df[(df["cohort_date"] == "2012-01-03") & (df["period"] == 2)].iloc[0]
    assert (row["size"], row["count"], row["rate"]) == (10, 4, pytest.approx(0.4))


def test_to_dict_and_str(result: RetentionResult, roundtrip: Any) -> None:
    d = result.to_dict()
    assert roundtrip(d) == d
    assert d["cohorts"][2] == {
        "date": "2012-01-03",
        "size": 10,
        "counts": [9, 6, 4],
        "rates": [0.9, 0.6, 0.4],
    }
    text = str(result)
    assert "'Added to cart' -> 'Viewed report'" in text and "90.0%" in text


def test_wrapped_shape_missing_first_and_empty_cohort() -> None:
    raw = {"data": {"2026-01-02": {"counts": [4, 1]}, "2026-01-01": {"counts": [], "first": 0}}}
    r = RetentionResult.from_response(
        raw, born_event="A", return_event=None, from_date="2026-01-01", to_date="2026-01-02"
    )
    assert [c.date for c in r.cohorts] == ["2026-01-01", "2026-01-02"]
    assert r.cohorts[0] == CohortRow(date="2026-01-01", size=0, counts=[], rates=[])
    assert r.cohorts[1].size == 4 and r.cohorts[1].rates == [1.0, 0.25]
    assert "any event" in str(r)
