"""Frequency (addiction): users active in at least N hours (days) of each day (week, month)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import duckdb
import pytest
from analytics_data import Event

from mixpanel_data.analytics import AnalyticsError
from mixpanel_data.analytics.frequency import at_least, frequency

TODAY = date(2026, 3, 1)
EVENTS: list[Event] = [
    ("Use", "2026-01-05 10:00:00", "u1", {"os": "ios"}),
    ("Use", "2026-01-05 10:30:00", "u1", {"os": "ios"}),
    ("Use", "2026-01-05 11:00:00", "u1", {"os": "web"}),
    ("Use", "2026-01-05 23:59:00", "u1", {"os": "ios"}),
    ("Use", "2026-01-05 10:15:00", "u2", {"os": "ios"}),
    ("Other", "2026-01-05 12:00:00", "u3", {}),
    ("Use", "2026-01-06 00:00:00", "u1", {"os": "ios"}),
    ("Use", "2026-02-10 00:00:00", "u2", {"os": "ios"}),
]


@pytest.fixture
def con(make_db: Callable[..., duckdb.DuckDBPyConnection]) -> duckdb.DuckDBPyConnection:
    return make_db(EVENTS)


def padded(head: list[int], size: int) -> list[int]:
    return head + [0] * (size - len(head))


def test_hours_of_a_day(con: duckdb.DuckDBPyConnection, check: Any) -> None:
    q = {
        "from_date": "2026-01-05",
        "to_date": "2026-01-06",
        "unit": "day",
        "addiction_unit": "hour",
    }
    body = frequency(con, {**q, "event": "Use"}, today=TODAY)
    check("GET", "/api/query/retention/addiction", body)
    # u1: hours 10, 11, 23 on the 5th; u2: hour 10; u1: hour 0 on the 6th
    assert body == {"data": {"2026-01-05": padded([2, 1, 1], 24), "2026-01-06": padded([1], 24)}}
    anything = frequency(con, q, today=TODAY)
    assert anything["data"]["2026-01-05"] == padded([3, 1, 1], 24)
    ios = frequency(con, {**q, "event": "Use", "where": 'properties["os"] == "ios"'}, today=TODAY)
    assert ios["data"]["2026-01-05"] == padded([2, 1], 24)


def test_days_of_a_week_and_month(con: duckdb.DuckDBPyConnection) -> None:
    week = frequency(
        con,
        {
            "from_date": "2026-01-05",
            "to_date": "2026-01-11",
            "unit": "week",
            "addiction_unit": "day",
            "event": "Use",
        },
        today=TODAY,
    )
    assert week == {"data": {"2026-01-05": [2, 1, 0, 0, 0, 0, 0]}}
    month = frequency(
        con,
        {
            "from_date": "2026-01-01",
            "to_date": "2026-02-28",
            "unit": "month",
            "addiction_unit": "day",
        },
        today=TODAY,
    )
    assert month["data"] == {"2026-01-01": padded([3, 1], 31), "2026-02-01": padded([1], 28)}


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"unit": None}, "unit"),
        ({"addiction_unit": None}, "addiction_unit"),
        ({"addiction_unit": "week"}, "addiction_unit"),
        ({"unit": "hour"}, "unit"),
        ({"on": 'properties["os"]'}, "on"),
        ({"where": "properties["}, "where"),
    ],
)
def test_bad_parameters(
    con: duckdb.DuckDBPyConnection, params: dict[str, str | None], parameter: str
) -> None:
    q: dict[str, str | None] = {
        "from_date": "2026-01-05",
        "to_date": "2026-01-06",
        "unit": "day",
        "addiction_unit": "hour",
        **params,
    }
    with pytest.raises(AnalyticsError) as caught:
        frequency(con, {k: v for k, v in q.items() if v is not None}, today=TODAY)
    assert (caught.value.status, caught.value.parameter) == (400, parameter)


@pytest.mark.parametrize(
    ("unit", "slot"), [("day", "hour"), ("week", "day"), ("month", "day"), ("week", "hour")]
)
@pytest.mark.parametrize("event", [None, "Use"])
def test_sql_and_row_paths_agree(
    con: duckdb.DuckDBPyConnection, unit: str, slot: str, event: str | None
) -> None:
    q = {"from_date": "2026-01-01", "to_date": "2026-02-28", "unit": unit, "addiction_unit": slot}
    if event:
        q["event"] = event
    fast = frequency(con, q, today=TODAY)
    assert fast == frequency(con, {**q, "where": "true"}, today=TODAY)
    assert any(any(v) for v in fast["data"].values())


def test_at_least() -> None:
    assert at_least([], slots=3) == [0, 0, 0]
    assert at_least([1, 3, 3, 2, 9], slots=4) == [5, 4, 3, 1]
