"""``GET /api/2.0/export``: raw events as JSON lines, streamed from DuckDB.

Parameters as Mixpanel's: ``from_date``/``to_date`` (``YYYY-MM-DD``, UTC, inclusive; required),
``event`` (JSON array of names), ``where`` (expression), ``limit`` (1-100000), ``time_in_ms``.
Each line is ``{"event": <name>, "properties": <stored properties>}`` followed by ``\\n``, in time
order (milliseconds, then storage order). Lines are built by DuckDB and fetched in large batches;
nothing is held for the whole answer. With ``Accept-Encoding: gzip`` an unfiltered export is served
from per-day compressed runs (built on first use, dropped when a day receives events).

Example:
    >>> [(r.method, r.path) for r in ROUTES]
    [('GET', '/api/2.0/export')]
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import duckdb

from mixpanel_data.sandbox._data import SandboxData
from mixpanel_data.sandbox._gzip import HEADER, DeflatedRun, crc32_combine, deflate_chunks, trailer
from mixpanel_data.sandbox._http import Request, Response, Route, SandboxHTTPError
from mixpanel_data.sandbox._where import EventFilter, event_filter

MAX_LIMIT = 100_000
FETCH_ROWS = 8192

_LINE_S = """concat('{"event":', to_json(event), ',"properties":', properties, '}\n')"""
# Stored properties always start with {"time":<seconds>, so the ms form swaps that prefix.
_LINE_MS = """concat('{"event":', to_json(event), ',"properties":{"time":', time_ms,
                     substr(properties::VARCHAR, 9 + length(time::VARCHAR)), '}\n')"""


@dataclass(frozen=True)
class ExportQuery:
    """The parsed export parameters."""

    from_date: date
    to_date: date
    events: tuple[str, ...] | None
    where: EventFilter | None
    limit: int | None
    time_in_ms: bool

    @property
    def unfiltered(self) -> bool:
        """No event, where or limit: every event of the days (cacheable)."""
        return self.events is None and self.where is None and self.limit is None


def parse_query(req: Request) -> ExportQuery:
    """Read and check the parameters (400 on any problem)."""
    from_date = req.arg_date("from_date")
    to_date = req.arg_date("to_date")
    if to_date < from_date:
        raise SandboxHTTPError(400, "to_date must not be before from_date")
    names = req.arg_json("event")
    if names is not None:
        if isinstance(names, str):
            names = [names]
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise SandboxHTTPError(400, "event must be a JSON array of event names")
    limit = req.arg_int("limit")
    if limit is not None and not 1 <= limit <= MAX_LIMIT:
        raise SandboxHTTPError(400, f"limit must be between 1 and {MAX_LIMIT}")
    where_text = req.arg("where")
    return ExportQuery(
        from_date=from_date,
        to_date=to_date,
        events=tuple(names) if names is not None else None,
        where=event_filter(where_text) if where_text else None,
        limit=limit,
        time_in_ms=req.arg_bool("time_in_ms"),
    )


def _day_start(day: date) -> int:
    return int(datetime.combine(day, datetime.min.time(), UTC).timestamp())


def _days(data: SandboxData, q: ExportQuery) -> list[date]:
    """The days of the window that can hold events (clipped to the stored time range)."""
    with data.cursor() as cur:
        row = cur.execute(
            "SELECT min(time), max(time) FROM events WHERE time >= $1 AND time < $2",
            [_day_start(q.from_date), _day_start(q.to_date + timedelta(days=1))],
        ).fetchone()
    if row is None or row[0] is None:
        return []
    first = max(q.from_date, datetime.fromtimestamp(row[0], UTC).date())
    last = min(q.to_date, datetime.fromtimestamp(row[1], UTC).date())
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _day_sql(q: ExportQuery, sort: bool, limit: int | None) -> tuple[str, list[Any]]:
    line = _LINE_MS if q.time_in_ms else _LINE_S
    params: list[Any] = []
    conditions = ["time >= $1", "time < $2"]
    if q.events is not None:
        conditions.append("list_contains($3, event)")
        params.append(list(q.events))
    python_filter = q.where is not None and q.where.sql is None
    if q.where is not None and q.where.sql is not None:
        conditions.append(q.where.sql)
    columns = f"encode({line})"
    if python_filter:
        columns += ", event, time, distinct_id, properties::VARCHAR"
    sql = f"SELECT {columns} FROM events WHERE {' AND '.join(conditions)}"
    if sort:
        sql += " ORDER BY time_ms, seq"
    if limit is not None and not python_filter:
        sql += f" LIMIT {int(limit)}"
    return sql, params


def day_chunks(data: SandboxData, q: ExportQuery, day: date, limit: int | None) -> Iterator[bytes]:
    """The JSON lines of one day, in batches of whole lines (each line ends with a newline)."""
    sql, extra = _day_sql(q, day in data.dirty_days, limit)
    start = _day_start(day)
    left = limit
    python_filter = q.where if q.where is not None and q.where.sql is None else None
    profiles: dict[str, Any] = {}
    with data.cursor() as cur:
        result = cur.execute(sql, [start, start + 86_400, *extra])
        while left is None or left > 0:
            rows = result.fetchmany(FETCH_ROWS)
            if not rows:
                return
            if python_filter is not None:
                if python_filter.reads_user:
                    missing = {r[3] for r in rows} - profiles.keys()
                    profiles.update(dict.fromkeys(missing))
                    profiles.update(data.get_profiles(missing))
                rows = [
                    r
                    for r in rows
                    if python_filter.accepts(r[1], r[2], r[3], json.loads(r[4]), profiles.get(r[3]))
                ]
            if left is not None:
                rows = rows[:left]
                left -= len(rows)
            if rows:
                yield b"".join([r[0] for r in rows])


def _plain(data: SandboxData, q: ExportQuery, days: list[date]) -> Iterator[bytes]:
    left = q.limit
    for day in days:
        for chunk in day_chunks(data, q, day, left):
            if left is not None:
                left -= chunk.count(b"\n")
            yield chunk
        if left is not None and left <= 0:
            return


def _gzip(data: SandboxData, q: ExportQuery, days: list[date]) -> Iterator[bytes]:
    """One gzip member for an unfiltered export, reusing cached per-day runs."""
    cache = data.export_cache
    unit = "ms" if q.time_in_ms else "s"
    crc, size = 0, 0
    yield HEADER
    for day in days:
        run = cache.get((day, unit))
        if run is None:
            generation = cache.generation
            run = DeflatedRun([], 0, 0)
            yield from deflate_chunks(day_chunks(data, q, day, None), run)
            cache.put((day, unit), run, generation)
        else:
            yield from run.blocks
        crc = crc32_combine(crc, run.crc, run.size)
        size += run.size
    yield trailer(crc, size)


def _primed(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Run a filtered export up to its first chunk now, so a failing filter is a 400, not a cut."""
    try:
        first = next(chunks, b"")
    except duckdb.Error as exc:
        raise SandboxHTTPError(400, f"where expression cannot be evaluated: {exc}") from exc
    return itertools.chain([first], chunks)


def export(req: Request) -> Response:
    """Stream the events of the window as JSON lines."""
    data = req.state.data
    q = parse_query(req)
    days = _days(data, q)
    plain = _plain(data, q, days)
    if q.where is not None:
        plain = _primed(plain)
    gzip_body = (lambda: _gzip(data, q, days)) if q.unfiltered else None
    return Response.stream(
        plain, content_type="text/plain; charset=utf-8", jsonl=True, gzip_body=gzip_body
    )


ROUTES = [Route("GET", "/api/2.0/export", "project", export)]
