"""Checks on query arguments, run before any request is made.

Every check raises :class:`~mixpanel_data.exceptions.ValidationError` (or its
:class:`~mixpanel_data.exceptions.ExpressionError` subclass) with one line that names the argument,
the bad value, and what is allowed. Checks return the value to send, normalised where that is
harmless (``on`` wrapped into ``properties["..."]``, a single event name turned into a list).

Example:
    >>> date_range("2026-01-01", "2026-01-31")
    ('2026-01-01', '2026-01-31')
    >>> choice("week", SEGMENTATION_UNITS, "unit", "segmentation")
    'week'
    >>> on_expression("country")
    'properties["country"]'
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from mixpanel_data.exceptions import ExpressionError, ValidationError

# Allowed values, per endpoint, in the order messages list them.
SEGMENTATION_UNITS = ("minute", "hour", "day", "week", "month")
NUMERIC_UNITS = ("hour", "day")
COUNT_UNITS = ("minute", "hour", "day", "week", "month")
FUNNEL_UNITS = ("day", "week", "month")
FUNNEL_LENGTH_UNITS = ("second", "minute", "hour", "day")
RETENTION_UNITS = ("day", "week", "month")
RETENTION_TYPES = ("birth", "compounded")
FREQUENCY_UNITS = ("day", "week", "month")
ADDICTION_UNITS = ("hour", "day")
COUNT_TYPES = ("general", "unique", "average")
FLOW_DIRECTIONS = ("after", "before", "both")
BOOKMARK_TYPES = ("insights", "funnels", "retention", "flows", "launch-analysis", "segmentation3")
MAX_LIMIT = 10_000
MAX_FLOW_STEPS = 5
MAX_FUNNEL_WINDOW_DAYS = 90
MAX_RETENTION_DAY_INTERVAL = 90

_DATE_SHAPE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# -- dates ------------------------------------------------------------------------------------


def date(value: Any, name: str) -> str:
    """``value`` if it is a real calendar date written ``YYYY-MM-DD``.

    Example:
        >>> date("2026-02-30", "to_date")
        Traceback (most recent call last):
        ...
        mixpanel_data.exceptions.ValidationError: to_date '2026-02-30' is not a real date; expected YYYY-MM-DD, e.g. 2026-01-31
    """  # noqa: E501
    if isinstance(value, dt.datetime):
        raise ValidationError(
            f"{name} must be a YYYY-MM-DD string, not a datetime; e.g. {value.date().isoformat()}"
        )
    if isinstance(value, dt.date):
        return value.isoformat()
    if not isinstance(value, str) or not _DATE_SHAPE.match(value.strip()):
        raise ValidationError(
            f"{name} {_shown(value)} is not a date in the form YYYY-MM-DD, e.g. 2026-01-31"
        )
    text = value.strip()
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            f"{name} {_shown(text)} is not a real date; expected YYYY-MM-DD, e.g. 2026-01-31"
        ) from None
    return text


def date_range(from_date: Any, to_date: Any) -> tuple[str, str]:
    """Both dates checked, and ``from_date`` on or before ``to_date`` (both are inclusive)."""
    start, end = date(from_date, "from_date"), date(to_date, "to_date")
    if start > end:
        raise ValidationError(
            f"from_date {start} is after to_date {end}; from_date must be on or before to_date "
            "(both days are included)"
        )
    return start, end


def optional_date_range(
    from_date: Any, to_date: Any, *, default_days: int = 30, today: dt.date | None = None
) -> tuple[str, str]:
    """Like :func:`date_range`; a missing ``to_date`` is today (UTC) and a missing ``from_date``
    is ``default_days - 1`` days before ``to_date``."""
    end = (
        date(to_date, "to_date")
        if to_date is not None
        else (today or dt.datetime.now(dt.UTC).date()).isoformat()
    )
    start = (
        date(from_date, "from_date")
        if from_date is not None
        else (dt.date.fromisoformat(end) - dt.timedelta(days=default_days - 1)).isoformat()
    )
    return date_range(start, end)


# -- names, choices, numbers -------------------------------------------------------------------


def event_name(value: Any, name: str = "event") -> str:
    """A non-empty event (or property) name."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{name} must be a non-empty name, got {_shown(value)}")
    return value


def event_list(values: Any, name: str = "events") -> list[str]:
    """A non-empty list of non-empty names, without repeats (one name alone is a list of one)."""
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, Sequence) or not values:
        raise ValidationError(f"{name} must list at least one event name, got {_shown(values)}")
    out: list[str] = []
    for item in values:
        event_name(item, f"each of {name}")
        if item not in out:
            out.append(item)
    return out


def name_list(values: Any, name: str) -> list[str]:
    """A non-empty list of non-empty strings (distinct ids, property values)."""
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, Sequence) or not values:
        raise ValidationError(f"{name} must list at least one value, got {_shown(values)}")
    for item in values:
        if not isinstance(item, str) or not item:
            raise ValidationError(f"each of {name} must be a non-empty string, got {_shown(item)}")
    return list(values)


def choice(value: Any, allowed: Sequence[str], name: str, what: str) -> str:
    """``value`` if it is one of ``allowed``.

    Example:
        >>> choice("fortnight", NUMERIC_UNITS, "unit", "segmentation_sum")
        Traceback (most recent call last):
        ...
        mixpanel_data.exceptions.ValidationError: unit 'fortnight' is not allowed for segmentation_sum; use one of: hour, day
    """  # noqa: E501
    if value not in allowed:
        raise ValidationError(
            f"{name} {_shown(value)} is not allowed for {what}; use one of: {', '.join(allowed)}"
        )
    return str(value)


