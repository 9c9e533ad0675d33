"""Checks on query arguments, run before any request is made.

This is the one place where arguments are checked, for live queries, fetches and streams alike,
so the same bad input gives the same message whichever call received it. Every check raises
:class:`~mixpanel_data.exceptions.ValidationError` (or its
:class:`~mixpanel_data.exceptions.ExpressionError` subclass) with one line that names the argument,
the bad value, and what is allowed; ``details["param"]`` (and ``details["params"]``) hold the
Python parameter name(s), which the CLI turns into its flags (``from_date`` -> ``--from``).
Checks return the value to send, normalised where that is harmless (``on`` wrapped into
``properties["..."]``, a single event name turned into a list).

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
from typing import Any, Literal, overload

from mixpanel_data.exceptions import ExpressionError, ValidationError

# Allowed values, per endpoint, in the order messages list them. Each equals the values of the
# generated enum named beside it (tests/services/test_validation.py holds them together); this
# module does not import the generated package, so that checking an argument stays cheap.
SEGMENTATION_UNITS = ("minute", "hour", "day", "week", "month")  # SegmentationUnit
NUMERIC_UNITS = ("hour", "day")  # SegmentationNumericUnit, SegmentationSumUnit, ...AverageUnit
COUNT_UNITS = ("minute", "hour", "day", "week", "month")  # EventCountsUnit, PropertyCountsUnit
FUNNEL_UNITS = ("day", "week", "month")  # FunnelUnit
FUNNEL_LENGTH_UNITS = ("second", "minute", "hour", "day")  # FunnelLengthUnit
RETENTION_UNITS = ("day", "week", "month")  # RetentionUnit
RETENTION_TYPES = ("birth", "compounded")  # RetentionRetentionType
FREQUENCY_UNITS = ("day", "week", "month")  # FrequencyUnit
ADDICTION_UNITS = ("hour", "day")  # FrequencyAddictionUnit
COUNT_TYPES = ("general", "unique", "average")  # SegmentationType, EventCountsType, ...
TOP_EVENT_TYPES = ("general", "average", "unique")  # TopEventsType
SCHEMA_ENTITY_TYPES = ("event", "profile")  # LexiconEntityType
BOOKMARK_TYPES = (  # ListBookmarksType
    "insights", "funnels", "retention", "flows", "launch-analysis", "segmentation3",
)  # fmt: skip
FLOW_DIRECTIONS = ("after", "before", "both")  # inside the flows bookmark JSON: no enum
MAX_LIMIT = 10_000
MAX_FLOW_STEPS = 5
MAX_FUNNEL_WINDOW_DAYS = 90
MAX_RETENTION_DAY_INTERVAL = 90

#: The days a date argument may name. Mixpanel counts time in Unix seconds, so nothing happened
#: before 1970; the last day leaves room for the ``+ 1 day`` that end-exclusive ranges need.
EARLIEST_DAY = dt.date(1970, 1, 1)
LATEST_DAY = dt.date(9998, 12, 31)

_DATE_SHAPE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def refuse(message: str, *params: str, **details: Any) -> ValidationError:
    """A :class:`ValidationError` that names the Python parameter(s) it is about.

    ``details["param"]`` is the first parameter and ``details["params"]`` all of them, so that a
    front end (the CLI) can say ``--from`` where the library says ``from_date``.

    Example:
        >>> refuse("from_date is missing", "from_date").details
        {'param': 'from_date', 'params': ['from_date']}
    """
    return ValidationError(
        message,
        details={"param": params[0], "params": list(params), **details} if params else details,
    )


def _named(err: ExpressionError, name: str) -> ExpressionError:
    err.details.update(param=name, params=[name])
    return err


# -- dates ------------------------------------------------------------------------------------


def day(value: Any, name: str) -> dt.date:
    """``value`` as a :class:`datetime.date`: a ``date`` or a ``YYYY-MM-DD`` string naming a real
    day between 1970-01-01 and 9998-12-31.

    Example:
        >>> day("2026-01-31", "from_date")
        datetime.date(2026, 1, 31)
        >>> day("9999-12-31", "to_date")
        Traceback (most recent call last):
        ...
        mixpanel_data.exceptions.ValidationError: to_date 9999-12-31 is out of range: use a day from 1970-01-01 to 9998-12-31
    """  # noqa: E501
    if isinstance(value, dt.datetime):
        raise refuse(
            f"{name} must be a YYYY-MM-DD string or a date, not a datetime; "
            f"e.g. {value.date().isoformat()}",
            name,
        )
    if isinstance(value, dt.date):
        parsed = value
    elif not isinstance(value, str) or not _DATE_SHAPE.match(value.strip()):
        raise refuse(
            f"{name} {_shown(value)} is not a date in the form YYYY-MM-DD, e.g. 2026-01-31", name
        )
    else:
        try:
            parsed = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise refuse(
                f"{name} {_shown(value.strip())} is not a real date; expected YYYY-MM-DD, "
                "e.g. 2026-01-31",
                name,
            ) from None
    if not EARLIEST_DAY <= parsed <= LATEST_DAY:
        raise refuse(
            f"{name} {parsed.isoformat()} is out of range: use a day from "
            f"{EARLIEST_DAY.isoformat()} to {LATEST_DAY.isoformat()}",
            name,
        )
    return parsed


def date(value: Any, name: str) -> str:
    """``value`` (a ``date`` or a ``YYYY-MM-DD`` string) as ``YYYY-MM-DD``, checked by :func:`day`.

    Example:
        >>> date("2026-02-30", "to_date")
        Traceback (most recent call last):
        ...
        mixpanel_data.exceptions.ValidationError: to_date '2026-02-30' is not a real date; expected YYYY-MM-DD, e.g. 2026-01-31
    """  # noqa: E501
    return day(value, name).isoformat()


def day_range(
    from_date: Any,
    to_date: Any,
    *,
    from_name: str = "from_date",
    to_name: str = "to_date",
) -> tuple[dt.date, dt.date]:
    """Both days checked, the first on or before the last (both are inclusive).

    Example:
        >>> day_range("2026-02-10", "2026-02-01")
        Traceback (most recent call last):
        ...
        mixpanel_data.exceptions.ValidationError: from_date 2026-02-10 is after to_date 2026-02-01 (both days are included, so the first must be on or before the last)
    """  # noqa: E501
    start, end = day(from_date, from_name), day(to_date, to_name)
    if start > end:
        raise refuse(
            f"{from_name} {start.isoformat()} is after {to_name} {end.isoformat()} (both days "
            "are included, so the first must be on or before the last)",
            from_name,
            to_name,
        )
    return start, end


def date_range(
    from_date: Any,
    to_date: Any,
    *,
    from_name: str = "from_date",
    to_name: str = "to_date",
) -> tuple[str, str]:
    """:func:`day_range` as ``YYYY-MM-DD`` strings."""
    start, end = day_range(from_date, to_date, from_name=from_name, to_name=to_name)
    return start.isoformat(), end.isoformat()


def optional_date_range(
    from_date: Any, to_date: Any, *, default_days: int = 30, today: dt.date | None = None
) -> tuple[str, str]:
    """Like :func:`date_range`; a missing ``to_date`` is today (UTC) and a missing ``from_date``
    is ``default_days - 1`` days before ``to_date`` (never before 1970-01-01)."""
    end = (
        day(to_date, "to_date")
        if to_date is not None
        else (today or dt.datetime.now(dt.UTC).date())
    )
    start = (
        day(from_date, "from_date")
        if from_date is not None
        else max(EARLIEST_DAY, end - dt.timedelta(days=default_days - 1))
    )
    return date_range(start, end)


# -- names, choices, numbers -------------------------------------------------------------------


def event_name(value: Any, name: str = "event") -> str:
    """A non-empty event (or property) name."""
    if not isinstance(value, str) or not value.strip():
        raise refuse(f"{name} must be a non-empty name, got {_shown(value)}", name)
    return value


@overload
def event_list(values: Any, name: str = ..., *, optional: Literal[False] = ...) -> list[str]: ...
@overload
def event_list(values: Any, name: str = ..., *, optional: bool) -> list[str] | None: ...
def event_list(values: Any, name: str = "events", *, optional: bool = False) -> list[str] | None:
    """A non-empty list of non-empty names, without repeats (one name alone is a list of one).

    Each name is taken whole: ``"Checkout, Web"`` is one event whose name holds a comma. With
    ``optional=True``, ``None`` (every event) is returned as ``None``.

    Example:
        >>> event_list("Checkout, Web")
        ['Checkout, Web']
        >>> event_list(["A", "B", "A"])
        ['A', 'B']
    """
    if values is None and optional:
        return None
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, Sequence) or not values:
        raise refuse(f"{name} must list at least one event name, got {_shown(values)}", name)
    out: list[str] = []
    for item in values:
        if not isinstance(item, str) or not item.strip():
            raise refuse(f"each of {name} must be a non-empty name, got {_shown(item)}", name)
        if item not in out:
            out.append(item)
    return out


def name_list(values: Any, name: str) -> list[str]:
    """A non-empty list of non-empty strings (distinct ids, property values)."""
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, Sequence) or not values:
        raise refuse(f"{name} must list at least one value, got {_shown(values)}", name)
    for item in values:
        if not isinstance(item, str) or not item:
            raise refuse(f"each of {name} must be a non-empty string, got {_shown(item)}", name)
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
        raise refuse(
            f"{name} {_shown(value)} is not allowed for {what}; use one of: {', '.join(allowed)}",
            name,
        )
    return str(value)


def count_unit(unit: Any, type: Any, what: str) -> str:
    """A unit for the event-count queries; Mixpanel has no unique counts per minute or hour."""
    checked = choice(unit, COUNT_UNITS, "unit", what)
    if type == "unique" and checked in ("minute", "hour"):
        raise refuse(
            f"unit {checked!r} cannot be used with type 'unique' for {what}: Mixpanel has no "
            "hourly unique counts; use day, week or month",
            "unit",
            "type",
        )
    return checked


def integer(
    value: Any, name: str, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """An int (not a bool) within ``[minimum, maximum]``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise refuse(f"{name} must be a whole number, got {_shown(value)}", name)
    if minimum is not None and value < minimum:
        bound = f"at least {minimum}" if maximum is None else f"between {minimum} and {maximum}"
        raise refuse(f"{name} must be {bound}, got {value}", name)
    if maximum is not None and value > maximum:
        bound = f"at most {maximum}" if minimum is None else f"between {minimum} and {maximum}"
        raise refuse(f"{name} must be {bound}, got {value}", name)
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
        raise refuse(
            f"length {n} {unit or 'day'}(s) is longer than Mixpanel's {MAX_FUNNEL_WINDOW_DAYS}-day "
            "funnel window; use a shorter length",
            "length",
        )
    return n, unit


