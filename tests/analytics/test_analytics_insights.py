"""Saved Insights reports (``/insights``) and the date ranges saved reports use."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import duckdb
import pytest
from analytics_data import Event

from mixpanel_data.analytics import AnalyticsError
from mixpanel_data.analytics._bookmarks import read_range
from mixpanel_data.analytics.insights import insights

TODAY = date(2026, 1, 10)
EVENTS: list[Event] = [
    ("A", "2026-01-05 10:00:00", "u1", {"plan": "pro"}),
    ("A", "2026-01-06 10:00:00", "u1", {"plan": "pro"}),
    ("A", "2026-01-09 10:00:00", "u2", {"plan": "free"}),
    ("A", "2026-01-10 10:00:00", "u2", {"plan": "pro"}),
    ("A", "2026-01-12 10:00:00", "u3", {"plan": "pro"}),
    ("B", "2026-01-07 10:00:00", "u1", {}),
    ("B", "2026-01-07 11:00:00", "u1", {}),
    ("B", "2026-01-13 11:00:00", "u2", {}),
]
BOOKMARKS: dict[int, dict[str, Any]] = {
    10: {
        "id": 10,
        "type": "insights",
        "name": "Weekly",
        "params": {
            "sections": {
                "show": [
                    {"behavior": {"type": "event", "name": "A"}, "measurement": {"math": "total"}},
                    {"behavior": {"type": "event", "name": "B"}, "measurement": {"math": "unique"}},
                ],
                "time": [
                    {
                        "dateRangeType": "between",
                        "unit": "week",
                        "value": ["2026-01-05", "2026-01-18"],
                    }
                ],
            }
        },
    },
    11: {
        "id": 11,
        "type": "insights",
        "params": {
            "event": "A",
            "unit": "day",
            "last": 3,
            "math": "unique",
            "where": 'properties["plan"] == "pro"',
        },
    },
    12: {"id": 12, "type": "flows", "params": {"steps": [{"event": "A"}]}},
    13: {"id": 13, "type": "insights", "params": {"sections": {"show": []}}},
    14: {"id": 14, "type": "insights", "params": {"event": "A", "math": "p90"}},
    15: {
        "id": 15,
        "type": "insights",
        "params": {
            "sections": {
                "show": [
                    {"behavior": {"type": "event", "name": "A"}, "measurement": {"math": "unique"}}
                ],
                "group": [{"propertyName": "plan", "resourceType": "events"}],
                "time": [
                    {
                        "dateRangeType": "in the last",
                        "unit": "week",
                        "window": {"unit": "week", "value": 2},
                    }
                ],
            }
        },
    },
    16: {
        "id": 16,
        "type": "insights",
        "params": {
            "event": "A",
            "on": 'properties["plan"]',
            "from_date": "2026-01-09",
            "to_date": "2026-01-10",
        },
    },
}


@pytest.fixture
def con(make_db: Callable[..., duckdb.DuckDBPyConnection]) -> duckdb.DuckDBPyConnection:
    return make_db(EVENTS)


def run(con: duckdb.DuckDBPyConnection, bookmark_id: str) -> Any:
    return insights(con, {"bookmark_id": bookmark_id}, today=TODAY, bookmarks=BOOKMARKS)


def test_mixpanel_shaped_bookmark(con: duckdb.DuckDBPyConnection, check: Any) -> None:
    body = run(con, "10")
    check("GET", "/api/query/insights", body)
    assert body["headers"] == ["$event"]
    assert body["date_range"] == {
        "from_date": "2026-01-05T00:00:00+00:00",
        "to_date": "2026-01-18T23:59:59.999000+00:00",
    }
    assert body["series"] == {
        "A": {"2026-01-05T00:00:00+00:00": 4, "2026-01-12T00:00:00+00:00": 1},
        "B": {"2026-01-05T00:00:00+00:00": 1, "2026-01-12T00:00:00+00:00": 1},
    }
    datetime.fromisoformat(body["computed_at"])


def test_plain_bookmark_with_where(con: duckdb.DuckDBPyConnection, check: Any) -> None:
    body = run(con, "11")
    check("GET", "/api/query/insights", body)
    assert body["series"] == {
        "A": {
            "2026-01-08T00:00:00+00:00": 0,
            "2026-01-09T00:00:00+00:00": 0,  # u2's event that day is on the free plan
            "2026-01-10T00:00:00+00:00": 1,
        }
    }


@pytest.mark.parametrize("bookmark_id", ["99", "12", "13", "14", "x", ""])
def test_unusable_bookmarks_are_400(con: duckdb.DuckDBPyConnection, bookmark_id: str) -> None:
    with pytest.raises(AnalyticsError) as caught:
        run(con, bookmark_id)
    assert caught.value.status == 400


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (None, (date(2025, 12, 12), TODAY)),
        (
            {"dateRangeType": "in the last", "window": {"unit": "day", "value": 7}},
            (date(2026, 1, 4), TODAY),
        ),
        (
            {"type": "in the last", "window": {"unit": "week", "value": 2}},
            (date(2025, 12, 28), TODAY),
        ),
        (
            {"dateRangeType": "in the last", "window": {"unit": "month", "value": 1}},
            (date(2025, 12, 11), TODAY),
        ),
        ({"dateRangeType": "since", "value": "2026-01-01"}, (date(2026, 1, 1), TODAY)),
        (
            {"from_date": "2026-01-02", "to_date": "2026-01-03"},
            (date(2026, 1, 2), date(2026, 1, 3)),
        ),
        ({"last": 1}, (TODAY, TODAY)),
    ],
)
def test_read_range(spec: dict[str, Any] | None, expected: tuple[date, date]) -> None:
    assert read_range(spec, TODAY) == expected


@pytest.mark.parametrize(
    "spec",
    [
        {"dateRangeType": "between", "value": ["2026-01-05"]},
        {"dateRangeType": "fortnightly"},
        {"last": 0},
        {"from_date": "2026-01-05", "to_date": "2026-01-01"},
        {"dateRangeType": "in the last", "window": {"unit": "year", "value": 1}},
        {"dateRangeType": "in the last", "window": {"unit": "month", "value": 10**12}},
        {"last": 10**9},
        {"from_date": "0001-01-01", "to_date": "2026-01-01"},
    ],
)
def test_read_range_refuses(spec: dict[str, Any]) -> None:
    with pytest.raises(AnalyticsError):
        read_range(spec, TODAY)


def test_breakdown_by_a_property(con: duckdb.DuckDBPyConnection, check: Any) -> None:
    body = run(con, "15")
    check("GET", "/api/query/insights", body)
    assert body["headers"] == ["$event", "plan"]
    # the last two weeks up to Saturday 2026-01-10 start on Sunday 2025-12-28: three Mondays
    weeks = ["2025-12-22T00:00:00+00:00", "2025-12-29T00:00:00+00:00"]
    now = "2026-01-05T00:00:00+00:00"
    assert body["series"] == {
        "A": {
            "pro": {weeks[0]: 0, weeks[1]: 0, now: 2},  # u1 (5th, 6th), u2 (10th)
            "free": {weeks[0]: 0, weeks[1]: 0, now: 1},
        }
    }
    plain = run(con, "16")
    assert plain["headers"] == ["$event", 'properties["plan"]']
    assert plain["series"] == {
        "A": {
            "free": {"2026-01-09T00:00:00+00:00": 1, "2026-01-10T00:00:00+00:00": 0},
            "pro": {"2026-01-09T00:00:00+00:00": 0, "2026-01-10T00:00:00+00:00": 1},
        }
    }
