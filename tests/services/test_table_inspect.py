"""ws.sample / summarize / property_keys / breakdown over a store loaded from a hand-written export;
every expected number is counted in Python from the same records."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mixpanel_data._storage.engine import StorageEngine
from mixpanel_data._workspace import Workspace
from mixpanel_data.exceptions import TableNotFoundError, ValidationError

OCT1 = 1790812800


def _records() -> list[dict[str, Any]]:
    out = []
    for i in range(60):
        props: dict[str, Any] = {
            "time": OCT1 + i * 3600,
            "distinct_id": f"u{i % 7}",
            "$insert_id": f"x{i}",
            "plan": ["free", "pro", "team"][i % 3],
        }
        if i % 4 == 0:
            props["amount"] = i * 1.5
        if i % 10 == 0:
            props["tags"] = ["a", "b"]
        out.append({"event": "Purchase" if i % 2 else "Login", "properties": props})
    return out


RECORDS = _records()


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    folder = tmp_path_factory.mktemp("inspect")
    export = folder / "export.jsonl"
    export.write_text("\n".join(json.dumps(r) for r in RECORDS) + "\n")
    db = folder / "store.duckdb"
    with StorageEngine(db) as store:
        store.load_events("events", [export])
    with Workspace.open(db) as workspace:
        yield workspace


def _props(event: str | None = None) -> list[dict[str, Any]]:
    bookkeeping = {"time", "distinct_id", "$insert_id"}
    return [
        {k: v for k, v in r["properties"].items() if k not in bookkeeping}
        for r in RECORDS
        if event is None or r["event"] == event
    ]


def test_sample_rows_are_stored_rows_and_repeatable(ws: Workspace) -> None:
    first = ws.sample("events", 5, seed=7)
    again = ws.sample("events", 5, seed=7)
    assert first.to_dict() == again.to_dict()
    assert len(first.rows) == 5 and first.total_rows == len(RECORDS)
    assert first.columns == ["event_name", "event_time", "distinct_id", "insert_id", "properties"]
    known = {r["properties"]["$insert_id"] for r in RECORDS}
    assert {row["insert_id"] for row in first.rows} <= known
    assert list(first.df.columns) == first.columns


def test_summarize_counts_nulls_and_distinct(ws: Workspace) -> None:
    report = ws.summarize("events")
    by_column = {row["column"]: row for row in report.rows}
    assert set(by_column) == {"event_name", "event_time", "distinct_id", "insert_id", "properties"}
    assert by_column["distinct_id"]["distinct"] == len(
        {r["properties"]["distinct_id"] for r in RECORDS}
    )
    assert by_column["event_name"]["nulls"] == 0
    assert (
        by_column["event_name"]["min"] == "Login" and by_column["event_name"]["max"] == "Purchase"
    )
    assert by_column["event_time"]["min"].startswith("2026-10-01 00:00:00")
    assert report.total_rows == len(RECORDS)


@pytest.mark.parametrize("event", [None, "Login"])
def test_property_keys_types_and_frequency(ws: Workspace, event: str | None) -> None:
    report = ws.property_keys("events", event=event)
    props = _props(event)
    expected = Counter(k for p in props for k in p)
    got = {row["key"]: row for row in report.rows}
    assert {k: row["rows"] for k, row in got.items()} == dict(expected)
    assert got["plan"]["type"] == "VARCHAR"
    assert got["amount"]["type"] == "DOUBLE"
    if "tags" in got:
        assert got["tags"]["type"] == "ARRAY"
    assert got["plan"]["share"] == 1.0
    assert report.total_rows == len(props)
    assert [row["rows"] for row in report.rows] == sorted(
        (r["rows"] for r in report.rows), reverse=True
    )


def test_breakdown_by_property_and_column(ws: Workspace) -> None:
    plans = ws.breakdown("events", by="plan", event="Purchase")
    purchases = [r for r in RECORDS if r["event"] == "Purchase"]
    counted = Counter(r["properties"]["plan"] for r in purchases)
    users = {
        plan: len(
            {r["properties"]["distinct_id"] for r in purchases if r["properties"]["plan"] == plan}
        )
        for plan in counted
    }
    assert {row["value"]: row["rows"] for row in plans.rows} == dict(counted)
    assert {row["value"]: row["users"] for row in plans.rows} == users
    names = ws.breakdown("events", by="event_name", limit=1)
    assert len(names.rows) == 1 and names.rows[0]["rows"] == 30
    assert names.rows[0]["share"] == 0.5


def test_errors(ws: Workspace) -> None:
    with pytest.raises(TableNotFoundError, match="no table 'nope'"):
        ws.summarize("nope")
    with pytest.raises(ValidationError, match="n must be"):
        ws.sample("events", 0)
    with pytest.raises(ValidationError, match="by must name"):
        ws.breakdown("events", by=" ")
    ws.sql("CREATE OR REPLACE TABLE plain AS SELECT 1 AS a")
    with pytest.raises(ValidationError, match="no column or property 'b'"):
        ws.breakdown("plain", by="b")
    with pytest.raises(ValidationError, match="has no properties column"):
        ws.property_keys("plain")
    ws.sql("CREATE OR REPLACE TABLE people AS SELECT 'u1' AS distinct_id, '{}'::JSON AS properties")
    with pytest.raises(ValidationError, match="no event_name"):
        ws.property_keys("people", event="Login")


def test_a_missing_key_is_a_null_bucket(ws: Workspace) -> None:
    amounts = ws.breakdown("events", by="amount")
    none = next(row for row in amounts.rows if row["value"] is None)
    assert none["rows"] == sum(1 for p in _props() if "amount" not in p)


def test_file_store(tmp_path: Path) -> None:
    """The helpers read any table of a file store opened without credentials."""
    db = tmp_path / "s.duckdb"
    with StorageEngine(db) as store:
        store.sql("CREATE TABLE t AS SELECT i, i % 2 AS odd FROM range(10) r(i)")
    with Workspace.open(db, read_only=True) as ws:
        rows = ws.breakdown("t", by="odd").rows
    assert sorted((r["value"], r["rows"]) for r in rows) == [("0", 5), ("1", 5)]
