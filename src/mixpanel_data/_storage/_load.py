"""The load hot path: one ``INSERT … SELECT … FROM read_ndjson`` per load, then a key-only dedup.

Why this shape (measured, see ``scripts/bench_load.py`` and the storage report):

* DuckDB parses the export files itself (perf-notes takeaway 1, strategy (d)); Python never sees
  an event. ``json_extract_string`` with one list of paths reads the three extracted keys in one
  pass; ``json_merge_patch`` with nulls removes them from the stored properties.
* Events go into a hidden stage table that is committed first (see
  ``StorageEngine._load_events``); dedup then works on committed rows, where a DELETE costs a
  deletion vector instead of a rewrite of the fresh row groups at COMMIT.
* Dedup of the stage is *insert everything, then look for repeated keys*: one hash aggregate
  over the four key columns keeps the hashes seen twice in a temp table, and only when it is not
  empty does a window query over just those rows delete the extra copies by ``rowid``. Measured
  on 5M sandbox export lines with 4,966 repeats (duckdb 2.0.1, 2 vCPU): the aggregate 0.5-0.6 s,
  the targeted delete 0.75 s, where a window over all rows took 1.5 s.
* Append copies the stage's rows whose key is not stored yet with one anti-join
  (``NOT EXISTS``) restricted to the stage's time range, so the zonemaps skip the rest of the
  table (exports arrive in time order).
* Events are inserted without keeping the line order (see ``StorageEngine._load_settings``), so
  which copy survives is decided by the data, not the order. Profiles keep the order: rows a
  transaction appends have larger ``rowid`` s than every committed row, so ``rowid > before`` is
  "the rows of this load" and ``ORDER BY rowid`` is "stored first, then file order".

Dedup keys:
  events: (event_name, distinct_id, event_time, insert_id), NULL equal to NULL, so events without a
  ``$insert_id`` dedup on the other three. The copy with the largest ``mp_processing_time_ms``
  (ingested last) wins; on append the stored row wins.
  profiles: distinct_id; the last copy wins, and on append the new profile replaces the stored one.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

from mixpanel_data._storage._names import quote_identifier
from mixpanel_data._storage.types import TableType
from mixpanel_data.exceptions import DataError, ValidationError

# The stored row of each export line (also read by the Spark source: ``_storage/export_rows.py``).
# ``time`` above 1e11 is milliseconds (export ``time_in_ms``); 1e11 s is the year 5138 and
# 1e11 ms is March 1973. CAST to BIGINT rounds a fractional value.
EVENTS_SELECT = """
SELECT event,
       make_timestamp(CASE WHEN t > 100000000000 THEN t * 1000 ELSE t * 1000000 END),
       x[2],
       x[3],
       json_merge_patch(properties, '{{"time":null,"distinct_id":null,"$insert_id":null}}')
FROM (
    SELECT event, properties, x, CAST(x[1] AS BIGINT) AS t
    FROM (
        SELECT event, properties,
               json_extract_string(properties, ['time', 'distinct_id', '$."$insert_id"']) AS x
        FROM read_ndjson(?, columns = {{event: 'VARCHAR', properties: 'JSON'}})
    )
)
"""

EVENTS_INSERT = (
    "INSERT INTO {table} (event_name, event_time, distinct_id, insert_id, properties)"
    + EVENTS_SELECT
)

PROFILES_INSERT = """
INSERT INTO {table} (distinct_id, properties, last_seen)
SELECT "$distinct_id",
       "$properties",
       TRY_CAST(json_extract_string("$properties", '$."$last_seen"') AS TIMESTAMP)
