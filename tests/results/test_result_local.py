"""FetchResult and WorkspaceInfo."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from mixpanel_data.results import FetchResult, WorkspaceInfo


def test_fetch_result(roundtrip: Any) -> None:
    r = FetchResult(
        table="events", rows=12000, type="events", duration_seconds=3.25,
        date_range=("2026-01-01", "2026-01-31"),
        fetched_at=dt.datetime(2026, 2, 1, 8, tzinfo=dt.UTC),
        duplicates_dropped=12, chunks=5, resumed_chunks=2,
    )  # fmt: skip
    d = r.to_dict()
    assert roundtrip(d) == d
    assert d["fetched_at"] == "2026-02-01T08:00:00+00:00" and d["date_range"] == [
        "2026-01-01",
        "2026-01-31",
    ]
    assert list(r.df.columns) == [
        "table", "rows", "type", "duration_seconds", "fetched_at", "duplicates_dropped", "chunks",
        "resumed_chunks", "from_date", "to_date",
    ]  # fmt: skip
    assert r.df["rows"].item() == 12000
    assert str(r) == (
        "Fetched 12,000 events into 'events' (2026-01-01 to 2026-01-31) in 3.2 s; "
        "12 duplicate(s) dropped, 2 chunk(s) resumed"
    )


def test_profiles_fetch_has_no_date_range(roundtrip: Any) -> None:
    r = FetchResult("profiles", 3, "profiles", 0.1, None, dt.datetime(2026, 2, 1, tzinfo=dt.UTC))
    assert roundtrip(r.to_dict())["date_range"] is None
    assert r.df["from_date"].isna().all()
    assert str(r).startswith("Fetched 3 profiles into 'profiles' in 0.1 s")


def test_workspace_info(roundtrip: Any) -> None:
    info = WorkspaceInfo(Path("/tmp/x.duckdb"), "123", "eu", None, ["events", "profiles"], 1.5)
    d = info.to_dict()
    assert roundtrip(d) == d and d["path"] == "/tmp/x.duckdb"
    assert info.df["table"].tolist() == ["events", "profiles"]
    assert str(info.df["table"].dtype) == "string"
    assert "project 123" in str(info) and "events, profiles" in str(info)
    assert "in memory" in str(WorkspaceInfo(None, None, None, None, [], 0.0))
