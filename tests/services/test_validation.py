"""The one validation path: allowed values equal the generated enums, every refusal names its
parameter, dates stay in range, table names follow the store's rule (the same message through
every entry point: test_validation_paths.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mixpanel_data._services import validation as check
from mixpanel_data.exceptions import ExpressionError, ValidationError

# -- allowed values are the spec's -------------------------------------------------------------

# validation.py tuple -> the generated enums (mixpanel_openapi.models) it must equal.
ENUMS = {
    "SEGMENTATION_UNITS": ["SegmentationUnit"],
    "NUMERIC_UNITS": [
        "SegmentationNumericUnit",
        "SegmentationSumUnit",
        "SegmentationAverageUnit",
    ],
    "COUNT_UNITS": ["EventCountsUnit", "PropertyCountsUnit"],
    "FUNNEL_UNITS": ["FunnelUnit"],
    "FUNNEL_LENGTH_UNITS": ["FunnelLengthUnit"],
    "RETENTION_UNITS": ["RetentionUnit"],
    "RETENTION_TYPES": ["RetentionRetentionType"],
    "FREQUENCY_UNITS": ["FrequencyUnit"],
    "ADDICTION_UNITS": ["FrequencyAddictionUnit"],
    "COUNT_TYPES": [
        "SegmentationType",
        "SegmentationNumericType",
        "EventCountsType",
        "PropertyCountsType",
    ],
    "TOP_EVENT_TYPES": ["TopEventsType", "EventNamesType"],
    "SCHEMA_ENTITY_TYPES": ["LexiconEntityType"],
    "BOOKMARK_TYPES": ["ListBookmarksType"],
}


@pytest.mark.parametrize(("name", "enums"), list(ENUMS.items()))
def test_allowed_values_equal_the_generated_enums(name: str, enums: list[str]) -> None:
    from mixpanel_openapi import models

    ours = getattr(check, name)
    assert len(set(ours)) == len(ours), f"{name} repeats a value"
    for enum_name in enums:
        generated = {member.value for member in getattr(models, enum_name)}
        assert set(ours) == generated, f"{name} != {enum_name}"


def test_every_query_enum_of_the_spec_is_checked() -> None:
    """A new unit or type enum on a query operation needs a tuple here (or a reason not to)."""
    from enum import Enum

    from mixpanel_openapi import models

    checked = {e for enums in ENUMS.values() for e in enums}
    not_arguments = {"EventCountsFormat", "PropertyCountsFormat", "SegmentationFormat"}
    query_words = (
        "Segmentation", "EventCounts", "PropertyCounts", "Funnel", "Retention", "Frequency",
        "TopEvents", "EventNames", "ListBookmarks",
    )  # fmt: skip
    found = {
        name
        for name in dir(models)
        if name.startswith(query_words)
        and isinstance(getattr(models, name), type)
        and issubclass(getattr(models, name), Enum)
    }
    assert found - not_arguments == checked - {"LexiconEntityType"}


def test_validation_does_not_import_the_generated_package() -> None:
    source = Path(check.__file__).read_text(encoding="utf-8")
    assert "mixpanel_openapi" not in source


# -- every refusal names its parameter -----------------------------------------------------------

REFUSALS: list[tuple[Callable[[], Any], list[str]]] = [
    (lambda: check.date("2026-13-01", "from_date"), ["from_date"]),
    (lambda: check.date("soon", "to_date"), ["to_date"]),
    (lambda: check.date(dt.datetime(2026, 1, 1, 5), "from_date"), ["from_date"]),
    (lambda: check.date_range("2026-02-10", "2026-02-01"), ["from_date", "to_date"]),
    (lambda: check.event_name("", "born_event"), ["born_event"]),
    (lambda: check.event_list([]), ["events"]),
    (lambda: check.event_list(["A", ""]), ["events"]),
    (lambda: check.name_list([], "distinct_ids"), ["distinct_ids"]),
    (lambda: check.choice("year", check.RETENTION_UNITS, "unit", "retention"), ["unit"]),
    (lambda: check.count_unit("hour", "unique", "event_counts"), ["unit", "type"]),
    (lambda: check.integer(0, "interval_count", minimum=1), ["interval_count"]),
    (lambda: check.limit(0), ["limit"]),
    (lambda: check.positive_id("x", "funnel_id"), ["funnel_id"]),
    (lambda: check.funnel_window(91, "day"), ["length"]),
    (lambda: check.retention_interval(91, "day"), ["interval"]),
    (lambda: check.table_name("1st"), ["name"]),
    (lambda: check.where("x >", "born_where"), ["born_where"]),
    (lambda: check.where("  "), ["where"]),
    (lambda: check.on_expression(""), ["on"]),
    (lambda: check.on_expression("properties.x"), ["on"]),
    (lambda: check.jql_script("return 1"), ["script"]),
    (lambda: check.jql_params([1]), ["params"]),
]


@pytest.mark.parametrize(("call", "params"), REFUSALS)
def test_every_refusal_names_its_parameter(call: Callable[[], Any], params: list[str]) -> None:
    with pytest.raises(ValidationError) as info:
        call()
    assert info.value.details["param"] == params[0]
    assert info.value.details["params"] == params
    for name in params:
        assert name in info.value.message
    assert "\n" not in info.value.message


def test_an_expression_error_keeps_its_position_and_gains_the_parameter() -> None:
    with pytest.raises(ExpressionError) as info:
        check.where('properties["plan"] = "pro"', "return_where")
    assert info.value.position == 19
    assert info.value.details["param"] == "return_where"
    assert info.value.message.startswith("return_where: ")


# -- dates --------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["9999-12-31", "9999-01-01", dt.date(9999, 12, 31)])
def test_days_after_9998_are_refused_not_overflowed(value: Any) -> None:
    with pytest.raises(ValidationError, match="out of range: use a day from 1970-01-01 to 9998"):
        check.date_range("2026-01-01", value)


def test_the_last_allowed_day_can_be_followed_by_one_more() -> None:
    start, end = check.day_range("9998-12-01", "9998-12-31")
    assert end + dt.timedelta(days=1) == dt.date(9999, 1, 1)
    assert start == dt.date(9998, 12, 1)


def test_days_before_1970_are_refused() -> None:
    with pytest.raises(ValidationError, match="from_date 1969-12-31 is out of range"):
        check.date("1969-12-31", "from_date")


def test_from_after_to_names_both() -> None:
    with pytest.raises(ValidationError) as info:
        check.day_range(dt.date(2026, 3, 2), "2026-03-01")
    assert info.value.message.startswith("from_date 2026-03-02 is after to_date 2026-03-01")


def test_day_and_date_agree_on_objects_and_strings() -> None:
    assert check.day(dt.date(2026, 1, 2), "from_date") == check.day(" 2026-01-02 ", "from_date")
    assert check.date(dt.date(2026, 1, 2), "from_date") == "2026-01-02"
    assert check.day_range("2026-01-01", "2026-01-01") == (dt.date(2026, 1, 1),) * 2


def test_optional_range_never_starts_before_1970() -> None:
    assert check.optional_date_range(None, "1970-01-05") == ("1970-01-01", "1970-01-05")


# -- lists and table names ---------------------------------------------------------------------


def test_a_name_with_a_comma_is_one_event() -> None:
    assert check.event_list("Checkout, Web") == ["Checkout, Web"]
    assert check.event_list(["Checkout, Web", "Login"]) == ["Checkout, Web", "Login"]
    assert check.event_list(None, optional=True) is None
    with pytest.raises(ValidationError, match="events must list at least one event name"):
        check.event_list(None)


def test_table_names_follow_the_stores_rule_with_the_same_message() -> None:
    from mixpanel_data._storage._names import validate_table_name

    assert check.table_name("events_2026") == "events_2026"
    for bad in ("1st", "a-b", "x" * 129, "", None):
        with pytest.raises(ValidationError) as ours:
            check.table_name(bad, "name")
        with pytest.raises(ValidationError) as stores:
            validate_table_name(bad)
        assert ours.value.message == stores.value.message
