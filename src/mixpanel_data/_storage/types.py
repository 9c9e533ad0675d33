"""Small frozen result and metadata types of the local store; each has ``to_dict()``.

Example:
    >>> LoadResult(rows_loaded=10, duplicates_dropped=2, seconds=0.5).to_dict()
    {'rows_loaded': 10, 'duplicates_dropped': 2, 'seconds': 0.5}
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

if TYPE_CHECKING:
    import duckdb

# The store's connection type, for annotations outside _storage (which never import duckdb).
Connection: TypeAlias = "duckdb.DuckDBPyConnection"

TableType = Literal["events", "profiles"]
StorageKind = Literal["file", "ephemeral", "memory"]


def _iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


@dataclass(frozen=True)
class ColumnInfo:
    """One column of a table: DuckDB type name and whether it accepts NULL."""

    name: str
    type: str
    nullable: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable view."""
        return {"name": self.name, "type": self.type, "nullable": self.nullable}


@dataclass(frozen=True)
class TableSchema:
    """The columns of one table, in order.

    Example:
        >>> TableSchema("t", (ColumnInfo("a", "INTEGER", True),)).to_dict()["columns"][0]["type"]
        'INTEGER'
    """

    name: str
    columns: tuple[ColumnInfo, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable view."""
        return {"name": self.name, "columns": [c.to_dict() for c in self.columns]}


@dataclass(frozen=True)
class TableInfo:
    """One user table: its kind (None if no load made it) and what was fetched into it."""

    name: str
    type: TableType | None
    row_count: int
    fetched_at: datetime | None
    from_date: date | None
    to_date: date | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable view (dates and times as ISO strings)."""
        return {
            "name": self.name,
            "type": self.type,
            "row_count": self.row_count,
            "fetched_at": _iso(self.fetched_at),
            "from_date": _iso(self.from_date),
            "to_date": _iso(self.to_date),
        }


@dataclass(frozen=True)
class StorageInfo:
    """The store as a whole: where it lives (None in memory), its size on disk, and its tables."""

    path: Path | None
    kind: StorageKind
    read_only: bool
    size_bytes: int
    tables: tuple[TableInfo, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable view."""
        return {
            "path": None if self.path is None else str(self.path),
            "kind": self.kind,
            "read_only": self.read_only,
            "size_bytes": self.size_bytes,
            "tables": [t.to_dict() for t in self.tables],
        }


@dataclass(frozen=True)
class LoadResult:
    """What a load did.

    Attributes:
        rows_loaded: rows from the given files that are now stored.
        duplicates_dropped: lines of the given files that were not stored because a line with the
            same dedup key came first in the files (events) or later (profiles), or (events only)
            the table already held that key.
        seconds: wall time of the whole load, commit included.
    """

    rows_loaded: int
    duplicates_dropped: int
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable view."""
        return {
            "rows_loaded": self.rows_loaded,
            "duplicates_dropped": self.duplicates_dropped,
            "seconds": self.seconds,
        }


@dataclass(frozen=True)
class LoadMetadata:
    """What the caller knows about a load; stored in ``_metadata`` with the rows.

    Dates are ``date`` objects (stored as given: the fetcher passes the days its validation
    checked) or, for convenience, ``YYYY-MM-DD`` strings. ``fetched_at`` defaults to now (UTC);
    a naive datetime is taken as UTC. ``details`` is any JSON-serialisable mapping a resumed or
    incremental fetch needs (e.g. the last complete day); the engine stores it as given.

    Example:
        >>> LoadMetadata(from_date="2024-01-01", to_date="2024-01-31", project_id=12).project_id
        12
    """

    fetched_at: datetime | None = None
    from_date: date | str | None = None
    to_date: date | str | None = None
    filter_events: Sequence[str] | None = None
    filter_where: str | None = None
    filter_cohort: str | int | None = None
    project_id: str | int | None = None
    details: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class TableMetadata:
    """The ``_metadata`` row of one table, as stored (``fetched_at`` is timezone-aware UTC)."""

    table_name: str
    type: TableType
    fetched_at: datetime
    from_date: date | None
    to_date: date | None
    filter_events: tuple[str, ...] | None
    filter_where: str | None
    filter_cohort: str | None
    row_count: int
    project_id: str | None
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable view."""
        return {
            "table_name": self.table_name,
            "type": self.type,
            "fetched_at": _iso(self.fetched_at),
            "from_date": _iso(self.from_date),
            "to_date": _iso(self.to_date),
            "filter_events": None if self.filter_events is None else list(self.filter_events),
            "filter_where": self.filter_where,
            "filter_cohort": self.filter_cohort,
            "row_count": self.row_count,
            "project_id": self.project_id,
            "details": copy.deepcopy(self.details),
        }


__all__ = [
    "ColumnInfo",
    "Connection",
    "LoadMetadata",
    "LoadResult",
    "StorageInfo",
    "StorageKind",
    "TableInfo",
    "TableMetadata",
    "TableSchema",
    "TableType",
]
