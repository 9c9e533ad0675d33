"""Evaluate a where/on expression over one event or profile, the way Mixpanel does.

Values are Python ``str``, ``int``/``float`` (numbers), ``bool``, ``None`` (null), ``list``,
``dict`` (object properties), :class:`DateTime` (from ``datetime(...)``) and :data:`UNDEFINED` (a
missing property, or the result of an operation on the wrong types).

The rules follow Mixpanel's "Segmentation Expressions" reference:

* ``==`` is false across types; ``!=`` is its negation. Same-type values compare by value
  (lists and objects element by element).
* ``< <= > >=`` compare two numbers or two strings; other pairs give undefined.
* ``in``: substring test for two strings, membership (with ``==``) for a list on the right;
  otherwise undefined. ``a not in b`` is ``not (a in b)``.
* ``+`` adds numbers or joins two strings; ``- * / %`` need numbers; ``/`` or ``%`` by zero is
  undefined; ``%`` keeps the dividend's sign.
* ``and``/``or`` read undefined and null as false and raise :class:`ExpressionError` for any
  other non-boolean; ``not`` turns undefined (and null) into true and other non-booleans into
  undefined.
* ``datetime`` values compare with other datetimes, with numbers (epoch seconds; values of
  1e11 and above are read as milliseconds) and with ISO-8601 strings (UTC unless an offset is
  given).

Example:
    >>> evaluate('properties["n"] % 3', properties={"n": -7})
    -1
    >>> evaluate('properties["missing"] > 1') is UNDEFINED
    True
"""

from __future__ import annotations

import enum
import json
import math
import numbers
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Final, TypeAlias

from mixpanel_data.exceptions import ExpressionError
from mixpanel_data.expressions._ast import (
    Binary,
    Call,
    Const,
    Expr,
    Index,
    ListExpr,
    Property,
    Unary,
    to_text,
)
from mixpanel_data.expressions._parser import parse


class Undefined(enum.Enum):
    """Type of :data:`UNDEFINED`, the value of a missing property."""

    UNDEFINED = "undefined"

    def __repr__(self) -> str:
        return "UNDEFINED"

    def __bool__(self) -> bool:
        return False


#: The value of a property that is not set, and of operations on unsuitable types.
UNDEFINED: Final = Undefined.UNDEFINED

# Milliseconds rather than seconds from here up (1e11 s is the year 5138).
_MILLISECONDS_FROM = 1e11
# Integer results beyond this become floats, as they would in Mixpanel's double arithmetic.
_EXACT_INT_LIMIT = 2**63
_DECIMAL = re.compile(r"\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*", re.ASCII)
_ISO_START = re.compile(r"\s*\d{4}-\d{2}-\d{2}", re.ASCII)


@dataclass(frozen=True, slots=True)
class DateTime:
    """A point in time, the value of ``datetime(...)``.

    Attributes:
        epoch: seconds since 1970-01-01T00:00:00Z.

    Example:
        >>> DateTime.parse("2024-01-02T03:04:05Z").isoformat()
        '2024-01-02T03:04:05'
    """

    epoch: float

    @staticmethod
    def from_number(value: int | float) -> DateTime:
        """A time from epoch seconds, or milliseconds when ``value`` is 1e11 or more."""
        if abs(value) >= _MILLISECONDS_FROM:
            return DateTime(value / 1000)
        return DateTime(float(value))

    @staticmethod
    def parse(text: str) -> DateTime | None:
        """Read an ISO-8601 date or date-time (naive means UTC); ``None`` if it is not one."""
        if not _ISO_START.match(text):
            return None
        try:
            moment = datetime.fromisoformat(text.strip())
        except ValueError:
            return None
        return DateTime.from_datetime(moment)

    @staticmethod
    def from_datetime(moment: datetime | date) -> DateTime:
        """A time from a Python ``datetime`` (naive means UTC) or ``date`` (its midnight UTC)."""
        if not isinstance(moment, datetime):
            moment = datetime(moment.year, moment.month, moment.day)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return DateTime(moment.timestamp())

    def isoformat(self) -> str:
        """``YYYY-MM-DDTHH:MM:SS`` in UTC, with a fraction only when there is one."""
        try:
            moment = datetime.fromtimestamp(self.epoch, UTC)
        except (OverflowError, OSError, ValueError):
            return format_number(self.epoch)
        text = moment.strftime("%Y-%m-%dT%H:%M:%S")
        if moment.microsecond:
            text += f".{moment.microsecond:06d}".rstrip("0")
        return text


