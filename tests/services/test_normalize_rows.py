"""normalize.py: the row rules the store applies in SQL, case by case."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from mixpanel_data._services.normalize import (
    as_text,
    event_time,
    last_seen,
    normalize_event,
    normalize_profile,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1767225600, dt.datetime(2026, 1, 1)),
        (1767225600.4, dt.datetime(2026, 1, 1)),
        (1767225600.5, dt.datetime(2026, 1, 1, 0, 0, 1)),  # half away from zero, as DuckDB
        (1767225600123, dt.datetime(2026, 1, 1, 0, 0, 0, 123000)),
        (0, dt.datetime(1970, 1, 1)),
        ("1767225600", None),
        (True, None),
        (None, None),
        (1e300, None),
    ],
)
def test_event_time(value: Any, expected: dt.datetime | None) -> None:
    assert event_time(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("u1", "u1"), (7, "7"), (1.5, "1.5"), (True, "true"), (None, None), ({"a": 1}, '{"a":1}')],
)
def test_ids_are_text_like_in_the_store(value: Any, expected: str | None) -> None:
    assert as_text(value) == expected


def test_last_seen() -> None:
    assert last_seen("2026-01-30T12:00:00") == dt.datetime(2026, 1, 30, 12)
    assert last_seen("2026-01-30T14:00:00+02:00") == dt.datetime(2026, 1, 30, 14)  # as DuckDB
    assert last_seen("soon") is None and last_seen(None) is None


def test_event_and_profile_rows() -> None:
    raw = {"event": "Buy", "properties": {"time": 1, "distinct_id": 3, "$insert_id": "i", "x": 1}}
    assert normalize_event(raw) == {
        "event_name": "Buy",
        "event_time": dt.datetime(1970, 1, 1, 0, 0, 1),
        "distinct_id": "3",
        "insert_id": "i",
        "properties": {"x": 1},
    }
    assert raw["properties"]["time"] == 1  # the input is left alone
    profile = {"$distinct_id": "u", "$properties": {"$last_seen": "2026-01-02T03:04:05"}}
    assert normalize_profile(profile) == {
        "distinct_id": "u",
        "properties": {"$last_seen": "2026-01-02T03:04:05"},
        "last_seen": dt.datetime(2026, 1, 2, 3, 4, 5),
    }
