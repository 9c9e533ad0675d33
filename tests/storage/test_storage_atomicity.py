"""A load is all-or-nothing: errors, bad data and interrupts leave the store as it was."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from storage_helpers import export_event, profile_line, write_lines

from mixpanel_data._storage import StorageEngine
from mixpanel_data.exceptions import DataError, TableExistsError, ValidationError


def snapshot(store: StorageEngine) -> dict[str, object]:
    """Everything a user could see: every table's rows and the metadata."""
    tables = {
        t.name: store.sql_rows(f"SELECT * FROM {t.name} ORDER BY ALL") for t in store.tables()
    }
    meta = store.connection.execute("SELECT * FROM _metadata ORDER BY table_name").fetchall()
    return {"tables": tables, "metadata": meta}


@pytest.fixture
def loaded(store: StorageEngine, tmp_path: Path) -> StorageEngine:
    """A store already holding an events table of 20 rows."""
    store.load_events(
        "events", [write_lines(tmp_path / "old.jsonl", [export_event(i) for i in range(20)])]
    )
    return store


def test_table_exists_error_is_raised_before_anything_is_written(
    loaded: StorageEngine, tmp_path: Path
) -> None:
    before = snapshot(loaded)
    steps: list[str] = []
    f = write_lines(tmp_path / "new.jsonl", [export_event(i) for i in range(100, 110)])
    with pytest.raises(TableExistsError) as info:
        loaded.load_events("events", [f], progress=steps.append)
    assert steps == []  # nothing was started
    assert "append=True" in info.value.message
    assert snapshot(loaded) == before
    with pytest.raises(TableExistsError):
        loaded.load_profiles("EVENTS", [f])


def bad_second_file(tmp_path: Path, name: str, bad_line: int) -> list[Path]:
    good = write_lines(tmp_path / "good.jsonl", [export_event(i) for i in range(100, 150)])
    lines: list[dict[str, object] | str] = [export_event(i) for i in range(150, 200)]
    lines[bad_line - 1] = '{"event": "Login", "properties": {"time": 17'  # cut mid-line
    return [good, write_lines(tmp_path / name, lines)]


@pytest.mark.parametrize("name", ["second.jsonl", "second.jsonl.gz"])
def test_malformed_line_in_second_file_leaves_no_table(
    store: StorageEngine, tmp_path: Path, name: str
) -> None:
    files = bad_second_file(tmp_path, name, bad_line=37)
    with pytest.raises(DataError) as info:
        store.load_events("events", files)
    assert name in info.value.message and "line 37" in info.value.message
    assert info.value.details["line"] == 37
    assert store.tables() == []
    assert store.sql_scalar("SELECT count(*) FROM _metadata") == 0


def test_malformed_line_on_append_leaves_the_table_unchanged(
    loaded: StorageEngine, tmp_path: Path
) -> None:
    before = snapshot(loaded)
    with pytest.raises(DataError, match="line 3"):
        loaded.load_events("events", bad_second_file(tmp_path, "b.jsonl", bad_line=3), append=True)
    assert snapshot(loaded) == before


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("[1, 2, 3]", "malformed line"),
        ('"just a string"', "malformed line"),
        (json.dumps({"event": "E", "properties": {"distinct_id": "x"}}), "numeric properties.time"),
        (json.dumps({"event": "E", "properties": {"time": "soon"}}), "numeric properties.time"),
        (json.dumps({"properties": {"time": 1704067200}}), "an event name"),
        (json.dumps({"event": "E"}), "numeric properties.time"),
    ],
)
def test_lines_that_break_the_export_shape_fail_the_load(
    loaded: StorageEngine, tmp_path: Path, line: str, why: str
) -> None:
    before = snapshot(loaded)
    f = write_lines(tmp_path / "x.jsonl", [export_event(500), line, export_event(501)])
    with pytest.raises(DataError, match=why) as info:
        loaded.load_events("events", [f], append=True)
    assert "x.jsonl" in info.value.message
    assert snapshot(loaded) == before


def test_truncated_gzip_is_a_data_error(store: StorageEngine, tmp_path: Path) -> None:
    f = write_lines(tmp_path / "a.jsonl.gz", [export_event(i) for i in range(2000)])
    f.write_bytes(f.read_bytes()[:-200])
    with pytest.raises(DataError, match="ends inside its gzip stream") as info:
        store.load_events("events", [f])
    assert info.value.details == {"file": str(f.resolve()), "truncated": True}
    assert store.tables() == []


def test_missing_file_or_glob_path_is_rejected_before_writing(
    loaded: StorageEngine, tmp_path: Path
) -> None:
    before = snapshot(loaded)
    with pytest.raises(FileNotFoundError):
        loaded.load_events("other", [tmp_path / "nope.jsonl"])
    star = write_lines(tmp_path / "a*.jsonl", [export_event(1)])
    with pytest.raises(ValidationError, match="glob"):
        loaded.load_events("other", [star])
    assert snapshot(loaded) == before


