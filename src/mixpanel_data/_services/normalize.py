"""The one definition of a stored row: what ``fetch_*`` stores is what ``stream_*`` yields.

The store (``_storage/_load.py``) does the same mapping in SQL, on bytes Python never parses;
``tests/integration/test_normalize.py`` pins the two together on a sandbox range. A row:

- events: ``event_name``; ``event_time``, a *naive* :class:`~datetime.datetime` in UTC (the
  store's ``TIMESTAMP``; export ``time`` in seconds is rounded to the second, in milliseconds
  kept to the millisecond); ``distinct_id`` and ``insert_id`` as text (a number becomes its JSON
  text, as in the store); ``properties`` without ``time``, ``distinct_id`` and ``$insert_id``;
- profiles: ``distinct_id`` as text, ``properties`` whole, ``last_seen`` parsed from
  ``$last_seen`` (naive, as written; ``None`` when absent or not a date).

Example:
    >>> normalize_event({"event": "Signup", "properties": {"time": 1767225600, "distinct_id": 7}})
    {'event_name': 'Signup', 'event_time': datetime.datetime(2026, 1, 1, 0, 0), \
'distinct_id': '7', 'insert_id': None, 'properties': {}}
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

from mixpanel_data.exceptions import DataError

# ``time`` above 1e11 is milliseconds (export ``time_in_ms``): 1e11 s is the year 5138.
_MS_THRESHOLD = 1e11
_EPOCH = dt.datetime(1970, 1, 1)


def event_time(value: Any) -> dt.datetime | None:
    """Export ``time`` (seconds, or milliseconds above 1e11) as a naive UTC datetime.

    Example:
        >>> event_time(1767225600), event_time(1767225600123)
        (datetime.datetime(2026, 1, 1, 0, 0), datetime.datetime(2026, 1, 1, 0, 0, 0, 123000))
    """
    if type(value) is int and 0 <= value <= _MS_THRESHOLD:
        return _EPOCH + dt.timedelta(seconds=value)  # the common case: whole seconds
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    # Rounded half away from zero, like DuckDB's CAST(... AS BIGINT) in the store.
    whole = int(math.copysign(math.floor(abs(value) + 0.5), value))
    micros = whole * (1000 if value > _MS_THRESHOLD else 1_000_000)
    try:
        return _EPOCH + dt.timedelta(microseconds=micros)
    except OverflowError:
        return None


def as_text(value: Any) -> str | None:
    """An id as the store keeps it: text as is, anything else as its JSON text."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _properties(raw: dict[str, Any], key: str) -> dict[str, Any]:
    value = raw.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise DataError(
            f"a record's {key!r} is a {type(value).__name__}, not a JSON object: "
            f"{json.dumps(raw, default=str)[:120]}",
            details={"field": key},
        )
    return dict(value)


def normalize_event(raw: dict[str, Any], *, owned: bool = False) -> dict[str, Any]:
    """Mixpanel's export shape → the stored row (``event_name, event_time, ...``); a record
    whose ``properties`` is not an object is a :class:`DataError`.

    ``owned``: ``raw`` was parsed for this call and nobody else holds it, so its ``properties``
    object becomes the row's (no copy).
    """
    props = raw.get("properties")
    if type(props) is not dict:
        props = _properties(raw, "properties")
    elif not owned:
        props = dict(props)
    return {
        "event_name": as_text(raw.get("event")),
        "event_time": event_time(props.pop("time", None)),
        "distinct_id": as_text(props.pop("distinct_id", None)),
        "insert_id": as_text(props.pop("$insert_id", None)),
        "properties": props,
    }


def last_seen(value: Any) -> dt.datetime | None:
    """``$last_seen`` as a naive datetime (``None`` when it is not a date).

    Example:
        >>> last_seen("2026-01-30T12:00:00"), last_seen("yesterday")
        (datetime.datetime(2026, 1, 30, 12, 0), None)
    """
    if not isinstance(value, str):
        return None
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    # The store's TRY_CAST(... AS TIMESTAMP) keeps the wall time and drops an offset; so does
    # this (Mixpanel writes $last_seen in UTC without one).
    return when.replace(tzinfo=None)


def normalize_profile(raw: dict[str, Any]) -> dict[str, Any]:
    """An engage result → the stored profile row (``distinct_id, properties, last_seen``)."""
    props = _properties(raw, "$properties")
    return {
        "distinct_id": as_text(raw.get("$distinct_id")),
        "properties": props,
        "last_seen": last_seen(props.get("$last_seen")),
    }


__all__ = ["as_text", "event_time", "last_seen", "normalize_event", "normalize_profile"]
