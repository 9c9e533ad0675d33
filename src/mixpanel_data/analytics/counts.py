"""Event breakdown reports: counts of several events, and counts per value of one property.

Both accept either ``from_date``/``to_date`` or ``interval`` (the last N units up to the end of
``today``, 1 = the current unit only). Unique and average counts per minute or hour are
refused, as Mixpanel documents ("you cannot get hourly uniques"). Today's top events and an
event's top properties are discovery endpoints, served by the sandbox's ``_discovery`` module.

Example:
    >>> event_counts(con, {"event": '["Signed Up"]', "type": "general", "unit": "day",
    ...                    "interval": "7"}, today=date(2026, 1, 31))  # doctest: +SKIP
"""

from __future__ import annotations

from datetime import date
from typing import Any

from mixpanel_data.analytics._events import (
    COUNT_TYPES,
    UNITS,
    Buckets,
    CountType,
    Db,
    Evaluator,
    Tally,
    Unit,
    Window,
    last_units_window,
    load_rows,
    sql_tally,
    time_table,
    to_csv,
)
from mixpanel_data.analytics._params import (
    Query,
    bad,
    choice,
    date_pair,
    integer,
    optional,
    optional_integer,
    required,
    string_list,
)
from mixpanel_data.expressions import Property

Body = dict[str, Any] | str


def _kind_and_unit(q: Query) -> tuple[CountType, Unit]:
    kind: CountType = choice(q, "type", COUNT_TYPES)
    unit: Unit = choice(q, "unit", UNITS)
    if kind != "general" and unit in ("minute", "hour"):
        raise bad("unit", f"{kind} counts are not available per {unit}; use day, week or month")
    return kind, unit


def _window(q: Query, unit: Unit, today: date) -> Window:
    if optional(q, "from_date") is not None or optional(q, "to_date") is not None:
        return Window.of(*date_pair(q))
    interval = optional_integer(q, "interval", minimum=1, maximum=10_000)
    if interval is None:
        required(q, "from_date")  # raises: neither dates nor interval
    assert interval is not None
    return last_units_window(unit, interval, today)


def event_counts(con: Db, q: Query, *, today: date) -> Body:
    """``GET /api/query/events``: counts per bucket for each named event."""
    events = string_list(q, "event")
    assert events is not None
    kind, unit = _kind_and_unit(q)
    window = _window(q, unit, today)
    fmt = choice(q, "format", ("json", "csv"), default="json")
    buckets = Buckets(unit)
    tally = sql_tally(con, window, buckets, events=events)
    body = time_table(tally.series_values(kind, buckets), buckets.keys(window))
    return to_csv(body) if fmt == "csv" else body


def property_counts(con: Db, q: Query, *, today: date) -> Body:
    """``GET /api/query/events/properties``: counts per bucket for each value of one property."""
    event = required(q, "event")
    name = required(q, "name")
    wanted = string_list(q, "values", required_=False)
    kind, unit = _kind_and_unit(q)
    window = _window(q, unit, today)
    fmt = choice(q, "format", ("json", "csv"), default="json")
    limit = integer(q, "limit", default=255, minimum=1, maximum=10_000)
    on = Property("properties", name)
    buckets = Buckets(unit)
    tally = Tally()
    split = Evaluator(on, "name")
    rows = load_rows(
        con, window, events=[event], reads=[on], group=buckets, per_user=kind != "general"
    )
    for row in rows:
        for value in split.segments(row):
            if wanted is None or value in wanted:
                tally.add(value, buckets.start(row.time), row.distinct_id, row.count)
    series = tally.series_values(kind, buckets, limit=limit if wanted is None else None)
    body = time_table(series, buckets.keys(window))
    return to_csv(body) if fmt == "csv" else body
