"""Segmentation, numeric buckets, sum and average over a small hand-built table."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import duckdb
import pytest
from analytics_data import Event, ts

from mixpanel_data.analytics import AnalyticsError
from mixpanel_data.analytics.segmentation import (
    segmentation,
    segmentation_average,
    segmentation_numeric,
    segmentation_sum,
)

TODAY = date(2026, 1, 31)
EVENTS: list[Event] = [
    ("Purchased", "2026-01-05 09:00:00", "u1", {"plan": "pro", "amount": 10, "tags": ["a", "b"]}),
    ("Purchased", "2026-01-05 09:30:00", "u1", {"plan": "pro", "amount": 5.5}),
    ("Purchased", "2026-01-05 23:59:59", "u2", {"plan": "free", "amount": "n/a"}),
    ("Purchased", "2026-01-06 00:00:00", "u2", {"plan": "free", "amount": 20}),
    ("Purchased", "2026-01-06 10:15:00", "u3", {"amount": 7}),
    ("Purchased", "2026-01-07 08:00:00", "u1", {"plan": "team", "amount": 100, "tags": ["b"]}),
    ("Purchased", "2026-01-04 23:59:59", "u4", {"plan": "pro", "amount": 1}),
    ("Purchased", "2026-01-08 00:00:00", "u4", {"plan": "pro", "amount": 1}),
    ("Viewed", "2026-01-05 09:00:00", "u1", {"plan": "pro"}),
]
PROFILES = {"u1": {"country": "US"}, "u2": {"country": "DE"}, "u3": {"country": "US"}}
RANGE = {"from_date": "2026-01-05", "to_date": "2026-01-07"}
SEG = "/api/query/segmentation"


def day(t: int) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d")


def hour(t: int) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:00:00")


def oracle(
    name: str,
    *,
    kind: str = "general",
    key: Callable[[int], str] = day,
    where: Callable[[Event], bool] = lambda e: True,
    segments: Callable[[Event], list[str]] = lambda e: [e[0]],
    first: str = "2026-01-05",
    last: str = "2026-01-07",
) -> dict[str, dict[str, float]]:
    """Expected ``values`` computed straight from EVENTS."""
    cells: dict[tuple[str, str], list[str]] = defaultdict(list)
    for ev in EVENTS:
        t = ts(ev[1]) if isinstance(ev[1], str) else ev[1]
        if ev[0] != name or not ts(first) <= t < ts(last) + 86400 or not where(ev):
            continue
        for segment in segments(ev):
            cells[(segment, key(t))].append(ev[2])
    out: dict[str, dict[str, float]] = {}
    for (segment, k), users in cells.items():
        value = {
            "general": len(users),
            "unique": len(set(users)),
            "average": len(users) / len(set(users)),
        }[kind]
        out.setdefault(segment, {})[k] = value
    return out


@pytest.fixture
def con(make_db: Callable[..., duckdb.DuckDBPyConnection]) -> duckdb.DuckDBPyConnection:
    return make_db(EVENTS, PROFILES)


def run(con: duckdb.DuckDBPyConnection, **params: str) -> Any:
    return segmentation(con, {"event": "Purchased", **RANGE, **params}, today=TODAY)


@pytest.mark.parametrize("kind", ["general", "unique", "average"])
def test_counts_per_day(con: duckdb.DuckDBPyConnection, kind: str, check: Any) -> None:
    body = run(con, type=kind)
    check("GET", SEG, body)
    assert body["data"]["series"] == ["2026-01-05", "2026-01-06", "2026-01-07"]
    assert body["data"]["values"] == oracle("Purchased", kind=kind)
    assert body["legend_size"] == 1


def test_hand_numbers(con: duckdb.DuckDBPyConnection) -> None:
    assert run(con)["data"]["values"] == {
        "Purchased": {"2026-01-05": 3, "2026-01-06": 2, "2026-01-07": 1}
    }
    assert run(con, type="average")["data"]["values"]["Purchased"]["2026-01-05"] == 1.5


def test_days_without_events_have_no_entry(con: duckdb.DuckDBPyConnection) -> None:
    body = segmentation(
        con, {"event": "Purchased", "from_date": "2026-01-07", "to_date": "2026-01-10"}, today=TODAY
    )
    assert body["data"]["series"] == ["2026-01-07", "2026-01-08", "2026-01-09", "2026-01-10"]
    assert body["data"]["values"] == {"Purchased": {"2026-01-07": 1, "2026-01-08": 1}}


def test_unknown_event_gives_empty_values(con: duckdb.DuckDBPyConnection, check: Any) -> None:
    body = segmentation(con, {"event": "Nope", **RANGE}, today=TODAY)
    check("GET", SEG, body)
    assert body["data"]["values"] == {}
    assert body["legend_size"] == 0
    assert len(body["data"]["series"]) == 3


@pytest.mark.parametrize("kind", ["general", "unique"])
def test_on_splits_by_value_and_drops_unset(
    con: duckdb.DuckDBPyConnection, kind: str, check: Any
) -> None:
    body = run(con, on='properties["plan"]', type=kind)
    check("GET", SEG, body)
    expected = oracle(
        "Purchased", kind=kind, segments=lambda e: [e[3]["plan"]] if "plan" in e[3] else []
    )
    assert body["data"]["values"] == expected
    assert body["legend_size"] == 3


def test_on_a_list_counts_each_item(con: duckdb.DuckDBPyConnection) -> None:
    body = run(con, on='properties["tags"]')
    assert body["data"]["values"] == {
        "a": {"2026-01-05": 1},
        "b": {"2026-01-05": 1, "2026-01-07": 1},
    }


def test_limit_keeps_the_biggest_segments(con: duckdb.DuckDBPyConnection) -> None:
    body = run(con, on='properties["amount"] > 6', limit="1")
    # amounts > 6: 10, 20, 7, 100 -> "true" x4; 5.5 -> "false"; "n/a" > 6 -> undefined (dropped)
    assert body["data"]["values"] == {"true": {"2026-01-05": 1, "2026-01-06": 2, "2026-01-07": 1}}
    full = run(con, on='properties["amount"] > 6')
    assert list(full["data"]["values"]) == ["true", "false"]


def test_where_on_event_properties(con: duckdb.DuckDBPyConnection) -> None:
    body = run(con, where='properties["amount"] > 6')
    number = lambda e: isinstance(e[3].get("amount"), int | float) and e[3]["amount"] > 6  # noqa: E731
    assert body["data"]["values"] == oracle("Purchased", where=number)
    assert body["data"]["values"] == {
        "Purchased": {"2026-01-05": 1, "2026-01-06": 2, "2026-01-07": 1}
    }


def test_where_on_profile_properties(con: duckdb.DuckDBPyConnection) -> None:
    body = run(con, where='user["country"] == "US"', type="unique")
    us = lambda e: PROFILES.get(e[2], {}).get("country") == "US"  # noqa: E731
    assert body["data"]["values"] == oracle("Purchased", kind="unique", where=us)


def test_where_on_event_fields(con: duckdb.DuckDBPyConnection) -> None:
    body = run(
        con, where='event["$time"] >= datetime(2026, 1, 6) and event["$distinct_id"] != "u3"'
    )
    assert body["data"]["values"] == {"Purchased": {"2026-01-06": 1, "2026-01-07": 1}}


def test_on_profile_property(con: duckdb.DuckDBPyConnection) -> None:
    body = run(con, on='user["country"]')
    assert body["data"]["values"] == {
        "US": {"2026-01-05": 2, "2026-01-06": 1, "2026-01-07": 1},
        "DE": {"2026-01-05": 1, "2026-01-06": 1},
    }


def test_hour_unit(con: duckdb.DuckDBPyConnection, check: Any) -> None:
    body = run(con, unit="hour")
    check("GET", SEG, body)
    assert len(body["data"]["series"]) == 72
    assert body["data"]["series"][0] == "2026-01-05 00:00:00"
    assert body["data"]["values"] == oracle("Purchased", key=hour)
    assert body["data"]["values"]["Purchased"]["2026-01-05 09:00:00"] == 2


def test_minute_week_and_month_units(con: duckdb.DuckDBPyConnection) -> None:
    minute = run(con, unit="minute", to_date="2026-01-05")
    assert len(minute["data"]["series"]) == 1440
    assert minute["data"]["values"]["Purchased"] == {
        "2026-01-05 09:00:00": 1,
        "2026-01-05 09:30:00": 1,
        "2026-01-05 23:59:00": 1,
    }
    week = run(con, unit="week", from_date="2026-01-01", to_date="2026-01-11")
    assert week["data"]["series"] == ["2025-12-29", "2026-01-05"]
    assert week["data"]["values"] == {"Purchased": {"2025-12-29": 1, "2026-01-05": 7}}
    month = run(con, unit="month", type="unique", from_date="2026-01-01", to_date="2026-01-31")
    assert month["data"]["values"] == {"Purchased": {"2026-01-01": 4}}


def test_interval_buckets_count_days_from_from_date(con: duckdb.DuckDBPyConnection) -> None:
    body = run(con, interval="2", type="unique")
    assert body["data"]["series"] == ["2026-01-05", "2026-01-07"]
    assert body["data"]["values"] == {"Purchased": {"2026-01-05": 3, "2026-01-07": 1}}


@pytest.mark.parametrize("kind", ["general", "unique", "average"])
@pytest.mark.parametrize("unit", ["hour", "day", "week", "month"])
def test_python_path_equals_sql_path(con: duckdb.DuckDBPyConnection, kind: str, unit: str) -> None:
    wide = {"from_date": "2026-01-01", "to_date": "2026-01-31", "type": kind, "unit": unit}
    assert run(con, **wide) == run(con, where="true", **wide)


def test_csv(con: duckdb.DuckDBPyConnection) -> None:
    text = run(con, format="csv", on='properties["plan"]')
    lines = text.strip().split("\n")
    assert lines[0] == "date,free,pro,team"
    assert lines[1:] == ["2026-01-05,1,2,0", "2026-01-06,1,0,0", "2026-01-07,0,0,1"]


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"event": ""}, "event"),
        ({"from_date": "2026-1-5"}, "from_date"),
        ({"to_date": "yesterday"}, "to_date"),
        ({"from_date": "2026-01-08"}, "to_date"),
        ({"unit": "year"}, "unit"),
        ({"type": "sum"}, "type"),
        ({"limit": "0"}, "limit"),
        ({"limit": "10001"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"interval": "0"}, "interval"),
        ({"where": 'properties["plan" =='}, "where"),
        ({"on": "properties[plan]"}, "on"),
        ({"where": 'properties["plan"] and true'}, "where"),  # fails while evaluating
        ({"format": "xml"}, "format"),
        ({"from_date": "1969-12-31"}, "from_date"),
        ({"to_date": "3000-01-01"}, "to_date"),
        ({"unit": "minute", "from_date": "2025-09-01"}, "from_date"),  # > 100,000 buckets
    ],
)
def test_bad_parameters(
    con: duckdb.DuckDBPyConnection, params: dict[str, str], parameter: str
) -> None:
    query = {"event": "Purchased", **RANGE, **params}
    with pytest.raises(AnalyticsError) as caught:
        segmentation(con, query, today=TODAY)
    assert caught.value.status == 400
    assert caught.value.parameter == parameter
    assert caught.value.body()["status"] == "error"


def test_missing_dates(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(AnalyticsError, match="from_date"):
        segmentation(con, {"event": "Purchased", "to_date": "2026-01-07"}, today=TODAY)


# -- numeric, sum, average ----------------------------------------------------------------------


def test_numeric_buckets(con: duckdb.DuckDBPyConnection, check: Any) -> None:
    body = segmentation_numeric(
        con, {"event": "Purchased", **RANGE, "on": 'properties["amount"]'}, today=TODAY
    )
    check("GET", "/api/query/segmentation/numeric", body)
    # numbers seen: 10, 5.5, 20, 7, 100 -> span 94.5 -> width 20 from 0; "n/a" is left out
    assert body["data"]["values"] == {
        "0 - 20": {"2026-01-05": 2, "2026-01-06": 1},
        "20 - 40": {"2026-01-06": 1},
        "100 - 120": {"2026-01-07": 1},
    }
    assert list(body["data"]["values"]) == ["0 - 20", "20 - 40", "100 - 120"]
    assert body["legend_size"] == 3


def test_numeric_labels_use_thousands_separators(
    make_db: Callable[..., duckdb.DuckDBPyConnection],
) -> None:
    events = [("Paid", "2026-01-05 10:00:00", f"u{v}", {"cents": v}) for v in (2000, 2150, 2499)]
    body = segmentation_numeric(
        make_db(events),
        {
            "event": "Paid",
            "from_date": "2026-01-05",
            "to_date": "2026-01-05",
            "on": 'properties["cents"]',
            "type": "unique",
        },
        today=TODAY,
    )
    assert body["data"]["values"] == {
        "2,000 - 2,100": {"2026-01-05": 1},
        "2,100 - 2,200": {"2026-01-05": 1},
        "2,400 - 2,500": {"2026-01-05": 1},
    }


def test_numeric_requires_on(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(AnalyticsError) as caught:
        segmentation_numeric(con, {"event": "Purchased", **RANGE}, today=TODAY)
    assert caught.value.parameter == "on"
    with pytest.raises(AnalyticsError) as caught:
        segmentation_numeric(
            con,
            {"event": "Purchased", **RANGE, "on": 'properties["amount"]', "unit": "week"},
            today=TODAY,
        )
    assert caught.value.parameter == "unit"


def test_sum_reads_non_numbers_as_zero(con: duckdb.DuckDBPyConnection, check: Any) -> None:
    body = segmentation_sum(
        con, {"event": "Purchased", **RANGE, "on": 'properties["amount"]'}, today=TODAY
    )
    check("GET", "/api/query/segmentation/sum", body)
    assert body["status"] == "ok"
    assert body["results"] == {"2026-01-05": 15.5, "2026-01-06": 27, "2026-01-07": 100}
    datetime.fromisoformat(body["computed_at"])


def test_average(con: duckdb.DuckDBPyConnection, check: Any) -> None:
    body = segmentation_average(
        con, {"event": "Purchased", **RANGE, "on": 'properties["amount"]'}, today=TODAY
    )
    check("GET", "/api/query/segmentation/average", body)
    assert body["results"] == pytest.approx(
        {"2026-01-05": 15.5 / 3, "2026-01-06": 13.5, "2026-01-07": 100}
    )


def test_sum_with_where_and_hours(con: duckdb.DuckDBPyConnection) -> None:
    body = segmentation_sum(
        con,
        {
            "event": "Purchased",
            **RANGE,
            "on": 'properties["amount"] * 2',
            "unit": "hour",
            "where": 'properties["plan"] == "pro"',
        },
        today=TODAY,
    )
    assert body["results"] == {"2026-01-05 09:00:00": 31}


def test_event_and_profile_values_do_not_mix(
    make_db: Callable[..., duckdb.DuckDBPyConnection],
) -> None:
    # the same JSON text under different names in an event and in a profile
    con = make_db(
        [("E", "2026-01-05 10:00:00", "u1", {"a": "x"}), ("E", "2026-01-05 11:00:00", "u2", {})],
        {"u1": {"b": "x"}, "u2": {"b": "z"}},
    )
    q = {"event": "E", "from_date": "2026-01-05", "to_date": "2026-01-05"}
    both = segmentation(con, {**q, "where": 'properties["a"] == user["b"]'}, today=TODAY)
    assert both["data"]["values"] == {"E": {"2026-01-05": 1}}
    split = segmentation(con, {**q, "on": 'user["b"]'}, today=TODAY)
    assert split["data"]["values"] == {"x": {"2026-01-05": 1}, "z": {"2026-01-05": 1}}
