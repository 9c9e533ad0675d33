"""Export files as Arrow record batches in the store's schema, without a table.

The Spark source (:mod:`mixpanel_data.spark`) hands each executor's downloaded export chunk to
DuckDB here: the same SELECT the store's load runs (``_load.EVENTS_SELECT``), so a row read by Spark
is exactly the row ``fetch_events`` stores, plus ``mp_processing_time_ms`` as its own column (the
dedup tie-break). Nothing is deduplicated here: that needs every chunk (see
:func:`mixpanel_data.spark.dedup_events`).

Example:
    >>> reader = event_batches(["chunk.jsonl.gz"])                        # doctest: +SKIP
    >>> reader.schema.names                                               # doctest: +SKIP
    ['event_name', 'event_time', 'distinct_id', 'insert_id', 'properties', 'mp_processing_time_ms']
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import duckdb

from mixpanel_data._storage import _load

EVENT_COLUMNS = (
    "event_name",
    "event_time",
    "distinct_id",
    "insert_id",
    "properties",
    "mp_processing_time_ms",
)

_EVENTS_ROWS = f"""
SELECT event_name, event_time, distinct_id, insert_id,
       CAST(properties AS VARCHAR) AS properties,
       CAST(TRY_CAST(json_extract_string(properties, 'mp_processing_time_ms') AS DOUBLE) AS BIGINT)
           AS mp_processing_time_ms
FROM ({_load.EVENTS_SELECT.format()})
    AS t(event_name, event_time, distinct_id, insert_id, properties)
"""


def event_batches(
    files: Sequence[str | Path], *, batch_rows: int = 65_536, memory_limit: str = "256MB"
) -> Iterator[Any]:
    """Yield ``pyarrow.RecordBatch`` es of the events in ``files`` (JSONL, gzip or not).

    Columns: :data:`EVENT_COLUMNS`; ``event_time`` is a naive UTC timestamp (microseconds),
    ``properties`` JSON text. One DuckDB thread: the caller is one Spark task among several.
    Raises ``DataError`` naming a line without an event name or a numeric time.
    """
    paths = _load.as_paths(list(files))
    con = duckdb.connect(":memory:", config={"threads": 1, "memory_limit": memory_limit})
    try:
        try:
            reader = con.sql(_EVENTS_ROWS, params=[paths]).to_arrow_reader(batch_rows)
            for batch in reader:
                if batch.column(0).null_count or batch.column(1).null_count:
                    raise _load.diagnose(con, "events", paths, None)
                yield batch
        except duckdb.Error as err:
            raise _load.diagnose(con, "events", paths, err) from None
    finally:
        con.close()


__all__ = ["EVENT_COLUMNS", "event_batches"]
