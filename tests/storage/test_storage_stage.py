"""A new events table is loaded into a hidden stage and renamed into place."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from mixpanel_data._storage import StorageEngine


def _export(path: Path, n: int, dupes: int) -> Path:
    lines = []
    for i in range(n):
        props = {"time": 1_700_000_000 + i, "distinct_id": f"u{i % 7}", "$insert_id": f"id{i}"}
        lines.append(json.dumps({"event": "E", "properties": props}))
    lines += lines[:dupes]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_streamed_batches_with_duplicates_leave_only_the_table(tmp_path: Path) -> None:
    a = _export(tmp_path / "a.jsonl", 50, 3)
    b = _export(tmp_path / "b.jsonl", 10, 0)  # the same first 10 keys again: all repeats
    with StorageEngine(tmp_path / "s.duckdb") as store:
        result = store.load_events("ev", iter([[a], b]))
        names = [r[0] for r in store.sql_rows("SELECT table_name FROM duckdb_tables()")]
        assert result.rows_loaded == 50
        assert result.duplicates_dropped == 13
        assert store.sql_scalar("SELECT count(DISTINCT insert_id) FROM ev") == 50
    assert sorted(names) == ["_metadata", "ev"]


def test_a_stage_left_by_a_dead_process_is_dropped_on_open(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    StorageEngine(db).close()  # the store's own file (it has _metadata)
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE _mp_stage_ev_1_2 (x INTEGER)")
    con.execute("CREATE TABLE kept (x INTEGER)")
    con.close()
    with StorageEngine(db) as store:
        names = {r[0] for r in store.sql_rows("SELECT table_name FROM duckdb_tables()")}
        assert "_mp_stage_ev_1_2" not in names
        assert "kept" in names
        assert "_mp_stage_ev_1_2" not in [t.name for t in store.tables()]


def test_a_file_the_store_did_not_make_is_left_as_it_is(tmp_path: Path) -> None:
    db = tmp_path / "theirs.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE _mp_stage_mine (x INTEGER)")
    con.execute("CREATE TABLE data (x INTEGER)")
    con.close()
    with StorageEngine(db) as store:
        assert [t.name for t in store.tables()] == ["data"]
    con = duckdb.connect(str(db), read_only=True)
    names = sorted(r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall())
    con.close()
    assert names == ["_mp_stage_mine", "data"]
