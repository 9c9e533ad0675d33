"""load_events: the stored shape, time units, compression, dedup and append."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from storage_helpers import (
    BASE_TIME,
    event_key,
    expected_time,
    export_event,
    first_copies,
    remaining_properties,
    write_lines,
)

from mixpanel_data._storage import LoadMetadata, StorageEngine
from mixpanel_data.exceptions import ValidationError


def stored(store: StorageEngine, table: str = "events") -> list[tuple[object, ...]]:
    return store.sql_rows(
        f"SELECT event_name, event_time, distinct_id, insert_id, properties FROM {table}"
        " ORDER BY TRY_CAST(properties->>'n' AS INTEGER), rowid"  # events are stored unordered
    )


def test_events_table_has_the_spec_layout(store: StorageEngine, tmp_path: Path) -> None:
    f = write_lines(tmp_path / "a.jsonl", [export_event(0)])
    store.load_events("events", [f])
    columns = [(c.name, c.type) for c in store.schema("events").columns]
    assert columns == [
        ("event_name", "VARCHAR"),
        ("event_time", "TIMESTAMP"),
        ("distinct_id", "VARCHAR"),
        ("insert_id", "VARCHAR"),
        ("properties", "JSON"),
    ]


@pytest.mark.parametrize("name", ["export.jsonl", "export.jsonl.gz"])
def test_rows_are_stored_exactly(store: StorageEngine, tmp_path: Path, name: str) -> None:
    lines = [export_event(i) for i in range(50)]
    f = write_lines(tmp_path / name, lines)

    result = store.load_events("events", [f])

    assert (result.rows_loaded, result.duplicates_dropped) == (50, 0)
    rows = stored(store)
    assert len(rows) == 50
    for line, (event, when, distinct_id, insert_id, props) in zip(lines, rows, strict=True):
        p = line["properties"]
        assert event == line["event"]
        assert when == expected_time(p["time"])
        assert (distinct_id, insert_id) == (p["distinct_id"], p["$insert_id"])
        assert json.loads(str(props)) == remaining_properties(line)  # non-ASCII, lists, nesting


def test_several_files_load_together(store: StorageEngine, tmp_path: Path) -> None:
    a = write_lines(tmp_path / "a.jsonl", [export_event(i) for i in range(10)])
    b = write_lines(tmp_path / "b.jsonl.gz", [export_event(i) for i in range(10, 25)])
    result = store.load_events("events", [a, b])
    assert result.rows_loaded == 25
    ns = [json.loads(str(r[4]))["n"] for r in stored(store)]
    assert ns == list(range(25))


def test_time_in_seconds_and_milliseconds(store: StorageEngine, tmp_path: Path) -> None:
    ms = (BASE_TIME + 123) * 1000 + 456
    times = [BASE_TIME, ms, 0, 100_000_000_000, 100_000_000_001]
    lines = [export_event(i, time=t) for i, t in enumerate(times)]
    store.load_events("events", [write_lines(tmp_path / "t.jsonl", lines)])
    got = [r[1] for r in stored(store)]
    assert got == [expected_time(t) for t in times]
    assert got[1].microsecond == 456_000  # type: ignore[attr-defined]


def test_duplicates_inside_the_export_are_dropped_the_last_ingested_copy_wins(
    store: StorageEngine, tmp_path: Path
) -> None:
    lines = [export_event(i) for i in range(30)]
    lines[5]["properties"]["mp_processing_time_ms"] = 2_000
    # an exact repeat; repeats with other properties (the largest mp_processing_time_ms wins,
    # wherever it is in the files); near-misses that differ in one key part (not duplicates)
    lines.append(export_event(3))
    lines.append(export_event(5, extra="ingested last", mp_processing_time_ms=3_000))
    lines.append(export_event(5, extra="ingested first", mp_processing_time_ms=1_000))
    lines.append(export_event(7, distinct_id="someone-else"))
    lines.append(export_event(8, insert_id="other-insert-id"))
    lines.append(export_event(9, time=BASE_TIME + 60 * 9 + 1))
    lines.append(export_event(10, event="Other"))
    f1 = write_lines(tmp_path / "a.jsonl", lines[:20])
    f2 = write_lines(tmp_path / "b.jsonl.gz", lines[20:])

    result = store.load_events("events", [f1, f2])

    expected = first_copies(lines)  # one per key; only n=5's copies differ
    assert result.rows_loaded == len(expected) == len({event_key(x) for x in lines})
    assert result.duplicates_dropped == len(lines) - len(expected) == 3
    kept = sorted((p["n"], p.get("extra")) for p in (json.loads(str(r[4])) for r in stored(store)))
    winners = {5: "ingested last"}
    assert kept == sorted(
        (x["properties"]["n"], winners.get(x["properties"]["n"])) for x in expected
    )


def test_events_without_insert_id_dedup_on_the_other_three_parts(
    store: StorageEngine, tmp_path: Path
) -> None:
    line = export_event(1)
    del line["properties"]["$insert_id"]
    other = export_event(2)
    del other["properties"]["$insert_id"]
    f = write_lines(tmp_path / "a.jsonl", [line, line, other])
    result = store.load_events("events", [f])
    assert (result.rows_loaded, result.duplicates_dropped) == (2, 1)
    assert store.sql_scalar("SELECT count(*) FROM events WHERE insert_id IS NULL") == 2


def test_append_over_overlapping_data_stores_no_duplicate(
    store: StorageEngine, tmp_path: Path
) -> None:
    first = [export_event(i) for i in range(0, 100)]
    # overlaps 60..99 (with a changed non-key property: the stored row must win), adds 100..159,
    # and repeats 150 inside the new export
    second = [export_event(i, changed=True) for i in range(60, 160)] + [export_event(150)]
    store.load_events("events", [write_lines(tmp_path / "a.jsonl", first)])

    result = store.load_events("events", [write_lines(tmp_path / "b.jsonl", second)], append=True)

    keys_before = {event_key(x) for x in first}
    new_keys = {event_key(x) for x in second} - keys_before
    assert result.rows_loaded == len(new_keys) == 60
    assert result.duplicates_dropped == len(second) - len(new_keys)
    assert store.sql_scalar("SELECT count(*) FROM events") == len(keys_before | new_keys) == 160
    dupes = store.sql_scalar(
        "SELECT count(*) FROM (SELECT 1 FROM events"
        " GROUP BY event_name, distinct_id, event_time, insert_id HAVING count(*) > 1)"
    )
    assert dupes == 0
    changed = store.sql_scalar(
        "SELECT count(*) FROM events WHERE properties->>'$.changed' = 'true'"
    )
    assert changed == 60  # only the new events 100..159 carry it: the 40 stored ones won


def test_append_matches_stored_events_without_insert_id(
    store: StorageEngine, tmp_path: Path
) -> None:
    lines = [export_event(i) for i in range(3)]
    for line in lines:
        del line["properties"]["$insert_id"]
    store.load_events("events", [write_lines(tmp_path / "a.jsonl", lines[:2])])
    result = store.load_events("events", [write_lines(tmp_path / "b.jsonl", lines)], append=True)
    assert (result.rows_loaded, result.duplicates_dropped) == (1, 2)  # NULL matches NULL
    assert store.sql_scalar("SELECT count(*) FROM events WHERE insert_id IS NULL") == 3


def test_append_of_the_same_file_adds_nothing(store: StorageEngine, tmp_path: Path) -> None:
    f = write_lines(tmp_path / "a.jsonl.gz", [export_event(i) for i in range(40)])
    store.load_events("events", [f])
    before = stored(store)
    result = store.load_events("events", [f], append=True)
    assert (result.rows_loaded, result.duplicates_dropped) == (0, 40)
    assert stored(store) == before


def test_append_keeps_hand_made_duplicates_of_old_rows(
    store: StorageEngine, tmp_path: Path
) -> None:
    store.load_events("events", [write_lines(tmp_path / "a.jsonl", [export_event(1)])])
    store.connection.execute("INSERT INTO events SELECT * FROM events")  # a user's own doing
    f = write_lines(tmp_path / "b.jsonl", [export_event(1), export_event(2)])
    result = store.load_events("events", [f], append=True)
    assert (result.rows_loaded, result.duplicates_dropped) == (1, 1)
    assert store.sql_scalar("SELECT count(*) FROM events") == 3  # only new rows are ever deleted


def test_append_to_a_missing_table_creates_it(store: StorageEngine, tmp_path: Path) -> None:
    f = write_lines(tmp_path / "a.jsonl", [export_event(i) for i in range(5)])
    result = store.load_events("fresh", [f], append=True)
    assert result.rows_loaded == 5
    assert [t.name for t in store.tables()] == ["fresh"]


def test_no_files_or_empty_files_make_an_empty_table(store: StorageEngine, tmp_path: Path) -> None:
    assert store.load_events("none", []).rows_loaded == 0
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    assert store.load_events("empty", [empty]).rows_loaded == 0
    assert {t.name: t.row_count for t in store.tables()} == {"empty": 0, "none": 0}
    assert store.get_metadata("none") is not None


def test_blank_lines_are_ignored(store: StorageEngine, tmp_path: Path) -> None:
    f = write_lines(tmp_path / "a.jsonl", [export_event(1), "", export_event(2), "   "])
    assert store.load_events("events", [f]).rows_loaded == 2


def test_memory_store_loads_too(tmp_path: Path) -> None:
    f = write_lines(tmp_path / "a.jsonl.gz", [export_event(i) for i in range(12)])
    with StorageEngine.memory() as mem:
        assert mem.load_events("events", [f]).rows_loaded == 12
        assert mem.sql_scalar("SELECT count(DISTINCT distinct_id) FROM events") == 7


def test_metadata_is_recorded_and_widened_on_append(store: StorageEngine, tmp_path: Path) -> None:
    f1 = write_lines(tmp_path / "a.jsonl", [export_event(i) for i in range(3)])
    f2 = write_lines(tmp_path / "b.jsonl", [export_event(i) for i in range(3, 8)])
    store.load_events(
        "events",
        [f1],
        metadata=LoadMetadata(
            from_date="2024-01-05",
            to_date=date(2024, 1, 9),
            filter_events=["Login", "Purchase"],
            filter_where='properties["plan"] == "pro"',
            project_id=42,
            details={"chunks_done": ["2024-01-05"]},
        ),
    )
    meta = store.get_metadata("events")
    assert meta is not None
    assert (meta.type, meta.row_count, meta.project_id) == ("events", 3, "42")
    assert meta.filter_events == ("Login", "Purchase")
    assert meta.details == {"chunks_done": ["2024-01-05"]}
    assert meta.fetched_at.tzinfo is not None

    store.load_events(
        "events",
        [f2],
        append=True,
        metadata=LoadMetadata(from_date="2024-01-01", to_date="2024-01-07", project_id=42),
    )
    meta = store.get_metadata("events")
    assert meta is not None
    assert (meta.from_date, meta.to_date) == (date(2024, 1, 1), date(2024, 1, 9))
    assert meta.row_count == 8
    json.dumps(meta.to_dict())


@pytest.mark.parametrize(
    "bad",
    [
        LoadMetadata(from_date="2024-1-5"),
        LoadMetadata(from_date="2024-02-30"),
        LoadMetadata(from_date="2024-02-02", to_date="2024-02-01"),
        LoadMetadata(filter_events="Login"),
        LoadMetadata(details={"x": object()}),
    ],
)
def test_bad_metadata_is_rejected_before_writing(
    store: StorageEngine, tmp_path: Path, bad: LoadMetadata
) -> None:
    f = write_lines(tmp_path / "a.jsonl", [export_event(1)])
    with pytest.raises(ValidationError):
        store.load_events("events", [f], metadata=bad)
    assert store.tables() == []


def test_progress_reports_each_step(store: StorageEngine, tmp_path: Path) -> None:
    steps: list[str] = []
    f = write_lines(tmp_path / "a.jsonl", [export_event(1)])
    store.load_events("events", [f], progress=steps.append)
    assert steps == ["reading", "deduplicating", "recording", "committing"]


def test_case_insensitive_names_address_the_same_table(
    store: StorageEngine, tmp_path: Path
) -> None:
    f = write_lines(tmp_path / "a.jsonl", [export_event(1)])
    store.load_events("Events", [f])
    result = store.load_events(
        "EVENTS", [write_lines(tmp_path / "b.jsonl", [export_event(2)])], append=True
    )
    assert result.rows_loaded == 1
    assert [(t.name, t.row_count) for t in store.tables()] == [("Events", 2)]
    assert store.get_metadata("events") is not None


def _limit_during_a_load(store: StorageEngine, tmp_path: Path) -> set[object]:
    during: set[object] = set()
    f = write_lines(tmp_path / f"{len(store.tables())}.jsonl", [export_event(1)])
    store.load_events(
        f"t{len(store.tables())}",
        [f],
        progress=lambda step: during.add(store.sql_scalar(LIMIT)),
    )
    return during


LIMIT = "SELECT current_setting('memory_limit')"


def test_a_file_load_caps_duckdb_default_memory_limit_and_resets_it(
    store: StorageEngine, tmp_path: Path
) -> None:
    default = store.sql_scalar(LIMIT)
    assert _limit_during_a_load(store, tmp_path) == {"488.2 MiB"}  # 512MB
    assert store.sql_scalar(LIMIT) == default


def test_a_limit_set_on_the_connection_is_left_alone(store: StorageEngine, tmp_path: Path) -> None:
    store.connection.execute("SET memory_limit = '4GB'")
    mine = store.sql_scalar(LIMIT)
    assert _limit_during_a_load(store, tmp_path) == {mine}
    assert store.sql_scalar(LIMIT) == mine


def test_a_memory_store_is_never_capped(tmp_path: Path) -> None:
    with StorageEngine.memory() as store:
        default = store.sql_scalar(LIMIT)
        assert _limit_during_a_load(store, tmp_path) == {default}


def test_events_load_without_keeping_line_order_and_the_setting_comes_back(
    store: StorageEngine, tmp_path: Path
) -> None:
    order = "SELECT current_setting('preserve_insertion_order')"
    during: set[object] = set()
    f = write_lines(tmp_path / "a.jsonl", [export_event(1)])
    store.load_events("events", [f], progress=lambda step: during.add(store.sql_scalar(order)))
    assert during == {False}
    assert store.sql_scalar(order) is True


@pytest.mark.parametrize(
    ("bad", "params"),
    [
        (LoadMetadata(to_date="2024-02-30"), ["to_date"]),
        (
            LoadMetadata(from_date=date(2024, 2, 2), to_date=date(2024, 2, 1)),
            ["from_date", "to_date"],
        ),
        (LoadMetadata(filter_events="Login"), ["filter_events"]),
    ],
)
def test_metadata_errors_name_the_field(
    store: StorageEngine, tmp_path: Path, bad: LoadMetadata, params: list[str]
) -> None:
    f = write_lines(tmp_path / "a.jsonl", [export_event(1)])
    with pytest.raises(ValidationError) as info:
        store.load_events("events", [f], metadata=bad)
    assert info.value.details["params"] == params


def test_metadata_dates_as_objects_are_stored_as_given(
    store: StorageEngine, tmp_path: Path
) -> None:
    f = write_lines(tmp_path / "a.jsonl", [export_event(1)])
    days = (date(1970, 1, 1), date(9998, 12, 31))
    store.load_events("events", [f], metadata=LoadMetadata(from_date=days[0], to_date=days[1]))
    meta = store.get_metadata("events")
    assert meta is not None
    assert (meta.from_date, meta.to_date) == days
    info = {t.name: t for t in store.tables()}["events"]
    assert (info.from_date, info.to_date) == days
