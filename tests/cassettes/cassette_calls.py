"""The calls the cassettes hold, shared by ``scripts/record_cassettes.py`` and the replay test.

Each :class:`CassetteCall` names a cassette, the Workspace call that makes its requests, and (for
the ``examples`` set) the documented example bodies a stand-in server answers with while
recording. Bodies come from Mixpanel's published Query API document (``mixpanel_query_examples``)
or, for endpoints Mixpanel does not document, from our spec (``project_spec_examples``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
EXAMPLES_DIR = HERE / "examples"
LIVE_DIR = HERE / "live"
DATA = HERE.parent / "results" / "data"

#: The project id every cassette is recorded (or scrubbed) to.
PROJECT_ID = 12345
#: Where replay sends requests: Mixpanel's US hosts (the cassettes are rewritten to them).
REPLAY_HOST = "https://mixpanel.com"

MIXPANEL = json.loads((DATA / "mixpanel_query_examples.json").read_text())
SPEC = json.loads((DATA / "project_spec_examples.json").read_text())

BOOKMARKS_PATH = f"/api/app/projects/{PROJECT_ID}/bookmarks"
FUNNEL_LIST = [
    {"funnel_id": 7509, "name": "Signup funnel"},
    {"funnel_id": 9070, "name": "Funnel tutorial"},
]


@dataclass(frozen=True)
class CassetteCall:
    """One cassette: ``call(workspace)`` and the answers served while recording it."""

    name: str
    call: Callable[[Any], Any]
    routes: dict[tuple[str, str], tuple[int, Any]] = field(default_factory=dict)


def _get(path: str, body: Any, status: int = 200) -> dict[tuple[str, str], tuple[int, Any]]:
    return {("GET", path): (status, body)}


JQL_SCRIPT = (
    "function main() { return Events(params).groupBy(['name'], mixpanel.reducer.count()); }"
)
JQL_PARAMS = {"from_date": "2026-03-01", "to_date": "2026-03-07"}

EXAMPLE_CALLS: list[CassetteCall] = [
    CassetteCall(
        "segmentation",
        lambda ws: ws.segmentation("Signed up", from_date="2011-08-06", to_date="2011-08-09"),
        _get("/api/query/segmentation", MIXPANEL["/segmentation"]),
    ),
    CassetteCall(
        "segmentation_numeric",
        lambda ws: ws.segmentation_numeric(
            "Signed up", from_date="2011-08-06", to_date="2011-08-09", on="score"
        ),
        _get("/api/query/segmentation/numeric", MIXPANEL["/segmentation/numeric"]),
    ),
    CassetteCall(
        "segmentation_sum",
        lambda ws: ws.segmentation_sum(
            "Purchased", from_date="2019-10-06", to_date="2019-10-07", on="amount"
        ),
        _get("/api/query/segmentation/sum", MIXPANEL["/segmentation/sum"]),
    ),
    CassetteCall(
        "segmentation_average",
        lambda ws: ws.segmentation_average(
            "Purchased", from_date="2011-08-06", to_date="2011-08-09", on="amount"
        ),
        _get("/api/query/segmentation/average", MIXPANEL["/segmentation/average"]),
    ),
    CassetteCall(
        "event_counts",
        lambda ws: ws.event_counts(
            ["splash features", "account-page"], from_date="2010-05-29", to_date="2010-05-31"
        ),
        _get("/api/query/events", MIXPANEL["/events"]),
    ),
    CassetteCall(
        "property_counts",
        lambda ws: ws.property_counts(
            "Viewed page", "feature", from_date="2010-05-29", to_date="2010-05-31"
        ),
        _get("/api/query/events/properties", MIXPANEL["/events/properties"]),
    ),
    CassetteCall(
        "funnel",
        lambda ws: ws.funnel(7509, from_date="2016-09-12", to_date="2016-10-02", unit="week"),
        {
            **_get("/api/query/funnels/list", FUNNEL_LIST),
            **_get("/api/query/funnels", MIXPANEL["/funnels"]),
        },
    ),
    CassetteCall(
        "retention",
        lambda ws: ws.retention(
            "Added to cart",
            "Viewed report",
            from_date="2012-01-01",
            to_date="2012-01-03",
            interval_count=2,
        ),
        _get("/api/query/retention", MIXPANEL["/retention"]),
    ),
    CassetteCall(
        "frequency",
        lambda ws: ws.frequency(from_date="2012-01-01", to_date="2012-01-02"),
        _get("/api/query/retention/addiction", MIXPANEL["/retention/addiction"]),
    ),
    CassetteCall(
        "activity_feed",
        lambda ws: ws.activity_feed(
            ["12a34aa567eb8d-9ab1c26f345b67-89123c45-6aeaa7-89f12af345f678"],
            from_date="2020-09-08",
            to_date="2020-09-08",
        ),
        _get("/api/query/stream/query", MIXPANEL["/stream/query"]),
    ),
    CassetteCall(
        "saved_report_insights",
        lambda ws: ws.saved_report(4417290),
        {
            **_get(BOOKMARKS_PATH, SPEC["QueryBookmarksResponse"]),
            **_get("/api/query/insights", MIXPANEL["/insights"]),
        },
    ),
    CassetteCall(
        "saved_report_flows",
        lambda ws: ws.saved_report(4420007),
        {
            **_get(BOOKMARKS_PATH, SPEC["QueryBookmarksResponse"]),
            **_get("/api/query/arb_funnels", SPEC["QueryFlowsResponse"]),
        },
    ),
    CassetteCall(
        "flows",
        lambda ws: ws.flows("Signed Up", from_date="2026-03-01", to_date="2026-03-31"),
        _get("/api/query/arb_funnels", SPEC["QueryFlowsResponse"]),
    ),
    CassetteCall(
        "jql",
        lambda ws: ws.jql(JQL_SCRIPT, JQL_PARAMS),
        {("POST", "/api/query/jql"): (200, SPEC["QueryJQLResponse"])},
    ),
    CassetteCall(
        "jql_error",
        lambda ws: ws.jql(JQL_SCRIPT.replace("groupBy", "groupBi"), JQL_PARAMS),
        {("POST", "/api/query/jql"): (412, SPEC["QueryJQLError"])},
    ),
    CassetteCall(
        "list_events",
        lambda ws: ws.list_events(),
        _get("/api/query/events/names", MIXPANEL["/events/names"]),
    ),
    CassetteCall(
        "list_properties",
        lambda ws: ws.list_properties("Viewed page"),
        _get("/api/query/events/properties/top", MIXPANEL["/events/properties/top"]),
    ),
    CassetteCall(
        "list_property_values",
        lambda ws: ws.list_property_values("pet", event="Viewed page", limit=10),
        _get("/api/query/events/properties/values", MIXPANEL["/events/properties/values"]),
    ),
    CassetteCall(
        "list_funnels",
        lambda ws: ws.list_funnels(),
        _get("/api/query/funnels/list", MIXPANEL["/funnels/list"]),
    ),
    CassetteCall(
        "list_cohorts",
        lambda ws: ws.list_cohorts(),
        {("POST", "/api/query/cohorts/list"): (200, MIXPANEL["/cohorts/list"])},
    ),
    CassetteCall(
        "list_top_events",
        lambda ws: ws.list_top_events(type="unique"),
        _get("/api/query/events/top", MIXPANEL["/events/top"]),
    ),
    CassetteCall(
        "list_bookmarks",
        lambda ws: ws.list_bookmarks(),
        _get(BOOKMARKS_PATH, SPEC["QueryBookmarksResponse"]),
    ),
    CassetteCall(
        "list_schemas",
        lambda ws: ws.list_schemas("event"),
        _get(f"/api/app/projects/{PROJECT_ID}/schemas", SPEC["LexiconListSchemasResponse"]),
    ),
]


def live_calls(params: dict[str, Any]) -> list[CassetteCall]:
    """The calls recorded against a real project, with names and ids found there (``params``)."""
    d = {"from_date": params["from_date"], "to_date": params["to_date"]}
    event = params["event"]
    calls = [
        CassetteCall("list_events", lambda ws: ws.list_events()),
        CassetteCall("list_funnels", lambda ws: ws.list_funnels()),
        CassetteCall("list_bookmarks", lambda ws: ws.list_bookmarks()),
        CassetteCall("segmentation", lambda ws: ws.segmentation(event, **d)),
        CassetteCall("event_counts", lambda ws: ws.event_counts([event], **d)),
        CassetteCall("retention", lambda ws: ws.retention(event, **d)),
        CassetteCall("frequency", lambda ws: ws.frequency(**d, event=event)),
    ]
    if params.get("funnel_id"):
        calls.append(CassetteCall("funnel", lambda ws: ws.funnel(params["funnel_id"], **d)))
    if params.get("bookmark_id"):
        calls.append(
            CassetteCall("saved_report", lambda ws: ws.saved_report(params["bookmark_id"]))
        )
    return calls
