"""The activity feed (``stream/query``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import duckdb
import pytest
from analytics_data import Event, ts

from mixpanel_data.analytics import AnalyticsError
from mixpanel_data.analytics.activity import activity_stream

TODAY = date(2026, 1, 31)
EVENTS: list[Event] = [
    ("B", "2026-01-05 10:00:00", "u1", {"n": 2}),
    ("A", "2026-01-05 09:00:00", "u1", {"n": 1, "nested": {"k": [1, 2]}}),
    ("C", "2026-01-05 09:30:00", "u2", {"n": 3}),
    ("D", "2026-01-05 09:45:00", "u3", {"n": 4}),
    ("E", "2026-01-07 00:00:00", "u1", {"n": 5}),
]


@pytest.fixture
def con(make_db: Callable[..., duckdb.DuckDBPyConnection]) -> duckdb.DuckDBPyConnection:
    return make_db(EVENTS)


def test_events_of_the_users_in_time_order(con: duckdb.DuckDBPyConnection, check: Any) -> None:
    q = {"distinct_ids": '["u1", "u2"]', "from_date": "2026-01-05", "to_date": "2026-01-06"}
    body = activity_stream(con, q, today=TODAY)
    check("GET", "/api/query/stream/query", body)
    assert body["status"] == "ok"
    events = body["results"]["events"]
    assert [(e["event"], e["properties"]["n"]) for e in events] == [("A", 1), ("C", 3), ("B", 2)]
    first = events[0]["properties"]
    assert first["time"] == ts("2026-01-05 09:00:00")
    assert first["distinct_id"] == "u1"
    assert first["nested"] == {"k": [1, 2]}


def test_unknown_user_has_no_events(con: duckdb.DuckDBPyConnection) -> None:
    q = {"distinct_ids": '["nobody"]', "from_date": "2026-01-01", "to_date": "2026-01-31"}
    assert activity_stream(con, q, today=TODAY)["results"]["events"] == []


@pytest.mark.parametrize(
    ("q", "parameter"),
    [
        ({"from_date": "2026-01-01", "to_date": "2026-01-31"}, "distinct_ids"),
        (
            {"distinct_ids": "u1", "from_date": "2026-01-01", "to_date": "2026-01-31"},
            "distinct_ids",
        ),
        ({"distinct_ids": '["u1"]', "to_date": "2026-01-31"}, "from_date"),
    ],
)
def test_bad_parameters(con: duckdb.DuckDBPyConnection, q: dict[str, str], parameter: str) -> None:
    with pytest.raises(AnalyticsError) as caught:
        activity_stream(con, q, today=TODAY)
    assert (caught.value.status, caught.value.parameter) == (400, parameter)
