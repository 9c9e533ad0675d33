"""Reading and checking query parameters the way Mixpanel's query API does.

Every reader takes the request's query mapping (one text value per name) and either returns a
typed value or raises :class:`AnalyticsError` with status 400 naming the parameter. An empty
value counts as missing.

Example:
    >>> integer({"limit": "20"}, "limit", default=60, minimum=1, maximum=10_000)
    20
    >>> choice({}, "unit", ("day", "hour"), default="day")
    'day'
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, TypeVar

from mixpanel_data.analytics._errors import AnalyticsError
from mixpanel_data.exceptions import ExpressionError
from mixpanel_data.expressions import Expr, parse

Query = Mapping[str, str]
_T = TypeVar("_T", bound=str)


def bad(parameter: str, message: str) -> AnalyticsError:
    """A 400 error about ``parameter``."""
    return AnalyticsError(400, message, parameter=parameter)


def optional(q: Query, name: str) -> str | None:
    """The value of ``name``, or ``None`` when it is absent or empty."""
    value = q.get(name)
    if value is None or value == "":
        return None
    return value


def required(q: Query, name: str) -> str:
    """The value of ``name``; 400 when it is absent or empty."""
    value = optional(q, name)
    if value is None:
        raise bad(name, f"missing required parameter: {name}")
    return value


def a_date(q: Query, name: str) -> date:
    """A required ``YYYY-MM-DD`` date."""
    return parse_date(required(q, name), name)


#: Dates the sandbox accepts (its clock is epoch seconds; Mixpanel has no data before 1970).
FIRST_DATE = date(1970, 1, 1)
LAST_DATE = date(2999, 12, 31)


def parse_date(text: str, name: str) -> date:
    """``text`` read as ``YYYY-MM-DD`` (1970-01-01 to 2999-12-31); 400 naming ``name``
    otherwise."""
    try:
        if len(text) != 10:
            raise ValueError(text)
        day = date.fromisoformat(text)
    except ValueError:
        raise bad(name, f"{name} must be a date written YYYY-MM-DD, not {text!r}") from None
    if not FIRST_DATE <= day <= LAST_DATE:
        raise bad(name, f"{name} must be between {FIRST_DATE} and {LAST_DATE}")
    return day


def date_pair(q: Query) -> tuple[date, date]:
    """The required ``from_date`` and ``to_date``, checked to be in order."""
    from_date = a_date(q, "from_date")
    to_date = a_date(q, "to_date")
    if to_date < from_date:
        raise bad("to_date", f"to_date {to_date} is before from_date {from_date}")
    return from_date, to_date


def choice(q: Query, name: str, options: Sequence[_T], *, default: _T | None = None) -> _T:
    """One of ``options``; ``default`` when absent (400 when absent and no default)."""
    value = optional(q, name)
    if value is None:
        if default is None:
            raise bad(name, f"missing required parameter: {name}")
        return default
    for option in options:
        if value == option:
            return option
    allowed = ", ".join(options)
    raise bad(name, f"{name} must be one of {allowed}; got {value!r}")


def integer(
    q: Query,
    name: str,
    *,
    default: int | None = None,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int:
    """A whole number within ``[minimum, maximum]``; ``default`` when absent."""
    value = optional(q, name)
    if value is None:
        if default is None:
            raise bad(name, f"missing required parameter: {name}")
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise bad(name, f"{name} must be a whole number, not {value!r}") from None
    if minimum is not None and number < minimum:
        raise bad(name, f"{name} must be at least {minimum}; got {number}")
    if maximum is not None and number > maximum:
        raise bad(name, f"{name} must be at most {maximum}; got {number}")
    return number


def optional_integer(
    q: Query, name: str, *, minimum: int | None = None, maximum: int | None = None
) -> int | None:
    """Like :func:`integer`, but ``None`` when absent."""
    if optional(q, name) is None:
        return None
    return integer(q, name, minimum=minimum, maximum=maximum)


def boolean(q: Query, name: str, *, default: bool) -> bool:
    """``true``/``false`` (also ``1``/``0``), case-insensitive."""
    value = optional(q, name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise bad(name, f"{name} must be true or false, not {value!r}")


def json_value(q: Query, name: str) -> Any:
    """The parsed JSON text of a required parameter."""
    text = required(q, name)
    try:
        return json.loads(text)
    except ValueError:
        raise bad(name, f"{name} must be JSON text") from None


def string_list(q: Query, name: str, *, required_: bool = True) -> list[str] | None:
    """A JSON array of strings sent as text (e.g. ``["a", "b"]``); ``None`` when optional and
    absent. An empty array is refused."""
    if optional(q, name) is None and not required_:
        return None
    value = json_value(q, name)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise bad(name, f'{name} must be a non-empty JSON array of strings, e.g. ["a", "b"]')
    return list(dict.fromkeys(value))


def expression(q: Query, name: str) -> Expr | None:
    """The parsed ``where``/``on``-style expression in ``name``, or ``None`` when absent."""
    text = optional(q, name)
    if text is None:
        return None
    return parse_expression(text, name)


def parse_expression(text: str, name: str) -> Expr:
    """``text`` parsed as an expression; 400 naming ``name`` when it does not parse."""
    try:
        return parse(text)
    except ExpressionError as err:
        raise bad(name, f"invalid {name} expression: {err.message}") from None
