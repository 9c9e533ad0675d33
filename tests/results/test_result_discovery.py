"""FunnelInfo, SavedCohort, TopEvent, BookmarkInfo over the documented examples."""

from __future__ import annotations

from typing import Any

from mixpanel_data.results import BookmarkInfo, FunnelInfo, SavedCohort, TopEvent


def test_funnel_info(mixpanel_examples: dict[str, Any], roundtrip: Any) -> None:
    funnels = [FunnelInfo.from_response(i) for i in mixpanel_examples["/funnels/list"]]
    assert funnels == [FunnelInfo(7509, "Signup funnel"), FunnelInfo(9070, "Funnel tutorial")]
    assert roundtrip(funnels[0].to_dict()) == {"funnel_id": 7509, "name": "Signup funnel"}
    assert str(funnels[1]) == "9070: Funnel tutorial"


def test_saved_cohort(mixpanel_examples: dict[str, Any], roundtrip: Any) -> None:
    one, two = (SavedCohort.from_response(i) for i in mixpanel_examples["/cohorts/list"])
    assert (one.id, one.name, one.count, one.is_visible) == (1000, "Cohort One", 150, True)
    assert two.is_visible is False and two.description.startswith("This cohort isn't visible")
    assert one.created == "2019-03-19T23:49:51"
    assert roundtrip(one.to_dict()) == one.to_dict()
    assert str(two) == "2000: Cohort Two (25 users) (hidden)"


def test_top_event(mixpanel_examples: dict[str, Any], roundtrip: Any) -> None:
    events = [TopEvent.from_response(i) for i in mixpanel_examples["/events/top"]["events"]]
    assert [(e.event, e.count) for e in events] == [("funnel", 2), ("pages", 75), ("projects", 2)]
    assert events[2].percent_change == 1.0
    assert roundtrip(events[1].to_dict()) == events[1].to_dict()
    assert str(events[1]) == "pages: 75 (-20.2% vs yesterday)"


def test_bookmark_info(spec_examples: dict[str, Any], roundtrip: Any) -> None:
    items = spec_examples["QueryBookmarksResponse"]["results"]
    first, second = (BookmarkInfo.from_response(i) for i in items)
    assert (first.id, first.name, first.type, first.dashboard_id) == (
        4417290,
        "Weekly purchases",
        "insights",
        70211,
    )
    assert second.workspace_id == 67890 and second.description is None
    assert roundtrip(first.to_dict()) == first.to_dict()
    assert str(second) == "4420007: After signup (flows)"
