"""The public face: validate, wrap_on, matches, segment_key(s)."""

from __future__ import annotations

from typing import Any

import pytest

import mixpanel_data.expressions as ex
from mixpanel_data.exceptions import ExpressionError, ValidationError
from mixpanel_data.expressions import (
    UNDEFINED,
    matches,
    parse,
    segment_key,
    segment_keys,
    validate,
    wrap_on,
)


def test_public_names_are_all_importable() -> None:
    for name in ex.__all__:
        assert getattr(ex, name) is not None
    assert len(set(ex.__all__)) == len(ex.__all__)


# -- validate -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        'properties["country"] == "US"',
        '  properties["a"] > 1  ',
        'event["$event_name"] == "Signup" and properties["n"] in [1, 2]',
        'user["plan"] == "pro" and properties["n"] > 2',  # event filters may read user properties
        'group_properties["company"]["tier"] == "gold"',
        '(defined (properties["$device"]))',
        'not "Facebook" in properties["$referring_domain"]',
        "true",
    ],
)
def test_validate_returns_event_filters_unchanged(text: str) -> None:
    assert validate(text) is text
    assert validate(text, kind="event") is text


@pytest.mark.parametrize(
    "text",
    [
        'user["plan"] == "pro"',
        'properties["$created"] > "2012-10-24T13:34:35"',
        'defined(user["$email"])',
    ],
)
def test_validate_accepts_profile_filters(text: str) -> None:
    assert validate(text, kind="profile") is text


@pytest.mark.parametrize(
    ("text", "position", "accessor"),
    [
        ('event["$event_name"] == "x"', 0, "event"),
        ('user["a"] == 1 and group_properties["g"]["p"] == 2', 19, "group_properties"),
    ],
)
def test_validate_rejects_event_accessors_in_profile_filters(
    text: str, position: int, accessor: str
) -> None:
    with pytest.raises(ExpressionError) as caught:
        validate(text, kind="profile")
    assert caught.value.position == position
    assert caught.value.message.startswith(f"{accessor}[...] at position {position} cannot be used")
    assert caught.value.expression == text


def test_validate_reports_parse_errors() -> None:
    with pytest.raises(ExpressionError) as caught:
        validate('properties["a"] ==')
    assert caught.value.position == 18


def test_validate_rejects_an_unknown_kind_and_non_text() -> None:
    with pytest.raises(ValidationError, match="kind must be"):
        validate("true", kind="funnel")  # type: ignore[arg-type]
    with pytest.raises(ExpressionError, match="must be text"):
        validate(None)  # type: ignore[arg-type]


# -- wrap_on ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        ("country", 'properties["country"]'),
        ("$browser", 'properties["$browser"]'),
        ("plan type", 'properties["plan type"]'),
        ("Price (USD)", 'properties["Price (USD)"]'),
        ('say "hi"', 'properties["say \\"hi\\""]'),
        ("back\\slash", 'properties["back\\\\slash"]'),
        ("mp_country_code", 'properties["mp_country_code"]'),
        ("true", 'properties["true"]'),
        ("42", 'properties["42"]'),
        ("a + b", 'properties["a + b"]'),
        ("país", 'properties["país"]'),
        ("user.id", 'properties["user.id"]'),
        ('"plan type"', 'properties["plan type"]'),  # a lone string literal names the property
        ("'plan'", 'properties["plan"]'),
    ],
)
def test_wrap_on_wraps_bare_names(on: str, expected: str) -> None:
    wrapped = wrap_on(on)
    assert wrapped == expected
    tree = parse(wrapped)
    assert isinstance(tree, ex.Property) and tree.source == "properties"


@pytest.mark.parametrize(
    "on",
    [
        'properties["country"]',
        'user["plan"]',
        'event["$event_name"]',
        'group_properties["company"]["tier"]',
        'number(properties["age"])',
        'floor(properties["n"] / 10) * 10',
        ' properties["x"] ',
        'string(properties["a"]) + "-" + string(user["b"])',
    ],
)
def test_wrap_on_passes_expressions_through(on: str) -> None:
    assert wrap_on(on) is on


def test_wrap_on_errors_stay_on_one_line() -> None:
    with pytest.raises(ExpressionError) as caught:
        wrap_on("properties.a\nb")
    assert "\n" not in caught.value.message
    assert "properties.a\\nb" in caught.value.message


