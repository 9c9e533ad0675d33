"""Mixpanel's documented example responses, replayed from cassettes through the whole client.

Each cassette in ``examples/`` was recorded by ``scripts/record_cassettes.py`` from a stand-in
server answering with the documented example. Replaying it with ``record_mode="none"`` runs the
Workspace call through validation, the generated client, our transport (to Mixpanel's real US
host, which vcrpy intercepts) and the result builders; the assertions are the numbers a person
reads off the example. Nothing leaves the machine: an unrecorded request fails the test.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import cassette_calls as cc
import pytest
import vcr
from vcr.errors import CannotOverwriteExistingCassetteException

from mixpanel_data._credentials import make_credentials
from mixpanel_data._pacing import reset_pacers
from mixpanel_data._workspace import Workspace
from mixpanel_data.exceptions import JQLError

REPLAY = vcr.VCR(record_mode="none", match_on=["method", "path", "query"])
CALLS = {c.name: c for c in cc.EXAMPLE_CALLS}


@pytest.fixture
def ws() -> Iterator[Workspace]:
    reset_pacers()
    creds = make_credentials(username="replay", secret="replay-secret", project_id=cc.PROJECT_ID)
    with Workspace(credentials=creds) as workspace:
        yield workspace


def replay(ws: Workspace, name: str) -> Any:
    with REPLAY.use_cassette(str(cc.EXAMPLES_DIR / f"{name}.yaml")) as cassette:
        result = CALLS[name].call(ws)
        assert cassette.all_played, f"{name}: not every recorded request was made"
    return result


def _segmentation(r: Any) -> None:
    assert r.series["Signed up"]["2011-08-08"] == 776
    assert r.total == 147 + 146 + 776 + 1376


def _numeric(r: Any) -> None:
    assert r.buckets[0] == "2,000 - 2,100" and r.series["2,000 - 2,100"]["2011-08-09"] == 15
    assert r.property_expr == 'properties["score"]'


def _sum(r: Any) -> None:
    assert r.results == {"2019-10-06": 7, "2019-10-07": 4}


def _average(r: Any) -> None:
    assert r.results["2011-08-06"] == pytest.approx(8.64705882352939)


def _event_counts(r: Any) -> None:
    assert r.totals() == {"splash features": 15, "account-page": 1}


def _property_counts(r: Any) -> None:
    assert r.series["splash features"] == {"2010-05-29": 6, "2010-05-30": 4, "2010-05-31": 5}


def _funnel(r: Any) -> None:
    assert r.funnel_name == "Signup funnel"
    assert [s.count for s in r.steps] == [32688 + 32486 + 16103, 20524 + 20809 + 12679]
    assert r.buckets["2016-09-19"]["$overall"][1].step_conversion == pytest.approx(
        0.6405528535369082
    )


def _retention(r: Any) -> None:
    assert [(c.date, c.size, c.counts) for c in r.cohorts][1] == ("2012-01-02", 10, [9, 7, 6])


def _frequency(r: Any) -> None:
    assert r.data["2012-01-01"][:3] == [305, 107, 60]


def _activity(r: Any) -> None:
    assert [e.event for e in r.events] == ["Game Played", "Viewed Page"]
    assert r.events[0].properties["$city"] == "Austin"


def _saved_insights(r: Any) -> None:
    assert (r.kind, r.name) == ("insights", "Weekly purchases")
    assert r.totals() == {"Logged in": 9852 + 4325, "Viewed page": 10246 + 11432}


def _saved_flows(r: Any) -> None:
    assert (r.kind, r.name) == ("flows", "After signup")
    assert [(t.next_event, t.count) for t in r.flows.transitions] == [
        ("$dropoff", 708),
        ("Created Project", 492),
    ]


def _flows(r: Any) -> None:
    assert r.nodes[0].count == 1200 and r.overall_conversion_rate == 0.41


def _jql(r: Any) -> None:
    assert r.df.set_index("key")["value"].to_dict() == {"Purchased": 388, "Signed Up": 1204}


CHECKS: dict[str, Callable[[Any], None]] = {
    "segmentation": _segmentation,
    "segmentation_numeric": _numeric,
    "segmentation_sum": _sum,
    "segmentation_average": _average,
    "event_counts": _event_counts,
    "property_counts": _property_counts,
    "funnel": _funnel,
    "retention": _retention,
    "frequency": _frequency,
    "activity_feed": _activity,
    "saved_report_insights": _saved_insights,
    "saved_report_flows": _saved_flows,
    "flows": _flows,
    "jql": _jql,
    "list_events": lambda r: r == ["View homepage", "battle", "click signup button"],
    "list_properties": lambda r: r == ["ad version", "user type"],
    "list_property_values": lambda r: r == ["cat", "dog", "rabbit", "gecko"],
    "list_funnels": lambda r: (
        [(f.funnel_id, f.name) for f in r] == [(7509, "Signup funnel"), (9070, "Funnel tutorial")]
    ),
    "list_cohorts": lambda r: (
        [(c.id, c.count, c.is_visible) for c in r] == [(1000, 150, True), (2000, 25, False)]
    ),
    "list_top_events": lambda r: (
        [(e.event, e.count) for e in r] == [("pages", 75), ("funnel", 2), ("projects", 2)]
    ),
    "list_bookmarks": lambda r: (
        [(b.id, b.type) for b in r] == [(4417290, "insights"), (4420007, "flows")]
    ),
    "list_schemas": lambda r: [s["name"] for s in r] == ["Checkout Started"],
}


def test_every_example_cassette_has_a_check() -> None:
    recorded = {p.stem for p in cc.EXAMPLES_DIR.glob("*.yaml")}
    assert recorded == set(CHECKS) | {"jql_error"}


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_documented_example_replays_to_its_numbers(ws: Workspace, name: str) -> None:
    result = replay(ws, name)
    outcome = CHECKS[name](result)
    assert outcome is None or outcome is True
    json.dumps(
        result.to_dict()
        if hasattr(result, "to_dict")
        else [getattr(i, "to_dict", lambda i=i: i)() for i in result]
    )


def test_jql_error_example_surfaces_the_script_error(ws: Workspace) -> None:
    with pytest.raises(JQLError) as info:
        replay(ws, "jql_error")
    assert info.value.status == 412
    assert "Events(...).groupBi is not a function" in info.value.message
    assert info.value.message.startswith("JQL script failed")


def test_cassettes_hold_no_secret() -> None:
    for path in cc.EXAMPLES_DIR.glob("*.yaml"):
        text = path.read_text().lower()
        assert "authorization" not in text and "not-a-secret" not in text, path.name
        assert "127.0.0.1" not in text, path.name


def test_an_unrecorded_request_is_refused(ws: Workspace) -> None:
    with (
        REPLAY.use_cassette(str(cc.EXAMPLES_DIR / "segmentation.yaml")),
        pytest.raises(CannotOverwriteExistingCassetteException),
    ):
        ws.segmentation("Another event", from_date="2011-08-06", to_date="2011-08-09")


def _live_params() -> dict[str, Any] | None:
    path = cc.LIVE_DIR / "params.json"
    return json.loads(path.read_text()) if path.is_file() else None


if _live_params() is not None:
    # Only present after `scripts/record_cassettes.py --live` recorded a real project; the default
    # suite has no live recordings and so no such test (nothing is skipped).

    def test_live_cassettes_replay(ws: Workspace) -> None:
        params = _live_params()
        assert params is not None
        for item in cc.live_calls(params):
            with REPLAY.use_cassette(str(cc.LIVE_DIR / f"{item.name}.yaml")):
                ws.clear_discovery_cache()
                result = item.call(ws)
            assert result is not None
