"""The activity feed (``stream/query``): every event of the given users, oldest first.

Each event is returned as stored, ``{"event": name, "properties": {...}}``, the properties
including ``time`` (epoch seconds) and ``distinct_id``.

Example:
    >>> activity_stream(con, {"distinct_ids": '["u1"]', "from_date": "2026-01-01",
    ...                       "to_date": "2026-01-31"}, today=date(2026, 1, 31))  # doctest: +SKIP
    {'status': 'ok', 'results': {'events': [{'event': 'Signed Up', 'properties': {...}}]}}
"""

from __future__ import annotations

from datetime import date
from typing import Any

from mixpanel_data.analytics._events import Db, Window, load_rows
from mixpanel_data.analytics._params import Query, date_pair, string_list


def activity_stream(con: Db, q: Query, *, today: date) -> dict[str, Any]:
    """``GET /api/query/stream/query``."""
    users = string_list(q, "distinct_ids")
    assert users is not None
    window = Window.of(*date_pair(q))
    rows = load_rows(con, window, events=None, users=users, all_properties=True)
    events = [{"event": row.event, "properties": row.properties} for row in rows]
    return {"status": "ok", "results": {"events": events}}
