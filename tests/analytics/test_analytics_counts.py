"""Event counts and property counts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import duckdb
import pytest
from analytics_data import Event

from mixpanel_data.analytics import AnalyticsError
from mixpanel_data.analytics.counts import event_counts, property_counts

TODAY = date(2026, 1, 10)  # a Saturday
EVENTS: list[Event] = [
    ("A", "2026-01-10 01:00:00", "u1", {"plan": "pro", "coupon": "X"}),
    ("A", "2026-01-10 02:00:00", "u1", {"plan": "pro"}),
    ("A", "2026-01-10 03:00:00", "u1", {"plan": "free", "coupon": "Y"}),
    ("A", "2026-01-10 23:00:00", "u2", {"plan": "free"}),
    ("A", "2026-01-09 10:00:00", "u1", {"plan": "pro"}),
    ("A", "2026-01-09 11:00:00", "u1", {"plan": "team"}),
    ("A", "2026-01-09 12:00:00", "u1", {"plan": "team"}),
    ("A", "2025-11-30 12:00:00", "u9", {"plan": "pro", "old_prop": 1}),
    ("B", "2026-01-10 05:00:00", "u3", {}),
    ("C", "2026-01-09 05:00:00", "u1", {}),
]


@pytest.fixture
def con(make_db: Callable[..., duckdb.DuckDBPyConnection]) -> duckdb.DuckDBPyConnection:
    return make_db(EVENTS)


def test_event_counts_by_dates(con: duckdb.DuckDBPyConnection, check: Any) -> None:
    q = {
        "event": '["A", "B", "Z"]',
        "type": "general",
        "unit": "day",
        "from_date": "2026-01-09",
        "to_date": "2026-01-10",
    }
    body = event_counts(con, q, today=TODAY)
    check("GET", "/api/query/events", body)
    assert body == {
        "data": {
            "series": ["2026-01-09", "2026-01-10"],
            "values": {"A": {"2026-01-09": 3, "2026-01-10": 4}, "B": {"2026-01-10": 1}},
        },
        "legend_size": 2,
    }
    unique = event_counts(con, {**q, "type": "unique"}, today=TODAY)
    assert unique["data"]["values"] == {
        "A": {"2026-01-09": 1, "2026-01-10": 2},
        "B": {"2026-01-10": 1},
    }
    average = event_counts(con, {**q, "type": "average"}, today=TODAY)
    assert average["data"]["values"]["A"] == {"2026-01-09": 3.0, "2026-01-10": 2.0}


def test_event_counts_by_interval(con: duckdb.DuckDBPyConnection) -> None:
    body = event_counts(
        con, {"event": '["A"]', "type": "general", "unit": "day", "interval": "1"}, today=TODAY
    )
    assert body["data"] == {"series": ["2026-01-10"], "values": {"A": {"2026-01-10": 4}}}
    weeks = event_counts(
        con, {"event": '["A"]', "type": "general", "unit": "week", "interval": "2"}, today=TODAY
    )
    assert weeks["data"]["series"] == ["2025-12-29", "2026-01-05"]
    assert weeks["data"]["values"] == {"A": {"2026-01-05": 7}}
    hours = event_counts(
        con, {"event": '["A"]', "type": "general", "unit": "hour", "interval": "2"}, today=TODAY
    )
    assert hours["data"] == {
        "series": ["2026-01-10 22:00:00", "2026-01-10 23:00:00"],
        "values": {"A": {"2026-01-10 23:00:00": 1}},
    }


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"type": "unique", "unit": "hour"}, "unit"),
        ({"type": "average", "unit": "minute"}, "unit"),
        ({"type": None}, "type"),
        ({"unit": None}, "unit"),
        ({"event": "A"}, "event"),
        ({"event": "[]"}, "event"),
        ({"event": '"A"'}, "event"),
        ({"event": "[1, 2]"}, "event"),
        ({"from_date": None, "to_date": None}, "from_date"),
        ({"from_date": None}, "from_date"),
        ({"interval": "0", "from_date": None, "to_date": None}, "interval"),
    ],
)
def test_event_counts_bad_parameters(
    con: duckdb.DuckDBPyConnection, params: dict[str, str | None], parameter: str
) -> None:
    q: dict[str, str | None] = {
        "event": '["A"]',
        "type": "general",
        "unit": "day",
        "from_date": "2026-01-09",
        "to_date": "2026-01-10",
        **params,
    }
    clean = {k: v for k, v in q.items() if v is not None}
    with pytest.raises(AnalyticsError) as caught:
        event_counts(con, clean, today=TODAY)
    assert (caught.value.status, caught.value.parameter) == (400, parameter)


def test_property_counts(con: duckdb.DuckDBPyConnection, check: Any) -> None:
    q = {
        "event": "A",
        "name": "plan",
        "type": "general",
        "unit": "day",
        "from_date": "2026-01-09",
        "to_date": "2026-01-10",
    }
    body = property_counts(con, q, today=TODAY)
    check("GET", "/api/query/events/properties", body)
    assert body["data"]["values"] == {
        "pro": {"2026-01-09": 1, "2026-01-10": 2},
        "free": {"2026-01-10": 2},
        "team": {"2026-01-09": 2},
    }
    assert body["legend_size"] == 3
    assert property_counts(con, {**q, "values": '["team", "gold"]'}, today=TODAY)["data"][
        "values"
    ] == {"team": {"2026-01-09": 2}}
    top = property_counts(con, {**q, "limit": "1"}, today=TODAY)["data"]["values"]
    assert list(top) == ["pro"]  # 3 events; free and team have 2
    unique = property_counts(con, {**q, "type": "unique"}, today=TODAY)["data"]["values"]
    assert unique["free"] == {"2026-01-10": 2}
    assert unique["team"] == {"2026-01-09": 1}


def test_property_counts_csv(con: duckdb.DuckDBPyConnection) -> None:
    text = property_counts(
        con,
        {
            "event": "A",
            "name": "coupon",
            "type": "general",
            "unit": "day",
            "interval": "1",
            "format": "csv",
        },
        today=TODAY,
    )
    assert text == "date,X,Y\n2026-01-10,1,1\n"
