"""The event importer against the sandbox: local checks, insert ids, batching, sources, rejects,
resume. What was stored is read back through export, never from the importer's own report."""

from __future__ import annotations

import gzip
import json
import stat
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mixpanel_data import Workspace
from mixpanel_data._pacing import reset_pacers
from mixpanel_data._services.import_records import derived_insert_id, prepare_event
from mixpanel_data._services.import_sources import ColumnMapping, open_source
from mixpanel_data._services.importer import MAX_BATCH_BYTES, EventImporter, RejectsFile, _Tally
from mixpanel_data.exceptions import ValidationError
from mixpanel_data.sandbox import Sandbox

DAY = "2026-01-03"
T0 = 1767398400  # 2026-01-03T00:00:00Z


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox(seed=3, users=10, days=2, end_date="2026-01-10") as sandbox:
        yield sandbox


@pytest.fixture
def ws(sb: Sandbox, tmp_path: Path) -> Iterator[Workspace]:
    sb.wait_idle()
    sb.faults.clear()
    reset_pacers()
    with Workspace.memory(credentials=sb.credentials.client_credentials(sb.url)) as workspace:
        yield workspace


def _events(n: int, name: str, **extra: Any) -> list[dict[str, Any]]:
    return [
        {"event": name, "properties": {"distinct_id": f"u{i % 7}", "time": T0 + i, "n": i, **extra}}
        for i in range(n)
    ]


def _write_jsonl(path: Path, records: list[Any]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def _exported(ws: Workspace, name: str) -> list[dict[str, Any]]:
    return [e for e in ws.stream_events(from_date=DAY, to_date=DAY, events=[name], raw=True)]


# -- local checks -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({"event": "", "properties": {"distinct_id": "a", "time": T0}}, "event"),
        ({"event": "x" * 256, "properties": {"distinct_id": "a", "time": T0}}, "event"),
        ({"event": "E", "properties": {"time": T0}}, "properties.distinct_id"),
        ({"event": "E", "properties": {"distinct_id": "a"}}, "properties.time"),
        ({"event": "E", "properties": {"distinct_id": "a", "time": 12}}, "properties.time"),
        ({"event": "E", "properties": {"distinct_id": "a", "time": 9e12}}, "properties.time"),
        ({"event": "E", "properties": {"distinct_id": "a", "time": "soon"}}, "properties.time"),
        (
            {"event": "E", "properties": {"distinct_id": "a", "time": T0, "$insert_id": "a b"}},
            "properties.$insert_id",
        ),
        (
            {"event": "E", "properties": {"distinct_id": "a", "time": T0, "$insert_id": "x" * 37}},
            "properties.$insert_id",
        ),
        ({"event": "E", "properties": {f"p{i}": i for i in range(256)}}, "properties"),
        ({"event": "E", "properties": []}, "properties"),
        (["not", "an", "object"], ""),
    ],
)
def test_local_checks_name_the_field(record: Any, field: str) -> None:
    from mixpanel_data._services.import_records import RecordRejected

    with pytest.raises(RecordRejected) as caught:
        prepare_event(record, None, T0 * 1000 + 10**9)
    assert caught.value.field == field and caught.value.reason


def test_times_in_seconds_milliseconds_and_iso_land_on_the_same_instant(
    ws: Workspace, tmp_path: Path
) -> None:
    times = [T0 + 5, (T0 + 5) * 1000, "2026-01-03T00:00:05Z", "2026-01-03T01:00:05+01:00",
             "2026-01-03T00:00:05", str(T0 + 5)]  # fmt: skip
    records = [
        {"event": "Times", "properties": {"distinct_id": f"t{i}", "time": t}}
        for i, t in enumerate(times)
    ]
    result = ws.import_events(records, timezone="UTC")
    assert (result.imported, result.rejected) == (len(times), 0)
    exported = _exported(ws, "Times")
    assert sorted(e["properties"]["distinct_id"] for e in exported) == [f"t{i}" for i in range(6)]
    assert {e["properties"]["time"] for e in exported} == {T0 + 5}


