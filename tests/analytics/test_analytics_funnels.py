"""Funnels: ordering, the conversion window, re-entry, per-date buckets, filters, segments."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import duckdb
import pytest
from analytics_data import Event, ts

from mixpanel_data.analytics import AnalyticsError, FunnelDef
from mixpanel_data.analytics.funnels import funnel

TODAY = date(2026, 1, 31)
FUNNELS = {
    1: FunnelDef("Checkout", ["View", "Cart", "Buy"], length=1, length_unit="hour"),
    2: FunnelDef("Twice", ["A", "A", "B"]),
    3: FunnelDef("Two days", ["V", "C", "B"], length=2, length_unit="day"),
}
DAY1 = "2026-01-05"
EVENTS: list[Event] = [
    # u1 converts fully
    ("View", "2026-01-05 10:00:00", "u1", {"src": "ads"}),
    ("Cart", "2026-01-05 10:20:00", "u1", {}),
    ("Buy", "2026-01-05 10:59:00", "u1", {}),
    # u2: Cart before View does not count; nothing after
    ("Cart", "2026-01-05 09:00:00", "u2", {}),
    ("View", "2026-01-05 10:00:00", "u2", {"src": "seo"}),
    ("Buy", "2026-01-05 10:10:00", "u2", {}),
    # u3: a second View does not restart the window; Buy is 75 minutes after the entry
    ("View", "2026-01-05 10:00:00", "u3", {"src": "ads"}),
    ("View", "2026-01-05 10:30:00", "u3", {"src": "seo"}),
    ("Cart", "2026-01-05 10:45:00", "u3", {}),
    ("Buy", "2026-01-05 11:15:00", "u3", {}),
    # u4: Cart exactly at the window's end counts; Buy one second later does not
    ("View", "2026-01-05 10:00:00", "u4", {}),
    ("Cart", "2026-01-05 11:00:00", "u4", {}),
    ("Buy", "2026-01-05 11:00:01", "u4", {}),
    # u5: Buy before Cart does not count
    ("View", "2026-01-05 10:00:00", "u5", {"src": "ads"}),
    ("Buy", "2026-01-05 10:05:00", "u5", {}),
    ("Cart", "2026-01-05 10:10:00", "u5", {}),
    # u6: all three in the same second, stored in reverse order
    ("Buy", "2026-01-05 10:00:00", "u6", {}),
    ("Cart", "2026-01-05 10:00:00", "u6", {}),
    ("View", "2026-01-05 10:00:00", "u6", {"src": "ads"}),
]


def run(con: duckdb.DuckDBPyConnection, **params: str) -> Any:
    q = {"funnel_id": "1", "from_date": DAY1, "to_date": DAY1, **params}
    return funnel(con, q, today=TODAY, funnels=FUNNELS)


@pytest.fixture
def con(make_db: Callable[..., duckdb.DuckDBPyConnection]) -> duckdb.DuckDBPyConnection:
    return make_db(EVENTS)


def test_hand_computed_funnel(con: duckdb.DuckDBPyConnection, check: Any) -> None:
    body = run(con)
    check("GET", "/api/query/funnels", body)
    assert body["meta"] == {"dates": [DAY1]}
    steps = body["data"][DAY1]["steps"]
    assert [s["count"] for s in steps] == [6, 5, 2]
    assert [s["event"] for s in steps] == ["View", "Cart", "Buy"]
    assert [s["goal"] for s in steps] == ["View", "Cart", "Buy"]
    assert [s["step_conv_ratio"] for s in steps] == [1, 5 / 6, 2 / 5]
    assert [s["overall_conv_ratio"] for s in steps] == [1, 5 / 6, 2 / 6]
    # step 2 times: u1 1200, u3 2700, u4 3600, u5 600, u6 0
    assert [s["avg_time"] for s in steps] == [None, 1620, 1170]
    # step 3: u1 (10:20 -> 10:59) and u6 (0)
    assert [s["avg_time_from_start"] for s in steps] == [None, 1620, 1770]
    assert body["data"][DAY1]["analysis"] == {
        "completion": 2,
        "starting_amount": 6,
        "steps": 3,
        "worst": 2,
    }


def test_longer_window_from_the_request(con: duckdb.DuckDBPyConnection) -> None:
    steps = run(con, length="2", length_unit="hour")["data"][DAY1]["steps"]
    # now u3 (Buy 11:15) and u4 (Buy 11:00:01) also complete
    assert [s["count"] for s in steps] == [6, 5, 4]
    short = run(con, length="1800", length_unit="second")["data"][DAY1]["steps"]
    # 30 minutes: u1 Cart (20 min), u5 Cart (10 min), u6; Buy only u6
    assert [s["count"] for s in short] == [6, 3, 1]


def test_same_event_twice_needs_two_events(
    make_db: Callable[..., duckdb.DuckDBPyConnection],
) -> None:
    con = make_db(
        [
            ("A", "2026-01-05 10:00:00", "x", {}),
            ("B", "2026-01-05 10:01:00", "x", {}),
            ("A", "2026-01-05 10:02:00", "x", {}),
            ("A", "2026-01-05 10:00:00", "y", {}),
            ("A", "2026-01-05 10:00:00", "y", {}),
            ("B", "2026-01-05 10:03:00", "y", {}),
            ("A", "2026-01-05 10:00:00", "z", {}),
            ("B", "2026-01-05 10:03:00", "z", {}),
        ]
    )
    body = run(con, funnel_id="2")
    assert [s["count"] for s in body["data"][DAY1]["steps"]] == [3, 2, 1]


def test_buckets_are_keyed_by_entry_and_look_past_to_date(
    make_db: Callable[..., duckdb.DuckDBPyConnection],
) -> None:
    con = make_db(
        [
            ("View", "2026-01-05 23:50:00", "u7", {}),
            ("Cart", "2026-01-06 00:10:00", "u7", {}),
            ("View", "2026-01-06 12:00:00", "u7", {}),
            ("Cart", "2026-01-06 12:30:00", "u7", {}),
            ("Buy", "2026-01-06 12:40:00", "u7", {}),
            ("View", "2026-01-06 23:30:00", "u8", {}),
            ("Cart", "2026-01-07 00:10:00", "u8", {}),
            ("View", "2026-01-07 01:00:00", "u9", {}),  # after to_date: not an entry
        ]
    )
    body = run(con, to_date="2026-01-06")
    assert body["meta"]["dates"] == ["2026-01-05", "2026-01-06"]
    assert [s["count"] for s in body["data"]["2026-01-05"]["steps"]] == [1, 1, 0]
    assert [s["count"] for s in body["data"]["2026-01-06"]["steps"]] == [2, 2, 1]
    week = run(con, from_date="2026-01-05", to_date="2026-01-07", unit="week")
    assert week["meta"]["dates"] == ["2026-01-05"]
    # one entry per user per bucket: u7 enters once (23:50 on the 5th), u8 and u9 once
    assert [s["count"] for s in week["data"]["2026-01-05"]["steps"]] == [3, 2, 0]
    two = run(con, from_date="2026-01-05", to_date="2026-01-07", interval="2")
    assert two["meta"]["dates"] == ["2026-01-05", "2026-01-07"]
    assert [s["count"] for s in two["data"]["2026-01-07"]["steps"]] == [1, 0, 0]


def test_empty_bucket_has_zero_steps(con: duckdb.DuckDBPyConnection, check: Any) -> None:
    body = run(con, from_date="2026-01-01", to_date="2026-01-02")
    check("GET", "/api/query/funnels", body)
    for key in ("2026-01-01", "2026-01-02"):
        bucket = body["data"][key]
        assert [s["count"] for s in bucket["steps"]] == [0, 0, 0]
        assert bucket["steps"][0]["step_conv_ratio"] == 0
        assert bucket["steps"][1]["avg_time"] is None
        assert bucket["analysis"]["starting_amount"] == 0


def test_where_filters_every_step(con: duckdb.DuckDBPyConnection) -> None:
    # only u1, u3, u5, u6 have a View from ads; Cart/Buy have no src, so they are filtered out
    steps = run(con, where='properties["src"] == "ads"')["data"][DAY1]["steps"]
    assert [s["count"] for s in steps] == [4, 0, 0]
    steps = run(con, where='properties["src"] == "ads" or not defined(properties["src"])')["data"][
        DAY1
    ]["steps"]
    assert [s["count"] for s in steps] == [5, 5, 2]  # u4 (no src) comes back; u2 (seo) stays out


def test_on_splits_by_the_entry_event(con: duckdb.DuckDBPyConnection, check: Any) -> None:
    body = run(con, on='properties["src"]')
    check("GET", "/api/query/funnels", body)
    assert body["meta"]["property_values"] == ["ads", "seo"]
    day = body["data"][DAY1]
    assert [s["count"] for s in day["$overall"]] == [6, 5, 2]
    # u3 enters at the 10:00 View (src ads), not the later seo one
    assert [s["count"] for s in day["ads"]] == [4, 4, 2]
    assert [s["count"] for s in day["seo"]] == [1, 0, 0]
    limited = run(con, on='properties["src"]', limit="1")
    assert set(limited["data"][DAY1]) == {"$overall", "ads"}


@pytest.mark.parametrize(
    ("params", "status", "parameter"),
    [
        ({"funnel_id": "99"}, 400, "funnel_id"),
        ({"funnel_id": "x"}, 400, "funnel_id"),
        ({"funnel_id": ""}, 400, "funnel_id"),
        ({"length": "91", "length_unit": "day"}, 400, "length"),
        ({"length": "0"}, 400, "length"),
        ({"length_unit": "week"}, 400, "length_unit"),
        ({"unit": "year"}, 400, "unit"),
        ({"interval": "0"}, 400, "interval"),
        ({"limit": "10001"}, 400, "limit"),
        ({"on": "properties["}, 400, "on"),
        ({"to_date": "2026-01-01"}, 400, "to_date"),
    ],
)
def test_bad_parameters(
    con: duckdb.DuckDBPyConnection, params: dict[str, str], status: int, parameter: str
) -> None:
    with pytest.raises(AnalyticsError) as caught:
        run(con, **params)
    assert (caught.value.status, caught.value.parameter) == (status, parameter)


def test_saved_window_is_the_default() -> None:
    assert FunnelDef("x", ["a"]).window_seconds() == 7 * 86400
    with pytest.raises(ValueError):
        FunnelDef("x", [])
    with pytest.raises(ValueError):
        FunnelDef("x", ["a"], length_unit="fortnight")


# -- against a plain re-computation over random data ---------------------------------------------


def plain_funnel(
    events: Sequence[Event],
    steps: Sequence[str],
    first: date,
    last: date,
    window: int,
    bucket: Callable[[int], str],
) -> dict[str, list[int]]:
    """Step counts per bucket, computed the slow and obvious way."""
    start = ts(first.isoformat())
    end = ts(last.isoformat()) + 86400
    users: dict[str, list[tuple[int, str]]] = {}
    for name, when, user, _ in events:
        assert isinstance(when, int)
        users.setdefault(user, []).append((when, name))
    out: dict[str, list[int]] = {}
    for timeline in users.values():
        timeline.sort(key=lambda e: e[0])  # stable: insertion order within a second
        entered: set[str] = set()
        for i, (t0, name) in enumerate(timeline):
            if name != steps[0] or not start <= t0 < end or bucket(t0) in entered:
                continue
            entered.add(bucket(t0))
            reached, used, previous = 1, {i}, t0
            for step in steps[1:]:
                options = [
                    j
                    for j, (t, n) in enumerate(timeline)
                    if n == step and j not in used and previous <= t <= t0 + window
                ]
                if not options:
                    break
                j = min(options, key=lambda j: (timeline[j][0], j))
                used.add(j)
                previous = timeline[j][0]
                reached += 1
            counts = out.setdefault(bucket(t0), [0] * len(steps))
            for k in range(reached):
                counts[k] += 1
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_matches_plain_computation(
    make_db: Callable[..., duckdb.DuckDBPyConnection], seed: int
) -> None:
    rng = random.Random(seed)
    base = ts("2026-01-01")
    events: list[Event] = []
    for u in range(40):
        for _ in range(rng.randrange(1, 30)):
            t = base + rng.randrange(0, 12 * 86400) // 600 * 600  # coarse times: many ties
            events.append((rng.choice("VCBX"), t, f"user{u}", {}))
    con = make_db(events)
    first, last = date(2026, 1, 2), date(2026, 1, 9)

    def daily(t: int) -> str:
        return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d")

    def weekly(t: int) -> str:
        d = datetime.fromtimestamp(t, UTC).date()
        return (d - timedelta(days=d.weekday())).isoformat()

    q = {"funnel_id": "3", "from_date": first.isoformat(), "to_date": last.isoformat()}
    for params, bucket in (({}, daily), ({"unit": "week"}, weekly)):
        body = funnel(con, {**q, **params}, today=TODAY, funnels=FUNNELS)
        rows_path = {**q, **params, "where": "true"}  # the row-by-row path
        assert funnel(con, rows_path, today=TODAY, funnels=FUNNELS) == body
        expected = plain_funnel(events, ["V", "C", "B"], first, last, 2 * 86400, bucket)
        got = {
            key: [s["count"] for s in value["steps"]]
            for key, value in body["data"].items()
            if value["steps"][0]["count"]
        }
        assert got == expected
        assert sum(v[0] for v in expected.values()) > 20  # the data exercise the funnel
