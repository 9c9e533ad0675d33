"""``ws.export_parquet`` / ``mp export parquet``: the dataset read back by DuckDB and by Spark
equals the table it came from, row for row, with ``properties`` as a string column."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from spark_helpers import FIRST, LAST

from mixpanel_data import TableNotFoundError, ValidationError, Workspace
from mixpanel_data.sandbox import Sandbox

COLUMNS = "event_name, event_time, distinct_id, insert_id, properties"


@pytest.fixture(scope="module")
def store(sb: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A DuckDB file holding October's events and the profiles."""
    path = tmp_path_factory.mktemp("store") / "month.duckdb"
    creds = sb.credentials.client_credentials(sb.url)
    with Workspace(credentials=creds, path=path) as ws:
        ws.fetch_events(from_date=FIRST, to_date=LAST, progress=False)
        ws.fetch_profiles(progress=False)
    return path


def _table(store: Path) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(store), read_only=True) as con:
        return con.execute(
            "SELECT event_name, event_time, distinct_id, insert_id, properties::VARCHAR "
            "FROM events ORDER BY ALL"
        ).fetchall()


def test_duckdb_and_spark_read_back_the_table(spark: Any, store: Path, tmp_path: Path) -> None:
    out = tmp_path / "events"
    with Workspace.open(store) as ws:
        result = ws.export_parquet("events", out, partition_by=("date", "event_name"))
    table = _table(store)
    assert result.rows == len(table)
    days = sorted(p.name for p in out.iterdir())
    assert days == [f"date=2026-10-{d:02d}" for d in range(1, 32)]
    assert result.partitions == 31
    assert not list(tmp_path.glob(".mp-parquet-*"))  # the staging folder is gone

    with duckdb.connect() as con:
        glob = str(out / "**" / "*.parquet")
        back = con.execute(
            f"SELECT {COLUMNS} FROM read_parquet(?, hive_partitioning = true) ORDER BY ALL",
            [glob],
        ).fetchall()
        described = con.execute(
            "DESCRIBE SELECT * FROM read_parquet(?, hive_partitioning = true)", [glob]
        ).fetchall()
        kinds = {r[0]: r[1] for r in described}
        mismatched = con.execute(
            "SELECT count(*) FROM read_parquet(?, hive_partitioning = true) "
            "WHERE CAST(event_time AS DATE) <> date",
            [glob],
        ).fetchone()
    assert back == table
    assert kinds["properties"] == "VARCHAR"
    assert mismatched == (0,)

    df = spark.read.parquet(str(out))
    assert dict(df.dtypes)["properties"] == "string"
    rows = df.select(*COLUMNS.split(", ")).collect()
    spark_rows = sorted(
        (r[0], r[1].astimezone(dt.UTC).replace(tzinfo=None), r[2], r[3], r[4]) for r in rows
    )
    assert spark_rows == sorted(table)
    per_day = {r["date"]: r["count"] for r in df.groupBy("date").count().collect()}
    assert sum(per_day.values()) == len(table)


def test_partitions_are_replaced_whole_and_others_kept(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "events"
    stale = out / "date=2026-09-30"
    stale.mkdir(parents=True)
    (stale / "keep.parquet").write_bytes(b"not ours")
    old = out / "date=2026-10-01"
    old.mkdir()
    (old / "old.parquet").write_bytes(b"replaced")
    with Workspace.open(store) as ws:
        ws.export_parquet("events", out)
    assert (stale / "keep.parquet").read_bytes() == b"not ours"
    assert not (old / "old.parquet").exists()
    with duckdb.connect() as con:
        count = con.execute(
            "SELECT count(*) FROM read_parquet(?)", [str(old / "*.parquet")]
        ).fetchone()
    with duckdb.connect(str(store), read_only=True) as con:
        want = con.execute(
            "SELECT count(*) FROM events WHERE CAST(event_time AS DATE) = '2026-10-01'"
        ).fetchone()
    assert count == want


def test_unpartitioned_profiles_and_bad_arguments(store: Path, tmp_path: Path) -> None:
    with Workspace.open(store) as ws:
        result = ws.export_parquet("profiles", tmp_path / "profiles", partition_by=())
        with pytest.raises(ValidationError, match="date needs an event_time"):
            ws.export_parquet("profiles", tmp_path / "p2")
        with pytest.raises(TableNotFoundError):
            ws.export_parquet("nope", tmp_path / "p3")
    with duckdb.connect() as con:
        back = con.execute(
            "SELECT distinct_id, properties FROM read_parquet(?) ORDER BY 1",
            [str(tmp_path / "profiles" / "*.parquet")],
        ).fetchall()
    with duckdb.connect(str(store), read_only=True) as con:
        want = con.execute(
            "SELECT distinct_id, properties::VARCHAR FROM profiles ORDER BY 1"
        ).fetchall()
    assert back == want and result.rows == len(want) > 0


def test_mp_export_parquet(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "cli"
    run = [sys.executable, "-m", "mixpanel_data.cli.main"]
    probe = subprocess.run(
        [
            *run,
            "export",
            "parquet",
            "events",
            str(out),
            "--db",
            str(store),
            "-p",
            "date",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert probe.returncode == 0, probe.stderr
    answer = json.loads(probe.stdout)
    assert answer["rows"] == len(_table(store)) and answer["partitions"] == 31
    bad = subprocess.run(
        [*run, "export", "parquet", "events", str(out), "--db", str(tmp_path / "missing.duckdb")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert bad.returncode == 4 and bad.stderr.count("\n") == 1
