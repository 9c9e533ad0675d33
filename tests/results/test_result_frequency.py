"""FrequencyResult over Mixpanel's example."""

from __future__ import annotations

from typing import Any

from mixpanel_data.results import FrequencyResult


def test_frequency_example(mixpanel_examples: dict[str, Any], roundtrip: Any) -> None:
    r = FrequencyResult.from_response(
        mixpanel_examples["/retention/addiction"], from_date="2012-01-01", to_date="2012-01-02",
        unit="day", addiction_unit="hour", event="Viewed page",
    )  # fmt: skip
    assert r.data["2012-01-01"][0] == 305
    assert r.data["2012-01-02"][:4] == [495, 204, 117, 77]
    assert len(r.data["2012-01-01"]) == 24
    df = r.df
    assert list(df.columns) == ["date", "at_least", "users"]
    assert [str(t) for t in df.dtypes] == ["datetime64[ns]", "int64", "int64"]
    assert len(df) == 48
    got = df[(df["date"] == "2012-01-02") & (df["at_least"] == 3)]["users"].item()
    assert got == 117  # users active in at least 3 hours of 2012-01-02
    assert df["at_least"].min() == 1 and df["at_least"].max() == 24
    assert roundtrip(r.to_dict()) == r.to_dict()
    text = str(r)
    assert "'Viewed page'" in text and "305" in text
