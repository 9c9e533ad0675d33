"""Discovery endpoints: event names, top events, properties and values, saved funnels, cohorts and
saved reports.

Counts treat duplicates (same event, distinct_id, time and ``$insert_id``) as one event, as
Mixpanel's queries do. "Recent" means the 31 days ending at the sandbox's today (``end_date``),
plus any later day that received events.

- ``GET /api/query/events/names``: names by count, most frequent first (``limit``, default 255).
- ``GET /api/query/events/top``: today's events with ``amount`` (``type`` general: events,
  unique: users, average: events per user, rounded to an integer as the spec's type says) and
  ``percent_change`` against the day before (computed from the same measure).
- ``GET /api/query/events/properties/top``: ``{name: {"count": n}}`` for one event, most used first
  (``limit``, default 10; ``time``, ``distinct_id``, ``$insert_id`` and ``mp_processing_time_ms``
  are not listed).
- ``GET /api/query/events/properties/values``: the most frequent values of one property, as text
  (``limit``, default 255; ``event`` optional here).
- ``GET /api/query/funnels/list``, ``POST /api/query/cohorts/list`` (counts computed now),
  ``GET /api/app/projects/{projectId}/bookmarks`` (``type`` and repeated ``id[]`` filters).

Example:
    >>> sorted({r.path.rsplit("/", 1)[-1] for r in ROUTES})
    ['bookmarks', 'list', 'names', 'top', 'values']
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from mixpanel_data.sandbox._data import SandboxData
from mixpanel_data.sandbox._http import Request, Response, Route, SandboxHTTPError

RECENT_DAYS = 31
_HIDDEN_PROPERTIES = ("time", "distinct_id", "$insert_id", "mp_processing_time_ms", "token")
_COUNT_TYPES = ("general", "unique", "average")
BOOKMARK_TYPES = ("insights", "funnels", "retention", "flows", "launch-analysis", "segmentation3")
# One row per distinct event (Mixpanel's de-duplication key); events without $insert_id stay apart.
_DEDUPED = """(SELECT DISTINCT ON (event, distinct_id, time, coalesce(insert_id, '#' || seq))
                      event, distinct_id, time, properties FROM events
               WHERE time >= $1 AND time < $2)"""


def _ts(day: date) -> int:
    return int(datetime.combine(day, datetime.min.time(), UTC).timestamp())


def _recent_window(data: SandboxData) -> tuple[int, int]:
    start = _ts(data.today - timedelta(days=RECENT_DAYS - 1))
    end = _ts(data.today + timedelta(days=1))
    with data.cursor() as cur:
        row = cur.execute("SELECT max(time) FROM events").fetchone()
    if row is not None and row[0] is not None:
        end = max(end, int(row[0]) + 1)
    return start, end


def _count_type(req: Request) -> str:
    kind = req.arg("type") or "general"
    if kind not in _COUNT_TYPES:
        raise SandboxHTTPError(400, f"type must be one of {', '.join(_COUNT_TYPES)}")
    return kind


# A limit above this returns everything anyway; capping it keeps it inside DuckDB's BIGINT.
_LIMIT_CAP = 1 << 62


def _limit(req: Request, default: int) -> int:
    limit = req.arg_int("limit", default)
    assert limit is not None
    if limit < 1:
        raise SandboxHTTPError(400, "limit must be a positive integer")
    return min(limit, _LIMIT_CAP)


def event_names(req: Request) -> Response:
    """Recent event names, most frequent first."""
    _count_type(req)
    limit = _limit(req, 255)
    data = req.state.data
    with data.cursor() as cur:
        rows = cur.execute(
            f"SELECT event FROM {_DEDUPED} GROUP BY event "
            f"ORDER BY count(*) DESC, event LIMIT {limit}",
            list(_recent_window(data)),
        ).fetchall()
    return Response.json([r[0] for r in rows])


def top_events(req: Request) -> Response:
    """Today's events with their amounts and the change since yesterday."""
    kind = _count_type(req)
    limit = _limit(req, 100)
    data = req.state.data
    today = _ts(data.today)
    sql = f"""
        SELECT event,
               count(*) FILTER (WHERE time >= $3), count(DISTINCT distinct_id) FILTER (time >= $3),
               count(*) FILTER (WHERE time < $3), count(DISTINCT distinct_id) FILTER (time < $3)
        FROM {_DEDUPED} GROUP BY event
    """
    with data.cursor() as cur:
        rows = cur.execute(sql, [today - 86_400, today + 86_400, today]).fetchall()

    def measure(events: int, users: int) -> float:
        if kind == "general":
            return events
        if kind == "unique":
            return users
        return events / users if users else 0.0

    events = []
    for name, *counts in rows:
        amount, before = measure(counts[0], counts[1]), measure(counts[2], counts[3])
        if not amount:
            continue
        change = (amount - before) / before if before else 1.0
        events.append({"amount": round(amount), "event": name, "percent_change": round(change, 6)})
    events.sort(key=lambda e: (-e["amount"], e["event"]))
    return Response.json({"events": events[:limit], "type": kind})


