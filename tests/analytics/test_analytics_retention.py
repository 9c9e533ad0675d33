"""Retention: birth vs compounded cohorts, rolling intervals, filters, segments, truncation."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

import duckdb
import pytest
from analytics_data import Event, ts

from mixpanel_data.analytics import AnalyticsError
from mixpanel_data.analytics.retention import retention

TODAY = date(2026, 1, 31)
EVENTS: list[Event] = [
    ("Signup", "2026-01-05 10:00:00", "u1", {"plan": "pro"}),
    ("Use", "2026-01-05 12:00:00", "u1", {"device": "ios"}),
    ("Use", "2026-01-06 11:00:00", "u1", {"device": "web"}),
    ("Use", "2026-01-07 09:00:00", "u1", {"device": "ios"}),
    ("Use", "2026-01-08 10:00:00", "u1", {"device": "ios"}),
    ("Signup", "2026-01-05 20:00:00", "u2", {"plan": "free"}),
    ("Signup", "2026-01-06 08:00:00", "u2", {"plan": "pro"}),
    ("Use", "2026-01-06 19:59:59", "u2", {"device": "web"}),
    ("Use", "2026-01-06 20:00:00", "u2", {"device": "web"}),
    ("Signup", "2026-01-04 10:00:00", "u3", {"plan": "pro"}),
    ("Use", "2026-01-05 09:00:00", "u3", {}),
    ("Use", "2026-01-06 10:00:00", "u3", {}),
    ("Signup", "2026-01-06 09:00:00", "u4", {"plan": "pro"}),
    ("Use", "2026-01-20 09:00:00", "u5", {}),
]
RANGE = {"from_date": "2026-01-05", "to_date": "2026-01-06", "interval_count": "3"}
BIRTH = {**RANGE, "born_event": "Signup", "event": "Use"}


@pytest.fixture
def con(make_db: Callable[..., duckdb.DuckDBPyConnection]) -> duckdb.DuckDBPyConnection:
    return make_db(EVENTS)


def run(con: duckdb.DuckDBPyConnection, q: dict[str, str], today: date = TODAY) -> Any:
    return retention(con, q, today=today)


def test_birth(con: duckdb.DuckDBPyConnection, check: Any) -> None:
    body = run(con, BIRTH)
    check("GET", "/api/query/retention", body)
    # u1: returns 2h (0), 25h (1), 47h (1), 72h (3); u2 (born 20:00): 23:59:59 later (0), 24h (1)
    # u3 was born before from_date; u2's second Signup is not a birth; u4 never returns
    assert body == {
        "2026-01-05": {"counts": [2, 2, 0, 1], "first": 2},
        "2026-01-06": {"counts": [0, 0, 0, 0], "first": 1},
    }


def test_compounded_differs_from_birth(con: duckdb.DuckDBPyConnection, check: Any) -> None:
    body = run(con, {**RANGE, "retention_type": "compounded", "event": "Use"})
    check("GET", "/api/query/retention", body)
    # 01-05: u1 born 12:00 (returns 23h, 45h, 70h), u3 born 09:00 (returns 25h)
    # 01-06: u1 born 11:00 (22h, 47h), u2 born 19:59:59 (1 s later), u3 born 10:00 (none)
    assert body == {
        "2026-01-05": {"counts": [1, 2, 1, 0], "first": 2},
        "2026-01-06": {"counts": [2, 1, 0, 0], "first": 3},
    }


def test_unbounded_counts_later_returns(con: duckdb.DuckDBPyConnection) -> None:
    body = run(con, {**BIRTH, "unbounded_retention": "true"})
    assert body["2026-01-05"] == {"counts": [2, 2, 1, 1], "first": 2}


def test_intervals_not_yet_started_are_left_out(con: duckdb.DuckDBPyConnection) -> None:
    body = run(con, BIRTH, today=date(2026, 1, 7))
    assert body["2026-01-05"]["counts"] == [2, 2, 0]
    assert body["2026-01-06"]["counts"] == [0, 0]


def test_weeks_and_months(con: duckdb.DuckDBPyConnection) -> None:
    week = run(
        con,
        {
            "from_date": "2026-01-05",
            "to_date": "2026-01-11",
            "born_event": "Signup",
            "unit": "week",
        },
    )
    assert week == {"2026-01-05": {"counts": [2, 0], "first": 3}}
    month = run(
        con,
        {
            "from_date": "2026-01-01",
            "to_date": "2026-01-31",
            "born_event": "Signup",
            "unit": "month",
        },
    )
    # u3 is born on 01-04 now; any event counts as a return when `event` is left out
    assert month == {"2026-01-01": {"counts": [3, 0], "first": 4}}


def test_interval_of_several_days(con: duckdb.DuckDBPyConnection) -> None:
    body = run(con, {**BIRTH, "interval": "2", "interval_count": "1"})
    # 48 h intervals: u1 returns at 2h, 25h, 47h (0) and 72h (1); u2 at 23:59:59 and 24h (0)
    assert body["2026-01-05"] == {"counts": [2, 1], "first": 2}


def test_born_where_picks_the_first_matching_birth(con: duckdb.DuckDBPyConnection) -> None:
    body = run(con, {**BIRTH, "born_where": 'properties["plan"] == "pro"'})
    assert body == {
        "2026-01-05": {"counts": [1, 1, 0, 1], "first": 1},
        "2026-01-06": {"counts": [1, 0, 0, 0], "first": 2},  # u2 born at 08:00, u4
    }


def test_where_filters_returns(con: duckdb.DuckDBPyConnection) -> None:
    body = run(con, {**BIRTH, "where": 'properties["device"] == "ios"'})
    # u1's ios returns: 2h (0), 47h (1), 72h (3); u2 only used the web
    assert body["2026-01-05"] == {"counts": [1, 1, 0, 1], "first": 2}


def test_on_splits_returns(con: duckdb.DuckDBPyConnection, check: Any) -> None:
    body = run(con, {**BIRTH, "on": 'properties["device"]'})
    check("GET", "/api/query/retention", body)
    assert body == {
        "ios": {
            "2026-01-05": {"counts": [1, 1, 0, 1], "first": 2},
            "2026-01-06": {"counts": [0, 0, 0, 0], "first": 1},
        },
        "web": {
            "2026-01-05": {"counts": [1, 2, 0, 0], "first": 2},
            "2026-01-06": {"counts": [0, 0, 0, 0], "first": 1},
        },
    }
    assert list(run(con, {**BIRTH, "on": 'properties["device"]', "limit": "1"})) == ["ios"]


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"born_event": ""}, "born_event"),
        ({"retention_type": "first"}, "retention_type"),
        ({"unit": "hour"}, "unit"),
        ({"interval": "91"}, "interval"),
        ({"interval": "0"}, "interval"),
        ({"interval_count": "0"}, "interval_count"),
        ({"unbounded_retention": "maybe"}, "unbounded_retention"),
        ({"born_where": "properties["}, "born_where"),
        ({"where": "1 +"}, "where"),
        ({"from_date": "2026-02-01"}, "to_date"),
        ({"from_date": "2000-01-01", "interval_count": "10000"}, "interval_count"),
    ],
)
def test_bad_parameters(
    con: duckdb.DuckDBPyConnection, params: dict[str, str], parameter: str
) -> None:
    with pytest.raises(AnalyticsError) as caught:
        run(con, {**BIRTH, **params})
    assert (caught.value.status, caught.value.parameter) == (400, parameter)


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"unbounded_retention": "true"},
        {"unit": "week", "from_date": "2026-01-01", "to_date": "2026-01-14"},
        {"retention_type": "compounded"},
        {"retention_type": "compounded", "event": ""},
    ],
)
def test_sql_and_row_paths_agree(con: duckdb.DuckDBPyConnection, extra: dict[str, str]) -> None:
    q = {**BIRTH, **extra}
    assert run(con, q) == run(con, {**q, "where": "true"})


def test_compounded_needs_no_born_event(con: duckdb.DuckDBPyConnection) -> None:
    body = run(con, {**RANGE, "retention_type": "compounded", "born_event": "ignored"})
    assert set(body) == {"2026-01-05", "2026-01-06"}


# -- against a plain re-computation over random data ---------------------------------------------


def plain_retention(
    events: Sequence[Event],
    *,
    birth: bool,
    first: str,
    last: str,
    length: int,
    count: int,
) -> dict[str, dict[str, Any]]:
    start, end = ts(first), ts(last) + 86400
    born: dict[str, list[tuple[str, int]]] = {}  # day -> (user, birth time)
    timeline = sorted(
        ((t, name, user) for name, t, user, _ in events if isinstance(t, int)),
        key=lambda e: e[0],
    )
    if birth:
        seen: set[str] = set()
        for t, name, user in timeline:
            if name == "S" and user not in seen:
                seen.add(user)
                if start <= t < end:
                    born.setdefault(day(t), []).append((user, t))
    else:
        seen_day: set[tuple[str, str]] = set()
        for t, name, user in timeline:
            if name == "R" and start <= t < end and (user, day(t)) not in seen_day:
                seen_day.add((user, day(t)))
                born.setdefault(day(t), []).append((user, t))
    out = {}
    for key, members in born.items():
        counts = []
        for i in range(count + 1):
            counts.append(
                sum(
                    1
                    for user, b in members
                    if any(
                        n == "R"
                        and u == user
                        and b < t
                        and b + i * length <= t < b + (i + 1) * length
                        for t, n, u in timeline
                    )
                )
            )
        out[key] = {"counts": counts, "first": len(members)}
    return out


def day(t: int) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d")


@pytest.mark.parametrize("birth", [True, False])
@pytest.mark.parametrize("force_python", [False, True])
def test_matches_plain_computation(
    make_db: Callable[..., duckdb.DuckDBPyConnection], birth: bool, force_python: bool
) -> None:
    rng = random.Random(11)
    base = ts("2026-01-01")
    events: list[Event] = [
        (rng.choice("SRR"), base + rng.randrange(0, 14 * 86400), f"u{rng.randrange(30)}", {})
        for _ in range(600)
    ]
    con = make_db(events)
    q = {"from_date": "2026-01-03", "to_date": "2026-01-08", "event": "R", "interval_count": "4"}
    if birth:
        q["born_event"] = "S"
    else:
        q["retention_type"] = "compounded"
    if force_python:  # a filter that keeps everything takes the row-by-row path
        q["where"] = "true"
        q["born_where"] = "true"
    body = retention(con, q, today=TODAY)
    expected = plain_retention(
        events, birth=birth, first="2026-01-03", last="2026-01-08", length=86400, count=4
    )
    assert {k: v for k, v in body.items() if v["first"]} == expected
    assert sum(v["counts"][1] for v in expected.values()) > 5
