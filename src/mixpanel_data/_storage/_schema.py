"""DDL of the local store: the events and profiles layouts and the ``_metadata`` table.

Example:
    >>> print(create_table_sql("events", '"jan"').splitlines()[0])
    CREATE TABLE "jan" (
"""

from __future__ import annotations

from mixpanel_data._storage._names import METADATA_TABLE, quote_identifier
from mixpanel_data._storage.types import TableType

# (name, DuckDB type, nullable). No NOT NULL constraints: they cost ~2% of the insert, so the
# load checks instead (a line without an event name, a numeric time or a $distinct_id fails it).
EVENTS_COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("event_name", "VARCHAR", True),
    ("event_time", "TIMESTAMP", True),
    ("distinct_id", "VARCHAR", True),
    ("insert_id", "VARCHAR", True),
    ("properties", "JSON", True),
)

PROFILES_COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("distinct_id", "VARCHAR", True),
    ("properties", "JSON", True),
    ("last_seen", "TIMESTAMP", True),
)

COLUMNS: dict[TableType, tuple[tuple[str, str, bool], ...]] = {
    "events": EVENTS_COLUMNS,
    "profiles": PROFILES_COLUMNS,
}


def create_table_sql(kind: TableType, quoted_name: str) -> str:
    """``CREATE TABLE`` for a table of the given kind (no keys: dedup is done by the load)."""
    lines = [
        f"    {name} {sql_type}{'' if nullable else ' NOT NULL'}"
        for name, sql_type, nullable in COLUMNS[kind]
    ]
    return f"CREATE TABLE {quoted_name} (\n" + ",\n".join(lines) + "\n)"


METADATA = quote_identifier(METADATA_TABLE)

CREATE_METADATA = f"""
CREATE TABLE IF NOT EXISTS {METADATA} (
    table_name VARCHAR PRIMARY KEY,
    type VARCHAR NOT NULL CHECK (type IN ('events', 'profiles')),
    fetched_at TIMESTAMP NOT NULL,
    from_date DATE,
    to_date DATE,
    filter_events JSON,
    filter_where VARCHAR,
    filter_cohort VARCHAR,
    row_count BIGINT NOT NULL,
    project_id VARCHAR,
    details JSON
)
"""

METADATA_FIELDS = (
    "table_name, type, fetched_at, from_date, to_date, filter_events, filter_where, "
    "filter_cohort, row_count, project_id, details"
)

INSERT_METADATA = f"INSERT INTO {METADATA} ({METADATA_FIELDS}) VALUES ({', '.join(['?'] * 11)})"

SELECT_METADATA = f"SELECT {METADATA_FIELDS} FROM {METADATA} WHERE table_name = ?"

SELECT_ALL_METADATA = f"SELECT {METADATA_FIELDS} FROM {METADATA}"

# Case-insensitive, like DuckDB's table names: also removes a row left by a table that was
# dropped with raw SQL and recreated with another spelling.
DELETE_METADATA = f"DELETE FROM {METADATA} WHERE lower(table_name) = lower(?)"

HAS_METADATA_TABLE = f"""
SELECT count(*) FROM duckdb_tables()
WHERE database_name = current_database() AND schema_name = 'main'
  AND table_name = '{METADATA_TABLE}'
"""

# User tables of the main schema, with the spelling the catalog keeps (names are case-insensitive).
STAGE_PREFIX = "_mp_stage_"

LIST_TABLES = f"""
SELECT table_name FROM duckdb_tables()
WHERE database_name = current_database() AND schema_name = 'main' AND NOT temporary
  AND table_name <> '{METADATA_TABLE}' AND NOT starts_with(table_name, '{STAGE_PREFIX}')
ORDER BY table_name
"""

# Tables a load writes before it renames them into place; left over only if a process died
# between the two transactions, and dropped the next time the file is opened for writing.
LEFTOVER_STAGES = f"""
SELECT table_name FROM duckdb_tables()
WHERE database_name = current_database() AND schema_name = 'main' AND NOT temporary
  AND starts_with(table_name, '{STAGE_PREFIX}')
"""

FIND_TABLE = f"""
SELECT table_name FROM duckdb_tables()
WHERE database_name = current_database() AND schema_name = 'main' AND NOT temporary
  AND lower(table_name) = lower(?) AND table_name <> '{METADATA_TABLE}'
"""

TABLE_COLUMNS = """
SELECT column_name, data_type, is_nullable FROM duckdb_columns()
WHERE database_name = current_database() AND schema_name = 'main' AND table_name = ?
ORDER BY column_index
"""
