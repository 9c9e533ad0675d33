"""Flows (``arb_funnels``): the paths users take after (and before) an anchor event.

The report definition comes from the ``bookmark`` parameter (JSON text, read first) or from the
saved Flows bookmark ``bookmark_id``. It holds ``steps`` (exactly one anchor:
``{"event", "forward": 0-5, "reverse": 0-5}``), a date range (see ``_bookmarks``), ``count_type``
(``unique``, the default, or ``total``), ``conversion_window`` (``{"unit", "value"}``, 7 days
by default) and optionally ``where``, an expression that picks the events paths are made of.

A path starts at an anchor event between the two dates: with ``unique``, each user's first one;
with ``total``, every one. It continues with the user's next ``forward`` events (of any name,
within the conversion window after the anchor) and is preceded by their ``reverse`` previous
events (within the window before it). ``flows_sankey`` (and its alias ``flows``) returns one
``steps`` entry per position (reverse positions first, the anchor at index ``reverse``); each
node is an event reached there with ``totalCount`` paths, and its ``edges`` count the paths going
on to each node of the next position, plus a ``$dropoff`` edge (type ``DROPOFF``) for paths that
end early. ``flows_top_paths`` returns whole paths, most common first (at most 100), a path that
ends early closing with a ``$dropoff`` step; each step's ``totalCount`` counts the paths that
share the path up to it (so the last step's count is the path's own). Counts are decimal
strings, as Mixpanel sends them. An unknown ``bookmark_id`` is a 404.

Example:
    >>> Path(("A", "B"), anchor=0).nodes()
    [(0, 'A', 'ANCHOR'), (1, 'B', 'FORWARD')]
"""

from __future__ import annotations

import json
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
    DAY,
    Db,
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
    optional,
    optional_integer,
    parse_expression,
)
from mixpanel_data.analytics.segmentation import computed_at
from mixpanel_data.expressions import Expr

MAX_HOPS = 5
TOP_PATHS = 100
DROPOFF = "$dropoff"
_WINDOW_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": DAY, "week": 7 * DAY}


@dataclass(frozen=True, slots=True)
class FlowsQuery:
    """What a Flows report asks for."""

    anchor: str
    forward: int
    reverse: int
    from_date: date
    to_date: date
    unique: bool = True
    window: int = 7 * DAY
    where: Expr | None = None


@dataclass(frozen=True, slots=True)
class Path:
    """The events of one path in order; ``anchor`` is the anchor's index in ``events`` and
    ``offset`` the position of ``events[0]`` (positions count from the first reverse hop)."""

    events: tuple[str, ...]
    anchor: int
    offset: int = 0

    def nodes(self) -> list[tuple[int, str, str]]:
        """``(position, event, type)`` for each event of the path."""
        out = []
        for i, name in enumerate(self.events):
            if i < self.anchor:
                kind = "REVERSE"
            elif i == self.anchor:
                kind = "ANCHOR"
            else:
                kind = "FORWARD"
            out.append((self.offset + i, name, kind))
        return out


def _hops(step: Mapping[str, Any], name: str) -> int:
    value = step.get(name, 0)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_HOPS:
        raise AnalyticsError(400, f"{name} must be a whole number from 0 to {MAX_HOPS}")
    return value


def read_query(params: Mapping[str, Any], today: date) -> FlowsQuery:
    """Read a Flows definition (see the module docstring)."""
    steps = params.get("steps")
    if not isinstance(steps, list) or not steps:
        raise AnalyticsError(400, "the flows report needs steps with an anchor event")
    if len(steps) > 1:
        raise AnalyticsError(400, "the sandbox computes flows with one anchor step only")
    step = steps[0]
    if not isinstance(step, Mapping) or not isinstance(step.get("event"), str):
        raise AnalyticsError(400, "the anchor step needs an event name")
    count_type = params.get("count_type", "unique")
    if count_type not in ("unique", "total"):
        raise AnalyticsError(400, f"count_type must be unique or total; got {count_type!r}")
    start, end = read_range(range_spec(params), today)
    text = params.get("where")
    if text is not None and not isinstance(text, str):
        raise AnalyticsError(400, "where must be an expression (text)")
    where = parse_expression(text, "where") if text else None
    window = 7 * DAY
    conversion = params.get("conversion_window")
    if isinstance(conversion, Mapping):
        value = conversion.get("value", 7)
        unit = _WINDOW_UNITS.get(str(conversion.get("unit", "day")))
        if unit is None or isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise AnalyticsError(400, "conversion_window must be {unit, value} with value >= 1")
        window = value * unit
    return FlowsQuery(
        anchor=step["event"],
        forward=_hops(step, "forward"),
        reverse=_hops(step, "reverse"),
        from_date=start,
        to_date=end,
        unique=count_type == "unique",
        window=window,
        where=where,
    )


