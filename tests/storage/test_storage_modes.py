"""Opening a store: file, existing file, ephemeral, memory, read-only, and a lock held elsewhere."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from storage_helpers import export_event, write_lines

from mixpanel_data._storage import StorageEngine
from mixpanel_data.exceptions import DatabaseLockedError, MixpanelDataError, ValidationError


def test_file_store_creates_folder_and_persists(tmp_path: Path) -> None:
    db = tmp_path / "deep" / "er" / "p.duckdb"
    with StorageEngine(db) as store:
        assert store.kind == "file" and store.path == db and not store.read_only
        store.load_events("events", [write_lines(tmp_path / "a.jsonl", [export_event(1)])])
    assert db.is_file()
    with StorageEngine.open_existing(db) as again:
        assert again.sql_scalar("SELECT count(*) FROM events") == 1


def test_open_existing_needs_the_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no database file"):
        StorageEngine.open_existing(tmp_path / "missing.duckdb")
    assert not (tmp_path / "missing.duckdb").exists()


def test_read_only_store_reads_but_refuses_loads(tmp_path: Path) -> None:
    db = tmp_path / "p.duckdb"
    f = write_lines(tmp_path / "a.jsonl", [export_event(1)])
    with StorageEngine(db) as store:
        store.load_events("events", [f])
    with StorageEngine.open_existing(db, read_only=True) as ro:
        assert ro.read_only
        assert [t.name for t in ro.tables()] == ["events"]
        with pytest.raises(ValidationError, match="read-only"):
            ro.load_events("more", [f])


def test_read_only_file_without_metadata_table(tmp_path: Path) -> None:
    import duckdb

    db = tmp_path / "foreign.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE t AS SELECT 1 AS a")
    con.close()
    with StorageEngine.open_existing(db, read_only=True) as ro:
        assert [(t.name, t.type, t.row_count) for t in ro.tables()] == [("t", None, 1)]
        assert ro.get_metadata("t") is None


def test_ephemeral_files_are_removed_on_close(tmp_path: Path) -> None:
    store = StorageEngine.ephemeral()
    path = store.path
    assert path is not None and path.is_file() and store.kind == "ephemeral"
    store.load_events("events", [write_lines(tmp_path / "a.jsonl", [export_event(1)])])
    store.connection.execute("CREATE TABLE pending AS SELECT 1 AS a")  # leaves a .wal behind
    wal = path.with_name(path.name + ".wal")
    store.close()
    assert not path.exists() and not wal.exists() and not path.parent.exists()
    store.close()  # idempotent


def test_ephemeral_files_are_removed_at_exit() -> None:
    code = textwrap.dedent(
        """
        from mixpanel_data._storage import StorageEngine
        store = StorageEngine.ephemeral()
        store.connection.execute("CREATE TABLE t AS SELECT 1 AS a")
        print(store.path)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    path = Path(out.stdout.strip())
    assert path.name == "ephemeral.duckdb"
    assert not path.exists() and not path.parent.exists()


def test_memory_store_touches_no_disk() -> None:
    with StorageEngine.memory() as store:
        store.connection.execute("CREATE TABLE t AS SELECT 1 AS a")
        info = store.info()
        assert (info.path, info.kind, info.size_bytes) == (None, "memory", 0)
        assert [t.name for t in info.tables] == ["t"]
    with StorageEngine.memory() as other:  # each memory store is its own database
        assert other.tables() == []


def test_closed_engine_says_so(tmp_path: Path) -> None:
    store = StorageEngine(tmp_path / "p.duckdb")
    store.close()
    assert store.closed and "closed" in repr(store)
    with pytest.raises(MixpanelDataError, match="closed"):
        store.sql("SELECT 1")


HOLDER = textwrap.dedent(
    """
    import sys, duckdb
    con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "ro")
    print("holding", flush=True)
    sys.stdin.read()
    """
)


@contextmanager
def held(db: Path, mode: str) -> Iterator[int]:
    """Another process holds ``db`` open (``rw`` or ``ro``) during the block; yields its pid."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db), mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdin is not None
    try:
        assert proc.stdout.readline().strip() == "holding"
        yield proc.pid
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)


def test_second_process_writing_locks_the_file(tmp_path: Path) -> None:
    db = tmp_path / "p.duckdb"
    StorageEngine(db).close()
    with held(db, "rw") as pid:
        openers: list[Callable[[], StorageEngine]] = [
            lambda: StorageEngine(db),
            lambda: StorageEngine.open_existing(db),
            lambda: StorageEngine.open_existing(db, read_only=True),
        ]
        for opener in openers:
            with pytest.raises(DatabaseLockedError) as info:
                opener()
            message = info.value.message
            assert "\n" not in message and str(db) in message and f"PID {pid}" in message
            assert info.value.details["pid"] == pid
            assert info.value.to_dict()["code"] == "DATABASE_LOCKED"
    with StorageEngine(db) as store:  # free again once the holder is gone
        assert store.tables() == []


def test_read_only_holder_allows_read_only_access(tmp_path: Path) -> None:
    db = tmp_path / "p.duckdb"
    with StorageEngine(db) as store:
        store.load_events("events", [write_lines(tmp_path / "a.jsonl", [export_event(1)])])
    with held(db, "ro"):
        with StorageEngine.open_existing(db, read_only=True) as ro:
            assert ro.sql_scalar("SELECT count(*) FROM events") == 1
        with pytest.raises(DatabaseLockedError, match="open the file read-only") as info:
            StorageEngine(db)
        assert info.value.details["read_only_possible"] is True


def test_same_process_shares_a_file_but_not_across_read_only(tmp_path: Path) -> None:
    db = tmp_path / "p.duckdb"
    with StorageEngine(db) as first, StorageEngine(db) as second:
        second.connection.execute("CREATE TABLE t AS SELECT 1 AS a")
        assert [t.name for t in first.tables()] == ["t"]
        with pytest.raises(DatabaseLockedError, match="already open in this process"):
            StorageEngine.open_existing(db, read_only=True)
