"""Parsing: every construct, precedence, printing back, and every kind of error."""

from __future__ import annotations

import pytest

from mixpanel_data.exceptions import ExpressionError, ValidationError
from mixpanel_data.expressions import (
    Binary,
    Call,
    Const,
    Index,
    ListExpr,
    Property,
    Unary,
    parse,
    to_text,
)

P = lambda name: Property("properties", name)  # noqa: E731 - short builder for expected trees


# -- constructs -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ('properties["country"]', P("country")),
        ("properties['country']", P("country")),
        ('user["$email"]', Property("user", "$email")),
        ('event["$event_name"]', Property("event", "$event_name")),
        ('event["$time"]', Property("event", "$time")),
        ('event["$distinct_id"]', Property("event", "$distinct_id")),
        ('group_properties["company"]["tier"]', Property("group_properties", "tier", "company")),
        ('properties["a"]["b"]', Index(P("a"), Const("b"))),
        ('properties["tags"][0]', Index(P("tags"), Const(0))),
        ('properties["a"]["b"]["c"]', Index(Index(P("a"), Const("b")), Const("c"))),
        ('properties [ "spaced" ]', P("spaced")),
        ('properties["with \\"quotes\\""]', P('with "quotes"')),
        ("properties['it\\'s']", P("it's")),
        ('"tab\\there"', Const("tab\there")),
        ('"\\u00e9\\n\\\\"', Const("é\n\\")),
        ('"\\ud83d\\ude00"', Const("😀")),
        ('"keep \\d as written"', Const("keep \\d as written")),
        ('"a\'b"', Const("a'b")),
        ("'a\"b'", Const('a"b')),
        ('""', Const("")),
        ("42", Const(42)),
        ("4.25", Const(4.25)),
        (".5", Const(0.5)),
        ("1e3", Const(1000.0)),
        ("2.5E-2", Const(0.025)),
        ("-7", Const(-7)),
        ("- 7", Const(-7)),
        ("-(7)", Const(-7)),
        ("--7", Const(7)),
        ("true", Const(True)),
        ("FALSE", Const(False)),
        ("Null", Const(None)),
        ("[]", ListExpr(())),
        (
            '[1, "a", true, null, [2]]',
            ListExpr((Const(1), Const("a"), Const(True), Const(None), ListExpr((Const(2),)))),
        ),
        ('defined(properties["x"])', Call("defined", (P("x"),))),
        ('DEFINED (properties["x"])', Call("defined", (P("x"),))),
        ('boolean(properties["x"])', Call("boolean", (P("x"),))),
        ('number(properties["x"])', Call("number", (P("x"),))),
        ('string(properties["x"])', Call("string", (P("x"),))),
        ('floor(properties["x"])', Call("floor", (P("x"),))),
        ('round(properties["x"])', Call("round", (P("x"),))),
        ('ceil(properties["x"])', Call("ceil", (P("x"),))),
        ("datetime(2024, 1, 2)", Call("datetime", (Const(2024), Const(1), Const(2)))),
        (
            "datetime(2024, 1, 2, 3, 4, 5)",
            Call("datetime", tuple(Const(n) for n in (2024, 1, 2, 3, 4, 5))),
        ),
        ('datetime("2024-01-02T03:04:05")', Call("datetime", (Const("2024-01-02T03:04:05"),))),
        (
            'has_prefix(user["d"], "2016")',
            Call("has_prefix", (Property("user", "d"), Const("2016"))),
        ),
        ('-properties["n"]', Unary("-", P("n"))),
        ('not properties["b"]', Unary("not", P("b"))),
        ('properties["x"] not in [1]', Binary("not in", P("x"), ListExpr((Const(1),)))),
        ('properties["x"] NOT IN [1]', Binary("not in", P("x"), ListExpr((Const(1),)))),
        ('"a" In properties["x"]', Binary("in", Const("a"), P("x"))),
        (
            'properties["a"] AND properties["b"] Or properties["c"]',
            Binary("or", Binary("and", P("a"), P("b")), P("c")),
        ),
        ("(((1)))", Const(1)),
    ],
)
def test_parses_each_construct(text: str, tree: object) -> None:
    assert parse(text) == tree


