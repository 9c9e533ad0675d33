"""The load hot path: one ``INSERT … SELECT … FROM read_ndjson`` per load, then a key-only dedup.

Why this shape (measured, see ``scripts/bench_load.py`` and the storage report):

* DuckDB parses the export files itself (perf-notes takeaway 1, strategy (d)); Python never sees
  an event. ``json_extract_string`` with one list of paths reads the three extracted keys in one
  pass; ``json_merge_patch`` with nulls removes them from the stored properties.
* Dedup is *insert everything, then look for repeated keys*: one hash aggregate over the four
  key columns keeps the hashes seen twice (on append: among every row in the new rows' time
  range; the zonemaps skip the rest because exports arrive in time order) in a temp table, and
  only when it is not empty does a window query over just those rows delete the extra copies by
  ``rowid``. Measured on 5M sandbox export lines with 4,966 repeats (duckdb 2.0.1, 2 vCPU):
  the aggregate 0.5-0.6 s, the targeted delete 0.75 s, where a window over all rows took 1.5 s.
  Earlier, on 1M export lines (CPU-time ratio to the plain insert): insert + check 0.984;
  ``INSERT … SELECT DISTINCT ON (key)`` 0.868; ``… QUALIFY row_number() OVER (PARTITION BY key)
  = 1`` 0.914.
* Rows a transaction appends have larger ``rowid`` s than every committed row (DuckDB numbers
  transaction-local rows from 2**55 up, and appends go to the end), so ``rowid > before`` is
  "the rows of this load". Events are inserted without keeping the line order (see
  ``StorageEngine._load_settings``), so which copy survives is decided by the data, not the
  order; profiles keep the order, and ``ORDER BY rowid`` is "stored first, then file order".

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
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from mixpanel_data._storage._names import quote_identifier
from mixpanel_data._storage.types import TableType
from mixpanel_data.exceptions import DataError, ValidationError

# ``time`` above 1e11 is milliseconds (export ``time_in_ms``); 1e11 s is the year 5138 and
# 1e11 ms is March 1973. CAST to BIGINT rounds a fractional value.
EVENTS_INSERT = """
INSERT INTO {table} (event_name, event_time, distinct_id, insert_id, properties)
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

PROFILES_INSERT = """
INSERT INTO {table} (distinct_id, properties, last_seen)
SELECT "$distinct_id",
       "$properties",
       TRY_CAST(json_extract_string("$properties", '$."$last_seen"') AS TIMESTAMP)
FROM read_ndjson(?, columns = {{'$distinct_id': 'VARCHAR', '$properties': 'JSON'}})
"""

_EVENT_KEY = "event_name, distinct_id, event_time, insert_id"

# New table: every row is this load's; the check is only for rows without a required value.
EVENTS_NULLS = """
SELECT count(*) - count(event_name) + count(*) - count(event_time) FROM {table}
"""

# Append: NULLs and the time range of this load's rows (rowid > ?).
EVENTS_CHECK_NEW_ROWS = """
SELECT count(*) - count(event_name) + count(*) - count(event_time),
       min(event_time), max(event_time)
FROM {table} WHERE rowid > ?
"""

# The key hashes seen more than once among the rows in the load's time range (stored or new;
# the zonemaps skip the rest because exports arrive in time order). One hash aggregate; a hash
# collision only sends a few extra rows to the exact pass below.
EVENTS_REPEATED_KEYS = f"""
CREATE OR REPLACE TEMP TABLE {{keys}} AS
SELECT hash({_EVENT_KEY}) AS h FROM {{table}}
WHERE event_time BETWEEN ? AND ?
GROUP BY h HAVING count(*) > 1
"""

# The exact pass over just those rows: in each group of equal keys keep the stored row (on
# append), else the copy Mixpanel ingested last (largest mp_processing_time_ms, as its own
# query-time dedup does), and delete the other rows of this load (rowid > ?).
EVENTS_DELETE_DUPLICATES = f"""
DELETE FROM {{table}} WHERE rowid IN (
    SELECT rowid FROM {{table}}
    WHERE event_time BETWEEN ? AND ? AND hash({_EVENT_KEY}) IN (SELECT h FROM {{keys}})
    QUALIFY row_number() OVER (
        PARTITION BY {_EVENT_KEY}
        ORDER BY rowid > ?,
                 TRY_CAST(json_extract_string(properties, 'mp_processing_time_ms') AS DOUBLE)
                     DESC NULLS LAST,
                 rowid
    ) > 1 AND rowid > ?
)
"""

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


def dedup_events(
    con: duckdb.DuckDBPyConnection, table: str, before: int, files: Sequence[str]
) -> int:
    """Drop this load's rows (rowid > ``before``) whose key is already there; return how many.

    Raises DataError (naming a line) when a row lacks an event name or a time.
    """
    if before < 0:
        nulls = _scalar(con, EVENTS_NULLS.format(table=table))
        low, high = datetime.min, datetime.max
    else:
        row = con.execute(EVENTS_CHECK_NEW_ROWS.format(table=table), [before]).fetchone()
        assert row is not None
        nulls, low, high = row
        if low is None:
            return 0
    if nulls:
        raise diagnose(con, "events", files, None)
    keys = quote_identifier(REPEATED_KEYS_TABLE)
    con.execute(EVENTS_REPEATED_KEYS.format(table=table, keys=keys), [low, high])
    try:
        if not _scalar(con, f"SELECT count(*) FROM {keys}"):
            return 0
        sql = EVENTS_DELETE_DUPLICATES.format(table=table, keys=keys)
        return int(_scalar(con, sql, [low, high, before, before]))
    finally:
        con.execute(f"DROP TABLE IF EXISTS {keys}")


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
