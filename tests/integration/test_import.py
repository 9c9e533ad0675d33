"""Importing events exactly once through faults, a kill -9 and Ctrl-C, checked by export.

The expected events are computed from the source file itself (one per line, keyed by Mixpanel's
de-duplication key: event, distinct_id, time, $insert_id); what the project holds afterwards is
read back through the export API. A batch whose answer was lost after the server stored it is
sent again; like Mixpanel, the sandbox keeps one copy per key, so "duplicates" (export rows beyond
one per key) must be 0 whatever the fault.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mixpanel_data import Workspace
from mixpanel_data._pacing import reset_pacers
from mixpanel_data._services.import_records import prepare_event
from mixpanel_data.sandbox import Fault, Sandbox

DAY = "2026-01-05"
T0 = 1767571200  # 2026-01-05T00:00:00Z
IMPORT = "/import"


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox(seed=8, users=10, days=2, end_date="2026-01-10") as sandbox:
        yield sandbox


@pytest.fixture(autouse=True)
def _clean(sb: Sandbox) -> Iterator[None]:
    sb.wait_idle()
    sb.faults.clear()
    reset_pacers()
    yield
    sb.faults.clear()


def _ws(sb: Sandbox) -> Workspace:
    return Workspace.memory(credentials=sb.credentials.client_credentials(sb.url), retries=8)


def _source(path: Path, name: str, n: int) -> Path:
    """``n`` events without $insert_id (the importer derives them), one day, several users."""
    with path.open("w") as fh:
        for i in range(n):
            props = {"distinct_id": f"u{i % 97}", "time": T0 + i % 80000, "i": i, "k": "v" * 20}
            fh.write(json.dumps({"event": name, "properties": props}) + "\n")
    return path


def _keys_of_source(path: Path) -> Counter[tuple[Any, ...]]:
    keys: Counter[tuple[Any, ...]] = Counter()
    for line in path.read_text().splitlines():
        event, _ = prepare_event(json.loads(line), None, 0)
        p = event["properties"]
        keys[(event["event"], p["distinct_id"], p["time"], p["$insert_id"])] += 1
    return keys


def _keys_exported(ws: Workspace, name: str) -> Counter[tuple[Any, ...]]:
    keys: Counter[tuple[Any, ...]] = Counter()
    for e in ws.stream_events(from_date=DAY, to_date=DAY, events=[name], raw=True):
        p = e["properties"]
        keys[(e["event"], p["distinct_id"], p["time"], p["$insert_id"])] += 1
    return keys


def _table_row(
    source: Counter[tuple[Any, ...]], exported: Counter[tuple[Any, ...]]
) -> dict[str, int]:
    return {
        "source": sum(source.values()),
        "exported_distinct": len(exported),
        "duplicates": sum(exported.values()) - len(exported),
        "missing": len(set(source) - set(exported)),
        "unexpected": len(set(exported) - set(source)),
    }


@pytest.mark.parametrize(
    ("name", "faults"),
    [
        ("NoFault", []),
        ("Drop", [Fault(kind="drop", path=IMPORT, times=2)]),
        ("Storm429", [Fault(kind="status", status=429, retry_after=0.01, path=IMPORT, times=6)]),
        ("Errors5xx", [Fault(kind="status", status=503, path=IMPORT, times=3),
                       Fault(kind="status", status=502, path=IMPORT, times=1)]),
        ("CutAnswer", [Fault(kind="cut", after_bytes=5, path=IMPORT, times=2)]),
    ],
)  # fmt: skip
def test_each_source_event_is_stored_exactly_once_through_faults(
    sb: Sandbox, tmp_path: Path, name: str, faults: list[Fault]
) -> None:
    path = _source(tmp_path / f"{name}.jsonl", name, 9000)
    for fault in faults:
        sb.faults.add(fault)
    with _ws(sb) as ws:
        result = ws.import_events(path, workers=3)
        row = _table_row(_keys_of_source(path), _keys_exported(ws, name))
    assert result.rejected == 0
    assert row["source"] == 9000 and row["exported_distinct"] == 9000
    assert row["missing"] == 0 and row["unexpected"] == 0
    assert row["duplicates"] == 0
    assert len(sb.faults) == 0, "every fault was met"
    print(f"\nexactly-once {name}: {row}")  # the table, with -s
    # a second run of the same file sends nothing
    with _ws(sb) as ws:
        before = _keys_exported(ws, name)
        again = ws.import_events(path)
        assert (again.imported, again.skipped) == (0, 9000)
        assert _keys_exported(ws, name) == before


def _env(sb: Sandbox, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MP_")}
    env.update(sb.credentials.env(sb.url))
    env["MP_CONFIG_PATH"] = str(tmp_path / "config.toml")
    env["MP_DATA_DIR"] = str(tmp_path / "data")
    return env


def _done_batches(folder: Path) -> int:
    for state in folder.glob("*.json"):
        try:
            return len(json.loads(state.read_text())["done"])
        except (ValueError, KeyError, OSError):
            return 0
    return 0


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT])
def test_a_killed_import_continues_where_it_stopped(
    sb: Sandbox, tmp_path: Path, how: signal.Signals
) -> None:
    name = f"Killed{how.name}"
    path = _source(tmp_path / "big.jsonl", name, 20000)  # 20 batches of 1000
    sb.faults.add(Fault(kind="slow", delay=0.3, path=IMPORT, times=None))
    proc = subprocess.Popen(
        [sys.executable, "-m", "mixpanel_data.cli.main", "import", "events", str(path),
         "--batch-size", "1000", "--workers", "2"],
        env=_env(sb, tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while _done_batches(tmp_path / ".mp-import") < 4:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the import never got going"
        time.sleep(0.05)
    proc.send_signal(how)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == (-9 if how == signal.SIGKILL else 130), err
    assert "Traceback" not in err
    sb.faults.clear()
    done = _done_batches(tmp_path / ".mp-import")
    assert 4 <= done < 20
    with _ws(sb) as ws:
        result = ws.import_events(path, batch_size=1000)
        row = _table_row(_keys_of_source(path), _keys_exported(ws, name))
    assert result.skipped == done * 1000
    assert result.imported == 20000 - done * 1000
    assert row["exported_distinct"] == 20000 and row["missing"] == 0 and row["unexpected"] == 0
    assert row["duplicates"] == 0  # batches in flight at the kill were sent again, stored once
    print(f"\nexactly-once {name} then re-run: {row}")  # the table, with -s


def test_three_bad_rows_among_ten_thousand(sb: Sandbox, tmp_path: Path) -> None:
    path = tmp_path / "tenk.jsonl"
    lines = [
        json.dumps({"event": "TenK", "properties": {"distinct_id": f"u{i}", "time": T0 + i}})
        for i in range(10000)
    ]
    lines[10] = json.dumps({"event": "TenK", "properties": {"time": T0}})  # no distinct_id
    lines[5000] = json.dumps({"event": "", "properties": {"distinct_id": "x", "time": T0}})
    lines[9998] = json.dumps(
        {"event": "$merge", "properties": {"distinct_id": "x", "time": T0, "$distinct_ids": 1}}
    )  # refused by Mixpanel (strict), not locally
    path.write_text("\n".join(lines) + "\n")
    with _ws(sb) as ws:
        result = ws.import_events(path)
        exported = _keys_exported(ws, "TenK")
    assert (result.imported, result.rejected) == (9997, 3)
    assert len(exported) == 9997 and sum(exported.values()) == 9997
    rejects = [json.loads(x) for x in Path(str(result.rejects_path)).read_text().splitlines()]
    assert sorted(r["line"] for r in rejects) == [11, 5001, 9999]
    assert all(r["reason"] and r["record"] for r in rejects)


def test_a_fetched_table_imports_into_another_project_as_it_was(
    sb: Sandbox, tmp_path: Path
) -> None:
    """`import_events(table=...)` turns the store's rows back into Mixpanel's shape: a copy of one
    day into a second project exports the same events (name, user, second, insert id)."""
    day = sb.end_date.isoformat()
    db = tmp_path / "store.duckdb"
    with Workspace(path=db, credentials=sb.credentials.client_credentials(sb.url)) as src_ws:
        src_ws.fetch_events(from_date=day, to_date=day, progress=False)
        stored = Counter(
            (name, user, int(epoch), insert_id)
            for name, user, epoch, insert_id in src_ws.sql_rows(
                "SELECT event_name, distinct_id, epoch(event_time), insert_id FROM events"
            )
        )
    with (
        Sandbox(seed=3, users=5, days=1, end_date="2025-01-01") as dst,
        Workspace(path=db, credentials=dst.credentials.client_credentials(dst.url)) as dst_ws,
    ):
        result = dst_ws.import_events(None, table="events", progress=None)
        assert (result.imported, result.rejected) == (sum(stored.values()), 0)
        exported = Counter(
            (e["event"], p["distinct_id"], int(p["time"]), p.get("$insert_id"))
            for e in dst_ws.stream_events(from_date=day, to_date=day, raw=True)
            for p in [e["properties"]]
        )
        assert exported == stored


def test_a_missing_table_is_named(sb: Sandbox) -> None:
    from mixpanel_data.exceptions import TableNotFoundError

    with _ws(sb) as ws, pytest.raises(TableNotFoundError, match="no table named 'nope'"):
        ws.import_events(None, table="nope")
