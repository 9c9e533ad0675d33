"""Frequency ("addiction"): how many users were active in at least 1, 2, 3, ... hours (or days)
of each day (week, month).

For each ``unit`` bucket of the range (weeks start on Monday, months on the 1st) the list has
one entry per ``addiction_unit`` slot of the bucket (24 for a day in hours, 7 for a week in days,
the month's length for a month in days); entry ``N`` counts users whose events fall in at least
``N + 1`` distinct slots of the bucket. Only events between ``from_date`` and ``to_date`` count.
``event`` picks the counted event (any event when omitted) and ``where`` filters it.

Segmenting with ``on`` is refused with a 400: the response schema has no place for segments.

Example:
    >>> at_least([3, 1, 1], slots=4)
    [3, 1, 1, 0]
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from mixpanel_data.analytics._events import (
    Buckets,
    Db,
    Unit,
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
)

PERIODS: tuple[Unit, ...] = ("day", "week", "month")
SLOTS: tuple[Unit, ...] = ("hour", "day")


def at_least(active_slots: Iterable[int], *, slots: int) -> list[int]:
    """Entry ``N``: how many of the per-user slot counts are at least ``N + 1``."""
    exactly = [0] * (slots + 1)
    for count in active_slots:
        exactly[min(count, slots)] += 1
    out = [0] * slots
    running = 0
    for n in range(slots, 0, -1):
        running += exactly[n]
        out[n - 1] = running
    return out


def frequency(con: Db, q: Query, *, today: date) -> dict[str, Any]:
    """``GET /api/query/retention/addiction``."""
    from_date, to_date = date_pair(q)
    window = Window.of(from_date, to_date)
    unit = choice(q, "unit", PERIODS)
    addiction_unit = choice(q, "addiction_unit", SLOTS)
    event = optional(q, "event")
    where = expression(q, "where")
    if optional(q, "on") is not None:
        raise bad("on", "the sandbox does not segment frequency reports; leave out 'on'")
    integer(q, "limit", default=255, minimum=1, maximum=10_000)
    buckets = Buckets(unit)
    slot = Buckets(addiction_unit)
    names = [event] if event is not None else None
    active: dict[int, dict[str, int]] = {}  # bucket start -> user -> active slots
    if where is None:
        sql = (
            f"SELECT {buckets.sql('time')} AS b, distinct_id, count(DISTINCT {slot.sql('time')})"
            f" FROM {tables_of(con).events} WHERE time >= ? AND time < ?"
        )
        params: list[Any] = [window.start, window.end]
        if names is not None:
            sql += " AND event = ?"
            params += names
        for bucket, user, slots in con.execute(sql + " GROUP BY ALL", params).fetchall():
            active.setdefault(int(bucket), {})[user] = int(slots)
    else:
        seen: dict[int, dict[str, set[int]]] = {}
        rows = load_rows(con, window, events=names, reads=[where], group=slot)
        for row in keep(rows, where):
            per_user = seen.setdefault(buckets.start(row.time), {})
            per_user.setdefault(row.distinct_id, set()).add(slot.start(row.time))
        active = {b: {u: len(s) for u, s in users.items()} for b, users in seen.items()}
    data = {}
    for start in buckets.starts(window):
        slots = len(slot.starts(Window(start, buckets.after(start))))
        users = active.get(start, {})
        data[buckets.key(start)] = at_least(users.values(), slots=slots)
    return {"data": data}