def paths(con: Db, query: FlowsQuery) -> list[Path]:
    """Every path of the report, one per counted anchor event."""
    window = Window.of(query.from_date, query.to_date)
    users = [
        u
        for (u,) in con.execute(
            f"SELECT DISTINCT distinct_id FROM {tables_of(con).events}"
            " WHERE event = ? AND time >= ? AND time < ?",
            [query.anchor, window.start, window.end],
        ).fetchall()
    ]
    span = Window(window.start - query.window, window.end + query.window)
    per_user: dict[str, list[EventRow]] = {}
    rows = load_rows(con, span, events=None, users=users, reads=[query.where])
    for row in keep(rows, query.where):
        per_user.setdefault(row.distinct_id, []).append(row)
    out = []
    for events in per_user.values():
        for i, row in enumerate(events):
            if row.event != query.anchor or not window.start <= row.time < window.end:
                continue
            before = [
                e.event
                for e in events[max(0, i - query.reverse) : i]
                if e.time >= row.time - query.window
            ]
            after = []
            for e in events[i + 1 : i + 1 + query.forward]:
                if e.time > row.time + query.window:
                    break
                after.append(e.event)
            out.append(
                Path(
                    (*before, row.event, *after),
                    anchor=len(before),
                    offset=query.reverse - len(before),
                )
            )
            if query.unique:
                break
    return out


def sankey(found: Sequence[Path], query: FlowsQuery) -> list[dict[str, Any]]:
    """The ``steps`` of a Sankey report."""
    last = query.reverse + query.forward
    node_counts: dict[tuple[int, str], int] = {}
    node_types: dict[tuple[int, str], str] = {}
    edges: dict[tuple[int, str], dict[tuple[str, str], int]] = {}
    for path in found:
        nodes = path.nodes()
        for k, (position, name, kind) in enumerate(nodes):
            node_counts[(position, name)] = node_counts.get((position, name), 0) + 1
            node_types[(position, name)] = kind
            out = edges.setdefault((position, name), {})
            if k + 1 < len(nodes):
                target = (nodes[k + 1][1], nodes[k + 1][2])
            elif kind != "REVERSE" and position < last:
                target = (DROPOFF, "DROPOFF")
            else:
                continue
            out[target] = out.get(target, 0) + 1
    steps = []
    for position in range(last + 1):
        here = [key for key in node_counts if key[0] == position]
        here.sort(key=lambda key: (-node_counts[key], key[1]))
        nodes_out = []
        for key in here:
            targets = sorted(edges.get(key, {}).items(), key=lambda kv: (-kv[1], kv[0]))
            node: dict[str, Any] = {
                "event": key[1],
                "type": node_types[key],
                "totalCount": str(node_counts[key]),
                "isComputed": False,
                "isCustomEvent": False,
                "conversionRateChange": 0.0,
                "segments": [],
                "breakdowns": [],
                "edges": [
                    {
                        "event": name,
                        "type": kind,
                        "step": position + 1,
                        "totalCount": str(count),
                        "isComputed": False,
                        "segments": [],
                        "breakdowns": [],
                    }
                    for (name, kind), count in targets
                ],
            }
            if node_types[key] == "ANCHOR":
                node["anchorType"] = "NORMAL"
            nodes_out.append(node)
        steps.append({"nodes": nodes_out})
    return steps


def top_paths(found: Sequence[Path], query: FlowsQuery) -> list[dict[str, Any]]:
    """The ``flows`` of a top-paths report; a path that ends early ends with ``$dropoff``."""
    last = query.reverse + query.forward
    whole: dict[tuple[tuple[int, str, str], ...], int] = {}
    prefixes: dict[tuple[tuple[int, str, str], ...], int] = {}
    for path in found:
        nodes = tuple(path.nodes())
        if nodes[-1][0] < last:
            nodes += ((nodes[-1][0] + 1, DROPOFF, "DROPOFF"),)
        whole[nodes] = whole.get(nodes, 0) + 1
        for k in range(1, len(nodes) + 1):
            prefixes[nodes[:k]] = prefixes.get(nodes[:k], 0) + 1
    ranked = sorted(whole, key=lambda nodes: (-whole[nodes], nodes))[:TOP_PATHS]
    return [
        {
            "flowSteps": [
                {
                    "event": name,
                    "type": kind,
                    "isComputed": False,
                    "totalCount": str(prefixes[nodes[: k + 1]]),
                }
                for k, (_, name, kind) in enumerate(nodes)
            ],
            "segments": [],
        }
        for nodes in ranked
    ]


def flows(
    con: Db,
    q: Query,
    *,
    today: date,
    bookmarks: Mapping[int, Bookmark],
) -> dict[str, Any]:
    """``GET /api/query/arb_funnels``."""
    query_type = choice(q, "query_type", ("flows_sankey", "flows_top_paths", "flows"))
    text = optional(q, "bookmark")
    if text is not None:
        try:
            params = json.loads(text)
        except ValueError:
            raise bad("bookmark", "bookmark must be JSON text") from None
        if not isinstance(params, Mapping):
            raise bad("bookmark", "bookmark must be a JSON object")
    else:
        bookmark_id = optional_integer(q, "bookmark_id")
        if bookmark_id is None:
            raise bad("bookmark_id", "give bookmark_id or bookmark")
        params = params_of(find(bookmarks, bookmark_id, ("flows",), missing_status=404))
    query = read_query(params, today)
    found = paths(con, query)
    complete = sum(1 for p in found if len(p.events) - p.anchor - 1 == query.forward)
    body: dict[str, Any] = {
        "computed_at": computed_at(),
        "breakdowns": [],
        "overallConversionRate": complete / len(found) if found else 0.0,
        "metadata": {"min_sampling_factor": 1.0},
    }
    if query_type == "flows_top_paths":
        body["flows"] = top_paths(found, query)
    else:
        body["steps"] = sankey(found, query)
    return body