def test_a_naive_iso_time_without_a_timezone_stops_at_once(ws: Workspace, tmp_path: Path) -> None:
    path = _write_jsonl(
        tmp_path / "naive.jsonl",
        [*_events(3, "Naive"), {"event": "Naive", "properties": {"distinct_id": "a",
                                                                   "time": "2026-01-03T10:00:00"}}],
    )  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        ws.import_events(path)
    assert caught.value.details["param"] == "timezone"
    assert "line 4" in caught.value.message
    assert _exported(ws, "Naive") == []


def test_a_naive_time_is_read_in_the_given_zone(ws: Workspace) -> None:
    record = {"event": "Zoned", "properties": {"distinct_id": "z", "time": "2026-01-03T09:00:00"}}
    ws.import_events([record], timezone="Europe/Paris")
    (event,) = _exported(ws, "Zoned")
    assert event["properties"]["time"] == T0 + 8 * 3600
    with pytest.raises(ValidationError) as caught:
        ws.import_events([record], timezone="Mars/Olympus")
    assert caught.value.details["param"] == "timezone"


# -- insert ids -------------------------------------------------------------------------------


def test_derived_insert_ids_follow_the_content_and_fit_mixpanels_limit() -> None:
    a = derived_insert_id("E", "u1", T0 * 1000, {"x": 1, "y": [1, 2]})
    assert a == derived_insert_id("E", "u1", T0 * 1000, {"y": [1, 2], "x": 1})
    assert a != derived_insert_id("E", "u1", T0 * 1000, {"x": 2, "y": [1, 2]})
    assert a != derived_insert_id("E", "u2", T0 * 1000, {"x": 1, "y": [1, 2]})
    assert a != derived_insert_id("F", "u1", T0 * 1000, {"x": 1, "y": [1, 2]})
    assert a != derived_insert_id("E", "u1", T0 * 1000 + 1, {"x": 1, "y": [1, 2]})
    assert len(a) <= 36 and a.isalnum()
    # seconds and milliseconds of the same instant are the same event
    first, _ = prepare_event(
        {"event": "E", "properties": {"distinct_id": "u", "time": T0}}, None, 0
    )
    second, _ = prepare_event(
        {"event": "E", "properties": {"distinct_id": "u", "time": T0 * 1000}}, None, 0
    )
    assert first["properties"]["$insert_id"] == second["properties"]["$insert_id"]


def test_a_given_insert_id_is_kept(ws: Workspace) -> None:
    record = _events(1, "Kept")[0]
    record["properties"]["$insert_id"] = "my-own-id-1"
    ws.import_events([record])
    (event,) = _exported(ws, "Kept")
    assert event["properties"]["$insert_id"] == "my-own-id-1"


# -- batches ----------------------------------------------------------------------------------


def _batches(source: Any, batch_size: int = 2000) -> list[Any]:
    importer = EventImporter(None, "1")  # type: ignore[arg-type]  # no request is made
    return list(
        importer._batches(open_source(source), _Tally(), RejectsFile(None), batch_size, None)
    )


def test_batches_stay_within_2000_events_and_2_mib() -> None:
    big = _events(2500, "Big", blob="x" * 3000)  # ~3 KB each: 2 MiB holds about 690
    batches = _batches(big)
    assert sum(len(b.lines) for b in batches) == 2500
    assert all(len(b.payload()) <= MAX_BATCH_BYTES for b in batches)
    assert all(len(json.loads(b.payload())) == len(b.lines) for b in batches)
    assert len(batches) == 4
    assert max(len(b.payload()) for b in batches) > MAX_BATCH_BYTES - 4000  # filled, not timid
    small = _batches(_events(4500, "Small"))
    assert [len(b.lines) for b in small] == [2000, 2000, 500]
    assert [len(b.lines) for b in _batches(_events(10, "Tiny"), batch_size=4)] == [4, 4, 2]