def count_unit(unit: Any, type: Any, what: str) -> str:
    """A unit for the event-count queries; Mixpanel has no unique counts per minute or hour."""
    checked = choice(unit, COUNT_UNITS, "unit", what)
    if type == "unique" and checked in ("minute", "hour"):
        raise ValidationError(
            f"unit {checked!r} cannot be used with type 'unique' for {what}: Mixpanel has no "
            "hourly unique counts; use day, week or month"
        )
    return checked


def integer(
    value: Any, name: str, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """An int (not a bool) within ``[minimum, maximum]``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{name} must be a whole number, got {_shown(value)}")
    if minimum is not None and value < minimum:
        bound = f"at least {minimum}" if maximum is None else f"between {minimum} and {maximum}"
        raise ValidationError(f"{name} must be {bound}, got {value}")
    if maximum is not None and value > maximum:
        bound = f"at most {maximum}" if minimum is None else f"between {minimum} and {maximum}"
        raise ValidationError(f"{name} must be {bound}, got {value}")
    return value


def limit(value: Any, name: str = "limit", maximum: int = MAX_LIMIT) -> int | None:
    """``None``, or a limit between 1 and ``maximum``."""
    return None if value is None else integer(value, name, minimum=1, maximum=maximum)


def positive_id(value: Any, name: str) -> int:
    """A positive integer id (funnel, bookmark, cohort)."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    return integer(value, name, minimum=1)


def funnel_window(length: Any, length_unit: Any) -> tuple[int | None, str | None]:
    """A funnel conversion window: ``length`` ``length_unit``s, at most 90 days."""
    unit = (
        None
        if length_unit is None
        else choice(length_unit, FUNNEL_LENGTH_UNITS, "length_unit", "funnel")
    )
    if length is None:
        return None, unit
    n = integer(length, "length", minimum=1)
    seconds = n * _SECONDS[unit or "day"]
    if seconds > MAX_FUNNEL_WINDOW_DAYS * 86400:
        raise ValidationError(
            f"length {n} {unit or 'day'}(s) is longer than Mixpanel's {MAX_FUNNEL_WINDOW_DAYS}-day "
            "funnel window; use a shorter length"
        )
    return n, unit


def retention_interval(interval: Any, unit: str) -> int:
    """Units per retention interval: at least 1, at most 90 when the unit is a day."""
    cap = MAX_RETENTION_DAY_INTERVAL if unit == "day" else None
    return integer(interval, "interval", minimum=1, maximum=cap)


# -- expressions and scripts -------------------------------------------------------------------


def where(expression: Any, name: str = "where", *, kind: str = "event") -> str | None:
    """``None``, or an expression Mixpanel's grammar accepts (checked by the shared parser).

    Example:
        >>> where('properties["plan"] = "pro"')
        Traceback (most recent call last):
        ...
        mixpanel_data.exceptions.ExpressionError: where: unexpected character '=' at position 19; use '==' to compare
    """  # noqa: E501
    if expression is None:
        return None
    from mixpanel_data import expressions

    if not isinstance(expression, str) or not expression.strip():
        raise ExpressionError(
            f'{name} must be an expression such as properties["plan"] == "pro", '
            f"got {_shown(expression)}",
            expression=str(expression),
        )
    try:
        expressions.validate(expression, kind="profile" if kind == "profile" else "event")
    except ExpressionError as err:
        raise ExpressionError(
            f"{name}: {err.message}", expression=expression, position=err.position
        ) from None
    return expression


def on_expression(on: Any, name: str = "on") -> str:
    """A bare property name wrapped as ``properties["name"]``; a full expression unchanged."""
    from mixpanel_data import expressions

    if not isinstance(on, str) or not on.strip():
        raise ExpressionError(
            f"{name} must be a property name (e.g. country) or an expression "
            f'(e.g. properties["country"]), got {_shown(on)}',
            expression=str(on),
        )
    try:
        return expressions.wrap_on(on)
    except ExpressionError as err:
        raise ExpressionError(
            f"{name}: {err.message}", expression=on, position=err.position
        ) from None


def optional_on(on: Any, name: str = "on") -> str | None:
    """``None``, or :func:`on_expression`."""
    return None if on is None else on_expression(on, name)


def jql_script(script: Any) -> str:
    """A non-empty JQL script that defines ``main``."""
    if not isinstance(script, str) or not script.strip():
        raise ValidationError("script must be the JavaScript source of a JQL query, got nothing")
    if not re.search(r"\bmain\b", script):
        raise ValidationError(
            "script has no main() function; a JQL script is `function main() { return ...; }`"
        )
    return script


def jql_params(params: Any) -> str | None:
    """``None``, or the params object as JSON text."""
    if params is None:
        return None
    if not isinstance(params, Mapping):
        raise ValidationError(f"params must be a dict (a JSON object), got {type(params).__name__}")
    try:
        return json.dumps(params, separators=(",", ":"))
    except (TypeError, ValueError) as err:
        raise ValidationError(f"params must be JSON-serialisable: {err}") from None


__all__ = [
    "ADDICTION_UNITS",
    "BOOKMARK_TYPES",
    "COUNT_TYPES",
    "COUNT_UNITS",
    "FLOW_DIRECTIONS",
    "FREQUENCY_UNITS",
    "FUNNEL_LENGTH_UNITS",
    "FUNNEL_UNITS",
    "MAX_FLOW_STEPS",
    "MAX_LIMIT",
    "NUMERIC_UNITS",
    "RETENTION_TYPES",
    "RETENTION_UNITS",
    "SEGMENTATION_UNITS",
    "choice",
    "count_unit",
    "date",
    "date_range",
    "event_list",
    "event_name",
    "funnel_window",
    "integer",
    "jql_params",
    "jql_script",
    "limit",
    "name_list",
    "on_expression",
    "optional_date_range",
    "optional_on",
    "positive_id",
    "retention_interval",
    "where",
]
