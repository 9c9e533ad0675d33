"""Helpers shared by the analytics tests (imported by name; conftest modules are not).

``build_db(path, events, profiles)`` writes the sandbox's two tables to a DuckDB file. An event
is ``(name, when, distinct_id, properties)`` with ``when`` as epoch seconds or
``"YYYY-MM-DD HH:MM:SS"`` (UTC); the stored properties carry ``time``, ``distinct_id`` and
``$insert_id`` like the sandbox's own data (a ``$insert_id`` given in the properties is used,
``None`` stores the event without one).
"""

from __future__ import annotations

import calendar
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

Event = tuple[str, "int | str", str, Mapping[str, Any]]


def ts(text: str) -> int:
    """Epoch seconds of ``"YYYY-MM-DD HH:MM:SS"`` (or ``"YYYY-MM-DD"``) read as UTC."""
    fmt = "%Y-%m-%d %H:%M:%S" if " " in text else "%Y-%m-%d"
    return calendar.timegm(datetime.strptime(text, fmt).timetuple())


def build_db(
    path: Path,
    events: Sequence[Event],
    profiles: Mapping[str, Mapping[str, Any]] | None = None,
) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE events(event VARCHAR, time BIGINT, distinct_id VARCHAR,"
        " insert_id VARCHAR, properties JSON)"
    )
    con.execute("CREATE TABLE profiles(distinct_id VARCHAR, properties JSON)")
    rows = []
    for n, (name, when, user, props) in enumerate(events):
        t = when if isinstance(when, int) else ts(when)
        insert_id = props.get("$insert_id", f"id-{n:06d}")  # None: stored without one
        full = {
            "time": t,
            "distinct_id": user,
            "$insert_id": insert_id,
            "mp_processing_time_ms": t * 1000 + 5,
            **props,
        }
        rows.append((name, t, user, insert_id, json.dumps(full)))
    if rows:
        columns = [list(column) for column in zip(*rows, strict=True)]
        con.execute(
            "INSERT INTO events SELECT unnest(?::VARCHAR[]), unnest(?::BIGINT[]),"
            " unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::JSON[])",
            columns,
        )
    for user, props in (profiles or {}).items():
        con.execute("INSERT INTO profiles VALUES (?, ?)", [user, json.dumps(dict(props))])
    return con
