"""What every report shares: time windows, time buckets, and reading events from DuckDB.

Times are UTC (the sandbox's project time zone). A query's window runs from ``from_date``
00:00:00 to ``to_date`` 23:59:59, both inclusive; internally it is ``[start, end)`` in epoch
seconds.

Bucket keys, as Mixpanel prints them:

========  ======================  ==================================================
unit      key                     bucket
========  ======================  ==================================================
minute    ``2026-01-05 13:07:00``  the minute
hour      ``2026-01-05 13:00:00``  the hour
day       ``2026-01-05``           the day
week      ``2026-01-05``           the week starting on Monday (Mixpanel's default)
month     ``2026-01-01``           the calendar month, keyed by its first day
N days    ``2026-01-05``           N-day blocks counted from ``from_date``
========  ======================  ==================================================

Events are selected by window and event name in SQL, duplicates removed the way Mixpanel does
at query time (see :data:`EVENTS`). Without a ``where``/``on`` expression, reports aggregate in
DuckDB. With one, only the properties the expressions read are pulled out of the JSON column
(``user[...]`` reads join the ``profiles`` table), rows are grouped in SQL when the report allows,
and each distinct input is evaluated once in Python with :mod:`mixpanel_data.expressions`.

Example:
    >>> Buckets("week").key(Buckets("week").start(1767830400))  # Thursday 2026-01-08
    '2026-01-05'
"""

from __future__ import annotations

import calendar
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal, TypeAlias

import duckdb

from mixpanel_data.analytics._errors import AnalyticsError
from mixpanel_data.exceptions import ExpressionError
from mixpanel_data.expressions import (
    Expr,
    Property,
    accessors,
    evaluate,
    matches,
    segment_keys,
)

Unit: TypeAlias = Literal["minute", "hour", "day", "week", "month"]
UNITS: tuple[Unit, ...] = ("minute", "hour", "day", "week", "month")
MINUTE = 60
HOUR = 3600
DAY = 86400
WEEK = 7 * DAY
#: Most time buckets one report may have.
MAX_BUCKETS = 100_000
# 1970-01-01 was a Thursday: (days since epoch + 3) % 7 is 0 on Mondays.
_MONDAY_SHIFT = 3


def epoch(day: date) -> int:
    """Midnight UTC at the start of ``day``, in epoch seconds."""
    return calendar.timegm(day.timetuple())


def moment(ts: int) -> datetime:
    """An aware UTC datetime for epoch seconds ``ts``."""
    return datetime.fromtimestamp(ts, UTC)


