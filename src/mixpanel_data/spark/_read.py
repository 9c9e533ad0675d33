"""Reading Mixpanel from Spark: partitions of days, each exported by the executor that runs it.

Events: the range is cut into ``partition_days`` chunks; the chunks are dealt round-robin into
at most ``concurrency`` Spark partitions, each reading its chunks one after the other, so no more
than ``concurrency`` exports run at once however many executors there are. A task downloads a
chunk through our transport (retries, ``Retry-After``, gzip, truncation detection) into a private
temporary folder, asks again for a body that was cut short, waits out a 429 whose ``Retry-After``
is longer than the transport waits (up to ``rate_limit_wait`` seconds in all), and has DuckDB
turn the file into Arrow batches of the store's rows (:mod:`mixpanel_data._storage.export_rows`).

Profiles: one partition that pages through ``/engage`` (its pages follow one session id).

Example:
    >>> deal([("2026-10-01", "2026-10-01"), ("2026-10-02", "2026-10-02"),
    ...       ("2026-10-03", "2026-10-03")], 2)
    [[('2026-10-01', '2026-10-01'), ('2026-10-03', '2026-10-03')], [('2026-10-02', '2026-10-02')]]
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pyspark.sql.datasource import DataSourceReader, InputPartition

from mixpanel_data.exceptions import RateLimitError, TruncatedBodyError
from mixpanel_data.spark._options import Connection, ReadOptions

if TYPE_CHECKING:
    from pyspark.sql.types import StructType

    from mixpanel_data._api.clients import ApiClients

EVENTS_SCHEMA = (
    "event_name STRING, event_time TIMESTAMP, distinct_id STRING, insert_id STRING, "
    "properties STRING, mp_processing_time_ms BIGINT"
)
PROFILES_SCHEMA = "distinct_id STRING, properties STRING, last_seen TIMESTAMP"
# A 429 without Retry-After: seconds before the chunk is asked for again.
_RATE_LIMIT_PAUSE = 30.0

Chunk = tuple[str, str]


def deal(chunks: list[Chunk], partitions: int) -> list[list[Chunk]]:
    """``chunks`` dealt round-robin into at most ``partitions`` lists (none empty)."""
    hands: list[list[Chunk]] = [[] for _ in range(min(partitions, len(chunks)))]
    for index, chunk in enumerate(chunks):
        hands[index % len(hands)].append(chunk)
    return hands


def download_chunk(
    api: ApiClients,
    chunk: Chunk,
    folder: Path,
    options: ReadOptions,
    sleep: Any = time.sleep,
) -> Path:
    """The chunk's export body saved to a file in ``folder`` (gzip stays gzip)."""
    from mixpanel_data._api.export import open_export
    from mixpanel_data._services.downloads import Redownload

    redownload = Redownload()
    attempt, waited = 0, 0.0
    while True:
        attempt += 1
        part = folder / f"{chunk[0]}_{chunk[1]}.part"
        try:
            with open_export(
                api,
                from_date=chunk[0],
                to_date=chunk[1],
                events=options.events,
                where=options.where,
            ) as body:
                final = folder / f"{chunk[0]}_{chunk[1]}.jsonl{'.gz' if body.gzip else ''}"
                with open(part, "wb") as fh:
                    for block in body.raw():
                        fh.write(block)
            os.replace(part, final)
            return final
        except TruncatedBodyError as err:
            if not redownload.again(err, attempt):
                raise
            sleep(redownload.pause(attempt))
        except RateLimitError as err:
            pause = err.retry_after if err.retry_after is not None else _RATE_LIMIT_PAUSE
            if waited + pause > options.rate_limit_wait:
                raise
            waited += pause
            attempt = 0
            sleep(pause)
        finally:
            with contextlib.suppress(OSError):
                part.unlink()


class EventsReader(DataSourceReader):
    """Reads ``[from_date, to_date]`` in day chunks (see the module docstring)."""

    def __init__(self, options: ReadOptions, conn: Connection, schema: StructType) -> None:
        self.options = options
        self.conn = conn
        self.schema = schema

    def partitions(self) -> list[InputPartition]:
        from mixpanel_data._services.downloads import date_chunks

        assert self.options.from_date is not None and self.options.to_date is not None
        chunks = [
            (c.from_date, c.to_date)
            for c in date_chunks(
                self.options.from_date, self.options.to_date, self.options.partition_days
            )
        ]
        return [InputPartition(hand) for hand in deal(chunks, self.options.concurrency)]

    def read(self, partition: InputPartition) -> Iterator[Any]:
        from pyspark.sql.pandas.types import to_arrow_schema

        from mixpanel_data._storage.export_rows import event_batches

        target = to_arrow_schema(self.schema, timezone="UTC")
        ws = self.conn.workspace()
        try:
            for chunk in partition.value:
                folder = Path(tempfile.mkdtemp(prefix="mp-spark-"))
                try:
                    path = download_chunk(ws.api, chunk, folder, self.options)
                    for batch in event_batches([path]):
                        yield batch.cast(target)
                finally:
                    shutil.rmtree(folder, ignore_errors=True)
        finally:
            ws.close()


class ProfilesReader(DataSourceReader):
    """Reads every profile (or those ``where`` / ``cohort_id`` select) in one partition."""

    def __init__(self, options: ReadOptions, conn: Connection) -> None:
        self.options = options
        self.conn = conn

    def partitions(self) -> list[InputPartition]:
        return [InputPartition(0)]

    def read(self, partition: InputPartition) -> Iterator[tuple[Any, ...]]:
        from mixpanel_data._services.normalize import normalize_profile

        ws = self.conn.workspace()
        try:
            for raw in ws.stream_profiles(
                where=self.options.where,
                cohort_id=self.options.cohort_id,
                output_properties=self.options.output_properties,
                raw=True,
            ):
                row = normalize_profile(raw)
                seen = row["last_seen"]
                yield (
                    row["distinct_id"],
                    json.dumps(row["properties"], ensure_ascii=False, separators=(",", ":")),
                    None if seen is None else seen.replace(tzinfo=dt.UTC),
                )
        finally:
            ws.close()


__all__ = [
    "EVENTS_SCHEMA",
    "PROFILES_SCHEMA",
    "EventsReader",
    "ProfilesReader",
    "deal",
    "download_chunk",
]