def retention_interval(interval: Any, unit: str) -> int:
    """Units per retention interval: at least 1, at most 90 when the unit is a day."""
    cap = MAX_RETENTION_DAY_INTERVAL if unit == "day" else None
    return integer(interval, "interval", minimum=1, maximum=cap)


def table_name(value: Any, name: str = "name") -> str:
    """A local table name, by the store's one rule (a letter, then letters, digits or ``_``).

    Example:
        >>> table_name("events; DROP TABLE x")
        Traceback (most recent call last):
        ...
        mixpanel_data.exceptions.ValidationError: invalid table name 'events; DROP TABLE x': ...
    """
    from mixpanel_data._storage._names import validate_table_name

    try:
        return validate_table_name(value)
    except ValidationError as err:
        err.details.update(param=name, params=[name])
        raise


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
        raise _named(
            ExpressionError(
                f'{name} must be an expression such as properties["plan"] == "pro", '
                f"got {_shown(expression)}",
                expression=str(expression),
            ),
            name,
        )
    try:
        expressions.validate(expression, kind="profile" if kind == "profile" else "event")
    except ExpressionError as err:
        raise _named(
            ExpressionError(f"{name}: {err.message}", expression=expression, position=err.position),
            name,
        ) from None
    return expression


def on_expression(on: Any, name: str = "on") -> str:
    """A bare property name wrapped as ``properties["name"]``; a full expression unchanged."""
    from mixpanel_data import expressions

    if not isinstance(on, str) or not on.strip():
        raise _named(
            ExpressionError(
                f"{name} must be a property name (e.g. country) or an expression "
                f'(e.g. properties["country"]), got {_shown(on)}',
                expression=str(on),
            ),
            name,
        )
    try:
        return expressions.wrap_on(on)
    except ExpressionError as err:
        raise _named(
            ExpressionError(f"{name}: {err.message}", expression=on, position=err.position), name
        ) from None


