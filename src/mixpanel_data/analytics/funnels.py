"""Saved funnels: step counts, conversion ratios and times, per date bucket.

Rules (Mixpanel's "uniques" funnel, default re-entry mode, from its Funnels documentation):

* Each date bucket is a funnel of its own. A user enters it at their first step-1 event inside
  the bucket; the conversion window runs from that event and later step-1 events do not
  restart it.
* Steps must happen in order: each step is the earliest event of that step's name at or after
  the previous step's time (same second allowed, never the same event twice) and no later than
  the entry time plus the window. Other events in between do not matter. Later steps may
  happen after ``to_date`` (Mixpanel looks past it for completions).
* A user counts at most once per step per bucket. ``avg_time`` is the mean seconds from the
  previous step, ``avg_time_from_start`` from step 1, both over the users who reached the step,
  rounded to whole seconds, ``null`` for step 1.
* ``where`` filters the events of every step before matching (like an inline filter on each
  step). ``on`` splits users by the value on their entry event; each bucket then maps
  ``"$overall"`` and every segment to its list of steps and ``meta.property_values`` lists the
  segments (the legacy funnel API's segmented shape; recalled, not in Mixpanel's documents).
* The window is ``length`` x ``length_unit`` (at most 90 days), defaulting to the funnel's saved
  window; a saved funnel without one gets 7 days, the default of Mixpanel's funnel builder.
* Buckets are ``interval`` days from ``from_date`` (default 1), or calendar days, Monday weeks
  or months with ``unit``.

Example:
    >>> FunnelDef("Signup", ["Viewed Page", "Signed Up"]).window_seconds()
    604800
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from mixpanel_data.analytics._bookmarks import (
    Bookmark,
    behavior_events,
    behavior_of,
    params_of,
    with_saved_range,
)
from mixpanel_data.analytics._events import (
    DAY,
    Buckets,
    Db,
    Evaluator,
    EventRow,
    Window,
    keep,
    load_rows,
    tables_of,
)
from mixpanel_data.analytics._params import (
    Query,
    bad,
    choice,
    date_pair,
    expression,
    integer,
    optional,
    optional_integer,
)

LENGTH_UNITS: Mapping[str, int] = {"second": 1, "minute": 60, "hour": 3600, "day": DAY}
MAX_WINDOW = 90 * DAY
OVERALL = "$overall"


@dataclass(frozen=True, slots=True)
class FunnelDef:
    """A saved funnel: its name, step event names, and saved conversion window.

    Example:
        >>> FunnelDef("Checkout", ["Added to Cart", "Purchased"], length=1, length_unit="hour")
        FunnelDef(name='Checkout', steps=('Added to Cart', 'Purchased'), length=1, ...)
    """

    name: str
    steps: Sequence[str]
    length: int = 7
    length_unit: str = "day"

    def __post_init__(self) -> None:
        object.__setattr__(self, "steps", tuple(self.steps))
        if not self.steps:
            raise ValueError("a funnel needs at least one step")
        if self.length_unit not in LENGTH_UNITS or self.length < 1:
            raise ValueError(f"bad conversion window {self.length} {self.length_unit}")

    def window_seconds(self) -> int:
        """The saved conversion window in seconds."""
        return self.length * LENGTH_UNITS[self.length_unit]


@dataclass(slots=True)
class _StepStats:
    users: int = 0
    since_previous: float = 0.0
    since_start: float = 0.0


@dataclass(slots=True)
class _Bucket:
    steps: list[_StepStats] = field(default_factory=list)

    def add(self, times: Sequence[int], n_steps: int) -> None:
        if not self.steps:
            self.steps = [_StepStats() for _ in range(n_steps)]
        for k, when in enumerate(times):
            stats = self.steps[k]
            stats.users += 1
            if k:
                stats.since_previous += when - times[k - 1]
                stats.since_start += when - times[0]


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0


def _mean(total: float, count: int) -> int | None:
    return round(total / count) if count else None


def _report(bucket: _Bucket | None, steps: Sequence[str]) -> dict[str, Any]:
    stats = bucket.steps if bucket and bucket.steps else [_StepStats() for _ in steps]
    first = stats[0].users
    out = []
    for k, name in enumerate(steps):
        count = stats[k].users
        previous = stats[k - 1].users if k else first
        out.append(
            {
                "count": count,
                "goal": name,
                "event": name,
                "step_label": name,
                "step_conv_ratio": _ratio(count, previous) if k else (1 if first else 0),
                "overall_conv_ratio": _ratio(count, first) if k else (1 if first else 0),
                "avg_time": _mean(stats[k].since_previous, count) if k else None,
                "avg_time_from_start": _mean(stats[k].since_start, count) if k else None,
            }
        )
    worst = 0
    if len(steps) > 1:
        ratios = [_ratio(stats[k].users, stats[k - 1].users) for k in range(1, len(steps))]
        worst = 1 + ratios.index(min(ratios))
    analysis = {
        "completion": out[-1]["count"],
        "starting_amount": first,
        "steps": len(steps),
        "worst": worst,
    }
    return {"steps": out, "analysis": analysis}


# One user's events of the funnel: event name -> times in order (ties in stored order).
Timelines = Mapping[str, Sequence[int]]


def match_steps(entry: int, steps: Sequence[str], deadline: int, lines: Timelines) -> list[int]:
    """Times of the steps reached from the step-1 event ``lines[steps[0]][entry]``.

    Args:
        deadline: the last moment (epoch seconds, inclusive) a step may happen.
        lines: the user's events by name (see :data:`Timelines`).
    """
    times = [lines[steps[0]][entry]]
    used = {(steps[0], entry)}
    for name in steps[1:]:
        line = lines.get(name, ())
        found = None
        for position in range(bisect.bisect_left(line, times[-1]), len(line)):
            if line[position] > deadline:
                break
            if (name, position) not in used:
                found = position
                break
        if found is None:
            break
        used.add((name, found))
        times.append(line[found])
    return times


def _sql_timelines(
    con: Db, window: Window, names: Sequence[str]
) -> dict[str, dict[str, list[int]]]:
    """Every user's timelines, built in DuckDB."""
    rows = con.execute(
        "SELECT distinct_id, event, list(time ORDER BY time, insert_id)"
        f" FROM {tables_of(con).events}"
        " WHERE time >= ? AND time < ? AND list_contains(?::VARCHAR[], event)"
        " GROUP BY ALL",
        [window.start, window.end, list(names)],
    ).fetchall()
    users: dict[str, dict[str, list[int]]] = {}
    for user, event, times in rows:
        users.setdefault(user, {})[event] = times
    return users


