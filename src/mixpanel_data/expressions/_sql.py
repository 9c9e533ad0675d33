"""Compile the common part of the expression language to a DuckDB SQL condition.

The sandbox keeps events as ``events(event, time, distinct_id, properties JSON)`` and profiles as
``profiles(distinct_id, properties JSON)``. :func:`to_sql` turns a filter into a ``WHERE``
condition over such a table that selects exactly the rows :func:`~._evaluate.matches` accepts.

The subset:

* accessors ``properties[...]`` and ``user[...]`` (read from a JSON column), nested with string
  keys (``properties["a"]["b"]``), and ``event["$event_name" | "$time" | "$distinct_id"]``
  (read from plain columns);
* an accessor compared with a constant: ``== != < <= > >=``; ``in``/``not in`` with a constant
  list or string on one side; ``defined(accessor)``;
* ``and``, ``or``, ``not`` over those; any sub-expression without an accessor (``-5``,
  ``datetime(2024, 1, 1)``, ``[1, 2]``) is computed first and used as a constant.

``datetime`` constants compare only with ``event["$time"]``. Everything else raises
:class:`ExpressionError` saying which part cannot be compiled, so the caller can fall back to
evaluating in Python. Numbers are compared as DOUBLE, so integers beyond 2**53 may round.

Mixpanel's three-valued logic maps onto SQL's: undefined is SQL ``NULL``; ``and``/``or`` read it
as false (``COALESCE(x, FALSE)``) and ``not`` as true (``COALESCE(NOT x, TRUE)``).

Example:
    >>> print(to_sql('event["$time"] >= 1700000000'))
    COALESCE(("time" >= (1700000000)), FALSE)
    >>> print(to_sql('event["$event_name"] in ["a", "b"]'))
    COALESCE((COALESCE(("event" = 'a'), FALSE) OR COALESCE(("event" = 'b'), FALSE)), FALSE)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from mixpanel_data.exceptions import ExpressionError
from mixpanel_data.expressions._ast import (
    Binary,
    Call,
    Const,
    Expr,
    Index,
    Property,
    Unary,
    accessors,
    to_text,
)
from mixpanel_data.expressions._evaluate import UNDEFINED, DateTime, Value, evaluate
from mixpanel_data.expressions._parser import parse

_NUMERIC = "('BIGINT', 'UBIGINT', 'DOUBLE', 'HUGEINT', 'UHUGEINT')"
_FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}

#: Default columns for ``event[...]``: field -> column.
EVENT_COLUMNS: Mapping[str, str] = {
    "$event_name": "event",
    "$time": "time",
    "$distinct_id": "distinct_id",
}
_EVENT_KINDS: Mapping[str, Literal["string", "number"]] = {
    "$event_name": "string",
    "$time": "number",
    "$distinct_id": "string",
}


def to_sql(
    expr: Expr | str,
    *,
    properties: str = "properties",
    user: str | None = None,
    event_columns: Mapping[str, str] | None = None,
) -> str:
    """A DuckDB condition selecting the rows :func:`matches` accepts for ``expr``.

    Args:
        expr: the filter, parsed or as text.
        properties: the JSON column ``properties[...]`` reads.
        user: the JSON column ``user[...]`` reads (for profiles, usually ``"properties"``);
            ``None`` makes ``user[...]`` unsupported.
        event_columns: the columns ``event[...]`` reads (default :data:`EVENT_COLUMNS`).

    Raises:
        ExpressionError: the expression does not parse, or uses something outside the subset.

    Example:
        >>> to_sql('defined(user["plan"])', user="properties")
        'COALESCE((json_extract("properties", \\'/plan\\') IS NOT NULL), FALSE)'
    """
    text = expr if isinstance(expr, str) else None
    tree = parse(expr) if isinstance(expr, str) else expr
    compiler = _Compiler(tree, text, properties, user, dict(event_columns or EVENT_COLUMNS))
    return f"COALESCE({compiler.boolean(tree)}, FALSE)"


@dataclass(frozen=True, slots=True)
class _Operand:
    """A value read from the row: a JSON value, or a plain string/number column."""

    sql: str
    kind: Literal["json", "string", "number"]


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _pointer(keys: tuple[str, ...]) -> str:
    return "".join("/" + key.replace("~", "~0").replace("/", "~1") for key in keys)


class _Compiler:
    def __init__(
        self,
        tree: Expr,
        text: str | None,
        properties: str,
        user: str | None,
        event_columns: dict[str, str],
    ) -> None:
        self.tree = tree
        self.text = text if text is not None else to_text(tree)
        self.columns = {"properties": properties, "user": user}
        self.event_columns = event_columns

    def unsupported(self, node: Expr, what: str) -> ExpressionError:
        return ExpressionError(
            f"{what} at position {node.pos} cannot be compiled to SQL",
            expression=self.text,
            position=node.pos,
        )

    # -- leaves -----------------------------------------------------------------------------

    def is_constant(self, node: Expr) -> bool:
        return not accessors(node)

    def constant(self, node: Expr) -> Value:
        return evaluate(node)

    def literal(self, node: Expr, value: Value) -> str:
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, int) and abs(value) < 2**63:
            return f"({value})"
        if isinstance(value, int | float):
            return f"({float(value)!r})"
        if isinstance(value, str) and "\x00" not in value:
            return "'" + value.replace("'", "''") + "'"
        raise self.unsupported(node, "this constant")

    def operand(self, node: Expr) -> _Operand:
        keys: list[str] = []
        current = node
        while isinstance(current, Index):
            key = current.key
            if not (isinstance(key, Const) and isinstance(key.value, str)) or key.value.isdigit():
                raise self.unsupported(current, "indexing with anything but a name")
            keys.append(key.value)
            current = current.target
        if not isinstance(current, Property):
            raise self.unsupported(node, "a computed value")
        if current.source == "event":
            column = self.event_columns.get(current.name)
            if column is None or keys:
                raise self.unsupported(current, f"event[{current.name!r}]")
            return _Operand(_identifier(column), _EVENT_KINDS[current.name])
        column_name = self.columns.get(current.source)
        if column_name is None:
            raise self.unsupported(current, f"{current.source}[...]")
        path = _pointer((current.name, *reversed(keys)))
        sql = f"json_extract({_identifier(column_name)}, '{path.replace(chr(39), chr(39) * 2)}')"
        return _Operand(sql, "json")

    # -- typed pieces -------------------------------------------------------------------------

    def equals(self, node: Expr, operand: _Operand, value: Value) -> str:
        """SQL for ``operand == value``: TRUE, FALSE, or NULL where the row lacks the value."""
        sql = operand.sql
        if value is UNDEFINED:
            return f"({sql} IS NULL)"
        if isinstance(value, DateTime):
            if operand.kind != "number":
                raise self.unsupported(node, "comparing a datetime with a property")
            return f"({_epoch(sql)} = {self.literal(node, value.epoch)})"
        if isinstance(value, list | dict):
            raise self.unsupported(node, "comparing with a list")
        if operand.kind == "json":
            if value is None:
                return f"(json_type({sql}) = 'NULL')"
            literal = self.literal(node, value)
            if isinstance(value, bool):
                return f"(json_type({sql}) = 'BOOLEAN' AND TRY_CAST({sql} AS BOOLEAN) = {literal})"
            if isinstance(value, int | float):
                return f"(json_type({sql}) IN {_NUMERIC} AND TRY_CAST({sql} AS DOUBLE) = {literal})"
            return f"(json_type({sql}) = 'VARCHAR' AND json_extract_string({sql}, '$') = {literal})"
        wanted_str = operand.kind == "string"
        if isinstance(value, str) == wanted_str and not isinstance(value, bool | None):
            return f"({sql} = {self.literal(node, value)})"
        return "FALSE"

    def element_equals(self, node: Expr, element: str, value: Value) -> str:
        """``value == item`` for an item of a JSON array (JSON nulls arrive as SQL NULL)."""
        if value is UNDEFINED:
            return "FALSE"
        if value is None:
            return f"({element} IS NULL)"
        return self.equals(node, _Operand(element, "json"), value)

    def order(self, node: Expr, op: str, operand: _Operand, value: Value) -> str:
        sql = operand.sql
        if isinstance(value, DateTime):
            if operand.kind != "number":
                raise self.unsupported(node, "comparing a datetime with a property")
            return f"({_epoch(sql)} {op} {self.literal(node, value.epoch)})"
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            return "NULL"
        literal = self.literal(node, value)
        if operand.kind == "json":
            if isinstance(value, str):
                return (
                    f"CASE WHEN json_type({sql}) = 'VARCHAR' "
                    f"THEN json_extract_string({sql}, '$') {op} {literal} ELSE NULL END"
                )
            return (
                f"CASE WHEN json_type({sql}) IN {_NUMERIC} "
                f"THEN TRY_CAST({sql} AS DOUBLE) {op} {literal} ELSE NULL END"
            )
        if isinstance(value, str) == (operand.kind == "string"):
            return f"({sql} {op} {literal})"
        return "NULL"

    def within(self, node: Expr, operand: _Operand, haystack: Value) -> str:
        """``operand in <constant>``."""
        if isinstance(haystack, list):
            tests = [self.equals(node, operand, item) for item in haystack]
            return (
                "(" + " OR ".join(f"COALESCE({t}, FALSE)" for t in tests) + ")"
                if tests
                else "FALSE"
            )
        if not isinstance(haystack, str) or operand.kind == "number":
            return "NULL"
        literal = self.literal(node, haystack)
        if operand.kind == "string":
            return f"contains({literal}, {operand.sql})"
        sql = operand.sql
        return (
            f"CASE WHEN json_type({sql}) = 'VARCHAR' "
            f"THEN contains({literal}, json_extract_string({sql}, '$')) ELSE NULL END"
        )

    def holds(self, node: Expr, needle: Value, operand: _Operand) -> str:
        """``<constant> in operand``: substring of a string, or item of a list."""
        if isinstance(needle, list | dict | DateTime):
            raise self.unsupported(node, "looking for a list or datetime")
        sql = operand.sql
        if operand.kind != "json":
            if operand.kind == "string" and isinstance(needle, str):
                return f"contains({sql}, {self.literal(node, needle)})"
            return "NULL"
        in_string = "NULL"
        if isinstance(needle, str):
            in_string = f"contains(json_extract_string({sql}, '$'), {self.literal(node, needle)})"
        item = self.element_equals(node, "_item", needle)
        in_list = (
            f"EXISTS (SELECT 1 FROM unnest(TRY_CAST({sql} AS JSON[])) AS _items(_item) "
            f"WHERE {item})"
        )
        return (
            f"CASE json_type({sql}) WHEN 'ARRAY' THEN {in_list} "
            f"WHEN 'VARCHAR' THEN {in_string} ELSE NULL END"
        )

    # -- boolean structure --------------------------------------------------------------------

    def boolean(self, node: Expr) -> str:
        """SQL giving TRUE, FALSE or NULL (undefined) for a boolean-valued ``node``."""
        if self.is_constant(node):
            value = self.constant(node)
            if isinstance(value, bool):
                return "TRUE" if value else "FALSE"
            if value is UNDEFINED or value is None:
                return "NULL"
            raise self.unsupported(node, "a constant that is not true or false")
        if isinstance(node, Unary) and node.op == "not":
            return f"COALESCE(NOT ({self.boolean(node.operand)}), TRUE)"
        if isinstance(node, Call) and node.name == "defined":
            return f"({self.operand(node.args[0]).sql} IS NOT NULL)"
        if not isinstance(node, Binary):
            raise self.unsupported(node, "this value used as a condition")
        op = node.op
        if op in ("and", "or"):
            left, right = self.boolean(node.left), self.boolean(node.right)
            joiner = "AND" if op == "and" else "OR"
            return f"(COALESCE({left}, FALSE) {joiner} COALESCE({right}, FALSE))"
        if op in ("==", "!=", "<", "<=", ">", ">="):
            return self.comparison(node)
        if op in ("in", "not in"):
            if self.is_constant(node.right):
                found = self.within(node, self.operand(node.left), self.constant(node.right))
            elif self.is_constant(node.left):
                found = self.holds(node, self.constant(node.left), self.operand(node.right))
            else:
                raise self.unsupported(node, f"'{op}' between two properties")
            return found if op == "in" else f"COALESCE(NOT ({found}), TRUE)"
        raise self.unsupported(node, f"'{op}' used as a condition")

    def comparison(self, node: Binary) -> str:
        op = node.op
        if self.is_constant(node.right):
            operand, value = self.operand(node.left), self.constant(node.right)
        elif self.is_constant(node.left):
            operand, value = self.operand(node.right), self.constant(node.left)
            op = _FLIPPED.get(op, op)
        else:
            raise self.unsupported(node, f"'{op}' between two properties")
        if op in ("==", "!="):
            equal = f"COALESCE({self.equals(node, operand, value)}, FALSE)"
            return equal if op == "==" else f"(NOT {equal})"
        return self.order(node, op, operand, value)


def _epoch(sql: str) -> str:
    """Epoch seconds from a numeric column holding seconds or milliseconds."""
    return f"(CASE WHEN abs({sql}) >= 1e11 THEN {sql} / 1000 ELSE {sql} END)"
