"""Segmentation: one event over time, split by an expression, filtered, or bucketed by value.

Counting (``type``): ``general`` counts events, ``unique`` counts distinct users per bucket,
``average`` is events per user in the bucket (general / unique).

``values`` holds only non-zero cells while ``series`` lists every bucket of the range; this
matches every example in Mixpanel's documents (a segment missing a date has no entry for it).
Without ``on`` the single series is named after the event. With ``on``, events whose value is
not set are left out, a list value counts once in each of its items' segments, and only the
``limit`` segments with the most events are kept.

Numeric segmentation groups the ``on`` values into ranges of one "nice" width (1, 2 or 5 times a
power of ten) chosen to give about five ranges over the values seen, labelled like
``"2,000 - 2,100"`` (lower bound included, upper excluded), as in Mixpanel's example. Sum and
average read non-numeric values as 0 (Mixpanel's documented rule) and report only buckets that
have events.

Example:
    >>> nice_width(499, 5)
    100
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from mixpanel_data.analytics._events import (
    COUNT_TYPES,
    UNITS,
    Buckets,
    CountType,
    Db,
    Evaluator,
    EventRow,
    Tally,
    Unit,
    Window,
    keep,
    load_rows,
    sql_tally,
    time_table,
    to_csv,
)
from mixpanel_data.analytics._params import (
    Query,
    choice,
    date_pair,
    expression,
    integer,
    optional_integer,
    required,
)
from mixpanel_data.expressions import Expr

Body = dict[str, Any] | str


HOUR_OR_DAY: tuple[Unit, ...] = ("hour", "day")


def _buckets(q: Query, window: Window, units: tuple[Unit, ...] = UNITS) -> Buckets:
    unit: Unit = choice(q, "unit", units, default="day")
    interval = optional_integer(q, "interval", minimum=1)
    if interval is not None:
        return Buckets("day", days=interval, origin=window.start)
    return Buckets(unit)


def tally_events(
    con: Db,
    window: Window,
    buckets: Buckets,
    event: str,
    *,
    where: Expr | None,
    on: Expr | None,
    per_user: bool = True,
) -> Tally:
    """Events and users of ``event`` per (segment, bucket); the segment is the event name
    without ``on``. Without ``per_user`` only event counts are right."""
    if where is None and on is None:
        return sql_tally(con, window, buckets, events=[event])
    rows = load_rows(
        con, window, events=[event], reads=[where, on], group=buckets, per_user=per_user
    )
    split = Evaluator(on, "on") if on is not None else None
    tally = Tally()
    for row in keep(rows, where):
        series = split.segments(row) if split is not None else [row.event]
        bucket = buckets.start(row.time)
        for name in series:
            tally.add(name, bucket, row.distinct_id, row.count)
    return tally


def segmentation(con: Db, q: Query, *, today: date) -> Body:
    """``GET /api/query/segmentation``.

    Example:
        >>> segmentation(con, {"event": "Purchased", "from_date": "2026-01-01",
        ...                    "to_date": "2026-01-02"}, today=date(2026, 1, 31))  # doctest: +SKIP
        {'data': {'series': ['2026-01-01', '2026-01-02'], 'values': {'Purchased': {...}}},
         'legend_size': 1}
    """
    event = required(q, "event")
    from_date, to_date = date_pair(q)
    window = Window.of(from_date, to_date)
    kind: CountType = choice(q, "type", COUNT_TYPES, default="general")
    buckets = _buckets(q, window)
    on = expression(q, "on")
    where = expression(q, "where")
    limit = integer(q, "limit", default=60, minimum=1, maximum=10_000)
    fmt = choice(q, "format", ("json", "csv"), default="json")
    keys = buckets.keys(window)
    tally = tally_events(
        con, window, buckets, event, where=where, on=on, per_user=kind != "general"
    )
    body = time_table(tally.series_values(kind, buckets, limit=limit), keys)
    return to_csv(body) if fmt == "csv" else body


# -- numeric buckets -----------------------------------------------------------------------------


def nice_width(span: float, parts: int) -> float:
    """The smallest of 1, 2, 5 x 10^k that cuts ``span`` into at most ``parts`` ranges."""
    raw = span / parts if span > 0 else 0.0
    if raw <= 0:
        return 1
    power = 10.0 ** math.floor(math.log10(raw))
    width = next(step * power for step in (1, 2, 5, 10) if step * power >= raw)
    return int(width) if width.is_integer() else width


def _label_number(value: float) -> str:
    value = round(value, 10)
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,}"


def numeric_ranges(values: Iterable[float]) -> tuple[float, float]:
    """``(lowest bound, width)`` of the ranges for ``values`` (at least one value)."""
    seen = list(values)
    low, high = min(seen), max(seen)
    span = high - low
    width = nice_width(span if span > 0 else abs(high) / 5, 5)
    if all(float(v).is_integer() for v in seen) and width < 1:
        width = 1
    start = math.floor(low / width) * width
    return start, width


def range_label(start: float, width: float, index: int) -> str:
    """The label of range number ``index`` (``"2,000 - 2,100"``)."""
    lower = start + index * width
    return f"{_label_number(lower)} - {_label_number(lower + width)}"


def segmentation_numeric(con: Db, q: Query, *, today: date) -> Body:
    """``GET /api/query/segmentation/numeric``: counts per value range of ``on``."""
    event = required(q, "event")
    from_date, to_date = date_pair(q)
    window = Window.of(from_date, to_date)
    on = expression(q, "on")
    if on is None:
        required(q, "on")
    assert on is not None
    buckets = _buckets(q, window, HOUR_OR_DAY)
    where = expression(q, "where")
    kind: CountType = choice(q, "type", COUNT_TYPES, default="general")
    rows = load_rows(
        con, window, events=[event], reads=[where, on], group=buckets, per_user=kind != "general"
    )
    measure = Evaluator(on, "on")
    valued = [(row, measure.number(row)) for row in keep(rows, where)]
    numbers = [(row, v) for row, v in valued if v is not None]
    tally = Tally()
    order: dict[str, int] = {}
    if numbers:
        start, width = numeric_ranges(v for _, v in numbers)
        for row, value in numbers:
            index = int((value - start) // width)
            label = range_label(start, width, index)
            order[label] = index
            tally.add(label, buckets.start(row.time), row.distinct_id, row.count)
    series = tally.series_values(kind, buckets)
    ordered = {label: series[label] for label in sorted(series, key=order.__getitem__)}
    return time_table(ordered, buckets.keys(window))


# -- sum and average -----------------------------------------------------------------------------


def _values_per_bucket(
    con: Db, q: Query
) -> tuple[Buckets, dict[int, tuple[list[float | int], int]]]:
    """Per bucket start: the values of ``on`` (times their events) and the event count."""
    event = required(q, "event")
    from_date, to_date = date_pair(q)
    window = Window.of(from_date, to_date)
    on_text = required(q, "on")
    on = expression(q, "on")
    assert on is not None, on_text
    buckets = _buckets(q, window, HOUR_OR_DAY)
    where = expression(q, "where")
    rows: list[EventRow] = load_rows(
        con, window, events=[event], reads=[where, on], group=buckets, per_user=False
    )
    measure = Evaluator(on, "on")
    per_bucket: dict[int, tuple[list[float | int], int]] = {}
    for row in keep(rows, where):
        value = measure.number(row)
        total, count = per_bucket.get(buckets.start(row.time), ([], 0))
        total.append(0 if value is None else value * row.count)
        per_bucket[buckets.start(row.time)] = (total, count + row.count)
    return buckets, per_bucket


def _plain(number: float) -> float | int:
    return int(number) if float(number).is_integer() and abs(number) < 2**53 else number


def computed_at() -> str:
    """The current time as Mixpanel prints ``computed_at``."""
    return datetime.now(UTC).isoformat()


def segmentation_sum(con: Db, q: Query, *, today: date) -> Body:
    """``GET /api/query/segmentation/sum``: the sum of ``on`` per bucket."""
    buckets, per_bucket = _values_per_bucket(con, q)
    results = {buckets.key(b): _plain(math.fsum(v)) for b, (v, _) in sorted(per_bucket.items())}
    return {"status": "ok", "computed_at": computed_at(), "results": results}


def segmentation_average(con: Db, q: Query, *, today: date) -> Body:
    """``GET /api/query/segmentation/average``: the mean of ``on`` per bucket."""
    buckets, per_bucket = _values_per_bucket(con, q)
    results = {buckets.key(b): _plain(math.fsum(v) / n) for b, (v, n) in sorted(per_bucket.items())}
    return {"status": "ok", "results": results}