FROM read_ndjson(?, columns = {{'$distinct_id': 'VARCHAR', '$properties': 'JSON'}})
"""

_EVENT_KEY = "event_name, distinct_id, event_time, insert_id"
_COLUMNS = "event_name, event_time, distinct_id, insert_id, properties"

# Every row of the stage is this load's; the check is only for rows without a required value.
EVENTS_NULLS = """
SELECT count(*) - count(event_name) + count(*) - count(event_time) FROM {table}
"""

# The key hashes seen more than once: one hash aggregate (a hash collision only sends a few
# extra rows to the exact pass below).
EVENTS_REPEATED_KEYS = f"""
CREATE OR REPLACE TEMP TABLE {{keys}} AS
SELECT hash({_EVENT_KEY}) AS h FROM {{table}} GROUP BY h HAVING count(*) > 1
"""

# The exact pass over just those rows: in each group of equal keys keep the copy Mixpanel
# ingested last (largest mp_processing_time_ms, as its own query-time dedup does).
EVENTS_DELETE_DUPLICATES = f"""
DELETE FROM {{table}} WHERE rowid IN (
    SELECT rowid FROM {{table}}
    WHERE hash({_EVENT_KEY}) IN (SELECT h FROM {{keys}})
    QUALIFY row_number() OVER (
        PARTITION BY {_EVENT_KEY}
        ORDER BY TRY_CAST(json_extract_string(properties, 'mp_processing_time_ms') AS DOUBLE)
                     DESC NULLS LAST,
                 rowid
    ) > 1
)
"""

# Append: copy a load's (deduplicated) stage rows into the table, except those whose key is
# already stored. Only stored rows in the stage's time range are read (zonemaps).
EVENTS_APPEND_NEW = f"""
INSERT INTO {{table}} ({_COLUMNS})
SELECT {_COLUMNS} FROM {{stage}} AS s
WHERE NOT EXISTS (
    SELECT 1 FROM {{table}} AS t
    WHERE t.event_time BETWEEN ? AND ?
      AND t.event_time = s.event_time
      AND t.event_name = s.event_name
      AND t.distinct_id IS NOT DISTINCT FROM s.distinct_id
      AND t.insert_id IS NOT DISTINCT FROM s.insert_id
)
"""

EVENTS_TIME_RANGE = "SELECT min(event_time), max(event_time) FROM {table}"

REPEATED_KEYS_TABLE = "mp_repeated_keys"

PROFILES_CHECK = """
SELECT count(*) - count(DISTINCT distinct_id),
       (SELECT count(*) FROM {table} WHERE rowid > ? AND distinct_id IS NULL)
FROM {table}
"""

# Last copy wins: delete every row with a later row of the same distinct_id, in groups that
# hold a row of this load (rowid > ?), so a new profile replaces the stored one.
PROFILES_DELETE_DUPLICATES = """
DELETE FROM {table} WHERE rowid IN (
    SELECT rowid FROM {table}
    QUALIFY row_number() OVER (PARTITION BY distinct_id ORDER BY rowid DESC) > 1
        AND max(rowid) OVER (PARTITION BY distinct_id) > ?
)
"""

COUNT_NEW_ROWS = "SELECT count(*) FROM {table} WHERE rowid > ?"

MAX_ROWID = "SELECT coalesce(max(rowid), -1) FROM {table}"

# Only run after a load failed: find one record without a required value.
_EVENTS_DIAGNOSE = """
SELECT filename, CAST(json_object('event', event, 'properties', properties) AS VARCHAR)
FROM (
    SELECT filename, event, properties,
           TRY_CAST(json_extract_string(properties, 'time') AS BIGINT) AS t
    FROM read_ndjson(?, columns = {event: 'VARCHAR', properties: 'JSON'}, filename = true)
)
WHERE event IS NULL OR t IS NULL OR NOT t BETWEEN -9000000000000000 AND 9000000000000000
LIMIT 1
"""

_PROFILES_DIAGNOSE = """
SELECT filename, CAST(json_object('$distinct_id', "$distinct_id", '$properties', "$properties")
                      AS VARCHAR)
FROM read_ndjson(?, columns = {'$distinct_id': 'VARCHAR', '$properties': 'JSON'},
                 filename = true)
