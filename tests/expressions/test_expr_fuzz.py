"""Property-based tests: the parser never crashes, and printing a tree parses back to it."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mixpanel_data.exceptions import ExpressionError
from mixpanel_data.expressions import (
    UNDEFINED,
    Binary,
    Call,
    Const,
    Expr,
    Index,
    ListExpr,
    Property,
    Unary,
    evaluate,
    parse,
    segment_key,
    to_text,
)
from mixpanel_data.expressions._ast import EVENT_FIELDS, PRECEDENCE
from mixpanel_data.expressions._parser import FUNCTIONS

FRAGMENTS = [
    'properties["a"]',
    "properties['b']",
    'user["u"]',
    'event["$time"]',
    'group_properties["g"]["p"]',
    "properties",
    "user",
    "event",
    "group_properties",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "+",
    "-",
    "*",
    "/",
    "%",
    "=",
    "!",
    "&&",
    "||",
    "and",
    "or",
    "not",
    "in",
    "AND",
    "Not",
    "(",
    ")",
    "[",
    "]",
    ",",
    ".",
    '"',
    "'",
    "\\",
    "1",
    "0",
    "-3",
    "2.5",
    "1e5",
    "1e999",
    ".5",
    "12abc",
    "true",
    "false",
    "null",
    '"str"',
    "'s'",
    '"un',
    '"\\u00e9"',
    '"\\ud83d\\ude00"',
    '"\\q"',
    "defined",
    "boolean",
    "number",
    "string",
    "floor",
    "round",
    "ceil",
    "datetime",
    "has_prefix",
    "foo",
    "x",
    "$browser",
    " ",
    "\t",
    "\n",
    "#",
    "\x00",
    "é",
]

fragment_text = st.lists(st.sampled_from(FRAGMENTS), max_size=25).map("".join)
spaced_text = st.lists(st.sampled_from(FRAGMENTS), max_size=25).map(" ".join)


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=60), fragment_text, spaced_text))
def test_parse_only_ever_raises_expression_error(text: str) -> None:
    try:
        tree = parse(text)
    except ExpressionError as err:
        assert err.expression == text
        assert err.position is not None and 0 <= err.position <= len(text)
        assert "\n" not in err.message
        return
    # What parses prints back to the same tree.
    assert parse(to_text(tree)) == tree


# -- generated trees ----------------------------------------------------------------------------

names = st.text(max_size=8)
scalars = st.one_of(
    st.text(max_size=8),
    st.integers(min_value=-(10**18), max_value=10**18),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
)
properties_nodes = st.one_of(
    st.builds(Property, st.sampled_from(["properties", "user"]), names),
    st.builds(Property, st.just("event"), st.sampled_from(EVENT_FIELDS)),
    st.builds(lambda g, n: Property("group_properties", n, g), names, names),
)
leaves = st.one_of(st.builds(Const, scalars), properties_nodes)


def _negate(operand: Expr) -> Expr:
    # The parser folds '-' into a number literal, so such a tree never comes out of it.
    if isinstance(operand, Const) and type(operand.value) in (int, float):
        assert isinstance(operand.value, int | float)
        return Const(-operand.value)
    return Unary("-", operand)


@st.composite
def _call(draw: st.DrawFn, children: st.SearchStrategy[Expr]) -> Expr:
    name = draw(st.sampled_from(sorted(FUNCTIONS)))
    count = draw(st.sampled_from(FUNCTIONS[name]))
    return Call(name, tuple(draw(children) for _ in range(count)))


def _extend(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    binary_ops = sorted(op for op in PRECEDENCE if op != "not")
    return st.one_of(
        st.builds(Binary, st.sampled_from(binary_ops), children, children),
        st.builds(lambda x: Unary("not", x), children),
        st.builds(_negate, children),
        st.builds(Index, children, children),
        st.builds(lambda items: ListExpr(tuple(items)), st.lists(children, max_size=3)),
        _call(children),
    )


trees = st.recursive(leaves, _extend, max_leaves=12)


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(trees)
def test_printed_trees_parse_back_to_themselves(tree: Expr) -> None:
    text = to_text(tree)
    assert parse(text) == tree, text


json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=6,
)
records = st.dictionaries(names, json_values, max_size=4)


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(trees, records, records)
def test_evaluation_never_crashes(tree: Expr, props: dict[str, Any], user: dict[str, Any]) -> None:
    record: dict[str, Any] = {
        "properties": props,
        "user": user,
        "event": {"$time": 1},
        "groups": {"": props},
    }
    try:
        value = evaluate(tree, **record)
    except ExpressionError as err:
        assert "needs true, false or an unset value" in err.message
        return
    if isinstance(value, float):
        assert math.isfinite(value)
    key = segment_key(tree, **record)
    assert key is None or isinstance(key, str)
    if value is UNDEFINED:
        assert key is None
