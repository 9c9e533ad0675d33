"""Mixpanel's ``where``/``on`` expression language: parse, validate, evaluate.

This is the one parser of the language. The client uses :func:`validate` to reject a broken
expression before sending it and :func:`wrap_on` to turn a bare property name into an accessor;
the sandbox uses :func:`matches`, :func:`segment_key` (and :func:`to_sql`) to answer queries.

The language::

    properties["plan"] == "pro" and not defined(user["$email"])
    "gmail" in properties["$email"]                 substring of a string
    properties["n"] in [1, 2, 3]                    membership in a list
    number(properties["price"]) * 2 >= 10.5         casts: boolean() number() string()
    floor(properties["t"] / 60) % 24                floor() round() ceil(), + - * / %
    event["$time"] > datetime(2024, 1, 1)           datetime(Y, M, D[, h, m, s]) or datetime("ISO")
    group_properties["company"]["tier"] != "free"

``not`` takes a whole comparison as its operand, so ``not "x" in properties["y"]`` means "does
not contain" (Mixpanel's own spelling). Evaluation rules: see :mod:`._evaluate`; the SQL subset:
see :mod:`._sql`.

Example:
    >>> from mixpanel_data import expressions as ex
    >>> ex.validate('properties["country"] == "US"')
    'properties["country"] == "US"'
    >>> ex.wrap_on("plan type")
    'properties["plan type"]'
    >>> ex.matches('properties["n"] > 2', properties={"n": 3})
    True
    >>> ex.segment_key('properties["n"] / 2', properties={"n": 4})
    '2'
"""

from __future__ import annotations

import re
from typing import Literal

from mixpanel_data.exceptions import ExpressionError, ValidationError
from mixpanel_data.expressions._ast import (
    Binary,
    Call,
    Const,
    Expr,
    Index,
    ListExpr,
    Property,
    Unary,
    accessors,
    quote,
    to_text,
)
from mixpanel_data.expressions._evaluate import (
    UNDEFINED,
    DateTime,
    Undefined,
    Value,
    evaluate,
    matches,
    segment_key,
    segment_keys,
)
from mixpanel_data.expressions._parser import FUNCTIONS, parse
from mixpanel_data.expressions._sql import to_sql
from mixpanel_data.expressions._tokens import printable

# Accessors a profile filter cannot use: a profile has no event and no group.
_NOT_FOR_PROFILES = ("event", "group_properties")
_ACCESSOR_START = re.compile(r"\s*(?:properties|user|event|group_properties)\s*\[")


def validate(text: str, *, kind: Literal["event", "profile"] = "event") -> str:
    """Check that ``text`` is an expression Mixpanel would accept; return it unchanged.

    ``kind="event"`` (filters over events) accepts every accessor: Mixpanel lets event
    filters read user properties too. ``kind="profile"`` (filters over profiles) accepts
    ``user[...]`` and ``properties[...]`` (both read the profile) and rejects ``event[...]``
    and ``group_properties[...]``.

    Raises:
        ExpressionError: the text does not parse, or uses an accessor ``kind`` cannot have.
        ValidationError: ``kind`` is neither ``"event"`` nor ``"profile"``.

    Example:
        >>> validate('user["plan"] == "pro"', kind="profile")
        'user["plan"] == "pro"'
    """
    if kind not in ("event", "profile"):
        raise ValidationError(f"kind must be 'event' or 'profile', not {kind!r}")
    tree = parse(text)
    if kind == "profile":
        for accessor in accessors(tree):
            if accessor.source in _NOT_FOR_PROFILES:
                raise ExpressionError(
                    f"{accessor.source}[...] at position {accessor.pos} cannot be used in a "
                    'profile filter; use user["name"] or properties["name"]',
                    expression=text,
                    position=accessor.pos,
                )
    return text


def wrap_on(on: str) -> str:
    """Turn an ``on`` argument into an expression Mixpanel accepts.

    The rule, in order:

    1. Text that parses as an expression using at least one accessor (``properties[...]``,
       ``user[...]``, ``event[...]``, ``group_properties[...]``) is returned unchanged.
    2. Text that starts like an accessor (``properties[``) but does not parse raises
       :class:`ExpressionError`: it is a broken expression, not a name.
    3. ``properties.name`` raises :class:`ExpressionError` pointing at ``properties["name"]``
       (dotted access is not part of the language).
    4. A lone string literal (``'"plan type"'``) names the property it spells.
    5. Anything else is a property name, used verbatim: ``country``, ``$browser``,
       ``plan type``, ``Price (USD)`` become ``properties["..."]`` with quotes and backslashes
       escaped.

    Raises:
        ExpressionError: in cases 2 and 3, and for an empty or blank name.

    Example:
        >>> wrap_on("$browser"), wrap_on('say "hi"')
        ('properties["$browser"]', 'properties["say \\\\"hi\\\\""]')
        >>> wrap_on('number(properties["age"])')
        'number(properties["age"])'
    """
    if not isinstance(on, str) or not on.strip():
        raise ExpressionError("empty property name for 'on'", expression=str(on), position=0)
    try:
        tree: Expr | None = parse(on)
    except ExpressionError:
        if _ACCESSOR_START.match(on):
            raise
        tree = None
    if tree is not None and accessors(tree):
        return on
    stripped = on.strip()
    if stripped.startswith("properties."):
        name = stripped[len("properties.") :]
        raise ExpressionError(
            printable(
                f"dotted access is not supported: write properties[{quote(name)}] "
                f"instead of {stripped}"
            ),
            expression=on,
            position=on.index("properties.") + len("properties"),
        )
    if isinstance(tree, Const) and isinstance(tree.value, str) and tree.value:
        return f"properties[{quote(tree.value)}]"
    return f"properties[{quote(on)}]"


__all__ = [
    "FUNCTIONS",
    "UNDEFINED",
    "Binary",
    "Call",
    "Const",
    "DateTime",
    "Expr",
    "Index",
    "ListExpr",
    "Property",
    "Unary",
    "Undefined",
    "Value",
    "accessors",
    "evaluate",
    "matches",
    "parse",
    "segment_key",
    "segment_keys",
    "to_sql",
    "to_text",
    "validate",
    "wrap_on",
]