def optional_on(on: Any, name: str = "on") -> str | None:
    """``None``, or :func:`on_expression`."""
    return None if on is None else on_expression(on, name)


def jql_script(script: Any) -> str:
    """A non-empty JQL script that defines ``main``."""
    if not isinstance(script, str) or not script.strip():
        raise refuse("script must be the JavaScript source of a JQL query, got nothing", "script")
    if not re.search(r"\bmain\b", script):
        raise refuse(
            "script has no main() function; a JQL script is `function main() { return ...; }`",
            "script",
        )
    return script


def jql_params(params: Any) -> str | None:
    """``None``, or the params object as JSON text."""
    if params is None:
        return None
    if not isinstance(params, Mapping):
        raise refuse(
            f"params must be a dict (a JSON object), got {type(params).__name__}", "params"
        )
    try:
        return json.dumps(params, separators=(",", ":"))
    except (TypeError, ValueError) as err:
        raise refuse(f"params must be JSON-serialisable: {err}", "params") from None


__all__ = [
    "ADDICTION_UNITS",
    "BOOKMARK_TYPES",
    "COUNT_TYPES",
    "COUNT_UNITS",
    "EARLIEST_DAY",
    "FLOW_DIRECTIONS",
    "FREQUENCY_UNITS",
    "FUNNEL_LENGTH_UNITS",
    "FUNNEL_UNITS",
    "LATEST_DAY",
    "MAX_FLOW_STEPS",
    "MAX_LIMIT",
    "NUMERIC_UNITS",
    "RETENTION_TYPES",
    "RETENTION_UNITS",
    "SCHEMA_ENTITY_TYPES",
    "SEGMENTATION_UNITS",
    "TOP_EVENT_TYPES",
    "choice",
    "count_unit",
    "date",
    "date_range",
    "day",
    "day_range",
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
    "refuse",
    "retention_interval",
    "table_name",
    "where",
]