@pytest.mark.parametrize("op", ["==", "!=", ">", ">=", "<", "<=", "+", "-", "*", "/", "%"])
def test_parses_each_symbol_operator(op: str) -> None:
    assert parse(f'properties["a"] {op} 1') == Binary(op, P("a"), Const(1))
    assert parse(f'properties["a"]{op}1') == Binary(op, P("a"), Const(1))


def test_const_equality_tells_booleans_ints_and_floats_apart() -> None:
    assert Const(1) != Const(True)
    assert Const(1) != Const(1.0)
    assert Const(0) != Const(False)
    assert Const(None) == Const(None)
    assert len({Const(1), Const(True), Const(1.0)}) == 3


def test_nodes_remember_positions() -> None:
    tree = parse('not defined(properties["a"]) or 1 + 2')
    assert isinstance(tree, Binary) and tree.pos == 29  # the 'or'
    assert isinstance(tree.left, Unary) and tree.left.pos == 0
    assert isinstance(tree.left.operand, Call) and tree.left.operand.pos == 4
    assert tree.left.operand.args[0].pos == 12
    assert isinstance(tree.right, Binary) and tree.right.pos == 34


# -- precedence ---------------------------------------------------------------------------------


a, b, c, d = P("a"), P("b"), P("c"), P("d")


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        # * / % bind tighter than + -
        ('properties["a"] + properties["b"] * properties["c"]', Binary("+", a, Binary("*", b, c))),
        ('properties["a"] * properties["b"] + properties["c"]', Binary("+", Binary("*", a, b), c)),
        ('properties["a"] - properties["b"] % properties["c"]', Binary("-", a, Binary("%", b, c))),
        # left to right within a level
        ('properties["a"] - properties["b"] - properties["c"]', Binary("-", Binary("-", a, b), c)),
        ('properties["a"] / properties["b"] * properties["c"]', Binary("*", Binary("/", a, b), c)),
        # unary minus binds tighter than *
        ('-properties["a"] * properties["b"]', Binary("*", Unary("-", a), b)),
        # + binds tighter than comparisons
        ('properties["a"] + 1 > properties["b"]', Binary(">", Binary("+", a, Const(1)), b)),
        # < <= > >= in bind tighter than == !=
        (
            'properties["a"] < properties["b"] == properties["c"] >= properties["d"]',
            Binary("==", Binary("<", a, b), Binary(">=", c, d)),
        ),
        ('"x" in properties["a"] == true', Binary("==", Binary("in", Const("x"), a), Const(True))),
        (
            'properties["a"] != properties["b"] in properties["c"]',
            Binary("!=", a, Binary("in", b, c)),
        ),
        # == binds tighter than 'not'; 'not' tighter than 'and'
        ('not properties["a"] == 1', Unary("not", Binary("==", a, Const(1)))),
        ('not "x" in properties["a"]', Unary("not", Binary("in", Const("x"), a))),
        ('not properties["a"] and properties["b"]', Binary("and", Unary("not", a), b)),
        ('not not properties["a"]', Unary("not", Unary("not", a))),
        # 'and' binds tighter than 'or'
        (
            'properties["a"] or properties["b"] and properties["c"]',
            Binary("or", a, Binary("and", b, c)),
        ),
        (
            'properties["a"] and properties["b"] or properties["c"] and properties["d"]',
            Binary("or", Binary("and", a, b), Binary("and", c, d)),
        ),
        # parentheses override
        (
            '(properties["a"] + properties["b"]) * properties["c"]',
            Binary("*", Binary("+", a, b), c),
        ),
        (
            'properties["a"] and (properties["b"] or properties["c"])',
            Binary("and", a, Binary("or", b, c)),
        ),
        ('(not properties["a"]) == properties["b"]', Binary("==", Unary("not", a), b)),
        # indexing binds tightest, then calls, then unary minus
        ('-properties["a"]["b"]', Unary("-", Index(a, Const("b")))),
        ('-number(properties["a"]) * 2', Binary("*", Unary("-", Call("number", (a,))), Const(2))),
        # an operand may itself start with 'not' (it takes a comparison)
        ('properties["a"] == not properties["b"]', Binary("==", a, Unary("not", b))),
    ],
)
def test_precedence(text: str, tree: object) -> None:
    assert parse(text) == tree