def _sql_cells(
    con: Db, window: Window, reach: Window, steps: Sequence[str], span: int, buckets: Buckets
) -> dict[tuple[str, int], _Bucket]:
    """Per entry bucket, the users reaching each step and their summed step times, computed in
    DuckDB with one join per step. The same rules as :func:`match_steps` when no step name
    repeats: a user enters once per bucket, at their first step-1 event in it; step ``k`` is
    their first step-``k`` event at or after step ``k - 1``, no later than entry + ``span``."""
    parts = [
        f"ev AS (SELECT distinct_id AS u, event AS n, time AS t FROM {tables_of(con).events}"
        " WHERE time >= ? AND time < ? AND list_contains(?::VARCHAR[], event))",
        f"s1 AS (SELECT u, {buckets.sql('t')} AS b, min(t) AS t1 FROM ev"
        " WHERE n = ? AND t >= ? AND t < ? GROUP BY u, b)",
    ]
    params: list[Any] = [reach.start, reach.end, list(steps), steps[0], window.start, window.end]
    totals = ["SELECT b, 1 AS k, count(*), 0, 0 FROM s1 GROUP BY b"]
    for k in range(2, len(steps) + 1):
        parts.append(
            f"s{k} AS (SELECT s.*, min(e.t) AS t{k} FROM s{k - 1} s JOIN ev e ON e.u = s.u"
            f" AND e.n = ? AND e.t >= s.t{k - 1} AND e.t <= s.t1 + ? GROUP BY ALL)"
        )
        params += [steps[k - 1], span]
        totals.append(
            f"SELECT b, {k}, count(*), sum(t{k} - t{k - 1}), sum(t{k} - t1) FROM s{k} GROUP BY b"
        )
    sql = "WITH " + ", ".join(parts) + " " + " UNION ALL ".join(totals)
    cells: dict[tuple[str, int], _Bucket] = {}
    for bucket, k, users, since_previous, since_start in con.execute(sql, params).fetchall():
        cell = cells.setdefault((OVERALL, int(bucket)), _Bucket())
        if not cell.steps:
            cell.steps = [_StepStats() for _ in steps]
        stats = cell.steps[int(k) - 1]
        stats.users = int(users)
        stats.since_previous = int(since_previous or 0)
        stats.since_start = int(since_start or 0)
    return cells


#: A conversion window saved in weeks or months counts 7 or 30 days per unit.
_DAYS_PER = {"week": 7, "month": 30}


def bookmark_funnel(saved: Bookmark) -> FunnelDef | None:
    """The funnel a saved Funnels report (bookmark) defines: its behaviors' events as steps and
    its conversion window (``None`` when it names fewer than one step).

    Example:
        >>> bookmark_funnel({"name": "f", "params": {"sections": {"show": [{"behavior": {
        ...     "behaviors": [{"name": "A"}, {"name": "B"}], "conversionWindowDuration": 2,
        ...     "conversionWindowUnit": "week"}}]}}})
        FunnelDef(name='f', steps=('A', 'B'), length=14, length_unit='day')
    """
    behavior = behavior_of(params_of(saved))
    steps = behavior_events(behavior)
    if not steps:
        return None
    length = behavior.get("conversionWindowDuration", 30)
    unit = str(behavior.get("conversionWindowUnit", "day"))
    if isinstance(length, bool) or not isinstance(length, int) or length < 1:
        length = 30
    if unit in _DAYS_PER:
        length, unit = length * _DAYS_PER[unit], "day"
    if unit not in LENGTH_UNITS:
        length, unit = 30, "day"
    return FunnelDef(name=str(saved.get("name", "")), steps=steps, length=length, length_unit=unit)


