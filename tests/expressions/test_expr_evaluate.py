"""Evaluation semantics, table by table, against Mixpanel's documented rules."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from mixpanel_data.exceptions import ExpressionError
from mixpanel_data.expressions import UNDEFINED, DateTime, evaluate, parse
from mixpanel_data.expressions._evaluate import kind

# One record that every table reads from.
PROPS: dict[str, Any] = {
    "s": "hello",
    "empty": "",
    "sfalse": "false",
    "num": 7,
    "neg": -7,
    "f": 2.5,
    "zero": 0,
    "t": True,
    "fl": False,
    "nul": None,
    "lst": ["a", 1, True, None, [2]],
    "nums": [1, 2, 3],
    "emptylist": [],
    "obj": {"k": "v", "n": {"deep": 1}},
    "iso": "2024-03-01T12:00:00",
    "isoz": "2024-03-01T12:00:00Z",
    "numstr": " 12.5 ",
    "intstr": "42",
}
USER = {"plan": "pro", "$email": "ann@gmail.com"}
EVENT = {"$event_name": "Signup", "$time": 1_709_294_400, "$distinct_id": "u1"}  # 2024-03-01T12:00Z
GROUPS = {"company": {"tier": "gold"}}


def ev(text: str) -> Any:
    return evaluate(text, properties=PROPS, user=USER, event=EVENT, groups=GROUPS)


def same(actual: Any, expected: Any) -> bool:
    """Equal in value and in expression-language type (so True is not 1 and 1 is not 1.0)."""
    if expected is UNDEFINED or actual is UNDEFINED:
        return actual is expected
    return kind(actual) == kind(expected) and actual == expected and type(actual) is type(expected)


def check(text: str, expected: Any) -> None:
    actual = ev(text)
    assert same(actual, expected), f"{text!r} gave {actual!r}, expected {expected!r}"


# -- reading values -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('properties["s"]', "hello"),
        ('properties["num"]', 7),
        ('properties["nul"]', None),
        ('properties["missing"]', UNDEFINED),
        ('properties["obj"]["k"]', "v"),
        ('properties["obj"]["n"]["deep"]', 1),
        ('properties["obj"]["missing"]', UNDEFINED),
        ('properties["obj"][0]', UNDEFINED),
        ('properties["lst"][0]', "a"),
        ('properties["lst"][4][0]', 2),
        ('properties["lst"][1.0]', 1),
        ('properties["lst"][5]', UNDEFINED),
        ('properties["lst"][-1]', UNDEFINED),
        ('properties["lst"][0.5]', UNDEFINED),
        ('properties["lst"]["0"]', UNDEFINED),
        ('properties["s"][0]', UNDEFINED),
        ('properties["missing"]["x"]', UNDEFINED),
        ('user["plan"]', "pro"),
        ('user["missing"]', UNDEFINED),
        ('event["$event_name"]', "Signup"),
        ('event["$time"]', 1_709_294_400),
        ('event["$distinct_id"]', "u1"),
        ('group_properties["company"]["tier"]', "gold"),
        ('group_properties["company"]["missing"]', UNDEFINED),
        ('group_properties["nope"]["tier"]', UNDEFINED),
        ("[1, 'a']", [1, "a"]),
    ],
)
def test_reading(text: str, expected: Any) -> None:
    check(text, expected)


def test_missing_sources_read_as_undefined() -> None:
    for text in ('properties["a"]', 'user["a"]', 'event["$time"]', 'group_properties["g"]["a"]'):
        assert evaluate(text) is UNDEFINED


def test_values_from_python_are_normalised() -> None:
    props = {
        "nan": math.nan,
        "inf": math.inf,
        "tuple": ("a", 1),
        "when": datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
        "day": date(2024, 1, 2),
        "dec": Decimal("1.5"),
        "other": object(),
    }
    assert evaluate('properties["nan"]', properties=props) is UNDEFINED
    assert evaluate('defined(properties["inf"])', properties=props) is False
    assert evaluate('properties["tuple"]', properties=props) == ["a", 1]
    assert evaluate('properties["when"]', properties=props) == DateTime(1_704_164_645.0)
    assert evaluate('properties["day"]', properties=props) == DateTime(1_704_153_600.0)
    assert same(evaluate('properties["dec"]', properties=props), 1.5)
    assert evaluate('properties["other"]', properties=props) is UNDEFINED


# -- equality --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('properties["s"] == "hello"', True),
        ('properties["s"] == "Hello"', False),
        ('properties["num"] == 7', True),
        ('properties["num"] == 7.0', True),
        ('properties["intstr"] == 42', False),  # across types: false, no coercion
        ('properties["num"] == "7"', False),
        ('properties["t"] == 1', False),
        ('properties["zero"] == false', False),
        ('properties["t"] == true', True),
        ('properties["nul"] == null', True),
        ('properties["missing"] == null', False),
        ('properties["missing"] == properties["also missing"]', True),  # same type: undefined
        ('properties["nul"] != null', False),
        ('properties["s"] != "x"', True),
        ('properties["s"] != 7', True),
        ('properties["missing"] != "x"', True),
        ('properties["nums"] == [1, 2, 3]', True),
        ('properties["nums"] == [1, 2]', False),
        ('properties["lst"] == ["a", 1, true, null, [2]]', True),
        ('properties["lst"] == ["a", true, true, null, [2]]', False),
        ('properties["obj"]["n"] == properties["obj"]["n"]', True),
        ('properties["obj"] == properties["obj"]["n"]', False),
    ],
)
def test_equality(text: str, expected: Any) -> None:
    check(text, expected)


# -- ordering --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('properties["num"] > 5', True),
        ('properties["num"] >= 7', True),
        ('properties["num"] < 7', False),
        ('properties["f"] <= 2.5', True),
        ('properties["neg"] < properties["zero"]', True),
        ('properties["s"] > "a"', True),  # two strings compare as text
        ('properties["s"] < "hellp"', True),
        ('properties["iso"] > "2024-02-29"', True),
        ('properties["intstr"] > 5', UNDEFINED),  # across types: undefined
        ('properties["num"] > "5"', UNDEFINED),
        ('properties["missing"] > 5', UNDEFINED),
        ('properties["nul"] < 5', UNDEFINED),
        ('properties["t"] > false', UNDEFINED),
        ('properties["nums"] > [1]', UNDEFINED),
    ],
)
def test_ordering(text: str, expected: Any) -> None:
    check(text, expected)


# -- in / not in -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"ell" in properties["s"]', True),
        ('"" in properties["s"]', True),
        ('"xyz" in properties["s"]', False),
        ('properties["s"] in "say hello!"', True),
        ('"gmail" in user["$email"]', True),
        ('properties["num"] in [1, 7, 9]', True),
        ('properties["num"] in [1, 7.0]', True),
        ('properties["num"] in ["7"]', False),
        ('properties["s"] in []', False),
        ('properties["missing"] in ["a"]', False),
        ('"a" in properties["lst"]', True),
        ('true in properties["lst"]', True),
        ('null in properties["lst"]', True),
        ('[2] in properties["lst"]', True),
        ('2 in properties["lst"]', False),
        ('"1" in properties["lst"]', False),
        ('1 in properties["s"]', UNDEFINED),  # differing types: undefined
        ('"a" in properties["missing"]', UNDEFINED),
        ('"k" in properties["obj"]', UNDEFINED),
        ('properties["missing"] in "abc"', UNDEFINED),
        ('"x" not in properties["s"]', True),
        ('"ell" not in properties["s"]', False),
        ('"a" not in properties["missing"]', True),  # not undefined -> true
        ('properties["missing"] not in ["a"]', True),
        ('properties["num"] not in [7]', False),
    ],
)
def test_membership(text: str, expected: Any) -> None:
    check(text, expected)


# -- arithmetic ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('properties["num"] + 1', 8),
        ('properties["num"] + 0.5', 7.5),
        ('properties["num"] - 10', -3),
        ('properties["num"] * properties["f"]', 17.5),
        ('properties["num"] / 2', 3.5),
        ('properties["num"] / 7', 1.0),
        ('properties["num"] / 0', UNDEFINED),
        ('properties["num"] / 0.0', UNDEFINED),
        ('properties["num"] % 0', UNDEFINED),
        ('properties["num"] % 3', 1),
        ('properties["neg"] % 3', -1),  # the remainder keeps the dividend's sign
        ('properties["num"] % -3', 1),
        ('properties["neg"] % -3', -1),
        ("-7.5 % 2", -1.5),
        ("7.5 % -2", 1.5),
        ('properties["s"] + " world"', "hello world"),
        ('"" + ""', ""),
        ('properties["s"] + 1', UNDEFINED),
        ('properties["intstr"] + 1', UNDEFINED),
        ('properties["s"] - "h"', UNDEFINED),
        ('properties["s"] * 2', UNDEFINED),
        ('properties["t"] + 1', UNDEFINED),  # booleans are not numbers
        ('properties["missing"] + 1', UNDEFINED),
        ('properties["nul"] * 1', UNDEFINED),
        ('-properties["num"]', -7),
        ('-properties["f"]', -2.5),
        ('-properties["s"]', UNDEFINED),
        ('-properties["missing"]', UNDEFINED),
        ("1e300 * 1e300", UNDEFINED),  # overflow is not a number
        ("9223372036854775807 + 1", 9.223372036854776e18),  # past 2**63 numbers become floats
        ("2 * 3 + 4", 10),
        ("2 * (3 + 4)", 14),
    ],
)
def test_arithmetic(text: str, expected: Any) -> None:
    check(text, expected)


# -- logic -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true and true", True),
        ("true and false", False),
        ("false or true", True),
        ("false or false", False),
        ('properties["missing"] and true', False),  # undefined reads as false
        ('true and properties["missing"]', False),
        ('properties["missing"] or true', True),
        ('properties["missing"] or properties["missing"]', False),
        ('properties["nul"] or true', True),  # null reads as false
        ('properties["nul"] and true', False),
        ('properties["t"] and properties["fl"]', False),
        ("not true", False),
        ("not false", True),
        ('not properties["missing"]', True),  # not undefined -> true
        ('not properties["nul"]', True),
        ('not properties["s"]', UNDEFINED),  # not on other types -> undefined
        ('not properties["num"]', UNDEFINED),
        ('not properties["lst"]', UNDEFINED),
        ('not not properties["missing"]', False),
        ('not properties["num"] > 100', True),
        ('not properties["missing"] > 100', True),
        ('defined(properties["s"])', True),
        ('defined(properties["nul"])', True),  # null is a value: the property is set
        ('defined(properties["missing"])', False),
        ('not defined(properties["missing"])', True),
        ('defined(properties["obj"]["missing"])', False),
        ('not "ell" in properties["s"]', False),
        ('not "xyz" in properties["s"]', True),
        ('properties["s"] == "hello" and not "" in properties["missing"]', True),
    ],
)
def test_logic(text: str, expected: Any) -> None:
    check(text, expected)


def test_and_or_short_circuit() -> None:
    # The right side is not evaluated, so its bad type never matters.
    assert ev('false and properties["s"]') is False
    assert ev('true or properties["s"]') is True


@pytest.mark.parametrize(
    ("text", "op", "position", "got"),
    [
        ('properties["s"] and true', "and", 16, "string 'hello'"),
        ('true and properties["num"]', "and", 5, "number '7'"),
        ('false or properties["lst"]', "or", 6, "list"),
        ('properties["obj"] or true', "or", 18, "object"),
    ],
)
def test_and_or_reject_other_types(text: str, op: str, position: int, got: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        ev(text)
    err = caught.value
    assert (
        f"'{op}' at position {position} needs true, false or an unset value; got {got}"
        in err.message
    )
    assert err.position == position
    assert err.expression == text


def test_run_time_errors_on_a_tree_carry_its_text() -> None:
    with pytest.raises(ExpressionError) as caught:
        evaluate(parse('(properties["s"]) and true'), properties=PROPS)
    assert caught.value.expression == 'properties["s"] and true'
    assert caught.value.position == 18


# -- functions -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # boolean(): "false", 0, "", null, undefined are false; any other set value is true
        ('boolean(properties["s"])', True),
        ('boolean(properties["sfalse"])', False),
        ('boolean("FALSE")', False),
        ('boolean("true")', True),
        ('boolean("0")', True),
        ('boolean(properties["empty"])', False),
        ('boolean(properties["num"])', True),
        ('boolean(properties["zero"])', False),
        ("boolean(0.0)", False),
        ('boolean(properties["nul"])', False),
        ('boolean(properties["missing"])', False),
        ('boolean(properties["t"])', True),
        ('boolean(properties["fl"])', False),
        ('boolean(properties["emptylist"])', True),
        ('boolean(properties["obj"])', True),
        # number(): decimal text or undefined; true/false -> 1.0/0.0; null/undefined -> undefined
        ('number(properties["intstr"])', 42),
        ('number(properties["numstr"])', 12.5),
        ('number("-3e2")', -300.0),
        ('number("+.5")', 0.5),
        ('number("12abc")', UNDEFINED),
        ('number("")', UNDEFINED),
        ('number("nan")', UNDEFINED),
        ('number("inf")', UNDEFINED),
        ('number("1e999")', UNDEFINED),
        ('number("1_000")', UNDEFINED),
        ('number(properties["num"])', 7),
        ('number(properties["t"])', 1.0),
        ('number(properties["fl"])', 0.0),
        ('number(properties["nul"])', UNDEFINED),
        ('number(properties["missing"])', UNDEFINED),
        ('number(properties["lst"])', UNDEFINED),
        ("number(datetime(1970, 1, 2))", 86400.0),
        # string(): decimal text, "true"/"false", null and undefined unchanged
        ('string(properties["num"])', "7"),
        ('string(properties["f"])', "2.5"),
        ("string(3.0)", "3"),
        ("string(-0.25)", "-0.25"),
        ('string(properties["t"])', "true"),
        ('string(properties["fl"])', "false"),
        ('string(properties["s"])', "hello"),
        ('string(properties["nul"])', None),
        ('string(properties["missing"])', UNDEFINED),
        ('string(properties["nums"])', "[1,2,3]"),
        ("string(datetime(2024, 1, 2))", "2024-01-02T00:00:00"),
        ('string(properties["num"]) + "x"', "7x"),
        # floor / round / ceil on numbers only
        ("floor(2.7)", 2),
        ("floor(-2.2)", -3),
        ("ceil(2.2)", 3),
        ("ceil(-2.7)", -2),
        ("round(2.5)", 3),
        ("round(-2.5)", -3),  # half away from zero
        ("round(2.4999)", 2),
        ("round(7)", 7),
        ('floor(properties["s"])', UNDEFINED),
        ('round(properties["missing"])', UNDEFINED),
        ('ceil(properties["t"])', UNDEFINED),
        ("floor(1e300)", 1e300),
        # has_prefix (from Mixpanel's JQL selector examples)
        ('has_prefix(properties["s"], "he")', True),
        ('has_prefix(properties["s"], "lo")', False),
        ('has_prefix(properties["num"], "7")', UNDEFINED),
    ],
)
def test_functions(text: str, expected: Any) -> None:
    check(text, expected)


# -- datetime --------------------------------------------------------------------------------------

MARCH_1_NOON = 1_709_294_400.0  # 2024-03-01T12:00:00Z, computed by hand: 19783 days * 86400 + 43200


@pytest.mark.parametrize(
    ("text", "epoch"),
    [
        ("datetime(2024, 3, 1, 12)", MARCH_1_NOON),
        ("datetime(2024, 3, 1, 12, 0, 0)", MARCH_1_NOON),
        ("datetime(2024, 3, 1)", MARCH_1_NOON - 43200),
        ("datetime(2024, 3, 1, 12, 30)", MARCH_1_NOON + 1800),
        ('datetime("2024-03-01T12:00:00")', MARCH_1_NOON),
        ('datetime("2024-03-01T12:00:00Z")', MARCH_1_NOON),
        ('datetime("2024-03-01 12:00:00")', MARCH_1_NOON),
        ('datetime("2024-03-01T14:00:00+02:00")', MARCH_1_NOON),
        ('datetime("2024-03-01")', MARCH_1_NOON - 43200),
        ("datetime(1709294400)", MARCH_1_NOON),
        ("datetime(1709294400000)", MARCH_1_NOON),  # milliseconds
        ("datetime(datetime(2024, 3, 1, 12))", MARCH_1_NOON),
    ],
)
def test_datetime_construction(text: str, epoch: float) -> None:
    assert ev(text) == DateTime(epoch)


@pytest.mark.parametrize(
    "text",
    [
        "datetime(2024, 13, 1)",
        "datetime(2024, 2, 30)",
        "datetime(2024, 1, 1.5)",
        'datetime(2024, "1", 1)',
        'datetime("yesterday")',
        'datetime("2024")',
        'datetime("20240301")',
        "datetime(true)",
        'datetime(properties["missing"])',
        "datetime(99999, 1, 1)",
    ],
)
def test_bad_datetimes_are_undefined(text: str) -> None:
    assert ev(text) is UNDEFINED


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('event["$time"] == datetime(2024, 3, 1, 12)', True),
        ('event["$time"] >= datetime(2024, 3, 1, 12)', True),
        ('event["$time"] > datetime(2024, 3, 1, 12)', False),
        ('event["$time"] > datetime(2024, 3, 1)', True),
        ('event["$time"] < datetime("2024-03-02")', True),
        ("datetime(2024, 3, 1) < 1709294400", True),
        ("datetime(2024, 3, 1, 12) == 1709294400000", True),  # a millisecond time
        ('properties["iso"] == datetime(2024, 3, 1, 12)', True),  # ISO strings compare as times
        ('properties["isoz"] <= datetime(2024, 3, 1, 12)', True),
        ('properties["iso"] > datetime(2024, 3, 2)', False),
        ('properties["s"] > datetime(2024, 3, 1)', UNDEFINED),  # not a time
        ('properties["s"] == datetime(2024, 3, 1)', False),
        ('properties["missing"] < datetime(2024, 3, 1)', UNDEFINED),
        ('properties["t"] < datetime(2024, 3, 1)', UNDEFINED),
        ("datetime(2024, 3, 1) in [datetime(2024, 3, 1)]", True),
        ("datetime(2024, 3, 1) + 1", UNDEFINED),
    ],
)
def test_datetime_comparisons(text: str, expected: Any) -> None:
    check(text, expected)


def test_datetime_isoformat() -> None:
    assert DateTime(MARCH_1_NOON).isoformat() == "2024-03-01T12:00:00"
    assert DateTime(MARCH_1_NOON + 0.25).isoformat() == "2024-03-01T12:00:00.25"
    assert DateTime(1e20).isoformat() == "1e+20"  # beyond the calendar: the plain number


def test_evaluate_accepts_text_or_a_tree() -> None:
    tree = parse('properties["num"] * 2')
    assert (
        evaluate(tree, properties=PROPS)
        == evaluate('properties["num"] * 2', properties=PROPS)
        == 14
    )


def test_evaluate_raises_parse_errors_for_text() -> None:
    with pytest.raises(ExpressionError, match="expected a value"):
        evaluate('properties["a"] ==')
