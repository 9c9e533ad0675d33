"""Stream and store give the same rows for the same sandbox range (normalize.py pinned to SQL)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mixpanel_data import Workspace
from mixpanel_data.sandbox import Sandbox

FROM, TO = "2026-01-29", "2026-01-31"


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox(seed=5, users=40, days=3, end_date=TO) as sandbox:
        yield sandbox


def _event_key(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row["event_name"], row["event_time"], row["distinct_id"], row["insert_id"])


def test_streamed_events_equal_the_stored_rows(sb: Sandbox, tmp_path: Path) -> None:
    with Workspace(
        path=tmp_path / "n.duckdb", credentials=sb.credentials.client_credentials(sb.url)
    ) as ws:
        streamed = list(ws.stream_events(from_date=FROM, to_date=TO))
        ws.fetch_events(from_date=FROM, to_date=TO, progress=False)
        columns = ("event_name", "event_time", "distinct_id", "insert_id", "properties")
        stored = [
            dict(zip(columns, row, strict=True))
            for row in ws.sql_rows(f"SELECT {', '.join(columns)} FROM events")
        ]
    assert stored and streamed
    for row in stored:
        row["properties"] = json.loads(row["properties"])
    # The store keeps one copy of each duplicate; every stored row is a streamed row, exactly.
    by_key: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for row in streamed:
        by_key.setdefault(_event_key(row), []).append(row)
    assert {_event_key(r) for r in stored} == set(by_key)
    for row in stored:
        assert row in by_key[_event_key(row)]
        assert row["event_time"].tzinfo is None
    assert all(r["event_time"].tzinfo is None for r in streamed)


def test_streamed_profiles_equal_the_stored_rows(sb: Sandbox, tmp_path: Path) -> None:
    with Workspace(
        path=tmp_path / "p.duckdb", credentials=sb.credentials.client_credentials(sb.url)
    ) as ws:
        streamed = list(ws.stream_profiles())
        ws.fetch_profiles(progress=False)
        columns = ("distinct_id", "properties", "last_seen")
        stored = [
            dict(zip(columns, row, strict=True))
            for row in ws.sql_rows(f"SELECT {', '.join(columns)} FROM profiles")
        ]
    for row in stored:
        row["properties"] = json.loads(row["properties"])
    key = lambda row: row["distinct_id"]  # noqa: E731
    assert sorted(stored, key=key) == sorted(streamed, key=key)
    assert any(row["last_seen"] is not None for row in streamed)
