"""Retention: cohorts of users by the day (week, month) they were "born", and how many came
back in each following interval.

Rules (from Mixpanel's retention API reference and Retention documentation):

* ``birth`` ("first time"): a user's birth is their first ``born_event`` ever (among those
  ``born_where`` accepts); the user is in the cohort of that moment when it falls between
  ``from_date`` and ``to_date``.
* ``compounded`` ("recurring"): every ``unit`` bucket in which a user did ``event`` (any event
  when omitted) puts the user in that bucket's cohort, born at their first such event in it.
  Those events are filtered with ``born_where`` when given, else with ``where``.
* Intervals are rolling from each user's birth: interval ``i`` is
  ``[birth + i*L, birth + (i+1)*L)`` with ``L = interval`` days, weeks or 30-day months.
  Interval 0 is "less than one interval after". A return is an ``event`` (any event when
  omitted) that ``where`` accepts, strictly after the birth, so the birth event itself never
  counts (Mixpanel's example has ``counts[0] < first``).
* ``counts`` has ``interval_count + 1`` entries, fewer for cohorts whose later intervals have
  not started by the end of ``today``; ``first`` is the cohort's size. With
  ``unbounded_retention=true``, ``counts[i]`` counts users who returned in interval ``i`` or
  any later interval of the array.
* Cohorts are keyed by the start of their ``unit`` bucket (weeks start on Monday); every bucket
  of the range is present. With ``on``, the body maps each value of ``on`` on the returning
  events to its own ``{date: {counts, first}}`` (``first`` is still the cohort's size); the
  ``limit`` values with the most returns are kept.

Example:
    >>> interval_seconds("week", 2)
    1209600
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Literal

from mixpanel_data.analytics._bookmarks import (
    Bookmark,
    behavior_events,
    behavior_of,
    find,
    params_of,
    with_saved_range,
)
from mixpanel_data.analytics._events import (
    DAY,
    WEEK,
    Buckets,
    Db,
    Evaluator,
    EventRow,
    Window,
    epoch,
    keep,
    load_rows,
    tables_of,
)
from mixpanel_data.analytics._params import (
    Query,
    bad,
    boolean,
    choice,
    date_pair,
    expression,
    integer,
    optional,
    required,
)
from mixpanel_data.expressions import Expr

RetentionUnit = Literal["day", "week", "month"]
_UNIT_SECONDS = {"day": DAY, "week": WEEK, "month": 30 * DAY}
ALL = ""  # the segment of every return when there is no ``on``
MAX_CELLS = 1_000_000  # most cohort x interval counts in one answer


def interval_seconds(unit: str, interval: int) -> int:
    """Length of one retention interval: ``interval`` days, weeks or 30-day months."""
    return interval * _UNIT_SECONDS[unit]


def _first_per_user(rows: Iterable[EventRow]) -> dict[str, int]:
    births: dict[str, int] = {}
    for row in rows:
        births.setdefault(row.distinct_id, row.time)
    return births


# cohort bucket start -> user -> birth time
Cohorts = dict[int, dict[str, int]]
# cohort bucket start -> interval index -> users who returned then
Hits = dict[int, dict[int, set[str]]]


def _cohorts(
    con: Db,
    window: Window,
    buckets: Buckets,
    born_event: str | None,
    names: list[str] | None,
    condition: Expr | None,
    parameter: str,
) -> Cohorts:
    """Birth cohorts (``born_event`` given) or recurring cohorts of ``names`` events, whose
    events ``condition`` (the ``parameter``) accepts."""
    cohorts: Cohorts = {b: {} for b in buckets.starts(window)}
    if born_event is not None and condition is None:
        firsts = con.execute(
            f"SELECT distinct_id, min(time) FROM {tables_of(con).events}"
            " WHERE event = ? AND time < ?"
            " GROUP BY distinct_id",
            [born_event, window.end],
        ).fetchall()
        for user, when in firsts:
            if when >= window.start:
                cohorts[buckets.start(when)][user] = int(when)
    elif born_event is not None:
        born = load_rows(con, Window(0, window.end), events=[born_event], reads=[condition])
        for user, when in _first_per_user(keep(born, condition, parameter=parameter)).items():
            if when >= window.start:
                cohorts[buckets.start(when)][user] = when
    elif condition is None:
        sql = (
            f"SELECT distinct_id, {buckets.sql('time')} AS b, min(time)"
            f" FROM {tables_of(con).events}"
            " WHERE time >= ? AND time < ?"
        )
        params: list[Any] = [window.start, window.end]
        if names is not None:
            sql += " AND event = ?"
            params += names
        for user, bucket, when in con.execute(sql + " GROUP BY ALL", params).fetchall():
            cohorts[int(bucket)][user] = int(when)
    else:
        rows = load_rows(con, window, events=names, reads=[condition])
        for row in keep(rows, condition, parameter=parameter):
            cohorts[buckets.start(row.time)].setdefault(row.distinct_id, row.time)
    return cohorts


def _sql_hits(
    con: Db,
    cohorts: Cohorts,
    names: list[str] | None,
    length: int,
    span: int,
) -> Hits:
    """Returns of every cohort member per interval, computed in DuckDB."""
    members = [(u, b, t) for b, users in cohorts.items() for u, t in users.items()]
    hits: Hits = {}
    if not members:
        return hits
    users, buckets, births = (list(column) for column in zip(*members, strict=True))
    sql = (
        "WITH c AS (SELECT unnest(?::VARCHAR[]) AS u, unnest(?::BIGINT[]) AS b,"
        " unnest(?::BIGINT[]) AS t0)"
        " SELECT DISTINCT c.b, c.u, (e.time - c.t0) // ? AS i"
        f" FROM c JOIN {tables_of(con).events} e ON e.distinct_id = c.u"
        " WHERE e.time > c.t0 AND e.time < c.t0 + ?"
    )
    params: list[Any] = [users, buckets, births, length, span]
    if names is not None:
        sql += " AND e.event = ?"
        params += names
    for bucket, user, index in con.execute(sql, params).fetchall():
        hits.setdefault(int(bucket), {}).setdefault(int(index), set()).add(user)
    return hits


def _python_hits(
    con: Db,
    cohorts: Cohorts,
    window: Window,
    names: list[str] | None,
    where: Expr | None,
    on: Expr | None,
    length: int,
    count: int,
) -> dict[str, Hits]:
    """Returns of every cohort member per segment of ``on`` and interval."""
    horizon = Window(window.start, window.end + (count + 1) * length)
    members = sorted({u for users in cohorts.values() for u in users})
    returns: dict[str, list[tuple[int, list[str]]]] = {}
    split = Evaluator(on, "on") if on is not None else None
    rows = load_rows(con, horizon, events=names, reads=[where, on], users=members)
    for row in keep(rows, where):
        segments = split.segments(row) if split is not None else [ALL]
        if segments:
            returns.setdefault(row.distinct_id, []).append((row.time, segments))
    hits: dict[str, Hits] = {}
    for bucket, users in cohorts.items():
        for user, birth in users.items():
            for when, segments in returns.get(user, ()):
                if when <= birth:
                    continue
                index = (when - birth) // length
                if index > count:
                    break
                for segment in segments:
                    per_bucket = hits.setdefault(segment, {}).setdefault(bucket, {})
                    per_bucket.setdefault(index, set()).add(user)
    return hits


def _sql_birth_table(
    con: Db,
    window: Window,
    buckets: Buckets,
    born_event: str,
    names: list[str] | None,
    length: int,
    count: int,
    now: int,
) -> dict[str, dict[str, Any]]:
    """Birth retention without filters, counted in DuckDB in one query: the same cohorts as
    :func:`_cohorts` and the same returns as :func:`_sql_hits`, as counts per interval."""
    events = tables_of(con).events
    span = (count + 1) * length
    sql = (
        f"WITH c AS (SELECT distinct_id AS u, min(time) AS t0 FROM {events}"
        " WHERE event = ? AND time < ? GROUP BY distinct_id HAVING min(time) >= ?),"
        f" h AS (SELECT DISTINCT c.u, c.t0, (e.time - c.t0) // ? AS i FROM c JOIN {events} e"
        " ON e.distinct_id = c.u WHERE e.time > c.t0 AND e.time < c.t0 + ?"
        + (" AND e.event = ?" if names is not None else "")
        + f")"
        f" SELECT {buckets.sql('t0')} AS b, -1 AS i, count(*) FROM c GROUP BY b"
        f" UNION ALL SELECT {buckets.sql('t0')} AS b, i, count(*) FROM h GROUP BY b, i"
    )
    params: list[Any] = [born_event, window.end, window.start, length, span, *(names or [])]
    sizes: dict[int, int] = {}
    hits: dict[tuple[int, int], int] = {}
    for bucket, index, n in con.execute(sql, params).fetchall():
        if index < 0:
            sizes[int(bucket)] = int(n)
        else:
            hits[(int(bucket), int(index))] = int(n)
    out = {}
    for bucket in buckets.starts(window):
        shown = [i for i in range(count + 1) if bucket + i * length < now]
        out[buckets.key(bucket)] = {
            "counts": [hits.get((bucket, i), 0) for i in shown],
            "first": sizes.get(bucket, 0),
        }
    return out


def saved_query(q: Query, bookmarks: Mapping[int, Bookmark], today: date) -> dict[str, str]:
    """``q`` completed from the saved Retention report ``bookmark_id`` names: born and return
    events, unit, and its own date range (relative to ``today``); what ``q`` gives wins."""
    saved = find(bookmarks, integer(q, "bookmark_id"), ("retention",), missing_status=404)
    behavior = behavior_of(params_of(saved))
    events = behavior_events(behavior)
    defaults: dict[str, str] = {}
    if events:
        defaults["born_event"] = events[0]
    if len(events) > 1:
        defaults["event"] = events[1]
    unit = behavior.get("retentionUnit")
    if unit in ("day", "week", "month"):
        defaults["unit"] = str(unit)
    return {**defaults, **with_saved_range(q, saved, today)}


def retention(
    con: Db, q: Query, *, today: date, bookmarks: Mapping[int, Bookmark] | None = None
) -> dict[str, Any]:
    """``GET /api/query/retention``; with ``bookmark_id``, a saved Retention report of
    ``bookmarks`` (see :func:`saved_query`)."""
    if optional(q, "bookmark_id") is not None:
        q = saved_query(q, bookmarks or {}, today)
    from_date, to_date = date_pair(q)
    window = Window.of(from_date, to_date)
    kind = choice(q, "retention_type", ("birth", "compounded"), default="birth")
    born_event = required(q, "born_event") if kind == "birth" else None
    event = optional(q, "event")
    born_where = expression(q, "born_where")
    where = expression(q, "where")
    unit: RetentionUnit = choice(q, "unit", ("day", "week", "month"), default="day")
    interval = integer(q, "interval", default=1, minimum=1)
    if unit == "day" and interval > 90:
        raise bad("interval", "interval may not be more than 90 days")
    count = integer(q, "interval_count", default=1, minimum=1, maximum=10_000)
    unbounded = boolean(q, "unbounded_retention", default=False)
    on = expression(q, "on")
    limit = integer(q, "limit", default=255, minimum=1, maximum=10_000)

    length = interval_seconds(unit, interval)
    cohort_buckets = Buckets(unit)
    if len(cohort_buckets.starts(window)) * (count + 1) > MAX_CELLS:
        raise bad("interval_count", "too many cohorts x intervals; shorten the range or the count")
    names = [event] if event is not None else None
    now = epoch(today) + DAY
    plain = born_where is None and where is None and on is None and not unbounded
    if born_event is not None and plain:
        return _sql_birth_table(con, window, cohort_buckets, born_event, names, length, count, now)
    if born_event is not None or born_where is not None:
        cohort_filter, parameter = born_where, "born_where"
    else:
        cohort_filter, parameter = where, "where"
    cohorts = _cohorts(con, window, cohort_buckets, born_event, names, cohort_filter, parameter)
    span = (count + 1) * length
    if where is None and on is None:
        hits = {ALL: _sql_hits(con, cohorts, names, length, span)}
    else:
        hits = _python_hits(con, cohorts, window, names, where, on, length, count)

    def table(segment: str) -> dict[str, dict[str, Any]]:
        out = {}
        for bucket, members in sorted(cohorts.items()):
            shown = [i for i in range(count + 1) if bucket + i * length < now]
            per_index = hits.get(segment, {}).get(bucket, {})
            counts = []
            for i in shown:
                if unbounded:
                    users: set[str] = set()
                    for j in shown[i:]:
                        users |= per_index.get(j, set())
                    counts.append(len(users))
                else:
                    counts.append(len(per_index.get(i, ())))
            out[cohort_buckets.key(bucket)] = {"counts": counts, "first": len(members)}
        return out

    if on is None:
        return table(ALL)
    totals = {
        s: sum(len(users) for b in per_b.values() for users in b.values())
        for s, per_b in hits.items()
    }
    top = sorted(totals, key=lambda s: (-totals[s], s))[:limit]
    return {segment: table(segment) for segment in top}
