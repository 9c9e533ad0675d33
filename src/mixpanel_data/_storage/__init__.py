"""The local DuckDB store: the only client-library code that imports duckdb.

Example:
    >>> from mixpanel_data._storage import StorageEngine
    >>> with StorageEngine.memory() as store:
    ...     store.tables()
    []
"""

from mixpanel_data._storage.engine import ProgressCallback, StorageEngine
from mixpanel_data._storage.types import (
    ColumnInfo,
    LoadMetadata,
    LoadResult,
    StorageInfo,
    StorageKind,
    TableInfo,
    TableMetadata,
    TableSchema,
    TableType,
)

__all__ = [
    "ColumnInfo",
    "LoadMetadata",
    "LoadResult",
    "ProgressCallback",
    "StorageEngine",
    "StorageInfo",
    "StorageKind",
    "TableInfo",
    "TableMetadata",
    "TableSchema",
    "TableType",
]