# -- printing back ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        'properties["a"] + properties["b"] * 2',
        '(properties["a"] + properties["b"]) * 2',
        'properties["a"] - (properties["b"] - 1)',
        'not (properties["a"] and properties["b"])',
        '(not properties["a"]) == true',
        'properties["x"] not in [1, -2.5, "q\\"uote", null, false]',
        "-(-5)",
        '-(-properties["a"])',
        "2 - -5",
        'group_properties["g"]["p"] != "x" or event["$time"] > datetime(2024, 1, 1)',
        "(-5)[0]",
        '"a\\nb" + "\\u0001"',
    ],
)
def test_to_text_reparses_to_the_same_tree(text: str) -> None:
    tree = parse(text)
    assert parse(to_text(tree)) == tree


def test_to_text_uses_only_needed_parentheses() -> None:
    assert to_text(parse('((properties["a"])) + (2 * 3)')) == 'properties["a"] + 2 * 3'
    assert to_text(parse('properties["a"] - (1 - 2)')) == 'properties["a"] - (1 - 2)'
    assert to_text(parse('not (properties["a"] == 1)')) == 'not properties["a"] == 1'


# -- errors ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("", "empty expression", 0),
        ("   \t\n", "empty expression", 0),
        (
            'properties["a" == 1',
            "unexpected '==' at position 15; expected ']' to close '[' at position 10",
            15,
        ),
        ('properties["a"] == "unterminated', "unterminated string starting at position 19", 19),
        ("'also unterminated\\'", "unterminated string starting at position 0", 0),
        ('"ends in a backslash\\', "unterminated string starting at position 0", 0),
        (
            'properties["a"] ==',
            "unexpected end of expression at position 18; expected a value after '=='",
            18,
        ),
        (
            'properties["a"] == 1 and',
            "unexpected end of expression at position 24; expected a value after 'and'",
            24,
        ),
        ("not", "unexpected end of expression at position 3; expected a value after 'not'", 3),
        ("-", "unexpected end of expression at position 1; expected a value after '-'", 1),
        ('== properties["a"]', "unexpected '==' at position 0; expected a value", 0),
        (
            'defined(properties["a"]) and (properties["b"] == )',
            "unexpected ')' at position 49; expected a value after '=='",
            49,
        ),
        ('and properties["a"]', "unexpected 'and' at position 0; expected a value", 0),
        (
            'properties["a"] in in [1]',
            "unexpected 'in' at position 19; expected a value after 'in'",
            19,
        ),
        (
            '(properties["a"] == 1',
            "unclosed '(' at position 0; expected ')' before the end of the expression",
            0,
        ),
        (
            'properties["a"] == 1)',
            "unexpected ')' at position 20; there is no '(' for it to close",
            20,
        ),
        ('properties["a"]]', "unexpected ']' at position 15; there is no '[' for it to close", 15),
        ("[1, 2", "unclosed '[' at position 0; expected ']' before the end of the expression", 0),
        (
            "[1 2]",
            "unexpected number 2 at position 3; expected ',' or ']' to close '[' at position 0",
            3,
        ),
        ("[1, ]", "unexpected ']' at position 4; expected a value after ','", 4),
        ('defined(properties["a"]', "unclosed '(' at position 7; expected ')' before the end", 7),
        (
            'properties["a"] == 1 2',
            "unexpected number 2 at position 21; expected an operator or the end of the expression",
            21,
        ),
        ('properties["a"] "b"', 'unexpected string "b" at position 16; expected an operator', 16),
        ('properties["a"] not 1', "unexpected 'not' at position 16; expected an operator", 16),
        (
            "foo(1)",
            "unknown function 'foo' at position 0; known functions: boolean, ceil, datetime",
            0,
        ),
        ('lower(properties["a"])', "unknown function 'lower' at position 0", 0),
        (
            'defined properties["a"]',
            "unexpected name 'properties' at position 8; expected '(' after defined",
            8,
        ),
        ("number", "unexpected end of expression at position 6; expected '(' after number", 6),
        (
            "country == 'US'",
            "unknown name 'country' at position 0; property names go inside properties[...], "
            'e.g. properties["country"]',
            0,
        ),
        ('Properties["a"]', "unknown name 'Properties' at position 0; accessors are lower-case", 0),
        (
            "properties",
            "unexpected end of expression at position 10; expected '[' after properties",
            10,
        ),
        ('properties("a")', "unexpected '(' at position 10; expected '[' after properties", 10),
        (
            "properties[a]",
            "unexpected name 'a' at position 11; "
            "expected a quoted property name inside properties[...]",
            11,
        ),
        (
            "properties[1]",
            "unexpected number 1 at position 11; expected a quoted property name",
            11,
        ),
        ("properties[]", "unexpected ']' at position 11; expected a quoted property name", 11),
        (
            'group_properties["g"]',
            "unexpected end of expression at position 21; "
            "expected '[' after group_properties[\"g\"]",
            21,
        ),
        (
            'group_properties["g"] == 1',
            "unexpected '==' at position 22; expected '[' after group_properties",
            22,
        ),
        (
            'event["time"]',
            'unknown event field "time" at position 6; '
            'event[...] reads "$event_name", "$time", "$distinct_id"',
            6,
        ),
        ("defined()", "defined() at position 0 takes 1 argument, got 0", 0),
        ('defined(properties["a"], 1)', "defined() at position 0 takes 1 argument, got 2", 0),
        (
            "datetime(2024, 1)",
            "datetime() at position 0 takes 1 or 3 or 4 or 5 or 6 arguments, got 2",
            0,
        ),
        ('has_prefix("a")', "has_prefix() at position 0 takes 2 arguments, got 1", 0),
        ('properties["a"] = 1', "unexpected character '=' at position 16; use '==' to compare", 16),
        ('!defined(properties["a"])', "unexpected character '!' at position 0; use 'not'", 0),
        ('properties["a"] && properties["b"]', "unexpected '&&' at position 16; use 'and'", 16),
        ('properties["a"] || properties["b"]', "unexpected '||' at position 16; use 'or'", 16),
        (
            "properties.country",
            "unexpected character '.' at position 10; dotted access is not supported",
            10,
        ),
        ('properties["a"] # comment', "unexpected character '#' at position 16", 16),
        ('properties["a"] == 12abc', "invalid number '12abc' at position 19", 19),
        ("1.2.3", "invalid number '1.2.3' at position 0", 0),
        ("1e999", "number '1e999' at position 0 is out of range", 0),
        ("\x00", "unexpected character '\\x00' at position 0", 0),
    ],
)
def test_errors_say_what_and_where(text: str, message: str, position: int) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    err = caught.value
    assert message in err.message, err.message
    assert err.position == position
    assert err.expression == text
    assert err.details == {"expression": text, "position": position}
    assert err.code == "INVALID_EXPRESSION"
    assert "\n" not in err.message
    assert isinstance(err, ValidationError) and isinstance(err, ValueError)