def test_profiles_without_distinct_id_fail_the_load(store: StorageEngine, tmp_path: Path) -> None:
    f = write_lines(tmp_path / "p.jsonl", [profile_line("a"), {"$properties": {"x": 1}}])
    with pytest.raises(DataError, match=r"\$distinct_id"):
        store.load_profiles("profiles", [f])
    assert store.tables() == []


def test_appending_the_wrong_kind_is_rejected(loaded: StorageEngine, tmp_path: Path) -> None:
    before = snapshot(loaded)
    f = write_lines(tmp_path / "p.jsonl", [profile_line("a")])
    with pytest.raises(ValidationError, match="not a profiles table"):
        loaded.load_profiles("events", [f], append=True)
    assert snapshot(loaded) == before


# -- interrupts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("at", ["reading", "deduplicating", "recording", "committing"])
def test_keyboard_interrupt_at_any_step_rolls_back_a_new_table(
    loaded: StorageEngine, tmp_path: Path, at: str
) -> None:
    before = snapshot(loaded)

    def progress(step: str) -> None:
        if step == at:
            raise KeyboardInterrupt

    f = write_lines(tmp_path / "new.jsonl", [export_event(i) for i in range(100, 130)])
    with pytest.raises(KeyboardInterrupt):
        loaded.load_events("fresh", [f], progress=progress)
    assert snapshot(loaded) == before
    # the engine is still usable and the name is free
    assert loaded.load_events("fresh", [f]).rows_loaded == 30


@pytest.mark.parametrize("at", ["deduplicating", "committing"])
def test_keyboard_interrupt_rolls_back_an_append(
    loaded: StorageEngine, tmp_path: Path, at: str
) -> None:
    before = snapshot(loaded)

    def progress(step: str) -> None:
        if step == at:
            raise KeyboardInterrupt

    f = write_lines(tmp_path / "new.jsonl", [export_event(i) for i in range(10, 40)])
    with pytest.raises(KeyboardInterrupt):
        loaded.load_events("events", [f], append=True, progress=progress)
    assert snapshot(loaded) == before


def big_export(tmp_path: Path, n: int) -> Path:
    pad = "x" * 400
    return write_lines(tmp_path / "big.jsonl", [export_event(i, pad=pad) for i in range(n)])


def test_interrupt_from_another_thread_rolls_back(loaded: StorageEngine, tmp_path: Path) -> None:
    before = snapshot(loaded)
    f = big_export(tmp_path, 60_000)
    done = threading.Event()
    started = threading.Event()

    def interrupter() -> None:
        started.wait()
        while not done.is_set():
            loaded.interrupt()
            done.wait(0.002)

    thread = threading.Thread(target=interrupter)
    thread.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            loaded.load_events("big", [f], progress=lambda step: started.set())
    finally:
        done.set()
        thread.join()
    assert snapshot(loaded) == before
    assert loaded.sql_scalar("SELECT 1") == 1


# The child raises KeyboardInterrupt on SIGINT even when this process ignores SIGINT (a child
# inherits SIG_IGN, and Python then leaves it).
CHILD = textwrap.dedent(
    """
    import signal, sys
    signal.signal(signal.SIGINT, signal.default_int_handler)
    from mixpanel_data._storage import StorageEngine
    store = StorageEngine(sys.argv[1])
    def progress(step):
        if step == "reading":
            print("reading", flush=True)
    try:
        store.load_events("big", [sys.argv[2]], progress=progress)
    except KeyboardInterrupt:
        store.close()
        print("interrupted", flush=True)
        sys.exit(130)
    print("finished", flush=True)
    """
)


@pytest.mark.slow
def test_ctrl_c_in_another_process_rolls_back(tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    with StorageEngine(db) as store:
        store.load_events("events", [write_lines(tmp_path / "old.jsonl", [export_event(1)])])
        before = snapshot(store)
    f = big_export(tmp_path, 150_000)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db), str(f)], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "reading"
    os.kill(child.pid, signal.SIGINT)
    out, _ = child.communicate(timeout=60)
    assert (out.strip(), child.returncode) == ("interrupted", 130)
    with StorageEngine.open_existing(db, read_only=True) as store:
        assert snapshot(store) == before


def test_table_made_by_another_connection_meanwhile_is_table_exists(
    store: StorageEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.connection.execute("CREATE TABLE events (a INTEGER)")
    monkeypatch.setattr(store, "_find_table", lambda name: None)  # the check saw no table yet
    f = write_lines(tmp_path / "a.jsonl", [export_event(1)])
    with pytest.raises(TableExistsError):
        store.load_events("events", [f])
    monkeypatch.undo()
    assert store.schema("events").columns[0].name == "a"
    assert store.sql_scalar("SELECT count(*) FROM _metadata") == 0
