"""JQLResult: the raw list and the frame for each shape a script returns."""

from __future__ import annotations

from typing import Any

from mixpanel_data.results import JQLResult


def test_group_by_example(spec_examples: dict[str, Any], roundtrip: Any) -> None:
    r = JQLResult.from_response(spec_examples["QueryJQLResponse"], script="function main(){}")
    assert r.raw == [{"key": ["Purchased"], "value": 388}, {"key": ["Signed Up"], "value": 1204}]
    assert list(r.df.columns) == ["key", "value"]
    assert r.df["value"].tolist() == [388, 1204]
    assert str(r.df["value"].dtype) == "int64"
    d = r.to_dict()
    assert roundtrip(d) == d and d["rows"] == 2
    assert "2 item(s)" in str(r) and "Purchased" in str(r)


def test_multi_key_and_object_values() -> None:
    r = JQLResult.from_response([
        {"key": ["US", "pro"], "value": {"count": 3, "sum": 9.5}},
        {"key": ["DE", "free"], "value": {"count": 1, "sum": 2.0}},
    ])  # fmt: skip
    assert list(r.df.columns) == ["key_0", "key_1", "value.count", "value.sum"]
    assert r.df.iloc[1].tolist() == ["DE", "free", 1, 2.0]


def test_several_reducers_and_plain_shapes() -> None:
    r = JQLResult.from_response([{"key": ["a"], "value": [1, 2]}])
    assert list(r.df.columns) == ["key", "value_0", "value_1"]
    objects = JQLResult.from_response([{"name": "x", "p": {"q": 1}}])
    assert list(objects.df.columns) == ["name", "p.q"]
    scalars = JQLResult.from_response([1, 2, 3])
    assert scalars.df["value"].tolist() == [1, 2, 3]
    single = JQLResult.from_response(42)
    assert single.raw == [42]
    assert JQLResult.from_response([]).df.empty
