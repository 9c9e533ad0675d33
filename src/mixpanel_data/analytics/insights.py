"""Saved Insights reports: the series of a bookmark's events over its date range.

The bookmark's ``params`` are read in Mixpanel's shape or a plain one:

* Mixpanel's: ``sections.show[*].behavior.name`` (event names), ``sections.show[*].measurement
  .math`` (``total``, ``unique`` or ``average``), ``sections.time[0]`` (date range and ``unit``),
  ``sections.group[0].propertyName`` (a breakdown; ``resourceType`` ``people`` reads the
  profile). ``sections.filter`` is not applied.
* plain: ``event`` or ``events``, ``math`` or ``type`` (``total``/``general``, ``unique``,
  ``average``), ``unit``, a date range (``from_date``/``to_date`` or ``last``), ``where`` and
  ``on`` (expressions).

The body follows Mixpanel's example: ``headers`` is ``["$event"]``, ``series`` maps each event
to ``{bucket start: value}`` for every bucket of the range, and the bucket keys and
``date_range`` are timestamps with the project's UTC offset (``2026-01-05T00:00:00+00:00``).
With a breakdown, ``headers`` gains the property and each event maps every value seen to its
own ``{bucket start: value}``.
Only Insights bookmarks are computed; another kind of bookmark is a 400, as is an unknown id
(the spec documents no 404 for this path).

Example:
    >>> math_kind("total"), math_kind("unique")
    ('general', 'unique')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from mixpanel_data.analytics._bookmarks import (
    Bookmark,
    find,
    params_of,
    range_spec,
    read_range,
)
from mixpanel_data.analytics._errors import AnalyticsError
from mixpanel_data.analytics._events import (
    UNITS,
    Buckets,
    CountType,
    Db,
    Unit,
    Window,
    moment,
)
from mixpanel_data.analytics._params import Query, integer, parse_expression
from mixpanel_data.analytics.segmentation import computed_at, tally_events
from mixpanel_data.expressions import Expr, Property

_MATH: Mapping[str, CountType] = {
    "total": "general",
    "general": "general",
    "unique": "unique",
    "dau": "unique",
    "average": "average",
}


def math_kind(math: str) -> CountType:
    """The count type for an Insights ``math`` name."""
    kind = _MATH.get(math.lower())
    if kind is None:
        raise AnalyticsError(400, f"the sandbox cannot compute {math!r} in a saved report")
    return kind


@dataclass(frozen=True, slots=True)
class InsightsQuery:
    """What a saved Insights report asks for; ``on`` splits each event by a value, named
    ``on_label`` in ``headers``."""

    events: Sequence[tuple[str, CountType]]
    unit: Unit
    from_date: date
    to_date: date
    where: Expr | None = None
    on: Expr | None = None
    on_label: str = ""


def _unit(value: Any) -> Unit:
    for unit in UNITS:
        if value == unit:
            return unit
    raise AnalyticsError(400, f"unsupported unit {value!r} in the saved report")


def _shown(sections: Mapping[str, Any]) -> list[tuple[str, CountType]]:
    events = []
    for item in sections.get("show") or []:
        behavior = item.get("behavior") if isinstance(item, Mapping) else None
        if isinstance(behavior, Mapping) and isinstance(behavior.get("name"), str):
            measurement = item.get("measurement")
            math = measurement.get("math", "total") if isinstance(measurement, Mapping) else "total"
            events.append((behavior["name"], math_kind(str(math))))
    return events


def _breakdown(sections: Mapping[str, Any]) -> tuple[Expr | None, str]:
    groups = sections.get("group") or []
    first = groups[0] if isinstance(groups, list) and groups else None
    if not isinstance(first, Mapping) or not isinstance(first.get("propertyName"), str):
        return None, ""
    name = first["propertyName"]
    if first.get("resourceType") in ("people", "user"):
        return Property("user", name), name
    return Property("properties", name), name


def read_query(params: Mapping[str, Any], today: date) -> InsightsQuery:
    """Read an Insights bookmark's ``params`` (see the module docstring)."""
    sections = params.get("sections")
    spec = range_spec(params)
    start, end = read_range(spec, today)
    events: list[tuple[str, CountType]] = []
    where = on = None
    on_label = ""
    if isinstance(sections, Mapping):
        events = _shown(sections)
        unit = _unit((spec or {}).get("unit", "day"))
        on, on_label = _breakdown(sections)
    else:
        kind = math_kind(str(params.get("math", params.get("type", "total"))))
        names = params.get("events", [params["event"]] if "event" in params else [])
        if isinstance(names, list):
            events = [(n, kind) for n in names if isinstance(n, str)]
        unit = _unit(params.get("unit", "day"))
        text = params.get("where")
        where = parse_expression(text, "where") if isinstance(text, str) and text else None
        text = params.get("on")
        if isinstance(text, str) and text:
            on, on_label = parse_expression(text, "on"), text
    if not events:
        raise AnalyticsError(400, "the saved report shows no event the sandbox can compute")
    return InsightsQuery(events, unit, start, end, where, on, on_label)


def stamp(start: int) -> str:
    """A bucket start as Mixpanel's Insights keys print it."""
    return moment(start).isoformat()


def insights(
    con: Db,
    q: Query,
    *,
    today: date,
    bookmarks: Mapping[int, Bookmark],
) -> dict[str, Any]:
    """``GET /api/query/insights`` for a saved Insights report of ``bookmarks``."""
    bookmark_id = integer(q, "bookmark_id")
    saved = find(bookmarks, bookmark_id, ("insights",), missing_status=400)
    query = read_query(params_of(saved), today)
    window = Window.of(query.from_date, query.to_date)
    buckets = Buckets(query.unit)
    starts = buckets.starts(window)
    series: dict[str, Any] = {}
    for event, kind in query.events:
        tally = tally_events(
            con, window, buckets, event, where=query.where, on=query.on, per_user=kind != "general"
        )
        if query.on is None:
            series[event] = {stamp(b): tally.value((event, b), kind) for b in starts}
            continue
        segments = tally.series_values(kind, buckets)
        series[event] = {
            segment: {stamp(b): tally.value((segment, b), kind) for b in starts}
            for segment in segments
        }
    return {
        "computed_at": computed_at(),
        "date_range": {
            "from_date": stamp(window.start),
            "to_date": moment(window.end - 1).isoformat().replace("+00:00", ".999000+00:00"),
        },
        "headers": ["$event", query.on_label] if query.on is not None else ["$event"],
        "series": series,
    }