def test_dry_run_checks_everything_and_sends_nothing(
    ws: Workspace, sb: Sandbox, tmp_path: Path
) -> None:
    bad = {"event": "Dry", "properties": {"time": T0}}
    path = _write_jsonl(tmp_path / "dry.jsonl", [*_events(4100, "Dry"), bad])
    sb.clear_requests()
    result = ws.import_events(path, dry_run=True)
    assert (result.valid, result.rejected, result.batches, result.imported) == (4100, 1, 3, 0)
    assert result.dry_run and not any(r.path == "/import" for r in sb.requests)
    assert not (tmp_path / ".mp-import").exists()


def test_batch_size_and_workers_are_checked(ws: Workspace) -> None:
    with pytest.raises(ValidationError) as caught:
        ws.import_events([], batch_size=2001)
    assert caught.value.details["param"] == "batch_size"
    with pytest.raises(ValidationError):
        ws.import_events([], workers=0)


# -- sources ----------------------------------------------------------------------------------


def test_csv_with_a_column_mapping_gzipped(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "rows.csv.gz"
    lines = ["name,user,ts,plan"] + [f"Csv,u{i},{T0 + i},pro" for i in range(50)]
    lines.append("Csv,,123,broken")  # line 52: no user, absurd time
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    result = ws.import_events(path, mapping={"event": "name", "distinct_id": "user", "time": "ts"})
    assert (result.imported, result.rejected) == (50, 1)
    assert result.rejects[0]["line"] == 52
    exported = _exported(ws, "Csv")
    assert len(exported) == 50 and {e["properties"]["plan"] for e in exported} == {"pro"}
    assert "user" not in exported[0]["properties"]


def test_a_column_mapping_names_known_fields_only(ws: Workspace) -> None:
    with pytest.raises(ValidationError) as caught:
        ws.import_events([], mapping={"user": "who"})
    assert caught.value.details["param"] == "mapping"
    assert ColumnMapping(distinct_id="who").to_event({"event": "E", "who": "a", "x": ""}) == {
        "event": "E",
        "properties": {"distinct_id": "a"},
    }


def test_json_array_dataframe_and_a_local_sql_query(ws: Workspace, tmp_path: Path) -> None:
    import pandas as pd

    array = tmp_path / "arr.json"
    array.write_text(json.dumps(_events(30, "Arr")))
    assert ws.import_events(array).imported == 30
    frame = pd.DataFrame(
        {"event": ["Frame"] * 20, "distinct_id": [f"f{i}" for i in range(20)],
         "time": [T0 + i for i in range(20)], "score": [float(i) for i in range(20)]}
    )  # fmt: skip
    assert ws.import_events(frame).imported == 20
    ws.connection.execute(
        f"CREATE TABLE t AS SELECT 'Sql' AS event, 's' || i AS distinct_id, {T0} + i AS time "
        "FROM range(15) r(i)"
    )
    assert ws.import_events(table="t").imported == 15
    assert ws.import_events(sql="SELECT * FROM t WHERE time < " + str(T0 + 5)).imported == 5
    counts = Counter(e["event"] for e in ws.stream_events(from_date=DAY, to_date=DAY, raw=True))
    assert (counts["Arr"], counts["Frame"]) == (30, 20)
    # the SQL run repeats 5 events of the table: same content, same insert ids
    sql_rows = _exported(ws, "Sql")
    assert len({e["properties"]["$insert_id"] for e in sql_rows}) == 15


def test_an_unreadable_line_is_rejected_with_its_number(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "broken.jsonl"
    path.write_text("\n".join(json.dumps(e) for e in _events(3, "Broken")) + '\n{"event": oops\n\n')
    result = ws.import_events(path)
    assert (result.imported, result.rejected) == (3, 1)
    (entry,) = [
        json.loads(line) for line in Path(str(result.rejects_path)).read_text().splitlines()
    ]
    assert entry["line"] == 4 and "JSON" in entry["reason"]


def test_the_rejects_file_is_private_and_never_written_through_a_symlink(
    ws: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "broken.jsonl"
    path.write_text("\n".join(json.dumps(e) for e in _events(2, "Private")) + "\n{oops\n")
    result = ws.import_events(path)
    assert result.rejected == 1
    assert stat.S_IMODE(Path(str(result.rejects_path)).stat().st_mode) == 0o600
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    planted = tmp_path / "planted.jsonl"
    planted.write_text("{oops\n")
    (tmp_path / "planted.jsonl.rejects.jsonl").symlink_to(victim)
    with pytest.raises(OSError) as info:
        ws.import_events(planted)
    assert "planted.jsonl.rejects.jsonl" in str(info.value)
    assert victim.read_text() == "keep me"


def test_unknown_sources_are_refused(ws: Workspace, tmp_path: Path) -> None:
    with pytest.raises(ValidationError):
        ws.import_events(tmp_path / "missing.jsonl")
    with pytest.raises(ValidationError):
        ws.import_events(42)


# -- rejects from Mixpanel ----------------------------------------------------------------------


def test_strict_failed_records_are_mapped_back_to_their_lines(
    ws: Workspace, tmp_path: Path
) -> None:
    records: list[Any] = _events(2500, "Strict")
    # Passes the local checks; the server refuses a $merge without two distinct ids.
    bad = {"event": "$merge", "properties": {"distinct_id": "m", "time": T0, "$distinct_ids": []}}
    records[2100] = bad
    path = _write_jsonl(tmp_path / "strict.jsonl", records)
    result = ws.import_events(path)
    assert (result.imported, result.rejected, result.batches) == (2499, 1, 2)
    entries = [json.loads(line) for line in Path(str(result.rejects_path)).read_text().splitlines()]
    assert entries == [
        {
            "line": 2101,
            "field": "properties.$distinct_ids",
            "reason": entries[0]["reason"],
            "insert_id": bad_id(bad),
            "record": json.loads(json.dumps(prepare_event(bad, None, 0)[0])),
        }
    ]
    assert "distinct_ids" in entries[0]["reason"]
    assert len(_exported(ws, "Strict")) == 2499


def bad_id(record: dict[str, Any]) -> str:
    return str(prepare_event(record, None, 0)[0]["properties"]["$insert_id"])


# -- resume -----------------------------------------------------------------------------------


def test_the_progress_file_is_private_and_a_rerun_skips_finished_batches(
    ws: Workspace, sb: Sandbox, tmp_path: Path
) -> None:
    path = _write_jsonl(tmp_path / "again.jsonl", _events(4100, "Again"))
    first = ws.import_events(path, batch_size=1000)
    assert (first.imported, first.batches) == (4100, 5)
    (state,) = (tmp_path / ".mp-import").iterdir()
    assert stat.S_IMODE((tmp_path / ".mp-import").stat().st_mode) == 0o700
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
    sb.clear_requests()
    second = ws.import_events(path, batch_size=1000)
    assert (second.imported, second.skipped, second.batches) == (0, 4100, 0)
    assert not any(r.path == "/import" for r in sb.requests)
    assert len(_exported(ws, "Again")) == 4100
    # another batch size is another cut of the file: no batch counts as done
    third = ws.import_events(path, batch_size=2000, resume=False)
    assert (third.imported, third.skipped) == (4100, 0)
    exported = _exported(ws, "Again")
    assert len(exported) == 4100  # sent twice, stored once: Mixpanel keeps one per insert id
    assert len({e["properties"]["$insert_id"] for e in exported}) == 4100


def test_a_changed_file_is_not_skipped(ws: Workspace, tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "grow.jsonl", _events(10, "Grow"))
    assert ws.import_events(path).imported == 10
    _write_jsonl(path, _events(12, "Grow"))
    result = ws.import_events(path)
    assert (result.imported, result.skipped) == (12, 0)
    assert len({e["properties"]["$insert_id"] for e in _exported(ws, "Grow")}) == 12


def test_a_parquet_file_through_the_local_store(ws: Workspace, tmp_path: Path) -> None:
    import duckdb

    path = tmp_path / "rows.parquet"
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT 'Pq' AS event, 'p' || i AS distinct_id, {T0} + i AS time, i AS n "
        f"FROM range(25) r(i)) TO '{path}' (FORMAT PARQUET)"
    )
    con.close()
    assert ws.import_events(path).imported == 25
    exported = _exported(ws, "Pq")
    assert sorted(e["properties"]["n"] for e in exported) == list(range(25))