Value: TypeAlias = (
    str | int | float | bool | list[Any] | dict[str, Any] | DateTime | Undefined | None
)


def kind(value: Value) -> str:
    """The expression-language type of ``value``.

    One of ``undefined null boolean number string list object datetime``.
    """
    if value is UNDEFINED:
        return "undefined"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, DateTime):
        return "datetime"
    return "object"


# -- public entry points ------------------------------------------------------------------------


def evaluate(
    expr: Expr | str,
    *,
    properties: Mapping[str, Any] | None = None,
    user: Mapping[str, Any] | None = None,
    event: Mapping[str, Any] | None = None,
    groups: Mapping[str, Mapping[str, Any]] | None = None,
) -> Value:
    """Evaluate ``expr`` against one record.

    Args:
        expr: a parsed tree, or text to parse.
        properties: what ``properties[...]`` reads (event properties; for a profile filter pass
            the profile's properties here as well as in ``user``).
        user: what ``user[...]`` reads (the profile's properties).
        event: what ``event[...]`` reads: keys ``"$event_name"``, ``"$time"`` (epoch seconds)
            and ``"$distinct_id"``.
        groups: what ``group_properties["g"][...]`` reads: group key -> that group's properties.

    Raises:
        ExpressionError: for text that does not parse, or ``and``/``or`` applied to a value that
            is not a boolean, null or undefined.

    Example:
        >>> evaluate('"gmail" in user["$email"]', user={"$email": "ann@gmail.com"})
        True
    """
    text = expr if isinstance(expr, str) else None
    tree = parse(expr) if isinstance(expr, str) else expr
    return _Evaluator(tree, text, properties, user, event, groups).run()


def matches(
    expr: Expr | str,
    *,
    properties: Mapping[str, Any] | None = None,
    user: Mapping[str, Any] | None = None,
    event: Mapping[str, Any] | None = None,
    groups: Mapping[str, Mapping[str, Any]] | None = None,
) -> bool:
    """Whether a record passes the filter ``expr`` (the result read as ``boolean()`` does).

    Example:
        >>> matches('properties["plan"] in ["pro", "team"]', properties={"plan": "pro"})
        True
        >>> matches('properties["plan"] > 3', properties={})
        False
    """
    value = evaluate(expr, properties=properties, user=user, event=event, groups=groups)
    return to_boolean(value)


def segment_key(
    expr: Expr | str,
    *,
    properties: Mapping[str, Any] | None = None,
    user: Mapping[str, Any] | None = None,
    event: Mapping[str, Any] | None = None,
    groups: Mapping[str, Mapping[str, Any]] | None = None,
) -> str | None:
    """The segment a record falls in when segmenting ``on`` ``expr``; ``None`` means "not set".

    Numbers print without a trailing ``.0`` when whole, booleans as ``"true"``/``"false"``,
    null as ``"null"``, datetimes as ``YYYY-MM-DDTHH:MM:SS``, lists and objects as JSON.

    Example:
        >>> segment_key('properties["n"] * 2', properties={"n": 1.5})
        '3'
        >>> segment_key('properties["n"]', properties={}) is None
        True
    """
    value = evaluate(expr, properties=properties, user=user, event=event, groups=groups)
    return format_segment(value)


