"""The ENDPOINTS table: every path is in the spec, every handler answers through it, and the
schema check used by the other tests does reject a wrong body."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import duckdb
import pytest
from analytics_data import Event

from mixpanel_data.analytics import (
    ENDPOINTS,
    AnalyticsContext,
    AnalyticsError,
    FunnelDef,
)

EVENTS: list[Event] = [
    ("Signup", "2026-01-05 10:00:00", "u1", {"plan": "pro", "amount": 3}),
    ("Use", "2026-01-05 11:00:00", "u1", {"plan": "pro"}),
    ("Use", "2026-01-06 11:00:00", "u1", {"plan": "pro"}),
    ("Signup", "2026-01-06 10:00:00", "u2", {"plan": "free", "amount": 5}),
]
CONTEXT = AnalyticsContext(
    today=date(2026, 1, 6),
    funnels={5: FunnelDef("Activation", ["Signup", "Use"])},
    bookmarks={
        1: {"id": 1, "type": "insights", "params": {"event": "Use", "last": 7}},
        2: {"id": 2, "type": "flows", "params": {"steps": [{"event": "Signup", "forward": 1}]}},
    },
)
RANGE = {"from_date": "2026-01-05", "to_date": "2026-01-06"}
CALLS: dict[str, dict[str, str]] = {
    "/api/query/segmentation": {"event": "Use", **RANGE},
    "/api/query/segmentation/numeric": {"event": "Signup", "on": 'properties["amount"]', **RANGE},
    "/api/query/segmentation/sum": {"event": "Signup", "on": 'properties["amount"]', **RANGE},
    "/api/query/segmentation/average": {"event": "Signup", "on": 'properties["amount"]', **RANGE},
    "/api/query/events": {"event": '["Use"]', "type": "general", "unit": "day", **RANGE},
    "/api/query/events/properties": {
        "event": "Use",
        "name": "plan",
        "type": "unique",
        "unit": "week",
        **RANGE,
    },
    "/api/query/funnels": {"funnel_id": "5", **RANGE},
    "/api/query/retention": {"born_event": "Signup", **RANGE},
    "/api/query/retention/addiction": {"unit": "day", "addiction_unit": "hour", **RANGE},
    "/api/query/insights": {"bookmark_id": "1"},
    "/api/query/arb_funnels": {"bookmark_id": "2", "query_type": "flows_sankey"},
    "/api/query/stream/query": {"distinct_ids": '["u1"]', **RANGE},
}


@pytest.fixture
def con(make_db: Callable[..., duckdb.DuckDBPyConnection]) -> duckdb.DuckDBPyConnection:
    return make_db(EVENTS)


def test_every_endpoint_is_a_get_of_the_spec(spec: dict[str, Any]) -> None:
    assert set(CALLS) == {path for _, path in ENDPOINTS}
    for method, path in ENDPOINTS:
        assert method == "GET"
        assert "get" in spec["paths"][path], path


@pytest.mark.parametrize(("method", "path"), sorted(ENDPOINTS))
def test_handler_answers_with_a_valid_body(
    con: duckdb.DuckDBPyConnection, check: Any, method: str, path: str
) -> None:
    body = ENDPOINTS[(method, path)](con, CALLS[path], CONTEXT)
    check(method, path, body)
    assert body  # every call above has data to report


@pytest.mark.parametrize(("method", "path"), sorted(ENDPOINTS))
def test_handler_refuses_an_empty_query(
    con: duckdb.DuckDBPyConnection, method: str, path: str
) -> None:
    with pytest.raises(AnalyticsError) as caught:
        ENDPOINTS[(method, path)](con, {}, CONTEXT)
    assert caught.value.status == 400


def test_the_schema_check_rejects_wrong_bodies(check: Any) -> None:
    with pytest.raises(AssertionError):
        check("GET", "/api/query/segmentation", {"data": {"series": "2026-01-05"}})
    with pytest.raises(AssertionError):
        check("GET", "/api/query/retention", {"2026-01-05": {"counts": [1.5], "first": 2}})
    with pytest.raises(AssertionError):
        check("GET", "/api/query/funnels", {"meta": {"dates": [1]}, "data": {}})
