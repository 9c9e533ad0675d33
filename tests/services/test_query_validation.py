"""Bad arguments are refused before any request, with a message saying what is allowed."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest

from mixpanel_data._services import validation as check
from mixpanel_data._services.discovery import DiscoveryService
from mixpanel_data._services.live_query import LiveQueryService
from mixpanel_data.exceptions import ExpressionError, ValidationError

D = {"from_date": "2026-01-01", "to_date": "2026-01-31"}


def refused(server: Any, call: Callable[[], Any], error: type[Exception], *fragments: str) -> str:
    """``call`` must raise ``error`` with each fragment in a one-line message, sending nothing."""
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, message
    assert server.requests == []
    return message


# -- dates ------------------------------------------------------------------------------------


def test_from_after_to(server: Any, live: LiveQueryService) -> None:
    refused(
        server,
        lambda: live.segmentation("A", from_date="2026-02-10", to_date="2026-02-01"),
        ValidationError,
        "from_date 2026-02-10 is after to_date 2026-02-01",
        "on or before",
    )


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("2026/01/01", "'2026/01/01' is not a date in the form YYYY-MM-DD"),
        ("2026-02-30", "'2026-02-30' is not a real date; expected YYYY-MM-DD"),
        ("01-02-2026", "'01-02-2026' is not a date in the form YYYY-MM-DD"),
        (20260101, "20260101 is not a date in the form YYYY-MM-DD"),
        (None, "None is not a date"),
    ],
)
def test_bad_dates_name_the_value_and_the_format(
    server: Any, live: LiveQueryService, value: Any, fragment: str
) -> None:
    refused(
        server,
        lambda: live.event_counts(["A"], from_date=value, to_date="2026-03-01"),
        ValidationError,
        "from_date " + fragment,
    )


def test_a_date_object_is_accepted_but_a_datetime_is_not() -> None:
    assert check.date(dt.date(2026, 1, 2), "from_date") == "2026-01-02"
    with pytest.raises(ValidationError, match=r"not a datetime; e\.g\. 2026-01-02"):
        check.date(dt.datetime(2026, 1, 2, 3), "from_date")


def test_optional_dates_default_to_the_last_30_days() -> None:
    today = dt.date(2026, 3, 31)
    assert check.optional_date_range(None, None, today=today) == ("2026-03-02", "2026-03-31")
    assert check.optional_date_range(None, "2026-01-30", today=today) == (
        "2026-01-01",
        "2026-01-30",
    )


# -- units, types, limits ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "kwargs", "fragments"),
    [
        (
            "segmentation",
            {"unit": "fortnight"},
            ["unit 'fortnight' is not allowed for segmentation", "minute, hour, day, week, month"],
        ),
        (
            "segmentation_sum",
            {"unit": "week", "on": "amount"},
            ["unit 'week' is not allowed for segmentation_sum; use one of: hour, day"],
        ),
        (
            "segmentation_average",
            {"unit": "month", "on": "amount"},
            ["for segmentation_average; use one of: hour, day"],
        ),
        (
            "segmentation_numeric",
            {"unit": "minute", "on": "amount"},
            ["for segmentation_numeric; use one of: hour, day"],
        ),
        (
            "frequency",
            {"unit": "hour"},
            ["unit 'hour' is not allowed for frequency; use one of: day, week, month"],
        ),
        (
            "frequency",
            {"addiction_unit": "week"},
            ["addiction_unit 'week' is not allowed for frequency; use one of: hour, day"],
        ),
        (
            "retention",
            {"unit": "year"},
            ["unit 'year' is not allowed for retention; use one of: day, week, month"],
        ),
        (
            "funnel",
            {"unit": "hour"},
            ["unit 'hour' is not allowed for funnel; use one of: day, week, month"],
        ),
        (
            "funnel",
            {"length_unit": "week", "length": 1},
            ["length_unit 'week' is not allowed for funnel; use one of: second, minute, hour, day"],
        ),
    ],
)
def test_unknown_units(
    server: Any, live: LiveQueryService, method: str, kwargs: dict[str, Any], fragments: list[str]
) -> None:
    first: dict[str, Any] = {
        "segmentation": ("A",), "segmentation_sum": ("A",), "segmentation_average": ("A",),
        "segmentation_numeric": ("A",), "frequency": (), "retention": ("A",), "funnel": (7,),
    }  # fmt: skip
    fn = getattr(live, method)
    refused(server, lambda: fn(*first[method], **D, **kwargs), ValidationError, *fragments)


def test_unique_counts_have_no_hourly_unit(server: Any, live: LiveQueryService) -> None:
    refused(
        server,
        lambda: live.event_counts(["A"], **D, unit="hour", type="unique"),
        ValidationError,
        "unit 'hour' cannot be used with type 'unique'",
        "use day, week or month",
    )


def test_unknown_type(server: Any, live: LiveQueryService) -> None:
    refused(
        server,
        lambda: live.segmentation("A", **D, type="total"),
        ValidationError,
        "type 'total' is not allowed for segmentation; use one of: general, unique, average",
    )


@pytest.mark.parametrize(
    ("limit", "fragment"),
    [(0, "limit must be between 1 and 10000, got 0"), (10_001, "between 1 and 10000, got 10001"),
     (True, "limit must be a whole number, got True"), ("5", "whole number, got '5'")],
)  # fmt: skip
def test_bad_limits(server: Any, live: LiveQueryService, limit: Any, fragment: str) -> None:
    refused(
        server, lambda: live.segmentation("A", **D, on="c", limit=limit), ValidationError, fragment
    )


def test_funnel_window_longer_than_90_days(server: Any, live: LiveQueryService) -> None:
    refused(
        server,
        lambda: live.funnel(7, **D, length=2200, length_unit="hour"),
        ValidationError,
        "length 2200 hour(s) is longer than Mixpanel's 90-day funnel window",
    )


def test_retention_day_interval_over_90_and_missing_born_event(
    server: Any, live: LiveQueryService
) -> None:
    refused(
        server,
        lambda: live.retention("A", **D, interval=91),
        ValidationError,
        "interval must be between 1 and 90, got 91",
    )
    refused(
        server,
        lambda: live.retention("", **D),
        ValidationError,
        "born_event must be a non-empty name",
    )
    refused(
        server,
        lambda: live.retention("A", **D, retention_type="rolling"),
        ValidationError,
        "use one of: birth, compounded",
    )
    refused(
        server,
        lambda: live.retention("A", **D, interval_count=0),
        ValidationError,
        "interval_count must be between 1 and 100",
    )


def test_flows_arguments(server: Any, live: LiveQueryService) -> None:
    refused(
        server,
        lambda: live.flows("A", **D, steps=6),
        ValidationError,
        "steps must be between 1 and 5, got 6",
    )
    refused(
        server,
        lambda: live.flows("A", **D, direction="sideways"),
        ValidationError,
        "use one of: after, before, both",
    )
    refused(server, lambda: live.flows(None, **D), ValidationError, "flows needs an anchor event")
    refused(server, lambda: live.flows("A"), ValidationError, "flows needs from_date and to_date")


# -- names and lists --------------------------------------------------------------------------


@pytest.mark.parametrize("events", [[], (), None, [""], ["A", 3]])
def test_empty_or_bad_event_list(server: Any, live: LiveQueryService, events: Any) -> None:
    message = refused(server, lambda: live.event_counts(events, **D), ValidationError)
    assert re.search(
        r"events must list at least one event name|each of events must be a non-empty name", message
    )


def test_one_event_name_is_a_list_of_one_and_repeats_are_dropped() -> None:
    assert check.event_list("Signed Up") == ["Signed Up"]
    assert check.event_list(["A", "B", "A"]) == ["A", "B"]


def test_empty_event_name_and_distinct_ids(server: Any, live: LiveQueryService) -> None:
    refused(
        server,
        lambda: live.segmentation("  ", **D),
        ValidationError,
        "event must be a non-empty name",
    )
    refused(
        server,
        lambda: live.activity_feed([]),
        ValidationError,
        "distinct_ids must list at least one value",
    )
    refused(
        server,
        lambda: live.property_counts("A", "plan", **D, values=[]),
        ValidationError,
        "values must list at least one value",
    )


@pytest.mark.parametrize("bad", [0, -3, "abc", 1.5, True])
def test_bad_ids(server: Any, live: LiveQueryService, bad: Any) -> None:
    refused(server, lambda: live.funnel(bad, **D), ValidationError, "funnel_id must")
    refused(server, lambda: live.saved_report(bad), ValidationError, "bookmark_id must")


# -- expressions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "fragment"),
    [
        (
            'properties["plan"] = "pro"',
            "where: unexpected character '=' at position 19; use '==' to compare",
        ),
        ('properties["plan" == "pro"', "where: unexpected '=='"),
        ("plan == pro", "where: unknown name 'plan' at position 0"),
        ("", "where must be an expression"),
    ],
)
def test_malformed_where(server: Any, live: LiveQueryService, where: str, fragment: str) -> None:
    with pytest.raises(ExpressionError) as info:
        live.segmentation("A", **D, where=where)
    assert fragment in info.value.message
    assert info.value.expression == where
    assert server.requests == []


def test_malformed_born_where_is_named(server: Any, live: LiveQueryService) -> None:
    refused(
        server, lambda: live.retention("A", **D, born_where="x >"), ExpressionError, "born_where:"
    )


def test_on_wrapping() -> None:
    assert check.on_expression("country") == 'properties["country"]'
    assert check.on_expression("$browser") == 'properties["$browser"]'
    assert check.on_expression('user["plan"]') == 'user["plan"]'
    assert check.on_expression('number(properties["age"])') == 'number(properties["age"])'
    with pytest.raises(
        ExpressionError, match=r'on: dotted access is not supported: write properties\["country"\]'
    ):
        check.on_expression("properties.country")
    with pytest.raises(ExpressionError, match="on must be a property name"):
        check.on_expression("")


# -- JQL --------------------------------------------------------------------------------------


def test_jql_script_and_params_checks(server: Any, live: LiveQueryService) -> None:
    refused(
        server,
        lambda: live.jql("   "),
        ValidationError,
        "script must be the JavaScript source of a JQL query",
    )
    refused(server, lambda: live.jql("return 1;"), ValidationError, "script has no main() function")
    src = "function main() { return [params.x]; }"
    refused(
        server,
        lambda: live.jql(src, [1]),
        ValidationError,
        "params must be a dict (a JSON object), got list",
    )  # type: ignore[arg-type]
    refused(
        server,
        lambda: live.jql(src, {"x": {1, 2}}),
        ValidationError,
        "params must be JSON-serialisable",
    )


# -- discovery --------------------------------------------------------------------------------


def test_discovery_arguments(server: Any, discovery: DiscoveryService) -> None:
    refused(
        server, lambda: discovery.list_property_values("plan"), ValidationError, "needs event=..."
    )
    refused(
        server,
        lambda: discovery.list_property_values("plan", event="A", limit=0),
        ValidationError,
        "limit must be between 1",
    )
    refused(
        server,
        lambda: discovery.list_bookmarks("dashboards"),
        ValidationError,
        "type 'dashboards' is not allowed for list_bookmarks",
    )
    refused(
        server,
        lambda: discovery.list_schemas("group"),
        ValidationError,
        "use one of: event, profile",
    )
    refused(
        server,
        lambda: discovery.list_top_events(type="total"),
        ValidationError,
        "use one of: general, average, unique",
    )
    refused(
        server,
        lambda: discovery.list_properties(""),
        ValidationError,
        "event must be a non-empty name",
    )