def segment_keys(
    expr: Expr | str,
    *,
    properties: Mapping[str, Any] | None = None,
    user: Mapping[str, Any] | None = None,
    event: Mapping[str, Any] | None = None,
    groups: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[str | None]:
    """Like :func:`segment_key`, but a list value puts the record in one segment per distinct
    item (how Mixpanel breaks down list properties); an empty list counts as "not set".

    Example:
        >>> segment_keys('properties["tags"]', properties={"tags": ["a", 1, "a"]})
        ['a', '1']
    """
    value = evaluate(expr, properties=properties, user=user, event=event, groups=groups)
    if not isinstance(value, list):
        return [format_segment(value)]
    keys = list(dict.fromkeys(format_segment(normalize(item)) for item in value))
    return keys or [None]


# -- conversions ----------------------------------------------------------------------------


def normalize(value: Any) -> Value:
    """Turn a value read from a record into an expression value.

    NaN and infinities become undefined, tuples become lists, ``datetime``/``date`` become
    :class:`DateTime`, ``Decimal`` becomes ``float``; types JSON cannot hold become undefined.
    """
    if value is None or isinstance(value, str | bool | int | dict | DateTime | Undefined):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else UNDEFINED
    if isinstance(value, list | tuple):
        return [normalize(item) for item in value]
    if isinstance(value, datetime | date):
        return DateTime.from_datetime(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, Decimal | numbers.Real):
        return normalize(float(value))
    return UNDEFINED


def format_number(value: int | float) -> str:
    """Decimal text for a number, without ``.0`` when it is whole.

    Example:
        >>> format_number(3.0), format_number(0.25), format_number(-7)
        ('3', '0.25', '-7')
    """
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return str(value) if isinstance(value, int) else repr(value)


def format_segment(value: Value) -> str | None:
    """The segment label for ``value`` (see :func:`segment_key`)."""
    if value is UNDEFINED:
        return None
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return format_number(value)
    if isinstance(value, str):
        return value
    if isinstance(value, DateTime):
        return value.isoformat()
    return _json_text(value)


def to_boolean(value: Value) -> bool:
    """``boolean()``: false for false, 0, ``""``, ``"false"``, null and undefined; else true."""
    if value is UNDEFINED or value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        return value != "" and value.lower() != "false"
    return True


def to_number(value: Value) -> Value:
    """``number()``: decimal text is parsed, booleans become 1.0/0.0, others undefined."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return value
    if isinstance(value, DateTime):
        return value.epoch
    if isinstance(value, str) and _DECIMAL.fullmatch(value):
        text = value.strip()
        if not any(c in text for c in ".eE") and len(text) <= 20:
            return int(text)
        number = float(text)
        return number if math.isfinite(number) else UNDEFINED
    return UNDEFINED


def to_string(value: Value) -> Value:
    """``string()``: numbers as decimal text, booleans as ``"true"``/``"false"``;
    null and undefined stay as they are; datetimes in ISO form; lists and objects as JSON."""
    if value is UNDEFINED or value is None or isinstance(value, str):
        return value
    return format_segment(value)


def _json_text(value: Any) -> str:
    def plain(item: Any) -> Any:
        if isinstance(item, DateTime):
            return item.isoformat()
        if item is UNDEFINED:
            return None
        return str(item)

    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=plain)


# -- comparison helpers -------------------------------------------------------------------------


def _is_number(value: Value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _epoch(value: Value) -> float | None:
    if isinstance(value, DateTime):
        return value.epoch
    if _is_number(value):
        assert isinstance(value, int | float)
        try:
            return DateTime.from_number(value).epoch
        except OverflowError:
            return None
    if isinstance(value, str):
        moment = DateTime.parse(value)
        return None if moment is None else moment.epoch
    return None


def equal(left: Value, right: Value) -> bool:
    """``==``: false across types, value equality within a type (deep for lists and objects)."""
    if isinstance(left, DateTime) or isinstance(right, DateTime):
        a, b = _epoch(left), _epoch(right)
        return a is not None and a == b
    left_kind = kind(left)
    if left_kind != kind(right):
        return False
    if isinstance(left, list):
        assert isinstance(right, list)
        return len(left) == len(right) and all(
            equal(normalize(a), normalize(b)) for a, b in zip(left, right, strict=True)
        )
    if isinstance(left, dict):
        assert isinstance(right, dict)
        return left.keys() == right.keys() and all(
            equal(normalize(left[k]), normalize(right[k])) for k in left
        )
    return bool(left == right)


def _order(op: str, left: Value, right: Value) -> Value:
    a: Any
    b: Any
    if isinstance(left, DateTime) or isinstance(right, DateTime):
        a, b = _epoch(left), _epoch(right)
        if a is None or b is None:
            return UNDEFINED
    elif (_is_number(left) and _is_number(right)) or (
        isinstance(left, str) and isinstance(right, str)
    ):
        a, b = left, right
    else:
        return UNDEFINED
    if op == "<":
        return bool(a < b)
    if op == "<=":
        return bool(a <= b)
    if op == ">":
        return bool(a > b)
    return bool(a >= b)


def _contains(needle: Value, haystack: Value) -> Value:
    if isinstance(haystack, list):
        return any(equal(needle, normalize(item)) for item in haystack)
    if isinstance(needle, str) and isinstance(haystack, str):
        return needle in haystack
    return UNDEFINED


def _negate(value: Value) -> Value:
    if isinstance(value, bool):
        return not value
    if value is UNDEFINED or value is None:
        return True
    return UNDEFINED


def _number_result(value: int | float) -> Value:
    if isinstance(value, int):
        if abs(value) < _EXACT_INT_LIMIT:
            return value
        try:
            value = float(value)
        except OverflowError:
            return UNDEFINED
    return value if math.isfinite(value) else UNDEFINED


def _arithmetic(op: str, left: Value, right: Value) -> Value:
    if op == "+" and isinstance(left, str) and isinstance(right, str):
        return left + right
    if not (_is_number(left) and _is_number(right)):
        return UNDEFINED
    assert isinstance(left, int | float) and isinstance(right, int | float)
    try:
        if op == "+":
            return _number_result(left + right)
        if op == "-":
            return _number_result(left - right)
        if op == "*":
            return _number_result(left * right)
        if right == 0:
            return UNDEFINED
        if op == "/":
            return _number_result(left / right)
        if isinstance(left, int) and isinstance(right, int):
            remainder = abs(left) % abs(right)
            return _number_result(-remainder if left < 0 else remainder)
        return _number_result(math.fmod(left, right))
    except OverflowError:
        return UNDEFINED


def _round_half_away(value: float) -> int:
    rounded = math.floor(abs(value) + 0.5)
    return -rounded if value < 0 else rounded


# -- the evaluator ------------------------------------------------------------------------------


class _Evaluator:
    def __init__(
        self,
        tree: Expr,
        text: str | None,
        properties: Mapping[str, Any] | None,
        user: Mapping[str, Any] | None,
        event: Mapping[str, Any] | None,
        groups: Mapping[str, Mapping[str, Any]] | None,
    ) -> None:
        self.tree = tree
        self.text = text
        self.sources: dict[str, Mapping[str, Any] | None] = {
            "properties": properties,
            "user": user,
            "event": event,
        }
        self.groups = groups

    def run(self) -> Value:
        return self.eval(self.tree)

    def eval(self, node: Expr) -> Value:
        if isinstance(node, Const):
            return node.value
        if isinstance(node, Property):
            return self.lookup(node)
        if isinstance(node, Binary):
            return self.binary(node)
        if isinstance(node, Unary):
            operand = self.eval(node.operand)
            if node.op == "not":
                return _negate(operand)
            if _is_number(operand):
                assert isinstance(operand, int | float)
                return _number_result(-operand)
            return UNDEFINED
        if isinstance(node, Call):
            return self.call(node)
        if isinstance(node, ListExpr):
            return [self.eval(item) for item in node.items]
        return self.index(node)

    def lookup(self, node: Property) -> Value:
        if node.source == "group_properties":
            group = (self.groups or {}).get(node.group or "")
            source: Any = group
        else:
            source = self.sources[node.source]
        if not isinstance(source, Mapping) or node.name not in source:
            return UNDEFINED
        return normalize(source[node.name])

    def index(self, node: Index) -> Value:
        target = self.eval(node.target)
        key = self.eval(node.key)
        if isinstance(target, dict) and isinstance(key, str):
            return normalize(target[key]) if key in target else UNDEFINED
        if isinstance(target, list) and _is_number(key):
            assert isinstance(key, int | float)
            if float(key).is_integer() and 0 <= key < len(target):
                return normalize(target[int(key)])
        return UNDEFINED

    def logical(self, node: Binary, value: Value) -> bool:
        if isinstance(value, bool):
            return value
        if value is UNDEFINED or value is None:
            return False
        shown = format_segment(value) or ""
        shown = shown if len(shown) <= 40 else shown[:37] + "..."
        raise ExpressionError(
            f"'{node.op}' at position {node.pos} needs true, false or an unset value; "
            f"got {kind(value)} {shown!r}",
            expression=self.text if self.text is not None else to_text(self.tree),
            position=node.pos,
        )

    def binary(self, node: Binary) -> Value:
        op = node.op
        if op in ("and", "or"):
            left = self.logical(node, self.eval(node.left))
            if left is (op == "or"):
                return left
            return self.logical(node, self.eval(node.right))
        left_value = self.eval(node.left)
        right_value = self.eval(node.right)
        if op == "==":
            return equal(left_value, right_value)
        if op == "!=":
            return not equal(left_value, right_value)
        if op == "in":
            return _contains(left_value, right_value)
        if op == "not in":
            return _negate(_contains(left_value, right_value))
        if op in ("<", "<=", ">", ">="):
            return _order(op, left_value, right_value)
        return _arithmetic(op, left_value, right_value)

    def call(self, node: Call) -> Value:
        args = [self.eval(arg) for arg in node.args]
        name = node.name
        if name == "defined":
            return args[0] is not UNDEFINED
        if name == "boolean":
            return to_boolean(args[0])
        if name == "number":
            return to_number(args[0])
        if name == "string":
            return to_string(args[0])
        if name == "datetime":
            return _make_datetime(args)
        if name == "has_prefix":
            text, prefix = args
            if isinstance(text, str) and isinstance(prefix, str):
                return text.startswith(prefix)
            return UNDEFINED
        value = args[0]
        if not _is_number(value):
            return UNDEFINED
        assert isinstance(value, int | float)
        if isinstance(value, int):
            return value
        if name == "floor":
            return _number_result(math.floor(value))
        if name == "ceil":
            return _number_result(math.ceil(value))
        return _number_result(_round_half_away(value))


def _make_datetime(args: list[Value]) -> Value:
    if len(args) == 1:
        (value,) = args
        if isinstance(value, DateTime):
            return value
        if _is_number(value):
            assert isinstance(value, int | float)
            return DateTime.from_number(value)
        if isinstance(value, str):
            moment = DateTime.parse(value)
            return UNDEFINED if moment is None else moment
        return UNDEFINED
    parts: list[int] = []
    for value in args:
        if not _is_number(value):
            return UNDEFINED
        assert isinstance(value, int | float)
        if not float(value).is_integer():
            return UNDEFINED
        parts.append(int(value))
    parts += [0] * (6 - len(parts))
    year, month, day, hour, minute, second = parts
    try:
        return DateTime.from_datetime(datetime(year, month, day, hour, minute, second, tzinfo=UTC))
    except (ValueError, OverflowError):
        return UNDEFINED
