"""How tool answers are shaped: rows capped by count and by size, with a note saying so."""

from __future__ import annotations

import json

import pandas as pd

from mixpanel_data.mcp import _shape


def test_rows_under_the_cap_come_whole_without_a_note() -> None:
    out = _shape.table([{"a": 1}, {"a": 2}], max_rows=5)
    assert out == {"columns": ["a"], "rows": [{"a": 1}, {"a": 2}], "row_count": 2}


def test_rows_over_the_cap_are_cut_and_counted() -> None:
    out = _shape.table(({"i": i} for i in range(250)), max_rows=100)
    assert [r["i"] for r in out["rows"]] == list(range(100))
    assert out["row_count"] == 250
    assert out["truncated"] == (
        "truncated: 100 of 250 rows, narrow the query (a shorter date range, a where filter, "
        "a LIMIT) or raise max_rows"
    )


def test_big_rows_stop_at_the_size_budget() -> None:
    wide = "x" * 50_000
    out = _shape.table(({"blob": wide} for _ in range(20)), max_rows=1000)
    assert 1 <= len(out["rows"]) < 20
    assert len(json.dumps(out)) < _shape.MAX_CHARS + 60_000
    assert out["truncated"].startswith(f"truncated: {len(out['rows'])} of 20 rows")


def test_one_row_too_big_on_its_own_has_its_long_values_cut() -> None:
    huge = {"id": 1, "blob": "y" * 300_000, "nested": {"k": ["z" * 100] * 5_000}}
    out = _shape.table([huge, {"id": 2, "blob": "small", "nested": {}}], max_rows=10)
    first = out["rows"][0]
    assert first["id"] == 1
    assert first["blob"].startswith("y" * _shape.MAX_VALUE_CHARS)
    assert first["blob"].endswith("… (300,000 characters)")
    assert isinstance(first["nested"], str) and first["nested"].startswith('{"k": ["zzz')
    assert out["rows"][1] == {"id": 2, "blob": "small", "nested": {}}
    assert "clipped" in out and "truncated" not in out
    assert len(json.dumps(out)) < 20_000


def test_frame_gives_days_for_a_column_of_midnights_and_moments_otherwise() -> None:
    df = pd.DataFrame(
        {
            "date": pd.to_datetime(["2026-10-01", "2026-10-02"]),
            "hour": pd.to_datetime(["2026-10-01 00:00", "2026-10-01 13:00"]),
            "n": [1, float("nan")],
        }
    )
    out = _shape.frame(df, max_rows=10, summary={"total": 1})
    assert out["summary"] == {"total": 1}
    assert out["rows"] == [
        {"date": "2026-10-01", "hour": "2026-10-01T00:00:00", "n": 1.0},
        {"date": "2026-10-02", "hour": "2026-10-01T13:00:00", "n": None},
    ]


def test_items_makes_rows_of_plain_values_and_objects() -> None:
    assert _shape.items(["a", "b"], max_rows=1, column="event")["rows"] == [{"event": "a"}]
    assert _shape.items([{"id": 1}], max_rows=5)["rows"] == [{"id": 1}]
