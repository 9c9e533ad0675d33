"""SQL, tables, schema, info, drop and drop_all, and the table-name rules."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from storage_helpers import export_event, profile_line, write_lines

from mixpanel_data._storage import StorageEngine
from mixpanel_data._storage.types import ColumnInfo, LoadResult, TableSchema
from mixpanel_data.exceptions import QueryError, TableNotFoundError, ValidationError


@pytest.fixture
def full(store: StorageEngine, tmp_path: Path) -> StorageEngine:
    """Two events tables, one profiles table and one hand-made table."""
    store.load_events(
        "jan", [write_lines(tmp_path / "a.jsonl", [export_event(i) for i in range(4)])]
    )
    store.load_events(
        "feb", [write_lines(tmp_path / "b.jsonl", [export_event(i) for i in range(6)])]
    )
    store.load_profiles("people", [write_lines(tmp_path / "p.jsonl", [profile_line("a")])])
    store.connection.execute("CREATE TABLE scratch AS SELECT 1 AS a, 'x' AS b")
    return store


def test_tables_lists_user_tables_and_hides_metadata(full: StorageEngine) -> None:
    got = [(t.name, t.type, t.row_count) for t in full.tables()]
    assert got == [
        ("feb", "events", 6),
        ("jan", "events", 4),
        ("people", "profiles", 1),
        ("scratch", None, 1),
    ]
    jan = next(t for t in full.tables() if t.name == "jan")
    assert jan.fetched_at is not None and jan.fetched_at.tzinfo is not None
    json.dumps([t.to_dict() for t in full.tables()])


def test_schema_of_a_table(full: StorageEngine) -> None:
    assert full.schema("scratch") == TableSchema(
        "scratch", (ColumnInfo("a", "INTEGER", True), ColumnInfo("b", "VARCHAR", True))
    )
    with pytest.raises(TableNotFoundError):
        full.schema("nope")
    with pytest.raises(TableNotFoundError):
        full.get_metadata("nope")


def test_info(full: StorageEngine, tmp_path: Path) -> None:
    full.connection.execute("CHECKPOINT")
    info = full.info()
    assert info.path == tmp_path / "store.duckdb" and info.kind == "file"
    assert info.size_bytes >= (tmp_path / "store.duckdb").stat().st_size > 0
    assert [t.name for t in info.tables] == ["feb", "jan", "people", "scratch"]
    data = info.to_dict()
    assert data["path"] == str(tmp_path / "store.duckdb")
    json.dumps(data)


def test_drop_is_all_or_nothing(full: StorageEngine) -> None:
    with pytest.raises(TableNotFoundError, match="'nope'") as info:
        full.drop("jan", "nope")
    assert info.value.details["tables"] == ["nope"]
    assert len(full.tables()) == 4
    full.drop("jan", "JAN", "scratch")
    assert [t.name for t in full.tables()] == ["feb", "people"]
    assert full.sql_rows("SELECT table_name FROM _metadata ORDER BY 1") == [("feb",), ("people",)]
    with pytest.raises(ValidationError):
        full.drop()


def test_drop_all_by_type(full: StorageEngine) -> None:
    assert full.drop_all("events") == ["feb", "jan"]
    assert [t.name for t in full.tables()] == ["people", "scratch"]
    assert full.drop_all("events") == []
    with pytest.raises(ValidationError):
        full.drop_all("users")  # type: ignore[arg-type]
    assert full.drop_all() == ["people", "scratch"]
    assert full.tables() == []
    assert full.sql_scalar("SELECT count(*) FROM _metadata") == 0


def test_sql_forms(full: StorageEngine) -> None:
    df = full.sql("SELECT event_name, count(*) AS n FROM feb GROUP BY 1 ORDER BY 1")
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == ["event_name", "n"]
    assert df["n"].sum() == 6
    assert full.sql_rows("SELECT a, b FROM scratch") == [(1, "x")]
    assert full.sql_scalar("SELECT count(*) FROM jan WHERE distinct_id = ?", ["u1"]) == 1
    assert full.sql_scalar("SELECT NULL") is None


@pytest.mark.parametrize(
    ("query", "shape"),
    [
        ("SELECT 1 WHERE false", "0 row(s) × 1 column(s)"),
        ("SELECT * FROM range(3)", "2+ row(s) × 1 column(s)"),
        ("SELECT 1, 2", "1 row(s) × 2 column(s)"),
        ("CREATE TABLE t2 (a INT)", "row(s)"),
    ],
)
def test_sql_scalar_needs_one_value(full: StorageEngine, query: str, shape: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(shape)):
        full.sql_scalar(query)


@pytest.mark.parametrize(
    ("query", "duckdb_error"),
    [
        ("SELEC 1", "ParserException"),
        ("SELECT * FROM no_such_table", "CatalogException"),
        ("SELECT no_such_column FROM jan", "BinderException"),
        ("SELECT CAST('abc' AS INTEGER)", "ConversionException"),
    ],
)
def test_user_sql_errors_are_query_errors(
    full: StorageEngine, query: str, duckdb_error: str
) -> None:
    for run in (full.sql, full.sql_rows, full.sql_scalar):
        with pytest.raises(QueryError) as info:
            run(query)
        err = info.value
        assert err.status is None and "\n" not in err.message
        assert err.details["duckdb_error"] == duckdb_error and err.details["sql"] == query
    assert full.sql_scalar("SELECT 1") == 1  # the connection is fine afterwards


INVALID_NAMES = [
    "",
    "1abc",
    "_metadata",
    "_x",
    "a b",
    "a-b",
    "a;b",
    "ä",
    "events\n",
    'x"; DROP TABLE jan; --',
    "jan; DROP TABLE feb",
    "x' OR '1'='1",
    "a" * 129,
]


@pytest.mark.parametrize("name", INVALID_NAMES)
def test_invalid_names_are_rejected_everywhere(
    full: StorageEngine, tmp_path: Path, name: str
) -> None:
    f = write_lines(tmp_path / "x.jsonl", [export_event(1)])
    calls: list[Callable[[], object]] = [
        lambda: full.load_events(name, [f]),
        lambda: full.load_profiles(name, [f]),
        lambda: full.schema(name),
        lambda: full.get_metadata(name),
        lambda: full.drop(name),
        lambda: full.drop("jan", name),
    ]
    for call in calls:
        with pytest.raises(ValidationError, match="invalid table name"):
            call()
    assert [t.name for t in full.tables()] == ["feb", "jan", "people", "scratch"]


def test_non_string_name_is_rejected(full: StorageEngine) -> None:
    with pytest.raises(ValidationError):
        full.schema(None)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["a", "Z9", "events_2024_01", "select", "a" * 128])
def test_valid_names_including_keywords(store: StorageEngine, tmp_path: Path, name: str) -> None:
    f = write_lines(tmp_path / "x.jsonl", [export_event(1)])
    assert store.load_events(name, [f]).rows_loaded == 1
    assert store.schema(name).name == name
    store.drop(name)
    assert store.tables() == []


def test_load_result_to_dict() -> None:
    assert json.loads(json.dumps(LoadResult(3, 1, 0.25).to_dict())) == {
        "rows_loaded": 3,
        "duplicates_dropped": 1,
        "seconds": 0.25,
    }
