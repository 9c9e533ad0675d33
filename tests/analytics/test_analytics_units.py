"""Time buckets: keys as Mixpanel prints them, and the SQL form agreeing with the Python form."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

import duckdb
import pytest
from analytics_data import ts

from mixpanel_data.analytics._events import (
    Buckets,
    Window,
    epoch,
    last_units_window,
)


@pytest.mark.parametrize(
    ("unit", "when", "key"),
    [
        ("minute", "2026-01-08 13:07:45", "2026-01-08 13:07:00"),
        ("hour", "2026-01-08 13:07:45", "2026-01-08 13:00:00"),
        ("day", "2026-01-08 13:07:45", "2026-01-08"),
        ("week", "2026-01-08 13:07:45", "2026-01-05"),  # Thursday -> Monday
        ("week", "2026-01-05 00:00:00", "2026-01-05"),  # a Monday is its own week
        ("week", "2026-01-04 23:59:59", "2025-12-29"),  # Sunday belongs to the week before
        ("month", "2026-02-28 23:59:59", "2026-02-01"),
        ("month", "2024-02-29 12:00:00", "2024-02-01"),
    ],
)
def test_bucket_keys(unit: str, when: str, key: str) -> None:
    buckets = Buckets(unit)  # type: ignore[arg-type]
    assert buckets.key(buckets.start(ts(when))) == key


def test_day_blocks_count_from_the_origin() -> None:
    buckets = Buckets("day", days=3, origin=ts("2026-01-01"))
    assert buckets.key(buckets.start(ts("2026-01-03 23:59:59"))) == "2026-01-01"
    assert buckets.key(buckets.start(ts("2026-01-04 00:00:00"))) == "2026-01-04"


def test_after_steps_calendar_months() -> None:
    buckets = Buckets("month")
    starts = buckets.starts(Window.of(date(2025, 11, 15), date(2026, 2, 3)))
    assert [buckets.key(s) for s in starts] == [
        "2025-11-01",
        "2025-12-01",
        "2026-01-01",
        "2026-02-01",
    ]


def test_window_is_inclusive_of_both_days() -> None:
    window = Window.of(date(2026, 1, 1), date(2026, 1, 1))
    assert window.start == ts("2026-01-01 00:00:00")
    assert window.end - 1 == ts("2026-01-01 23:59:59")
    assert (window.from_date, window.to_date) == (date(2026, 1, 1), date(2026, 1, 1))


@pytest.mark.parametrize("unit", ["minute", "hour", "day", "week", "month"])
def test_sql_buckets_equal_python_buckets(unit: str) -> None:
    rng = random.Random(unit)
    times = [rng.randrange(ts("2023-12-25"), ts("2026-03-10")) for _ in range(500)]
    times += [ts("2024-02-29 00:00:00"), ts("2026-01-05 00:00:00"), ts("2026-01-04 23:59:59")]
    buckets = Buckets(unit)  # type: ignore[arg-type]
    con = duckdb.connect()
    got = con.execute(
        f"SELECT time, {buckets.sql('time')} FROM (SELECT unnest(?::BIGINT[]) AS time)", [times]
    ).fetchall()
    for t, start in got:
        assert start == buckets.start(t), (unit, t)
        expected = datetime.fromtimestamp(t, UTC)
        begin = datetime.fromtimestamp(start, UTC)
        assert begin <= expected


def test_sql_day_blocks_equal_python() -> None:
    buckets = Buckets("day", days=7, origin=ts("2026-01-03"))
    con = duckdb.connect()
    values = [ts("2026-01-03") + k * 3571 for k in range(400)]
    rows = con.execute(
        f"SELECT t, {buckets.sql('t')} FROM (SELECT unnest(?::BIGINT[]) AS t)", [values]
    ).fetchall()
    assert all(start == buckets.start(t) for t, start in rows)


def test_last_units_window() -> None:
    today = date(2026, 1, 8)  # a Thursday
    assert last_units_window("day", 1, today) == Window.of(today, today)
    assert last_units_window("day", 7, today) == Window.of(date(2026, 1, 2), today)
    assert last_units_window("week", 2, today).start == epoch(date(2025, 12, 29))
    assert last_units_window("month", 3, today).start == epoch(date(2025, 11, 1))
    assert last_units_window("hour", 2, today).start == ts("2026-01-08 22:00:00")