def day_of(ts: int) -> date:
    """The UTC date of epoch seconds ``ts``."""
    return moment(ts).date()


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months (clamped to the month's last day)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


@dataclass(frozen=True, slots=True)
class Window:
    """A span of time ``[start, end)`` in epoch seconds.

    Example:
        >>> w = Window.of(date(2026, 1, 1), date(2026, 1, 2))
        >>> w.end - w.start, w.to_date
        (172800, datetime.date(2026, 1, 2))
    """

    start: int
    end: int

    @staticmethod
    def of(from_date: date, to_date: date) -> Window:
        """From ``from_date`` 00:00:00 through ``to_date`` 23:59:59 (UTC)."""
        return Window(epoch(from_date), epoch(to_date) + DAY)

    @property
    def from_date(self) -> date:
        """The first day the window touches."""
        return day_of(self.start)

    @property
    def to_date(self) -> date:
        """The last day the window touches."""
        return day_of(self.end - 1)


@dataclass(frozen=True, slots=True)
class Buckets:
    """How a report cuts time into buckets: a calendar ``unit``, or ``days``-long blocks
    counted from ``origin`` (epoch seconds) when ``days`` is set.

    Example:
        >>> b = Buckets("day", days=7, origin=epoch(date(2026, 1, 1)))
        >>> b.key(b.start(epoch(date(2026, 1, 9))))
        '2026-01-08'
    """

    unit: Unit = "day"
    days: int = 0
    origin: int = 0

    def start(self, ts: int) -> int:
        """Start of the bucket holding ``ts``."""
        if self.days:
            size = self.days * DAY
            return self.origin + (ts - self.origin) // size * size
        if self.unit == "minute":
            return ts - ts % MINUTE
        if self.unit == "hour":
            return ts - ts % HOUR
        midnight = ts - ts % DAY
        if self.unit == "day":
            return midnight
        if self.unit == "week":
            return midnight - (ts // DAY + _MONDAY_SHIFT) % 7 * DAY
        first = day_of(ts).replace(day=1)
        return epoch(first)

    def after(self, start: int) -> int:
        """Start of the bucket that follows the one starting at ``start``."""
        if self.days:
            return start + self.days * DAY
        if self.unit == "month":
            return epoch(add_months(day_of(start), 1))
        return start + {"minute": MINUTE, "hour": HOUR, "day": DAY, "week": WEEK}[self.unit]

    def sql(self, column: str = "time") -> str:
        """A DuckDB expression giving the bucket start (epoch seconds) of ``column``."""
        if self.days:
            size = self.days * DAY
            return f"({self.origin} + ({column} - {self.origin}) // {size} * {size})"
        if self.unit == "minute":
            return f"({column} - {column} % {MINUTE})"
        if self.unit == "hour":
            return f"({column} - {column} % {HOUR})"
        midnight = f"({column} - {column} % {DAY})"
        if self.unit == "day":
            return midnight
        if self.unit == "week":
            return f"({midnight} - ({column} // {DAY} + {_MONDAY_SHIFT}) % 7 * {DAY})"
        return (
            f"CAST(epoch(date_trunc('month', make_timestamp(CAST({column} AS BIGINT) * 1000000)))"
            " AS BIGINT)"
        )

    def key(self, start: int) -> str:
        """The bucket's key as Mixpanel prints it (see the module docstring)."""
        when = moment(start)
        if not self.days and self.unit == "minute":
            return when.strftime("%Y-%m-%d %H:%M:00")
        if not self.days and self.unit == "hour":
            return when.strftime("%Y-%m-%d %H:00:00")
        return when.strftime("%Y-%m-%d")

    def starts(self, window: Window) -> list[int]:
        """Start of every bucket that overlaps ``window``, in order (400 when there would be
        more than :data:`MAX_BUCKETS`)."""
        size = self.days * DAY if self.days else {"minute": MINUTE, "hour": HOUR}.get(self.unit)
        if (window.end - window.start) // (size or DAY) > MAX_BUCKETS:
            raise AnalyticsError(
                400,
                f"the date range holds more than {MAX_BUCKETS} buckets; shorten it or use a"
                " larger unit",
                parameter="from_date",
            )
        out = []
        current = self.start(window.start)
        while current < window.end:
            out.append(current)
            current = self.after(current)
        return out

    def keys(self, window: Window) -> list[str]:
        """Key of every bucket that overlaps ``window``, in order."""
        return [self.key(start) for start in self.starts(window)]


def last_units_window(unit: Unit, count: int, today: date) -> Window:
    """The window of the last ``count`` ``unit`` buckets up to the end of ``today``
    (``count=1`` is the current bucket only)."""
    end = epoch(today) + DAY
    buckets = Buckets(unit)
    start = buckets.start(end - 1)
    if unit == "month":
        start = epoch(add_months(day_of(start), -(count - 1)))
    else:
        step = {"minute": MINUTE, "hour": HOUR, "day": DAY, "week": WEEK}[unit]
        start -= (count - 1) * step
    return Window(start, end)


# -- reading events ------------------------------------------------------------------------------


def dedup(relation: str) -> str:
    """``relation`` (columns ``event``, ``time``, ``distinct_id``, ``insert_id``,
    ``properties``) as reports see it. Mixpanel deduplicates at query time (not in raw exports):
    events with the same name, distinct id, time and ``$insert_id`` count once (which copy is
    kept is not specified). Events without an insert id are never merged. Filters on name and
    time still reach the table scan."""
    return (
        "(SELECT DISTINCT ON (event, distinct_id, time, insert_id,"
        f" CASE WHEN insert_id IS NULL THEN gen_random_uuid() END) * FROM {relation})"
    )


#: The sandbox's ``events`` table as reports see it (see :func:`dedup`).
EVENTS = dedup("events")


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True, slots=True)
class Tables:
    """A connection and the two relations reports read: ``events`` (SQL with columns
    ``event``, ``time`` in epoch seconds, ``distinct_id``, ``insert_id``, ``properties``,
    deduplicated) and ``profiles`` (``distinct_id``, ``properties``).

    :meth:`sandbox` is the sandbox's layout; :meth:`store` reads any events table of the local
    store (``event_name``, ``event_time``, ...) and a profiles table.

    Example:
        >>> Tables.store(None, "jan", "profiles").profiles  # doctest: +SKIP
        '"profiles"'
    """

    con: duckdb.DuckDBPyConnection
    events: str = EVENTS
    profiles: str = "profiles"

    @staticmethod
    def store(
        con: duckdb.DuckDBPyConnection,
        events: str,
        profiles: str | None,
        *,
        deduplicated: bool = False,
    ) -> Tables:
        """The local store's ``events`` table and ``profiles`` table (names as stored;
        ``None``: no profiles, so ``user[...]`` reads find nothing). ``deduplicated``: the
        table holds no two rows with the same (event, distinct id, time, insert id) — the
        store's load guarantees it — so the query-time dedup is skipped."""
        relation = (
            "(SELECT event_name AS event, CAST(epoch_ms(event_time) // 1000 AS BIGINT) AS time,"
            f" distinct_id, insert_id, properties FROM {_quoted(events)})"
        )
        people = (
            _quoted(profiles)
            if profiles is not None
            else "(SELECT NULL::VARCHAR AS distinct_id, NULL::JSON AS properties WHERE false)"
        )
        return Tables(con, relation if deduplicated else dedup(relation), people)

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> duckdb.DuckDBPyConnection:
        """Run ``sql`` on the connection."""
        return self.con.execute(sql, params)


#: What reports read from: a bare connection (the sandbox's tables) or :class:`Tables`.
Db: TypeAlias = "duckdb.DuckDBPyConnection | Tables"


def tables_of(con: Db) -> Tables:
    """``con`` as :class:`Tables` (a bare connection reads the sandbox's tables)."""
    return con if isinstance(con, Tables) else Tables(con)


@dataclass(slots=True)
class EventRow:
    """One event (or, from a grouped read, several alike), with only the properties the
    query's expressions read.

    Attributes:
        time: the event's time; for a grouped read that does not need times, the start of
            its bucket.
        user: the profile's properties, when an expression reads ``user[...]``.
        count: how many events the row stands for (1 unless the read was grouped).
        key: everything an expression can see of the row; rows with equal keys evaluate
            alike (``None``: do not cache).
    """

    event: str
    time: int
    distinct_id: str
    properties: dict[str, Any] = field(default_factory=dict)
    user: dict[str, Any] | None = None
    count: int = 1
    key: tuple[Any, ...] | None = None

    def sources(self) -> dict[str, Any]:
        """Keyword arguments for :func:`mixpanel_data.expressions.matches` and friends."""
        return {
            "properties": self.properties,
            "user": self.user,
            "event": {
                "$event_name": self.event,
                "$time": self.time,
                "$distinct_id": self.distinct_id,
            },
        }


def _pointer(name: str) -> str:
    """A JSON pointer to the top-level key ``name``."""
    return "/" + name.replace("~", "~0").replace("/", "~1")


def _names(exprs: Iterable[Expr | None], source: str) -> list[str]:
    found: dict[str, None] = {}
    for expr in exprs:
        if expr is None:
            continue
        for node in accessors(expr):
            if isinstance(node, Property) and node.source == source:
                found[node.name] = None
    return list(found)


def load_rows(
    con: Db,
    window: Window,
    *,
    events: Sequence[str] | None,
    reads: Iterable[Expr | None] = (),
    all_properties: bool = False,
    users: Sequence[str] | None = None,
    group: Buckets | None = None,
    per_user: bool = True,
) -> list[EventRow]:
    """Events in ``window`` (named in ``events``; ``None`` means any), ordered by time.

    Args:
        reads: the expressions that will be evaluated on the rows; the properties and profile
            properties they access are loaded.
        all_properties: load every property instead (slower).
        users: only the events of these distinct ids.
        group: return one row per distinct (event, ``group`` bucket, values read, distinct id)
            with ``count`` events instead of one row per event, in no particular order. The
            time is kept only when an expression reads ``event["$time"]``; otherwise ``time``
            is the bucket start.
        per_user: with ``group``, keep distinct ids apart (needed to count users).
    """
    db = tables_of(con)
    exprs = list(reads)
    prop_names = _names(exprs, "properties")
    user_names = _names(exprs, "user")
    fields = set(_names(exprs, "event"))
    keep_time = group is None or "$time" in fields
    keep_user = group is None or per_user or "$distinct_id" in fields
    params: list[Any] = []
    time_sql = "e.time" if keep_time else (group or Buckets()).sql("e.time")
    columns = [f"e.event, {time_sql}, " + ("e.distinct_id" if keep_user else "NULL")]
    if all_properties:
        columns.append("CAST(e.properties AS VARCHAR)")
    for name in prop_names:
        columns.append("CAST(json_extract(e.properties, ?) AS VARCHAR)")
        params.append(_pointer(name))
    join = ""
    if user_names:
        join = (
            " LEFT JOIN (SELECT distinct_id, any_value(properties) AS properties"
            f" FROM {db.profiles} GROUP BY distinct_id) p ON p.distinct_id = e.distinct_id"
        )
        for name in user_names:
            columns.append("CAST(json_extract(p.properties, ?) AS VARCHAR)")
            params.append(_pointer(name))
    if group is not None:
        columns.append("count(*)")
    sql = f"SELECT {', '.join(columns)} FROM {db.events} e{join} WHERE e.time >= ? AND e.time < ?"
    params += [window.start, window.end]
    if events is not None:
        if not events:
            return []
        sql += " AND list_contains(?::VARCHAR[], e.event)"
        params.append(list(events))
    if users is not None:
        if not users:
            return []
        sql += " AND list_contains(?::VARCHAR[], e.distinct_id)"
        params.append(list(users))
    if group is not None:
        sql += " GROUP BY ALL"
    else:
        sql += " ORDER BY e.time, e.insert_id, e.distinct_id, e.event"
    rows = con.execute(sql, params).fetchall()
    if all_properties:
        return [
            EventRow(r[0], int(r[1]), r[2] or "", json.loads(r[3]) if r[3] else {}) for r in rows
        ]
    parsed: dict[str, Any] = {}
    # Rows with the same texts share one (read-only) dict.
    objects: dict[tuple[Any, ...], dict[str, Any]] = {}

    def unpack(names: Sequence[str], texts: tuple[Any, ...]) -> dict[str, Any]:
        """``texts`` is a source tag ("p" or "u") followed by one JSON text per name."""
        found = objects.get(texts)
        if found is None:
            found = {}
            for name, text in zip(names, texts[1:], strict=True):
                if text is None:  # SQL NULL: the key is absent; a JSON null arrives as 'null'
                    continue
                if text not in parsed:
                    parsed[text] = json.loads(text)
                found[name] = parsed[text]
            objects[texts] = found
        return found

    n_props, n_users = len(prop_names), len(user_names)
    reads_time, reads_id = "$time" in fields, "$distinct_id" in fields
    out: list[EventRow] = []
    for row in rows:
        props_text = ("p", *row[3 : 3 + n_props])
        user_text = ("u", *row[3 + n_props : 3 + n_props + n_users])
        props = unpack(prop_names, props_text) if n_props else {}
        user = unpack(user_names, user_text) if n_users else None
        key = (
            row[0],
            row[1] if reads_time else None,
            row[2] if reads_id else None,
            props_text,
            user_text,
        )
        count = int(row[-1]) if group is not None else 1
        out.append(EventRow(row[0], int(row[1]), row[2] or "", props, user, count, key))
    return out


class Evaluator:
    """One expression evaluated over rows, once per distinct :attr:`EventRow.key`.

    Evaluation errors (``and`` over a string, ...) become a 400 naming ``parameter``.
    """

    def __init__(self, expr: Expr, parameter: str) -> None:
        self.expr = expr
        self.parameter = parameter
        self._cache: dict[tuple[str, tuple[Any, ...] | None], Any] = {}

    def _run(self, kind: str, row: EventRow, compute: Callable[[], Any]) -> Any:
        if row.key is None:
            return self._guard(compute)
        cell = (kind, row.key)
        if cell not in self._cache:
            self._cache[cell] = self._guard(compute)
        return self._cache[cell]

    def _guard(self, compute: Callable[[], Any]) -> Any:
        try:
            return compute()
        except ExpressionError as err:
            raise AnalyticsError(
                400, f"cannot evaluate {self.parameter}: {err.message}", parameter=self.parameter
            ) from None

    def matches(self, row: EventRow) -> bool:
        """Whether the filter accepts ``row``."""
        return bool(self._run("m", row, lambda: matches(self.expr, **row.sources())))

    def segments(self, row: EventRow) -> list[str]:
        """The segments ``row`` falls in (a list value: one per item); empty when not set."""

        def compute() -> list[str]:
            keys = segment_keys(self.expr, **row.sources())
            return [k for k in keys if k is not None]

        result: list[str] = self._run("s", row, compute)
        return result

    def number(self, row: EventRow) -> float | int | None:
        """The expression's value on ``row`` when it is a number, else ``None``."""

        def compute() -> float | int | None:
            value = evaluate(self.expr, **row.sources())
            if isinstance(value, bool) or not isinstance(value, int | float):
                return None
            return value

        result: float | int | None = self._run("n", row, compute)
        return result


def keep(
    rows: Iterable[EventRow], where: Expr | None, *, parameter: str = "where"
) -> list[EventRow]:
    """The rows ``where`` accepts (all of them when ``where`` is ``None``)."""
    if where is None:
        return list(rows)
    test = Evaluator(where, parameter)
    return [row for row in rows if test.matches(row)]


# -- counting ------------------------------------------------------------------------------------

CountType: TypeAlias = Literal["general", "unique", "average"]
COUNT_TYPES: tuple[CountType, ...] = ("general", "unique", "average")


@dataclass(slots=True)
class Tally:
    """Events and distinct users per (series, bucket start)."""

    events: dict[tuple[str, int], int] = field(default_factory=dict)
    users: dict[tuple[str, int], set[str]] = field(default_factory=dict)
    user_counts: dict[tuple[str, int], int] = field(default_factory=dict)

    def add(self, series: str, bucket: int, distinct_id: str, count: int = 1) -> None:
        """Count ``count`` events of ``distinct_id`` in ``series`` at ``bucket``."""
        cell = (series, bucket)
        self.events[cell] = self.events.get(cell, 0) + count
        self.users.setdefault(cell, set()).add(distinct_id)

    def set(self, series: str, bucket: int, events: int, users: int) -> None:
        """Store counts computed elsewhere (in SQL)."""
        self.events[(series, bucket)] = events
        self.user_counts[(series, bucket)] = users

    def value(self, cell: tuple[str, int], kind: CountType) -> int | float:
        """The cell's value for count type ``kind``."""
        events = self.events.get(cell, 0)
        users = self.user_counts.get(cell, len(self.users.get(cell, ())))
        if kind == "general":
            return events
        if kind == "unique":
            return users
        return events / users if users else 0

    def series_values(
        self, kind: CountType, buckets: Buckets, *, limit: int | None = None
    ) -> dict[str, dict[str, int | float]]:
        """``{series: {bucket key: value}}`` without empty cells, largest series first,
        at most ``limit`` series."""
        totals: dict[str, int] = {}
        cells: dict[str, list[int]] = {}
        for (series, bucket), events in self.events.items():
            totals[series] = totals.get(series, 0) + events
            cells.setdefault(series, []).append(bucket)
        order = sorted(totals, key=lambda s: (-totals[s], s))
        if limit is not None:
            order = order[:limit]
        out: dict[str, dict[str, int | float]] = {}
        for series in order:
            values = {buckets.key(b): self.value((series, b), kind) for b in sorted(cells[series])}
            out[series] = {k: v for k, v in values.items() if v}
        return {s: v for s, v in out.items() if v}


def sql_tally(
    con: Db,
    window: Window,
    buckets: Buckets,
    *,
    events: Sequence[str],
) -> Tally:
    """Events and distinct users per (event name, bucket), computed in DuckDB."""
    sql = (
        f"SELECT event, {buckets.sql('time')} AS b, count(*), count(DISTINCT distinct_id)"
        f" FROM {tables_of(con).events} WHERE time >= ? AND time < ?"
        " AND list_contains(?::VARCHAR[], event)"
        " GROUP BY event, b"
    )
    tally = Tally()
    for event, bucket, n_events, n_users in con.execute(
        sql, [window.start, window.end, list(events)]
    ).fetchall():
        tally.set(event, int(bucket), int(n_events), int(n_users))
    return tally


def time_table(
    series: Mapping[str, Mapping[str, int | float]], keys: Sequence[str]
) -> dict[str, Any]:
    """Mixpanel's ``{data: {series, values}, legend_size}`` body."""
    return {
        "data": {"series": list(keys), "values": {k: dict(v) for k, v in series.items()}},
        "legend_size": len(series),
    }


def to_csv(body: Mapping[str, Any]) -> str:
    """A ``{data: {series, values}}`` body as CSV: one row per date, one column per series."""
    import csv
    import io

    data = body["data"]
    names = list(data["values"])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["date", *names])
    for key in data["series"]:
        writer.writerow([key, *(data["values"][n].get(key, 0) for n in names)])
    return buffer.getvalue()
