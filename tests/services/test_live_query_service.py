"""LiveQueryService end to end against a canned HTTP server: what is sent, what comes back."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from mixpanel_data._services.live_query import LiveQueryService, flows_definition, saved_range
from mixpanel_data.exceptions import (
    AuthenticationError,
    DataError,
    JQLError,
    NotFoundError,
    QueryError,
    RateLimitError,
    ServerError,
    ValidationError,
)

D = {"from_date": "2026-03-01", "to_date": "2026-03-03"}
SEG = "/api/query/segmentation"
BOOKMARKS = "/api/app/projects/12345/bookmarks"


def one(values: dict[str, list[str]], key: str) -> str:
    assert len(values[key]) == 1, values
    return values[key][0]


def test_segmentation_wraps_a_bare_on_and_sends_where(
    server: Any, live: LiveQueryService, examples: dict[str, Any]
) -> None:
    server.answer("GET", SEG, examples["/segmentation"])
    r = live.segmentation(
        "Signed up", **D, on="country", where='properties["plan"] == "pro"', limit=5
    )
    q = server.requests[0].query
    assert one(q, "on") == 'properties["country"]'
    assert one(q, "where") == 'properties["plan"] == "pro"'
    assert (one(q, "event"), one(q, "unit"), one(q, "type"), one(q, "limit")) == (
        "Signed up",
        "day",
        "general",
        "5",
    )
    assert one(q, "project_id") == "12345"
    assert server.requests[0].headers["Authorization"].startswith("Basic ")
    assert r.segment_property == 'properties["country"]' and r.total == 2445


def test_full_on_expression_is_passed_through(
    server: Any, live: LiveQueryService, examples: dict[str, Any]
) -> None:
    server.answer("GET", SEG, examples["/segmentation"])
    live.segmentation("Signed up", **D, on='user["plan"]')
    assert one(server.requests[0].query, "on") == 'user["plan"]'


def test_json_array_parameters_are_json_text(
    server: Any, live: LiveQueryService, examples: dict[str, Any]
) -> None:
    server.answer("GET", "/api/query/events", examples["/events"])
    server.answer("GET", "/api/query/events/properties", examples["/events/properties"])
    server.answer("GET", "/api/query/stream/query", examples["/stream/query"])
    counts = live.event_counts(["splash features", "account-page"], **D, unit="week", type="unique")
    live.property_counts("Viewed", "feature", **D, values=["splash features", "x"], limit=3)
    feed = live.activity_feed(["u1", "u2"], **D)
    events_q, props_q, feed_q = (r.query for r in server.requests)
    assert json.loads(one(events_q, "event")) == ["splash features", "account-page"]
    assert (one(events_q, "unit"), one(events_q, "type")) == ("week", "unique")
    assert json.loads(one(props_q, "values")) == ["splash features", "x"]
    assert one(props_q, "name") == "feature" and one(props_q, "limit") == "3"
    assert json.loads(one(feed_q, "distinct_ids")) == ["u1", "u2"]
    assert counts.totals()["splash features"] == 15
    assert len(feed.events) == 2


def test_numeric_queries(server: Any, live: LiveQueryService, examples: dict[str, Any]) -> None:
    server.answer("GET", "/api/query/segmentation/numeric", examples["/segmentation/numeric"])
    server.answer("GET", "/api/query/segmentation/sum", examples["/segmentation/sum"])
    server.answer("GET", "/api/query/segmentation/average", examples["/segmentation/average"])
    assert live.segmentation_numeric("A", **D, on="amount", unit="hour").total == 85
    assert live.segmentation_sum("A", **D, on="amount").total == 11
    avg = live.segmentation_average("A", **D, on='number(properties["x"])')
    assert avg.property_expr == 'number(properties["x"])'
    assert [one(r.query, "on") for r in server.requests] == [
        'properties["amount"]',
        'properties["amount"]',
        'number(properties["x"])',
    ]
    assert one(server.requests[0].query, "unit") == "hour"


def test_unknown_funnel_id_is_not_found_before_querying(
    server: Any, live: LiveQueryService, examples: dict[str, Any]
) -> None:
    server.answer("GET", "/api/query/funnels/list", examples["/funnels/list"])
    with pytest.raises(NotFoundError) as info:
        live.funnel(999, **D)
    message = info.value.message
    assert "funnel 999 does not exist in project 12345" in message
    assert "7509 (Signup funnel)" in message and "mp inspect funnels" in message
    assert info.value.exit_code == 4
    assert server.paths() == ["/api/query/funnels/list"]


def test_known_funnel_carries_its_name_and_parameters(
    server: Any, live: LiveQueryService, examples: dict[str, Any]
) -> None:
    server.answer("GET", "/api/query/funnels/list", [{"funnel_id": 12345, "name": "Games"}])
    server.answer("GET", "/api/query/funnels", examples["/funnels"])
    r = live.funnel(12345, **D, unit="week", on="country", length=2, length_unit="day")
    assert r.funnel_name == "Games" and r.steps[0].count == 81277
    q = server.requests[1].query
    assert (one(q, "funnel_id"), one(q, "unit"), one(q, "length"), one(q, "length_unit")) == (
        "12345",
        "week",
        "2",
        "day",
    )
    assert one(q, "on") == 'properties["country"]'
    live.funnel(12345, **D)
    assert server.paths().count("/api/query/funnels/list") == 1  # the lookup is cached


def test_retention_and_frequency_parameters(
    server: Any, live: LiveQueryService, examples: dict[str, Any]
) -> None:
    server.answer("GET", "/api/query/retention", examples["/retention"])
    server.answer("GET", "/api/query/retention/addiction", examples["/retention/addiction"])
    r = live.retention(
        "Added to cart",
        "Viewed report",
        **D,
        born_where='properties["a"] == 1',
        return_where='properties["b"] == 2',
        interval=7,
        interval_count=4,
    )
    f = live.frequency(**D, unit="week", addiction_unit="day", event="Viewed report")
    rq, fq = (x.query for x in server.requests)
    assert (
        one(rq, "born_event"),
        one(rq, "event"),
        one(rq, "interval"),
        one(rq, "interval_count"),
    ) == ("Added to cart", "Viewed report", "7", "4")
    assert (one(rq, "born_where"), one(rq, "where")) == (
        'properties["a"] == 1',
        'properties["b"] == 2',
    )
    assert one(rq, "retention_type") == "birth"
    assert (one(fq, "unit"), one(fq, "addiction_unit"), one(fq, "event")) == (
        "week",
        "day",
        "Viewed report",
    )
    assert r.cohorts[1].size == 10 and f.data["2012-01-01"][0] == 305


def test_saved_reports_by_kind(
    server: Any, live: LiveQueryService, examples: dict[str, Any]
) -> None:
    server.answer("GET", BOOKMARKS, {"status": "ok", "results": [
        {"id": 1, "name": "Weekly", "type": "insights"},
        {"id": 2, "name": "Paths", "type": "flows"},
    ]})  # fmt: skip
    server.answer("GET", "/api/query/insights", examples["/insights"])
    flows_body = {
        "steps": [
            {
                "nodes": [
                    {
                        "event": "A",
                        "type": "ANCHOR",
                        "totalCount": "5",
                        "edges": [{"event": "B", "step": 1, "totalCount": "2", "type": "FORWARD"}],
                    }
                ]
            }
        ]
    }
    server.answer("GET", "/api/query/arb_funnels", flows_body)
    insights = live.saved_report(1)
    paths = live.saved_report(2)
    assert (insights.kind, insights.name, insights.totals()["Logged in"]) == (
        "insights",
        "Weekly",
        14177,
    )
    assert (
        paths.kind == "flows" and paths.flows is not None and paths.flows.transitions[0].count == 2
    )
    assert one(server.requests[0].query, "v") == "2"
    assert one(server.requests[1].query, "bookmark_id") == "1"
    flows_q = server.requests[2].query
    assert (one(flows_q, "bookmark_id"), one(flows_q, "query_type")) == ("2", "flows_sankey")
    with pytest.raises(NotFoundError) as info:
        live.saved_report(77)
    assert "saved report 77 does not exist in project 12345" in info.value.message
    assert "1 (Weekly, insights)" in info.value.message
    assert server.paths().count(BOOKMARKS) == 1


def test_adhoc_flow_sends_its_definition(
    server: Any, live: LiveQueryService, examples: dict[str, Any]
) -> None:
    server.answer("GET", "/api/query/arb_funnels", {"steps": []})
    live.flows("Signed Up", **D, direction="both", steps=2, where='properties["x"] == 1')
    sent = json.loads(one(server.requests[0].query, "bookmark"))
    assert sent == flows_definition(
        "Signed Up", **D, direction="both", steps=2, where='properties["x"] == 1'
    )
    assert sent["steps"] == [{"event": "Signed Up", "forward": 2, "reverse": 2}]
    server.answer("GET", BOOKMARKS, {"results": [{"id": 5, "name": "Weekly", "type": "insights"}]})
    with pytest.raises(
        Exception, match="saved report 5 \\(Weekly\\) is a insights report, not flows"
    ):
        live.flows(bookmark_id=5)


def test_jql_syntax_error_surfaces_mixpanels_details(server: Any, live: LiveQueryService) -> None:
    text = "SyntaxError: Unexpected token ) at <anonymous>:3:14"
    server.answer(
        "POST", "/api/query/jql", {"error": text, "request": "/api/2.0/jql/?secret=zzz"}, status=412
    )
    with pytest.raises(JQLError) as info:
        live.jql("function main() { return Events({)); }", {"from_date": "2026-01-01"})
    err = info.value
    assert err.message == f"JQL script failed (line 3, column 14): {text}"
    assert err.details["error_type"] == "SyntaxError"
    assert err.details["line"] == 3 and err.details["column"] == 14
    assert err.status == 412 and err.exit_code == 3
    assert "zzz" not in json.dumps(err.to_dict())
    body = server.requests[0].body
    assert "script=function+main" in body and "params=%7B%22from_date" in body


def test_jql_result(server: Any, live: LiveQueryService) -> None:
    server.answer("POST", "/api/query/jql", [{"key": ["A"], "value": 3}])
    r = live.jql("function main() { return 1; }")
    assert r.raw == [{"key": ["A"], "value": 3}] and r.df["value"].tolist() == [3]


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, QueryError),
        (401, AuthenticationError),
        (403, AuthenticationError),
        (404, NotFoundError),
        (429, RateLimitError),
        (503, ServerError),
    ],
)
def test_error_statuses_become_our_errors(
    server: Any, live: LiveQueryService, status: int, error: type[Exception]
) -> None:
    server.answer("GET", SEG, {"error": f"nope {status}", "status": "error"}, status=status)
    with pytest.raises(error) as info:
        live.segmentation("A", **D)
    assert f"GET /api/query/segmentation failed (HTTP {status}): nope {status}" in str(info.value)
    assert "sa-secret" not in repr(info.value.to_dict())  # type: ignore[attr-defined]


def test_a_body_that_is_not_json_is_a_data_error(server: Any, live: LiveQueryService) -> None:
    server.answer("GET", SEG, b"<html>gateway</html>")
    with pytest.raises(DataError, match=r"could not be read|not JSON"):
        live.segmentation("A", **D)


def test_funnel_and_retention_reports_fall_back_to_their_definition(
    server: Any, live: LiveQueryService, examples: dict[str, Any]
) -> None:
    window = [{"dateRangeType": "between", "value": ["2016-09-12", "2016-09-26"]}]
    funnel_params = {
        "funnel_id": 12345,
        "sections": {
            "show": [{"behavior": {"type": "funnel", "conversionWindowDuration": 14,
                                   "conversionWindowUnit": "day"}}],
            "time": window,
        },
    }  # fmt: skip
    retention_params = {
        "sections": {
            "show": [{"behavior": {"type": "retention", "retentionUnit": "week",
                                   "behaviors": [{"name": "Sign Up"}, {"name": "Login"}]}}],
            "time": [{"dateRangeType": "since", "value": "2026-01-01"}],
        }
    }  # fmt: skip
    server.answer("GET", BOOKMARKS, {"results": [
        {"id": 3, "name": "Funnel", "type": "funnels", "params": funnel_params},
        {"id": 4, "name": "Retention", "type": "retention", "params": retention_params},
        {"id": 5, "name": "Odd", "type": "insights"},
    ]})  # fmt: skip
    server.answer("GET", "/api/query/insights", {"error": "not an insights report"}, status=400)
    server.answer("GET", "/api/query/funnels/list", [{"funnel_id": 12345, "name": "Games"}])
    server.answer("GET", "/api/query/funnels", examples["/funnels"])
    server.answer("GET", "/api/query/retention", examples["/retention"])
    funnel = live.saved_report(3)
    assert funnel.kind == "funnels" and funnel.funnel is not None
    assert funnel.funnel.funnel_name == "Games" and funnel.name == "Funnel"
    q = server.requests[-1].query
    assert (one(q, "from_date"), one(q, "to_date")) == ("2016-09-12", "2016-09-26")
    assert (one(q, "length"), one(q, "length_unit")) == ("14", "day")
    retention = live.saved_report(4)
    assert retention.kind == "retention" and retention.retention is not None
    q = server.requests[-1].query
    assert (one(q, "born_event"), one(q, "event"), one(q, "unit")) == ("Sign Up", "Login", "week")
    assert one(q, "from_date") == "2026-01-01"
    with pytest.raises(QueryError, match="not an insights report"):
        live.saved_report(5)  # an insights report is not re-run some other way


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            {"dateRangeType": "in the last", "window": {"unit": "day", "value": 7}},
            ("2026-01-25", "2026-01-31"),
        ),
        (
            {"dateRangeType": "in the last", "window": {"unit": "week", "value": 2}},
            ("2026-01-18", "2026-01-31"),
        ),
        (
            {"dateRangeType": "in the last", "window": {"unit": "month", "value": 1}},
            ("2026-01-01", "2026-01-31"),
        ),
        (
            {"dateRangeType": "between", "value": ["2026-01-02", "2026-01-09"]},
            ("2026-01-02", "2026-01-09"),
        ),
        ({"dateRangeType": "since", "value": "2026-01-20"}, ("2026-01-20", "2026-01-31")),
        (
            {"from_date": "2026-01-03T00:00:00", "to_date": "2026-01-04"},
            ("2026-01-03", "2026-01-04"),
        ),
        ({"last": 3}, ("2026-01-29", "2026-01-31")),
        ({}, ("2026-01-02", "2026-01-31")),
    ],
)
def test_saved_range(spec: dict[str, Any], expected: tuple[str, str]) -> None:
    today = dt.date(2026, 1, 31)
    assert saved_range({"sections": {"time": [spec]}}, today=today) == expected
    assert saved_range({"time": [spec]}, today=today) == expected


def test_saved_range_refuses_what_it_cannot_read() -> None:
    with pytest.raises(ValidationError, match="date range 'relative' is not supported"):
        saved_range({"time": [{"dateRangeType": "relative"}]})
    with pytest.raises(ValidationError, match="range unit 'year' is not supported"):
        saved_range({"time": [{"window": {"unit": "year", "value": 1}}]})
