"""Reading saved reports (bookmarks): lookup, and the date ranges their ``params`` use.

A bookmark is a mapping shaped like an entry of ``list_bookmarks``: ``id``, ``type``
(``insights``, ``flows``, ...), ``name`` and ``params`` (the report definition).

Date ranges are read from either spelling:

* Mixpanel's: ``{"dateRangeType": "in the last", "window": {"unit": "day", "value": 30}}``,
  ``{"dateRangeType": "between", "value": ["2026-01-01", "2026-01-31"]}``,
  ``{"dateRangeType": "since", "value": "2026-01-01"}``; flows use ``type`` instead of
  ``dateRangeType`` and may give ``from_date``/``to_date``.
* plain: ``{"from_date": "...", "to_date": "..."}`` or ``{"last": 30}`` (days).

:func:`range_spec` finds the range in a definition (``sections.time[0]``, ``time[0]``,
``date_range`` or the definition's own keys).

"In the last N units" ends ``today`` and starts N units earlier plus one day.

Example:
    >>> read_range({"type": "in the last", "window": {"unit": "day", "value": 7}},
    ...            date(2026, 1, 31))
    (datetime.date(2026, 1, 25), datetime.date(2026, 1, 31))
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from mixpanel_data.analytics._errors import AnalyticsError
from mixpanel_data.analytics._events import add_months
from mixpanel_data.analytics._params import FIRST_DATE, parse_date

Bookmark = Mapping[str, Any]
DEFAULT_DAYS = 30


def find(
    bookmarks: Mapping[int, Bookmark],
    bookmark_id: int,
    kinds: tuple[str, ...],
    *,
    missing_status: int,
) -> Bookmark:
    """The bookmark with ``bookmark_id`` whose ``type`` is one of ``kinds``."""
    saved = bookmarks.get(bookmark_id)
    if saved is None:
        raise AnalyticsError(
            missing_status, f"bookmark {bookmark_id} does not exist", parameter="bookmark_id"
        )
    kind = saved.get("type", kinds[0])
    if kind not in kinds:
        raise AnalyticsError(
            400,
            f"bookmark {bookmark_id} is a {kind} report, not {' or '.join(kinds)}",
            parameter="bookmark_id",
        )
    return saved


def params_of(saved: Bookmark) -> Mapping[str, Any]:
    """The report definition of ``saved`` (an empty mapping when it has none)."""
    params = saved.get("params")
    return params if isinstance(params, Mapping) else {}


def _before(today: date, value: int, unit: str) -> date:
    days = {"day": 1, "week": 7, "month": 31}.get(unit)
    if days is None:
        raise AnalyticsError(400, f"unsupported date range unit {unit!r} in the saved report")
    if (today - FIRST_DATE).days < value * days:
        raise AnalyticsError(400, "the saved report's date range starts before 1970")
    if unit == "month":
        return add_months(today, -value) + timedelta(days=1)
    return today - timedelta(days=value * days - 1)


def _a_date(value: Any, what: str) -> date:
    if not isinstance(value, str):
        raise AnalyticsError(400, f"the saved report's {what} must be a YYYY-MM-DD date")
    return parse_date(value[:10], what)


def read_range(spec: Mapping[str, Any] | None, today: date) -> tuple[date, date]:
    """``(from_date, to_date)`` of a saved date range (see the module docstring); the last 30
    days when ``spec`` is empty."""
    if not spec:
        return today - timedelta(days=DEFAULT_DAYS - 1), today
    if "from_date" in spec or "to_date" in spec:
        start = _a_date(spec.get("from_date"), "from_date")
        end = _a_date(spec.get("to_date", today.isoformat()), "to_date")
    elif "last" in spec:
        start, end = _before(today, _count(spec["last"]), "day"), today
    else:
        kind = str(spec.get("dateRangeType", spec.get("type", "in the last"))).lower()
        value = spec.get("value")
        if kind == "in the last":
            window = spec.get("window")
            window = window if isinstance(window, Mapping) else {}
            start = _before(
                today, _count(window.get("value", DEFAULT_DAYS)), str(window.get("unit", "day"))
            )
            end = today
        elif kind == "between" and isinstance(value, list) and len(value) == 2:
            start, end = _a_date(value[0], "from_date"), _a_date(value[1], "to_date")
        elif kind == "since":
            start, end = _a_date(value, "from_date"), today
        else:
            raise AnalyticsError(400, f"unsupported date range {kind!r} in the saved report")
    if end < start:
        raise AnalyticsError(400, "the saved report's date range ends before it starts")
    return start, end


def range_spec(params: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """Where a report definition keeps its date range: ``sections.time[0]``, ``time[0]``,
    ``date_range``, or plain ``from_date``/``to_date``/``last`` keys of ``params`` itself."""
    sections = params.get("sections")
    times = sections.get("time") if isinstance(sections, Mapping) else None
    times = times or params.get("time")
    if isinstance(times, list) and times and isinstance(times[0], Mapping):
        first: Mapping[str, Any] = times[0]
        return first
    spec = params.get("date_range")
    if isinstance(spec, Mapping):
        return spec
    plain = {k: params[k] for k in ("from_date", "to_date", "last") if k in params}
    return plain or None


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise AnalyticsError(400, "the saved report's date range length must be a positive integer")
    return value


def behavior_of(params: Mapping[str, Any]) -> Mapping[str, Any]:
    """The first shown behavior of a Funnels or Retention definition
    (``sections.show[0].behavior``; empty when there is none)."""
    sections = params.get("sections")
    shows = sections.get("show") if isinstance(sections, Mapping) else None
    first = shows[0] if isinstance(shows, list) and shows else None
    behavior = first.get("behavior") if isinstance(first, Mapping) else None
    return behavior if isinstance(behavior, Mapping) else {}


def behavior_events(behavior: Mapping[str, Any]) -> list[str]:
    """The event names of a behavior's ``behaviors`` (funnel steps; born and return events)."""
    items = behavior.get("behaviors")
    names = (
        [b.get("name") for b in items if isinstance(b, Mapping)] if isinstance(items, list) else []
    )
    return [n for n in names if isinstance(n, str) and n]


def with_saved_range(q: Mapping[str, str], saved: Bookmark, today: date) -> dict[str, str]:
    """``q`` with ``from_date``/``to_date`` taken from the saved report's own range when the
    request gives neither; the range is relative to ``today`` (the data's last day)."""
    out = dict(q)
    if "from_date" not in q and "to_date" not in q:
        start, end = read_range(range_spec(params_of(saved)), today)
        out["from_date"], out["to_date"] = start.isoformat(), end.isoformat()
    return out
