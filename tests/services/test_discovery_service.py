"""DiscoveryService against a canned server: answers, sorting, and the per-instance cache."""

from __future__ import annotations

from typing import Any

from mixpanel_data._services.discovery import DiscoveryService
from mixpanel_data.results import BookmarkInfo, FunnelInfo


def test_events_sorted_and_cached_until_cleared(
    server: Any, discovery: DiscoveryService, examples: dict[str, Any]
) -> None:
    server.answer("GET", "/api/query/events/names", examples["/events/names"])
    assert discovery.list_events() == sorted(["battle", "click signup button", "View homepage"])
    discovery.list_events()
    assert server.paths() == ["/api/query/events/names"]
    assert server.requests[0].query["type"] == ["general"]
    discovery.clear_cache()
    discovery.list_events()
    assert len(server.requests) == 2


def test_properties_and_values(
    server: Any, discovery: DiscoveryService, examples: dict[str, Any]
) -> None:
    server.answer("GET", "/api/query/events/properties/top", examples["/events/properties/top"])
    server.answer("GET", "/api/query/events/properties/values", ["pro", 3, True, None])
    assert discovery.list_properties("Viewed") == ["ad version", "user type"]
    assert discovery.list_property_values("plan", event="Viewed", limit=3) == ["pro", "3", "true"]
    q = server.requests[1].query
    assert (q["event"], q["name"], q["limit"]) == (["Viewed"], ["plan"], ["3"])


def test_saved_things(server: Any, discovery: DiscoveryService, examples: dict[str, Any]) -> None:
    server.answer("GET", "/api/query/funnels/list", examples["/funnels/list"])
    server.answer("POST", "/api/query/cohorts/list", examples["/cohorts/list"])
    server.answer(
        "GET",
        "/api/app/projects/12345/bookmarks",
        {"status": "ok", "results": [{"id": 4, "name": "W", "type": "insights"}]},
    )
    assert discovery.list_funnels() == [
        FunnelInfo(7509, "Signup funnel"),
        FunnelInfo(9070, "Funnel tutorial"),
    ]
    assert [c.name for c in discovery.list_cohorts()] == ["Cohort One", "Cohort Two"]
    assert discovery.list_bookmarks("insights") == [BookmarkInfo(id=4, name="W", type="insights")]
    assert server.requests[2].query["type"] == ["insights"]
    assert discovery.funnel_info(9070).name == "Funnel tutorial"
    assert len(server.requests) == 3  # funnel_info used the cached list


def test_top_events_are_sorted_and_never_cached(
    server: Any, discovery: DiscoveryService, examples: dict[str, Any]
) -> None:
    server.answer("GET", "/api/query/events/top", examples["/events/top"])
    top = discovery.list_top_events(type="unique", limit=2)
    assert [(e.event, e.count) for e in top] == [("pages", 75), ("funnel", 2)]
    discovery.list_top_events()
    assert len(server.requests) == 2
    assert server.requests[0].query["limit"] == ["2"]


def test_schemas_filtered_by_entity_type(server: Any, discovery: DiscoveryService) -> None:
    body = {"status": "ok", "results": [
        {"entityType": "event", "name": "Checkout", "schemaJson": {"properties": {}}},
        {"entityType": "profile", "name": "$user", "schemaJson": {}},
    ]}  # fmt: skip
    server.answer("GET", "/api/app/projects/12345/schemas", body)
    assert [s["name"] for s in discovery.list_schemas()] == ["Checkout", "$user"]
    assert [s["name"] for s in discovery.list_schemas("profile")] == ["$user"]
    assert len(server.requests) == 1