@pytest.mark.parametrize("value", [None, 42, b"bytes", ["list"]])
def test_parse_rejects_what_is_not_text(value: object) -> None:
    with pytest.raises(ExpressionError, match="an expression must be text"):
        parse(value)  # type: ignore[arg-type]


def test_deep_nesting_is_an_expression_error_not_a_crash() -> None:
    with pytest.raises(ExpressionError, match="nests too deeply"):
        parse("(" * 5000 + "1" + ")" * 5000)
    with pytest.raises(ExpressionError, match="nests too deeply"):
        parse("-" * 5000 + "1")
    with pytest.raises(ExpressionError, match="nests too deeply"):
        parse("not " * 5000 + "true")
    with pytest.raises(ExpressionError, match="nests too deeply"):
        parse("[" * 5000)


def test_long_chains_are_limited_but_ordinary_ones_parse() -> None:
    clause = 'properties["a"] == 1'
    assert isinstance(parse(" or ".join([clause] * 150)), Binary)
    with pytest.raises(ExpressionError, match="too long") as caught:
        parse(" or ".join([clause] * 250))
    assert caught.value.position is not None and caught.value.position > 0


def test_a_long_list_is_fine() -> None:
    tree = parse("[" + ", ".join(str(n) for n in range(5000)) + "]")
    assert isinstance(tree, ListExpr) and len(tree.items) == 5000


def test_parse_results_are_cached_and_immutable() -> None:
    text = 'properties["cache me"] == 1'
    assert parse(text) is parse(text)
    tree = parse(text)
    with pytest.raises(AttributeError):
        tree.op = "!="  # type: ignore[misc,union-attr]
