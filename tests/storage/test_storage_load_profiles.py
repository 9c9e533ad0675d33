"""load_profiles: engage lines become one row per distinct_id, the last copy winning."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from storage_helpers import profile_line, write_lines

from mixpanel_data._storage import StorageEngine


def profiles(store: StorageEngine, table: str = "profiles") -> dict[str, tuple[object, ...]]:
    rows = store.sql_rows(f"SELECT distinct_id, properties, last_seen FROM {table}")
    return {r[0]: (json.loads(str(r[1])), r[2]) for r in rows}


def test_profiles_layout_and_values(store: StorageEngine, tmp_path: Path) -> None:
    lines = [
        profile_line(
            "a", **{"$email": "a@example.com", "$last_seen": "2024-01-31T12:34:56", "plan": "pro"}
        ),
        profile_line(123, **{"$name": "Zoë 東京", "$last_seen": "not a date"}),
        profile_line("c", ltv=12.5, tags=["x", "y"], nested={"k": 1}),
    ]
    f = write_lines(tmp_path / "p.jsonl.gz", lines)

    result = store.load_profiles("profiles", [f])

    assert (result.rows_loaded, result.duplicates_dropped) == (3, 0)
    assert [(c.name, c.type) for c in store.schema("profiles").columns] == [
        ("distinct_id", "VARCHAR"),
        ("properties", "JSON"),
        ("last_seen", "TIMESTAMP"),
    ]
    got = profiles(store)
    assert got["a"] == (lines[0]["$properties"], datetime(2024, 1, 31, 12, 34, 56))
    assert got["123"] == (lines[1]["$properties"], None)  # numeric id as text; bad date is NULL
    assert got["c"] == (lines[2]["$properties"], None)


def test_last_copy_wins_inside_the_files(store: StorageEngine, tmp_path: Path) -> None:
    lines = [profile_line(f"u{i % 5}", version=i) for i in range(23)]
    f1 = write_lines(tmp_path / "a.jsonl", lines[:10])
    f2 = write_lines(tmp_path / "b.jsonl", lines[10:])

    result = store.load_profiles("profiles", [f1, f2])

    last = {line["$distinct_id"]: line["$properties"] for line in lines}
    assert result.rows_loaded == len(last) == 5
    assert result.duplicates_dropped == len(lines) - len(last)
    assert {k: v[0] for k, v in profiles(store).items()} == last


def test_append_replaces_stored_profiles(store: StorageEngine, tmp_path: Path) -> None:
    old = [profile_line(f"u{i}", v="old") for i in range(10)]
    new = [profile_line(f"u{i}", v="new") for i in range(5, 15)] + [profile_line("u14", v="newest")]
    store.load_profiles("profiles", [write_lines(tmp_path / "a.jsonl", old)])

    result = store.load_profiles("profiles", [write_lines(tmp_path / "b.jsonl", new)], append=True)

    expected = {x["$distinct_id"]: x["$properties"] for x in old + new}
    assert result.rows_loaded == 10  # u5..u14 from the new file
    assert result.duplicates_dropped == 1  # the first u14 line of the new file
    assert {k: v[0] for k, v in profiles(store).items()} == expected
    assert store.sql_scalar("SELECT count(*) FROM profiles") == 15
    meta = store.get_metadata("profiles")
    assert meta is not None and (meta.type, meta.row_count) == ("profiles", 15)


def test_append_without_overlap_keeps_everything(store: StorageEngine, tmp_path: Path) -> None:
    store.load_profiles("p", [write_lines(tmp_path / "a.jsonl", [profile_line("a")])])
    result = store.load_profiles(
        "p", [write_lines(tmp_path / "b.jsonl", [profile_line("b")])], append=True
    )
    assert (result.rows_loaded, result.duplicates_dropped) == (1, 0)
    assert sorted(profiles(store, "p")) == ["a", "b"]


@pytest.mark.parametrize("name", ["p.jsonl", "p.jsonl.gz"])
def test_profiles_table_is_listed_with_its_type(
    store: StorageEngine, tmp_path: Path, name: str
) -> None:
    store.load_profiles(
        "people", [write_lines(tmp_path / name, [profile_line("a"), profile_line("b")])]
    )
    assert [(t.name, t.type, t.row_count) for t in store.tables()] == [("people", "profiles", 2)]
