"""FlowsResult over our spec's example (Mixpanel does not document this endpoint)."""

from __future__ import annotations

from typing import Any

from mixpanel_data.results import FlowsResult


def test_sankey_example(spec_examples: dict[str, Any], roundtrip: Any) -> None:
    r = FlowsResult.from_response(
        spec_examples["QueryFlowsResponse"], event="Signed Up", direction="after",
        from_date="2026-03-01", to_date="2026-03-31",
    )  # fmt: skip
    assert [(n.step, n.event, n.count) for n in r.nodes] == [
        (0, "Signed Up", 1200),
        (1, "Created Project", 492),
    ]
    assert [(t.event, t.next_event, t.count) for t in r.transitions] == [
        ("Signed Up", "$dropoff", 708),
        ("Signed Up", "Created Project", 492),
    ]
    assert r.overall_conversion_rate == 0.41
    df = r.df
    assert list(df.columns) == ["step", "event", "next_step", "next_event", "type", "count"]
    assert [str(t) for t in df.dtypes] == ["int64", "string", "int64", "string", "string", "int64"]
    assert df["next_step"].tolist() == [1, 1]
    assert roundtrip(r.to_dict()) == r.to_dict()
    assert "Flows after 'Signed Up'" in str(r) and "708" in str(r)


def test_top_paths_shape() -> None:
    raw = {
        "flows": [
            {"flowSteps": [{"event": "A", "totalCount": "10"}, {"event": "B", "totalCount": "6"}]},
            {"flowSteps": [{"event": "A", "totalCount": "10"}, {"event": "C", "totalCount": 3}]},
        ]
    }
    r = FlowsResult.from_response(raw, bookmark_id=9)
    assert [(p.events, p.count) for p in r.paths] == [(["A", "B"], 6), (["A", "C"], 3)]
    assert r.df.empty and "A > B" in str(r)
