"""The analytics routes on a running Sandbox: real HTTP on 127.0.0.1, Mixpanel's bodies, errors
and content types, and the same numbers as the report functions over the exported events."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from analytics_data import Event, build_db

from mixpanel_data.analytics import ENDPOINTS
from mixpanel_data.analytics.retention import retention
from mixpanel_data.analytics.segmentation import segmentation
from mixpanel_data.sandbox import Sandbox

END = date(2026, 1, 31)
RANGE = {"from_date": "2026-01-22", "to_date": "2026-01-31"}
VALID: dict[str, dict[str, str]] = {
    "/api/query/segmentation": {"event": "Page View", "on": 'properties["$browser"]', **RANGE},
    "/api/query/segmentation/numeric": {
        "event": "Page View",
        "on": 'properties["load_time_ms"]',
        **RANGE,
    },
    "/api/query/segmentation/sum": {"event": "Purchase", "on": 'properties["amount"]', **RANGE},
    "/api/query/segmentation/average": {"event": "Purchase", "on": 'properties["amount"]', **RANGE},
    "/api/query/events": {"event": '["Login", "Search"]', "type": "unique", "unit": "day", **RANGE},
    "/api/query/events/properties": {
        "event": "Purchase",
        "name": "payment_method",
        "type": "general",
        "unit": "week",
        **RANGE,
    },
    "/api/query/funnels": {"funnel_id": "7002", **RANGE},
    "/api/query/retention": {
        "born_event": "Sign Up",
        "event": "Login",
        "interval_count": "3",
        **RANGE,
    },
    "/api/query/retention/addiction": {"unit": "week", "addiction_unit": "day", **RANGE},
    "/api/query/insights": {"bookmark_id": "50001"},
    "/api/query/arb_funnels": {"bookmark_id": "50005", "query_type": "flows_sankey"},
    "/api/query/stream/query": {"distinct_ids": '["user-00001", "user-00002"]', **RANGE},
}


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox(seed=5, users=60, days=10, end_date=END) as sandbox:
        yield sandbox


def get(sb: Sandbox, path: str, params: dict[str, str]) -> httpx.Response:
    c = sb.credentials
    return httpx.get(
        f"{sb.url}{path}",
        params={"project_id": str(c.project_id), **params},
        auth=(c.username, c.secret),
        timeout=60,
    )


@pytest.fixture(scope="module")
def exported(sb: Sandbox) -> list[Event]:
    """Every event, through the export endpoint (not through the code under test)."""
    response = get(sb, "/api/2.0/export", {"from_date": "2026-01-22", "to_date": "2026-01-31"})
    response.raise_for_status()
    events: list[Event] = []
    for line in response.text.splitlines():
        if line.strip():
            item = json.loads(line)
            props = item["properties"]
            events.append((item["event"], int(props["time"]), props["distinct_id"], props))
    assert len(events) > 500
    return events


def test_every_route_answers_a_valid_body(sb: Sandbox, check: Any) -> None:
    assert {path for _, path in ENDPOINTS} == set(VALID)
    for path, params in VALID.items():
        response = get(sb, path, params)
        assert response.status_code == 200, (path, response.text)
        assert response.headers["content-type"].startswith("application/json")
        check("GET", path, response.json())


def test_same_numbers_as_the_functions_over_the_export(
    sb: Sandbox, exported: list[Event], tmp_path: Path
) -> None:
    con = build_db(tmp_path / "copy.duckdb", exported)
    for params in (
        VALID["/api/query/segmentation"],
        {"event": "Login", "type": "unique", "unit": "hour", **RANGE},
        {"event": "Purchase", "where": 'properties["amount"] > 50', "unit": "week", **RANGE},
    ):
        over_http = get(sb, "/api/query/segmentation", params).json()
        assert over_http == segmentation(con, params, today=END)
        assert over_http["data"]["values"]
    # retention only needs events of the range here: every Sign Up happens inside it
    params = VALID["/api/query/retention"]
    assert get(sb, "/api/query/retention", params).json() == retention(con, params, today=END)


def test_errors_are_mixpanel_bodies(sb: Sandbox) -> None:
    bad = get(
        sb,
        "/api/query/segmentation",
        {"event": "Login", "from_date": "01/22/2026", "to_date": "2026-01-31"},
    )
    assert bad.status_code == 400
    assert bad.json()["status"] == "error" and "from_date" in bad.json()["error"]
    missing = get(sb, "/api/query/arb_funnels", {"bookmark_id": "424242", "query_type": "flows"})
    assert missing.status_code == 404
    assert missing.json() == {"error": "bookmark 424242 does not exist", "status": "error"}
    unknown = get(sb, "/api/query/funnels", {"funnel_id": "1", **RANGE})
    assert unknown.status_code == 400


def test_csv_and_the_2_0_prefix(sb: Sandbox) -> None:
    params = {"event": '["Login"]', "type": "general", "unit": "day", "format": "csv", **RANGE}
    response = get(sb, "/api/query/events", params)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.text.splitlines()[0] == "date,Login"
    assert len(response.text.splitlines()) == 11
    legacy = get(sb, "/api/2.0/segmentation", {"event": "Login", **RANGE})
    assert legacy.status_code == 200
    assert legacy.json() == get(sb, "/api/query/segmentation", {"event": "Login", **RANGE}).json()


def test_saved_funnel_uses_its_saved_window(sb: Sandbox) -> None:
    saved = get(sb, "/api/query/funnels", {"funnel_id": "7003", **RANGE}).json()  # 1 hour
    longer = get(
        sb,
        "/api/query/funnels",
        {"funnel_id": "7003", "length": "30", "length_unit": "day", **RANGE},
    ).json()

    def converted(body: dict[str, Any]) -> int:
        return sum(day["steps"][-1]["count"] for day in body["data"].values())

    assert converted(saved) <= converted(longer)
    assert [s["event"] for s in saved["data"]["2026-01-31"]["steps"]] == ["Search", "Add to Cart"]
