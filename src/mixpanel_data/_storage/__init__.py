"""The local DuckDB store: the only client-library code that imports duckdb.

Example:
    >>> from mixpanel_data._storage import StorageEngine
    >>> with StorageEngine.memory() as store:
    ...     store.tables()
    []
"""

from typing import TYPE_CHECKING

from mixpanel_data._exports import lazy_names

if TYPE_CHECKING:
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

# The engine (and DuckDB) is imported on first use: the types alone stay cheap to import.
_MODULE_OF = {
    "ColumnInfo": "mixpanel_data._storage.types",
    "LoadMetadata": "mixpanel_data._storage.types",
    "LoadResult": "mixpanel_data._storage.types",
    "ProgressCallback": "mixpanel_data._storage.engine",
    "StorageEngine": "mixpanel_data._storage.engine",
    "StorageInfo": "mixpanel_data._storage.types",
    "StorageKind": "mixpanel_data._storage.types",
    "TableInfo": "mixpanel_data._storage.types",
    "TableMetadata": "mixpanel_data._storage.types",
    "TableSchema": "mixpanel_data._storage.types",
    "TableType": "mixpanel_data._storage.types",
}


__getattr__, __dir__ = lazy_names(globals(), _MODULE_OF)

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