def test_wrap_on_round_trips_any_name_through_the_parser() -> None:
    for name in ['a"b', "\\", "a\tb", "é", "😀", "\u0001", "properties", "]", "\\u0041"]:
        tree = parse(wrap_on(name))
        assert tree == ex.Property("properties", name)


@pytest.mark.parametrize(
    ("on", "message", "position"),
    [
        ('properties["country"', "unclosed '[' at position 10", 10),
        ('user["plan" + 1', "expected ']' to close '['", 12),
        ("properties.country", 'write properties["country"] instead of properties.country', 10),
        ("", "empty property name", 0),
        ("   ", "empty property name", 0),
    ],
)
def test_wrap_on_rejects_broken_expressions(on: str, message: str, position: int) -> None:
    with pytest.raises(ExpressionError) as caught:
        wrap_on(on)
    assert message in caught.value.message
    assert caught.value.position == position


# -- matches ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "props", "expected"),
    [
        ('properties["n"] > 2', {"n": 3}, True),
        ('properties["n"] > 2', {"n": 1}, False),
        ('properties["n"] > 2', {}, False),  # undefined does not match
        ('properties["n"] > 2', {"n": "3"}, False),
        ('not properties["n"] > 2', {}, True),
        ('properties["s"]', {"s": "x"}, True),  # a non-boolean result is read as boolean() reads it
        ('properties["s"]', {"s": "false"}, False),
        ('properties["s"]', {"s": ""}, False),
        ('properties["n"]', {"n": 0}, False),
        ('properties["l"]', {"l": []}, True),
        ("null", {}, False),
        ('"gmail" in properties["$email"]', {"$email": "a@gmail.com"}, True),
        ('"gmail" in properties["$email"]', {}, False),
    ],
)
def test_matches(text: str, props: dict[str, Any], expected: bool) -> None:
    assert matches(text, properties=props) is expected


def test_matches_reads_every_source() -> None:
    text = (
        'event["$event_name"] == "Buy" and user["plan"] == "pro" '
        'and group_properties["co"]["tier"] == "gold" and properties["n"] == 1'
    )
    record = {
        "properties": {"n": 1},
        "user": {"plan": "pro"},
        "event": {"$event_name": "Buy"},
        "groups": {"co": {"tier": "gold"}},
    }
    assert matches(text, **record) is True
    for source in record:
        assert matches(text, **{**record, source: {}}) is False


# -- segment_key -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "props", "expected"),
    [
        ('properties["c"]', {"c": "US"}, "US"),
        ('properties["c"]', {}, None),
        ('properties["c"]', {"c": None}, "null"),
        ('properties["n"]', {"n": 3}, "3"),
        ('properties["n"]', {"n": 3.0}, "3"),
        ('properties["n"]', {"n": -0.0}, "0"),
        ('properties["n"]', {"n": 2.5}, "2.5"),
        ('properties["n"]', {"n": 1e16}, "1e+16"),
        ('properties["n"]', {"n": 123456789012}, "123456789012"),
        ('properties["n"] / 3', {"n": 1}, "0.3333333333333333"),
        ('properties["b"]', {"b": True}, "true"),
        ('properties["b"]', {"b": False}, "false"),
        ('properties["b"] == 1', {"b": 1}, "true"),
        ('properties["n"] > 1', {}, None),
        ('properties["l"]', {"l": ["a", 1]}, '["a",1]'),
        ('properties["o"]', {"o": {"k": "é"}}, '{"k":"é"}'),
        ('datetime(properties["d"])', {"d": "2024-01-02"}, "2024-01-02T00:00:00"),
        ('floor(properties["n"] / 10) * 10', {"n": 37}, "30"),
    ],
)
def test_segment_key(text: str, props: dict[str, Any], expected: str | None) -> None:
    assert segment_key(text, properties=props) == expected


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        ({"l": ["a", "b", "a", 1, 1.0, True, None]}, ["a", "b", "1", "true", "null"]),
        ({"l": []}, [None]),
        ({"l": "x"}, ["x"]),
        ({}, [None]),
        ({"l": [[1, 2]]}, ["[1,2]"]),
    ],
)
def test_segment_keys_split_lists(props: dict[str, Any], expected: list[str | None]) -> None:
    assert segment_keys('properties["l"]', properties=props) == expected


def test_undefined_is_falsy_and_prints_plainly() -> None:
    assert not UNDEFINED
    assert repr(UNDEFINED) == "UNDEFINED"