WHERE "$distinct_id" IS NULL
LIMIT 1
"""

_EXCERPT = 200
_GLOB_CHARS = re.compile(r"[*?\[]")


def _scalar(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> Any:
    row = con.execute(sql, list(params)).fetchone()
    return None if row is None else row[0]


def max_rowid(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """The largest rowid stored in ``table`` (quoted), or -1 when it is empty."""
    return int(_scalar(con, MAX_ROWID.format(table=table)))


def insert(
    con: duckdb.DuckDBPyConnection, kind: TableType, table: str, files: Sequence[str]
) -> int:
    """Append every line of ``files`` to ``table`` (quoted); return how many rows were inserted."""
    template = EVENTS_INSERT if kind == "events" else PROFILES_INSERT
    return int(_scalar(con, template.format(table=table), [list(files)]))


def dedup_events(con: duckdb.DuckDBPyConnection, table: str, files: Sequence[str]) -> int:
    """Drop the repeated keys of a freshly loaded stage table; return how many rows went.

    Raises DataError (naming a line) when a row lacks an event name or a time.
    """
    if _scalar(con, EVENTS_NULLS.format(table=table)):
        raise diagnose(con, "events", files, None)
    keys = quote_identifier(REPEATED_KEYS_TABLE)
    con.execute(EVENTS_REPEATED_KEYS.format(table=table, keys=keys))
    try:
        if not _scalar(con, f"SELECT count(*) FROM {keys}"):
            return 0
        return int(_scalar(con, EVENTS_DELETE_DUPLICATES.format(table=table, keys=keys)))
    finally:
        con.execute(f"DROP TABLE IF EXISTS {keys}")


def append_new_events(con: duckdb.DuckDBPyConnection, table: str, stage: str) -> int:
    """Copy the rows of ``stage`` whose key ``table`` does not hold yet; return how many."""
    row = con.execute(EVENTS_TIME_RANGE.format(table=stage)).fetchone()
    assert row is not None
    low, high = row
    if low is None:
        return 0
    return int(_scalar(con, EVENTS_APPEND_NEW.format(table=table, stage=stage), [low, high]))


def dedup_profiles(
    con: duckdb.DuckDBPyConnection, table: str, before: int, files: Sequence[str]
) -> int:
    """Keep the last row per distinct_id; return how many rows of this load remain."""
    row = con.execute(PROFILES_CHECK.format(table=table), [before]).fetchone()
    assert row is not None
    repeats, nulls = row
    if nulls:
        raise diagnose(con, "profiles", files, None)
    if repeats:
        con.execute(PROFILES_DELETE_DUPLICATES.format(table=table), [before])
    return int(_scalar(con, COUNT_NEW_ROWS.format(table=table), [before]))


def diagnose(
    con: duckdb.DuckDBPyConnection,
    kind: TableType,
    files: Sequence[str],
    err: BaseException | None,
) -> DataError:
    """Explain why a load's rows cannot be stored by naming one offending record.

    Run when the insert failed on a conversion (e.g. a non-numeric time) or when the check found
    a row without a required value.
    """
    sql = _EVENTS_DIAGNOSE if kind == "events" else _PROFILES_DIAGNOSE
    details: dict[str, Any] = {"files": list(files)}
    if err is not None:
        details["duckdb_error"] = type(err).__name__
    try:
        row = con.execute(sql, [list(files)]).fetchone()
    except duckdb.Error:
        row = None
    if row is None:
        why = "a required value is missing" if err is None else str(err).splitlines()[0]
        return DataError(f"{kind} data could not be stored: {why}", details=details)
    filename, record = str(row[0]), str(row[1])
    excerpt = record if len(record) <= _EXCERPT else record[:_EXCERPT] + "…"
    need = "an event name and a numeric properties.time" if kind == "events" else "a $distinct_id"
    details["file"] = filename
    return DataError(f"a line in {filename} lacks {need}: {excerpt}", details=details)


def locate_bad_line(file: str, reported: int) -> tuple[int, str] | None:
    """The line (1-based number, text) near DuckDB's ``reported`` one that is not a JSON object.

    duckdb 2.0.1 reports malformed JSON one line late (and record errors by record index), so the
    lines around the reported one are read back and checked; None if none of them is bad.
    """
    first, last = max(1, reported - 2), reported + 1
    opener = gzip.open if file.endswith(".gz") else open
    try:
        with opener(file, "rb") as f:
            for number, raw in enumerate(f, start=1):
                if number > last:
                    break
                if number < first or not raw.strip():
                    continue
                try:
                    ok = isinstance(json.loads(raw), dict)
                except ValueError:
                    ok = False
                if not ok:
                    return number, raw.decode("utf-8", "replace").rstrip("\r\n")
    except (OSError, EOFError):
        return None
    return None


def as_paths(files: Sequence[Path | str]) -> list[str]:
    """Absolute path strings of ``files``.

    Raises FileNotFoundError for a missing file, and ValidationError for a path DuckDB would read
    as a glob pattern (``*``, ``?``, ``[``).
    """
    out: list[str] = []
    for f in files:
        p = Path(f).resolve()
        if _GLOB_CHARS.search(str(p)):
            raise ValidationError(
                f"cannot load {p}: the path contains a glob character (*, ? or [)",
                details={"file": str(p)},
            )
        if not p.is_file():
            raise FileNotFoundError(f"no such file to load: {p}")
        out.append(str(p))
    return out
