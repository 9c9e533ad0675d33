"""The syntax tree of a where/on expression: small frozen dataclasses.

Every node keeps ``pos``, the 0-based offset of the token that made it (for a binary node, the
operator), so run-time errors can point into the text. ``pos`` takes no part in equality, so trees
built by hand compare equal to parsed ones.

Example:
    >>> tree = Binary("==", Property("properties", "country"), Const("US"))
    >>> tree.left
    Property(source='properties', name='country', group=None)
    >>> to_text(tree)
    'properties["country"] == "US"'
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

Source: TypeAlias = Literal["properties", "user", "event", "group_properties"]
ConstValue: TypeAlias = str | int | float | bool | None

#: Accessor roots, in the spelling the language uses.
SOURCES: tuple[Source, ...] = ("properties", "user", "event", "group_properties")
#: The keys ``event[...]`` can read.
EVENT_FIELDS = ("$event_name", "$time", "$distinct_id")

#: Binding strength of binary operators and of prefix ``not`` (higher binds tighter).
PRECEDENCE: dict[str, int] = {
    "or": 1,
    "and": 2,
    "not": 3,
    "==": 4,
    "!=": 4,
    "<": 5,
    "<=": 5,
    ">": 5,
    ">=": 5,
    "in": 5,
    "not in": 5,
    "+": 6,
    "-": 6,
    "*": 7,
    "/": 7,
    "%": 7,
}
NEGATE_PRECEDENCE = 8  # prefix '-'
ATOM_PRECEDENCE = 9  # literals, accessors, calls, indexing, parentheses


@dataclass(frozen=True, slots=True, eq=False)
class Const:
    """A literal: string, number, ``true``/``false`` or ``null``.

    Equality also compares the Python type, so ``Const(1) != Const(True) != Const(1.0)``.
    """

    value: ConstValue
    pos: int = field(default=0, repr=False)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Const):
            return NotImplemented
        return type(self.value) is type(other.value) and self.value == other.value

    def __hash__(self) -> int:
        return hash((type(self.value), self.value))


@dataclass(frozen=True, slots=True)
class ListExpr:
    """A list literal ``[a, b, ...]``."""

    items: tuple[Expr, ...]
    pos: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Property:
    """An accessor: ``properties["x"]``, ``user["x"]``, ``event["$time"]`` or
    ``group_properties["group"]["x"]`` (then ``group`` is ``"group"``)."""

    source: Source
    name: str
    group: str | None = None
    pos: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Index:
    """Indexing into a value: ``properties["address"]["city"]``, ``properties["tags"][0]``."""

    target: Expr
    key: Expr
    pos: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Unary:
    """Prefix ``-`` or ``not``."""

    op: Literal["-", "not"]
    operand: Expr
    pos: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Binary:
    """A binary operation; ``op`` is one of :data:`PRECEDENCE`'s keys except ``not``."""

    op: str
    left: Expr
    right: Expr
    pos: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Call:
    """A function call; ``name`` is lower-case (``defined``, ``number``, ``datetime``, ...)."""

    name: str
    args: tuple[Expr, ...]
    pos: int = field(default=0, compare=False, repr=False)


Expr: TypeAlias = Const | ListExpr | Property | Index | Unary | Binary | Call


def children(node: Expr) -> tuple[Expr, ...]:
    """The direct sub-expressions of ``node``, left to right."""
    if isinstance(node, ListExpr):
        return node.items
    if isinstance(node, Index):
        return (node.target, node.key)
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Call):
        return node.args
    return ()


def walk(node: Expr) -> Iterator[Expr]:
    """Every node of the tree, parents before children."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))


def accessors(node: Expr) -> list[Property]:
    """The accessors used in ``node``, in order of appearance.

    Example:
        >>> [p.name for p in accessors(Binary("+", Property("user", "a"), Property("user", "b")))]
        ['a', 'b']
    """
    return [n for n in walk(node) if isinstance(n, Property)]


def quote(text: str) -> str:
    """A double-quoted string literal for ``text`` that the tokenizer reads back unchanged."""
    return json.dumps(text, ensure_ascii=False)


def precedence(node: Expr) -> int:
    """How tightly ``node`` binds when printed (see :data:`PRECEDENCE`)."""
    if isinstance(node, Binary):
        return PRECEDENCE[node.op]
    if isinstance(node, Unary):
        return PRECEDENCE["not"] if node.op == "not" else NEGATE_PRECEDENCE
    if isinstance(node, Const) and _const_text(node.value).startswith("-"):
        return NEGATE_PRECEDENCE  # a negative number prints with a leading '-'
    return ATOM_PRECEDENCE


def to_text(node: Expr) -> str:
    """Print ``node`` as expression text, with only the parentheses the grammar needs.

    ``parse(to_text(tree)) == tree`` for every tree the parser can produce.
    """
    if isinstance(node, Const):
        return _const_text(node.value)
    if isinstance(node, ListExpr):
        return "[" + ", ".join(to_text(item) for item in node.items) + "]"
    if isinstance(node, Property):
        if node.group is not None:
            return f"{node.source}[{quote(node.group)}][{quote(node.name)}]"
        return f"{node.source}[{quote(node.name)}]"
    if isinstance(node, Index):
        return f"{_wrap(node.target, ATOM_PRECEDENCE)}[{to_text(node.key)}]"
    if isinstance(node, Call):
        return f"{node.name}(" + ", ".join(to_text(arg) for arg in node.args) + ")"
    if isinstance(node, Unary):
        if node.op == "not":
            return "not " + _wrap(node.operand, PRECEDENCE["not"])
        inner = _wrap(node.operand, NEGATE_PRECEDENCE)
        return "-" + (f"({inner})" if inner.startswith("-") else inner)
    level = PRECEDENCE[node.op]
    # Binary operators group to the left: the right side needs parentheses at equal strength.
    return f"{_wrap(node.left, level)} {node.op} {_wrap(node.right, level + 1)}"


def _wrap(node: Expr, level: int) -> str:
    text = to_text(node)
    return f"({text})" if precedence(node) < level else text


def _const_text(value: ConstValue) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return quote(value)
    return repr(value)
