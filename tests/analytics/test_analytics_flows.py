"""Flows (``arb_funnels``): Sankey steps, top paths, reverse hops, unique vs total."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

import duckdb
import pytest
from analytics_data import Event

from mixpanel_data.analytics import AnalyticsError
from mixpanel_data.analytics.flows import flows

TODAY = date(2026, 1, 31)
EVENTS: list[Event] = [
    ("Visit", "2026-01-05 09:00:00", "u1", {}),
    ("Signup", "2026-01-05 10:00:00", "u1", {}),
    ("Create", "2026-01-05 10:05:00", "u1", {}),
    ("Invite", "2026-01-05 10:10:00", "u1", {}),
    ("Create", "2026-01-05 10:20:00", "u1", {}),
    ("Signup", "2026-01-05 11:00:00", "u2", {}),
    ("Create", "2026-01-05 11:30:00", "u2", {}),
    ("Signup", "2026-01-05 12:00:00", "u3", {}),
    ("Signup", "2026-01-05 13:00:00", "u4", {}),
    ("Create", "2026-01-14 13:00:00", "u4", {}),  # after the 7-day window
    ("Signup", "2026-01-06 09:00:00", "u5", {}),
    ("Signup", "2026-01-06 10:00:00", "u5", {}),
    ("Create", "2026-01-06 10:30:00", "u5", {}),
    ("Signup", "2026-01-08 09:00:00", "u6", {}),  # after to_date
]
DEFINITION = {
    "steps": [{"event": "Signup", "forward": 2, "reverse": 1}],
    "date_range": {"type": "between", "from_date": "2026-01-05", "to_date": "2026-01-06"},
    "count_type": "unique",
    "version": 2,
}
BOOKMARKS = {
    7: {"id": 7, "type": "flows", "params": DEFINITION},
    9: {
        "id": 9,
        "type": "flows",
        "params": {
            "steps": [{"event": "Signup", "forward": 1}],
            "time": [{"dateRangeType": "in the last", "window": {"unit": "day", "value": 30}}],
        },
    },
    8: {"id": 8, "type": "insights", "params": {}},
}


@pytest.fixture
def con(make_db: Callable[..., duckdb.DuckDBPyConnection]) -> duckdb.DuckDBPyConnection:
    return make_db(EVENTS)


def run(con: duckdb.DuckDBPyConnection, **q: str) -> Any:
    return flows(con, q, today=TODAY, bookmarks=BOOKMARKS)


def edges(node: dict[str, Any]) -> dict[str, tuple[str, int, str]]:
    return {e["event"]: (e["type"], e["step"], e["totalCount"]) for e in node["edges"]}


def test_sankey(con: duckdb.DuckDBPyConnection, check: Any) -> None:
    body = run(con, query_type="flows_sankey", bookmark=json.dumps(DEFINITION))
    check("GET", "/api/query/arb_funnels", body)
    steps = body["steps"]
    assert len(steps) == 4  # one reverse hop, the anchor, two forward hops
    nodes = [{n["event"]: n for n in step["nodes"]} for step in steps]
    assert {k: v["totalCount"] for k, v in nodes[0].items()} == {"Visit": "1"}
    assert edges(nodes[0]["Visit"]) == {"Signup": ("ANCHOR", 1, "1")}
    anchor = nodes[1]["Signup"]
    assert (anchor["type"], anchor["anchorType"], anchor["totalCount"]) == ("ANCHOR", "NORMAL", "5")
    # u1, u2 go on to Create; u3 and u4 (Create too late) drop off; u5 signs up again
    assert edges(anchor) == {
        "Create": ("FORWARD", 2, "2"),
        "$dropoff": ("DROPOFF", 2, "2"),
        "Signup": ("FORWARD", 2, "1"),
    }
    assert {k: v["totalCount"] for k, v in nodes[2].items()} == {"Create": "2", "Signup": "1"}
    assert edges(nodes[2]["Create"]) == {
        "Invite": ("FORWARD", 3, "1"),
        "$dropoff": ("DROPOFF", 3, "1"),
    }
    assert edges(nodes[2]["Signup"]) == {"Create": ("FORWARD", 3, "1")}
    assert {k: v["totalCount"] for k, v in nodes[3].items()} == {"Invite": "1", "Create": "1"}
    assert all(n["edges"] == [] for n in steps[3]["nodes"])
    assert body["overallConversionRate"] == pytest.approx(2 / 5)  # u1 and u5 made both hops


def test_saved_bookmark_and_alias(con: duckdb.DuckDBPyConnection) -> None:
    saved = run(con, query_type="flows", bookmark_id="7")
    inline = run(con, query_type="flows_sankey", bookmark=json.dumps(DEFINITION))
    assert saved["steps"] == inline["steps"]
    # `bookmark` is read before `bookmark_id`
    other = {**DEFINITION, "steps": [{"event": "Create", "forward": 1}]}
    both = run(con, query_type="flows_sankey", bookmark=json.dumps(other), bookmark_id="7")
    assert both["steps"][0]["nodes"][0]["event"] == "Create"


def test_total_counts_every_anchor(con: duckdb.DuckDBPyConnection) -> None:
    body = run(
        con,
        query_type="flows_sankey",
        bookmark=json.dumps({**DEFINITION, "count_type": "total"}),
    )
    anchor = {n["event"]: n for n in body["steps"][1]["nodes"]}["Signup"]
    assert anchor["totalCount"] == "6"  # u5's second Signup is a path of its own
    assert edges(anchor)["Create"] == ("FORWARD", 2, "3")
    assert edges(anchor)["Signup"] == ("FORWARD", 2, "1")
    # the second path of u5 has one reverse hop (its first Signup)
    assert {n["event"]: n["totalCount"] for n in body["steps"][0]["nodes"]} == {
        "Visit": "1",
        "Signup": "1",
    }


def test_top_paths(con: duckdb.DuckDBPyConnection, check: Any) -> None:
    body = run(con, query_type="flows_top_paths", bookmark_id="7")
    check("GET", "/api/query/arb_funnels", body)
    assert "steps" not in body
    got = [
        [(s["event"], s["type"], s["totalCount"]) for s in path["flowSteps"]]
        for path in body["flows"]
    ]
    assert got[0] == [("Signup", "ANCHOR", "4"), ("$dropoff", "DROPOFF", "2")]  # u3, u4
    assert sorted(got[1:]) == sorted(
        [
            [
                ("Visit", "REVERSE", "1"),
                ("Signup", "ANCHOR", "1"),
                ("Create", "FORWARD", "1"),
                ("Invite", "FORWARD", "1"),
            ],
            [("Signup", "ANCHOR", "4"), ("Create", "FORWARD", "1"), ("$dropoff", "DROPOFF", "1")],
            [("Signup", "ANCHOR", "4"), ("Signup", "FORWARD", "1"), ("Create", "FORWARD", "1")],
        ]
    )


def test_window_limits_reverse_hops(make_db: Callable[..., duckdb.DuckDBPyConnection]) -> None:
    con = make_db(
        [
            ("Visit", "2026-01-01 09:00:00", "x", {}),
            ("Signup", "2026-01-05 09:00:00", "x", {}),
            ("Visit", "2026-01-05 08:00:00", "y", {}),
            ("Signup", "2026-01-05 09:00:00", "y", {}),
        ]
    )
    definition = {**DEFINITION, "conversion_window": {"unit": "day", "value": 2}}
    body = flows(
        con,
        {"query_type": "flows_sankey", "bookmark": json.dumps(definition)},
        today=TODAY,
        bookmarks={},
    )
    assert [n["totalCount"] for n in body["steps"][0]["nodes"]] == ["1"]  # only y's Visit


@pytest.mark.parametrize(
    ("q", "status"),
    [
        ({"query_type": "flows_sankey", "bookmark_id": "99"}, 404),
        ({"query_type": "flows_sankey", "bookmark_id": "8"}, 400),
        ({"query_type": "flows_sankey"}, 400),
        ({"bookmark_id": "7"}, 400),
        ({"query_type": "paths", "bookmark_id": "7"}, 400),
        ({"query_type": "flows_sankey", "bookmark": "{not json"}, 400),
        ({"query_type": "flows_sankey", "bookmark": "[]"}, 400),
        ({"query_type": "flows_sankey", "bookmark": json.dumps({"steps": []})}, 400),
        (
            {
                "query_type": "flows_sankey",
                "bookmark": json.dumps({"steps": [{"event": "A", "forward": 6}]}),
            },
            400,
        ),
        (
            {
                "query_type": "flows_sankey",
                "bookmark": json.dumps({"steps": [{"event": "A"}, {"event": "B"}]}),
            },
            400,
        ),
        (
            {
                "query_type": "flows_sankey",
                "bookmark": json.dumps({**DEFINITION, "count_type": "session"}),
            },
            400,
        ),
    ],
)
def test_bad_requests(con: duckdb.DuckDBPyConnection, q: dict[str, str], status: int) -> None:
    with pytest.raises(AnalyticsError) as caught:
        flows(con, q, today=TODAY, bookmarks=BOOKMARKS)
    assert caught.value.status == status


def test_saved_range_under_time_and_where(con: duckdb.DuckDBPyConnection) -> None:
    # today is 2026-01-31: the last 30 days start on 01-02, so u6's Signup on 01-08 counts too
    saved = run(con, query_type="flows_sankey", bookmark_id="9")
    anchor = saved["steps"][0]["nodes"][0]
    assert (anchor["event"], anchor["totalCount"]) == ("Signup", "6")
    # `where` keeps only the events it accepts: here every event but Create
    definition = {**DEFINITION, "where": 'event["$event_name"] != "Create"'}
    body = run(con, query_type="flows_sankey", bookmark=json.dumps(definition))
    anchor = {n["event"]: n for n in body["steps"][1]["nodes"]}["Signup"]
    assert edges(anchor) == {
        "Invite": ("FORWARD", 2, "1"),
        "$dropoff": ("DROPOFF", 2, "3"),
        "Signup": ("FORWARD", 2, "1"),
    }
    with pytest.raises(AnalyticsError):
        run(con, query_type="flows_sankey", bookmark=json.dumps({**DEFINITION, "where": "x("}))
