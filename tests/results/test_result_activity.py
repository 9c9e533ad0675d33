"""ActivityFeedResult and UserEvent over Mixpanel's example."""

from __future__ import annotations

import datetime as dt
from typing import Any

from mixpanel_data.results import ActivityFeedResult

USER = "12a34aa567eb8d-9ab1c26f345b67-89123c45-6aeaa7-89f12af345f678"


def test_activity_example(mixpanel_examples: dict[str, Any], roundtrip: Any) -> None:
    r = ActivityFeedResult.from_response(
        mixpanel_examples["/stream/query"], distinct_ids=[USER], from_date="2020-09-08",
        to_date="2020-09-08",
    )  # fmt: skip
    assert [e.event for e in r.events] == ["Game Played", "Viewed Page"]
    assert r.events[0].time == dt.datetime(2020, 9, 8, 18, 24, 13, tzinfo=dt.UTC)
    # the second event spells the id `distinct_id`, the first `$distinct_id`
    assert [e.distinct_id for e in r.events] == [USER, USER]
    assert r.events[1].properties["report_name"] == "funnels"
    df = r.df
    assert list(df.columns) == ["time", "distinct_id", "event", "properties"]
    assert [str(t) for t in df.dtypes] == ["datetime64[ns, UTC]", "string", "string", "object"]
    assert df["time"].iloc[1] - df["time"].iloc[0] == dt.timedelta(seconds=17)
    d = r.to_dict()
    assert roundtrip(d) == d
    assert d["events"][0]["time"] == "2020-09-08T18:24:13+00:00"
    assert "Game Played" in str(r)


def test_events_come_out_in_time_order_and_other_shapes() -> None:
    raw = {
        "results": [
            {"event": "late", "properties": {"time": 1_700_000_100_000, "distinct_id": "a"}},
            {"event": "early", "properties": {"time": "1700000000", "distinct_id": "a"}},
            {"event": "iso", "properties": {"time": "2023-11-14T22:13:10Z"}},
        ]
    }
    r = ActivityFeedResult.from_response(raw, distinct_ids=["a"])
    assert [e.event for e in r.events] == ["iso", "early", "late"]  # 1700000000 is 22:13:20Z
    assert r.events[2].time == dt.datetime.fromtimestamp(1_700_000_100, dt.UTC)
    assert r.events[0].distinct_id is None
    assert ActivityFeedResult.from_response(
        {"results": {"events": []}}, distinct_ids=["a"]
    ).df.empty
