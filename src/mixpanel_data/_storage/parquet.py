"""A local table as a Hive-partitioned Parquet dataset (``date=2026-10-01/…``), written atomically.

DuckDB writes the dataset with one ``COPY … (FORMAT parquet, PARTITION_BY …)`` into a private
temporary folder beside the target; each partition folder then replaces its namesake in the target
with a rename, so a reader sees a partition either as it was or whole, never half-written, and the
partitions this export did not produce are left alone. ``properties`` (JSON in the store) is written
as a plain string column, which Spark, DuckDB, Trino and BigQuery all read as is. ``date`` is the
UTC day of ``event_time`` (events tables); any other partition column is a column of the table.

Example:
    >>> export_parquet(store, "events", "out/events")                          # doctest: +SKIP
    ParquetExport(path='out/events', rows=41235, partitions=31, files=31)
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mixpanel_data._storage import _errors
from mixpanel_data._storage._names import quote_identifier
from mixpanel_data.exceptions import TableNotFoundError, ValidationError

if TYPE_CHECKING:
    from mixpanel_data._storage.engine import StorageEngine

_COMPRESSIONS = ("zstd", "snappy", "gzip", "uncompressed")


@dataclass(frozen=True)
class ParquetExport:
    """What :func:`export_parquet` wrote: the dataset folder, rows, partition folders, files."""

    path: str
    rows: int
    partitions: int
    files: int

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "rows": self.rows,
            "partitions": self.partitions,
            "files": self.files,
        }


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _select(columns: list[str], table: str, partition_by: Sequence[str]) -> str:
    parts = []
    for name in columns:
        quoted = quote_identifier(name)
        parts.append(f"CAST({quoted} AS VARCHAR) AS {quoted}" if name == "properties" else quoted)
    if "date" in partition_by and "date" not in columns:
        parts.append("CAST(event_time AS DATE) AS date")
    order = " ORDER BY event_time" if "event_time" in columns else ""
    return f"SELECT {', '.join(parts)} FROM {quote_identifier(table)}{order}"


def export_parquet(
    store: StorageEngine,
    table: str,
    path: str | os.PathLike[str],
    *,
    partition_by: Sequence[str] = ("date",),
    compression: str = "zstd",
) -> ParquetExport:
    """Write ``table`` to the folder ``path`` as Parquet, partitioned by ``partition_by``.

    Raises :class:`TableNotFoundError` for a missing table and :class:`ValidationError` for a
    partition column the table does not have (``date`` needs ``event_time``) or an unknown
    compression.
    """
    if not store.table_exists(table):
        raise TableNotFoundError(
            f"no table named {table!r} in the local store", details={"table": table}
        )
    if compression not in _COMPRESSIONS:
        raise ValidationError(
            f"compression must be one of {', '.join(_COMPRESSIONS)}",
            details={"param": "compression"},
        )
    con = store.connection
    with _errors.storage_op("reading the table's columns"):
        columns = [str(r[0]) for r in con.execute(f"DESCRIBE {quote_identifier(table)}").fetchall()]
    for name in partition_by:
        if name not in columns and not (name == "date" and "event_time" in columns):
            raise ValidationError(
                f"cannot partition {table!r} by {name!r}: no such column"
                + (" (date needs an event_time column)" if name == "date" else ""),
                details={"param": "partition_by"},
            )
    target = Path(path).expanduser().resolve()
    target.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".mp-parquet-", dir=target.parent))
    try:
        out = stage / "data"
        options = [f"FORMAT parquet, COMPRESSION {compression}"]
        if partition_by:
            cols = ", ".join(quote_identifier(c) for c in partition_by)
            options.append(f"PARTITION_BY ({cols})")
            destination = out
        else:
            out.mkdir()
            destination = out / "data_0.parquet"
        sql = (
            f"COPY ({_select(columns, table, partition_by)}) "
            f"TO {_literal(str(destination))} ({', '.join(options)})"
        )
        with _errors.storage_op("writing Parquet"):
            result = con.execute(sql).fetchone()
        rows = int(result[0]) if result else 0
        files = sum(1 for _ in out.rglob("*.parquet")) if out.exists() else 0
        entries = sorted(out.iterdir()) if out.exists() else []
        for entry in entries:
            _replace(entry, target / entry.name, stage)
        return ParquetExport(str(target), rows, len(entries) if partition_by else 0, files)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _replace(new: Path, old: Path, stage: Path) -> None:
    """Put ``new`` where ``old`` is, by renames (the old one is moved aside, then deleted)."""
    aside = stage / f"old-{old.name}"
    had_old = old.exists()
    if had_old:
        os.replace(old, aside)
    try:
        os.replace(new, old)
    except BaseException:
        if had_old:
            with contextlib.suppress(OSError):
                os.replace(aside, old)
        raise


__all__ = ["ParquetExport", "export_parquet"]
