"""`mp import events` against the sandbox: summary, result, rejects, exit codes; the effect is
read back through export (the module's `ws`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
from cli_helpers import MpRunner

from mixpanel_data._workspace import Workspace
from mixpanel_data.sandbox import Sandbox

DAY = "2026-01-04"
T0 = 1767484800  # 2026-01-04T00:00:00Z


def _file(path: Path, name: str, n: int, bad: dict[int, Any] | None = None) -> Path:
    lines = [
        json.dumps({"event": name, "properties": {"distinct_id": f"u{i}", "time": T0 + i}})
        for i in range(n)
    ]
    for index, record in (bad or {}).items():
        lines[index] = json.dumps(record)
    path.write_text("\n".join(lines) + "\n")
    return path


def _count(ws: Workspace, name: str) -> int:
    return sum(1 for _ in ws.stream_events(from_date=DAY, to_date=DAY, events=[name], raw=True))


def test_three_bad_rows_exit_1_with_their_lines_and_the_rest_imported(
    mp: MpRunner, ws: Workspace, tmp_path: Path
) -> None:
    bad = {
        2: {"event": "CliTenK", "properties": {"time": T0}},
        4000: {"event": "CliTenK", "properties": {"distinct_id": "x", "time": "yesterday"}},
        9999: {"event": "CliTenK", "properties": {"distinct_id": "x", "time": T0 + 10**8}},
    }
    path = _file(tmp_path / "tenk.jsonl", "CliTenK", 10000, bad)
    run = mp("import", "events", str(path))
    assert run.code == 1, run
    result = json.loads(run.stdout)
    assert (result["imported"], result["rejected"], result["skipped"]) == (9997, 3, 0)
    assert "imported 9,997, rejected 3, skipped 0" in run.stderr
    assert "--allow-rejects" in run.stderr
    rejects_path = Path(result["rejects_path"])
    assert rejects_path == tmp_path / "tenk.jsonl.rejects.jsonl"
    rejects = [json.loads(line) for line in rejects_path.read_text().splitlines()]
    assert [(r["line"], r["field"]) for r in rejects] == [
        (3, "properties.distinct_id"),
        (4001, "properties.time"),
        (10000, "properties.time"),
    ]
    assert _count(ws, "CliTenK") == 9997


def test_allow_rejects_exits_0_and_names_its_rejects_file(
    mp: MpRunner, ws: Workspace, tmp_path: Path
) -> None:
    path = _file(tmp_path / "a.jsonl", "CliAllow", 20, {5: {"event": "CliAllow"}})
    target = tmp_path / "out" / "bad.jsonl"
    run = mp("import", "events", str(path), "--allow-rejects", "--rejects", str(target))
    assert run.code == 0, run
    assert json.loads(run.stdout)["rejects_path"] == str(target)
    assert json.loads(target.read_text())["line"] == 6
    assert _count(ws, "CliAllow") == 19


def test_dry_run_sends_nothing(
    mp: MpRunner, ws: Workspace, sandbox: Sandbox, tmp_path: Path
) -> None:
    path = _file(tmp_path / "d.jsonl", "CliDry", 2500)
    sandbox.clear_requests()
    run = mp("import", "events", str(path), "--dry-run", "--format", "table")
    assert run.code == 0, run
    assert "dry run: 2,500 valid, rejected 0 (2 batches)" in run.stderr
    assert "valid" in run.stdout and "2500" in run.stdout
    assert not any(r.path == "/import" for r in sandbox.requests)
    assert _count(ws, "CliDry") == 0


def test_a_csv_with_mapped_columns_and_a_timezone(
    mp: MpRunner, ws: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "rows.csv"
    path.write_text(
        "what,who,when,plan\nCliCsv,a,2026-01-04T09:00:00,pro\nCliCsv,b,2026-01-04T10:00:00,\n"
    )
    naive = mp("import", "events", str(path), "--event-col", "what", "--distinct-id-col", "who",
               "--time-col", "when")  # fmt: skip
    assert naive.code == 3, naive
    assert "--timezone" in naive.error_line()
    run = mp("import", "events", str(path), "--event-col", "what", "--distinct-id-col", "who",
             "--time-col", "when", "--timezone", "UTC", "--format", "csv")  # fmt: skip
    assert run.code == 0, run
    events = list(ws.stream_events(from_date=DAY, to_date=DAY, events=["CliCsv"], raw=True))
    assert sorted((e["properties"]["distinct_id"], e["properties"]["time"]) for e in events) == [
        ("a", T0 + 9 * 3600),
        ("b", T0 + 10 * 3600),
    ]
    assert [
        e["properties"].get("plan") for e in sorted(events, key=lambda e: e["properties"]["time"])
    ] == [
        "pro",
        None,
    ]


def test_a_rerun_skips_and_no_resume_sends_again(
    mp: MpRunner, ws: Workspace, tmp_path: Path
) -> None:
    path = _file(tmp_path / "r.jsonl", "CliRerun", 30)
    assert mp("import", "events", str(path)).code == 0
    again = mp("import", "events", str(path))
    assert json.loads(again.stdout)["skipped"] == 30
    fresh = mp("import", "events", str(path), "--no-resume")
    assert json.loads(fresh.stdout)["imported"] == 30
    # sent twice, the same insert ids: Mixpanel keeps each event once
    events = list(ws.stream_events(from_date=DAY, to_date=DAY, events=["CliRerun"], raw=True))
    assert len(events) == 30 and len({e["properties"]["$insert_id"] for e in events}) == 30


def test_a_local_table(mp: MpRunner, ws: Workspace, tmp_path: Path) -> None:
    db = tmp_path / "local.duckdb"
    con = duckdb.connect(str(db))
    con.execute(
        f"CREATE TABLE t AS SELECT 'CliTable' AS event, 'u' || i AS distinct_id, "
        f"{T0} + i AS time FROM range(12) r(i)"
    )
    con.close()
    run = mp("import", "events", "--table", "t", "--db", str(db))
    assert run.code == 0, run
    assert _count(ws, "CliTable") == 12


def test_the_source_must_be_given_once(mp: MpRunner, tmp_path: Path) -> None:
    assert "exactly one" in mp("import", "events").error_line()
    path = _file(tmp_path / "x.jsonl", "CliTwice", 1)
    run = mp("import", "events", str(path), "--table", "t")
    assert run.code == 3 and "exactly one" in run.error_line()
    missing = mp("import", "events", str(tmp_path / "nope.jsonl"))
    assert missing.code == 3 and "no such file" in missing.error_line()