def funnel(
    con: Db,
    q: Query,
    *,
    today: date,
    funnels: Mapping[int, FunnelDef],
    bookmarks: Mapping[int, Bookmark] | None = None,
) -> dict[str, Any]:
    """``GET /api/query/funnels`` for a saved funnel of ``funnels`` (id -> definition), or a
    saved Funnels report of ``bookmarks`` by its id: its steps and window, and its own date
    range when the request gives no dates."""
    funnel_id = integer(q, "funnel_id")
    saved = funnels.get(funnel_id)
    report = (bookmarks or {}).get(funnel_id)
    if saved is None and report is not None and report.get("type") == "funnels":
        saved = bookmark_funnel(report)
        q = with_saved_range(q, report, today)
    if saved is None:
        raise bad("funnel_id", f"funnel {funnel_id} does not exist")
    from_date, to_date = date_pair(q)
    window = Window.of(from_date, to_date)
    length = optional_integer(q, "length", minimum=1)
    unit_name = choice(q, "length_unit", tuple(LENGTH_UNITS), default=saved.length_unit)
    if length is None and optional(q, "length_unit") is None:
        span = saved.window_seconds()
    else:
        span = (length if length is not None else saved.length) * LENGTH_UNITS[unit_name]
        if span > MAX_WINDOW:
            raise bad("length", "the conversion window may not be longer than 90 days")
    calendar_unit = optional(q, "unit")
    if calendar_unit is not None:
        buckets = Buckets(choice(q, "unit", ("day", "week", "month")))
    else:
        interval = integer(q, "interval", default=1, minimum=1)
        buckets = Buckets("day", days=interval, origin=window.start)
    on = expression(q, "on")
    where = expression(q, "where")
    limit = integer(q, "limit", default=255, minimum=1, maximum=10_000)
    starts = buckets.starts(window)

    steps = list(saved.steps)
    names = list(dict.fromkeys(steps))
    reach = Window(window.start, window.end + span)
    if where is None and on is None and len(names) == len(steps):
        fast = _sql_cells(con, window, reach, steps, span, buckets)
        data = {buckets.key(b): _report(fast.get((OVERALL, b)), steps) for b in starts}
        return {"meta": {"dates": [buckets.key(b) for b in starts]}, "data": data}
    # user -> timelines, and (with `on`) the rows of the step-1 events in the same order
    timelines: dict[str, dict[str, list[int]]]
    entry_rows: dict[str, list[EventRow]] = {}
    if where is None and on is None:
        timelines = _sql_timelines(con, reach, names)
    else:
        timelines = {}
        for row in keep(load_rows(con, reach, events=names, reads=[where, on]), where):
            lines = timelines.setdefault(row.distinct_id, {})
            lines.setdefault(row.event, []).append(row.time)
            if row.event == steps[0]:
                entry_rows.setdefault(row.distinct_id, []).append(row)

    split = Evaluator(on, "on") if on is not None else None
    cells: dict[tuple[str, int], _Bucket] = {}
    entries: dict[str, int] = {}
    for user, lines in timelines.items():
        seen: set[int] = set()
        for index, when in enumerate(lines.get(steps[0], ())):
            if not window.start <= when < window.end:
                continue
            bucket = buckets.start(when)
            if bucket in seen:
                continue
            seen.add(bucket)
            times = match_steps(index, steps, when + span, lines)
            labels = [OVERALL]
            if split is not None:
                labels += split.segments(entry_rows[user][index])
            for label in dict.fromkeys(labels):
                cells.setdefault((label, bucket), _Bucket()).add(times, len(steps))
                entries[label] = entries.get(label, 0) + 1

    dates = [buckets.key(b) for b in starts]
    if on is None:
        data = {buckets.key(b): _report(cells.get((OVERALL, b)), steps) for b in starts}
        return {"meta": {"dates": dates}, "data": data}
    segments = sorted((n for n in entries if n != OVERALL), key=lambda n: (-entries[n], n))
    segments = segments[:limit]
    per_segment: dict[str, Any] = {}
    for b in starts:
        per_segment[buckets.key(b)] = {
            name: _report(cells.get((name, b)), steps)["steps"] for name in [OVERALL, *segments]
        }
    return {"meta": {"dates": dates, "property_values": segments}, "data": per_segment}
