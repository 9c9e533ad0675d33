"""Reports count an event sent twice (same name, distinct id, time and $insert_id) once, as
Mixpanel does at query time; events without an insert id are never merged."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import duckdb
import pytest
from analytics_data import Event

from mixpanel_data.analytics import FunnelDef
from mixpanel_data.analytics.activity import activity_stream
from mixpanel_data.analytics.counts import event_counts
from mixpanel_data.analytics.funnels import funnel
from mixpanel_data.analytics.segmentation import segmentation, segmentation_sum

TODAY = date(2026, 1, 31)
DAY = "2026-01-05"
EVENTS: list[Event] = [
    ("Buy", "2026-01-05 10:00:00", "u1", {"$insert_id": "a", "amount": 5}),
    ("Buy", "2026-01-05 10:00:00", "u1", {"$insert_id": "a", "amount": 5}),  # sent twice
    ("Buy", "2026-01-05 10:00:00", "u1", {"$insert_id": "b", "amount": 5}),  # another event
    ("Buy", "2026-01-05 10:00:00", "u2", {"$insert_id": "a", "amount": 5}),  # another user
    ("Buy", "2026-01-05 11:00:00", "u3", {"$insert_id": None, "amount": 1}),
    ("Buy", "2026-01-05 11:00:00", "u3", {"$insert_id": None, "amount": 1}),  # no id: kept
    ("Buy", "2026-01-05 11:00:00", "u3", {"$insert_id": None, "amount": 2}),
]
RANGE = {"from_date": DAY, "to_date": DAY}


@pytest.fixture
def con(make_db: Callable[..., duckdb.DuckDBPyConnection]) -> duckdb.DuckDBPyConnection:
    return make_db(EVENTS)


@pytest.mark.parametrize("where", [None, "true"])
def test_segmentation_counts_duplicates_once(
    con: duckdb.DuckDBPyConnection, where: str | None
) -> None:
    q = {"event": "Buy", **RANGE, **({"where": where} if where else {})}
    assert segmentation(con, q, today=TODAY)["data"]["values"] == {"Buy": {DAY: 6}}
    total = segmentation_sum(con, {**q, "on": 'properties["amount"]'}, today=TODAY)["results"]
    assert total == {DAY: 19}


def test_event_counts_and_activity(con: duckdb.DuckDBPyConnection) -> None:
    q = {"event": '["Buy"]', "type": "general", "unit": "day", **RANGE}
    assert event_counts(con, q, today=TODAY)["data"]["values"] == {"Buy": {DAY: 6}}
    feed = activity_stream(con, {"distinct_ids": '["u1"]', **RANGE}, today=TODAY)
    assert len(feed["results"]["events"]) == 2


@pytest.mark.parametrize("where", [None, "true"])
def test_funnel_step_needs_a_second_real_event(
    con: duckdb.DuckDBPyConnection, where: str | None
) -> None:
    # Buy -> Buy for u2 needs two events; its only event was not duplicated, u1 has two real ones
    funnels = {1: FunnelDef("again", ["Buy", "Buy"])}
    q = {"funnel_id": "1", **RANGE, **({"where": where} if where else {})}
    steps = funnel(con, q, today=TODAY, funnels=funnels)["data"][DAY]["steps"]
    assert [s["count"] for s in steps] == [3, 2]  # u1 (a and b) and u3 (events without an id)