def top_properties(req: Request) -> Response:
    """The property names one event carries most often, with counts."""
    event = req.require("event")
    limit = _limit(req, 10)
    data = req.state.data
    start, end = _recent_window(data)
    with data.cursor() as cur:
        rows = cur.execute(
            f"""SELECT k, count(*) AS n
                FROM (SELECT unnest(json_keys(properties)) AS k FROM {_DEDUPED} WHERE event = $3)
                WHERE NOT list_contains($4, k)
                GROUP BY k ORDER BY n DESC, k LIMIT {limit}""",
            [start, end, event, list(_HIDDEN_PROPERTIES)],
        ).fetchall()
    return Response.json({name: {"count": int(n)} for name, n in rows})


def _pointer(name: str) -> str:
    return "/" + name.replace("~", "~0").replace("/", "~1")


def property_values(req: Request) -> Response:
    """The most frequent values of a property (as text)."""
    name = req.require("name")
    event = req.arg("event")
    limit = _limit(req, 255)
    data = req.state.data
    start, end = _recent_window(data)
    params: list[Any] = [start, end, _pointer(name)]
    event_filter = ""
    if event:
        params.append(event)
        event_filter = "WHERE event = $4"
    with data.cursor() as cur:
        rows = cur.execute(
            f"""SELECT CASE json_type(v) WHEN 'VARCHAR' THEN v ->> '$' ELSE v::VARCHAR END AS s,
                       count(*) AS n
                FROM (SELECT json_extract(properties, $3) AS v FROM {_DEDUPED} {event_filter})
                WHERE v IS NOT NULL AND json_type(v) <> 'NULL'
                GROUP BY s ORDER BY n DESC, s LIMIT {limit}""",
            params,
        ).fetchall()
    return Response.json([r[0] for r in rows])


def list_funnels(req: Request) -> Response:
    """Saved funnels: id and name."""
    funnels = req.state.data.fixtures.funnels
    return Response.json([{"funnel_id": f["funnel_id"], "name": f["name"]} for f in funnels])


def list_cohorts(req: Request) -> Response:
    """Saved cohorts with their current sizes."""
    data = req.state.data
    counts = data.cohort_counts()
    return Response.json(
        [c.listing(counts.get(c.id, 0), data.project_id) for c in data.fixtures.cohorts]
    )


def list_bookmarks(req: Request) -> Response:
    """Saved reports, optionally of one type or with given ids."""
    kind = req.arg("type")
    if kind and kind not in BOOKMARK_TYPES:
        raise SandboxHTTPError(400, f"type must be one of {', '.join(BOOKMARK_TYPES)}")
    ids: set[int] | None = None
    raw_ids = req.query_multi.get("id[]") or req.query_multi.get("id")
    if raw_ids:
        try:
            ids = {int(v) for v in raw_ids}
        except ValueError as exc:
            raise SandboxHTTPError(400, "id[] must be integers") from exc
    results = [
        b
        for b in req.state.data.fixtures.bookmarks
        if (not kind or b["type"] == kind) and (ids is None or b["id"] in ids)
    ]
    return Response.json({"status": "ok", "results": results})


ROUTES = [
    Route("GET", "/api/query/events/names", "project", event_names),
    Route("GET", "/api/query/events/top", "project", top_events),
    Route("GET", "/api/query/events/properties/top", "project", top_properties),
    Route("GET", "/api/query/events/properties/values", "project", property_values),
    Route("GET", "/api/query/funnels/list", "project", list_funnels),
    Route("POST", "/api/query/cohorts/list", "project", list_cohorts),
    Route("GET", "/api/query/cohorts/list", "project", list_cohorts),
    Route("GET", "/api/app/projects/{projectId}/bookmarks", "project", list_bookmarks),
]
