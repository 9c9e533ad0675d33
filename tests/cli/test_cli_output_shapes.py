"""Output shapes readers rely on: `mp query sql -f json` gives JSON columns (`properties`) as
objects, and `mp query funnel --on PROP -f table` shows one block of steps per segment."""

from __future__ import annotations

import json
from pathlib import Path

from cli_helpers import MpRunner

from mixpanel_data._workspace import Workspace
from mixpanel_data.sandbox import Sandbox


def test_sql_json_gives_properties_as_objects(
    mp: MpRunner, sandbox: Sandbox, tmp_path: Path
) -> None:
    db = str(tmp_path / "p.duckdb")
    day = sandbox.start_date.isoformat()
    assert mp("fetch", "events", "--from", day, "--to", day, "--db", db, "--no-progress").code == 0
    sql = "SELECT properties, properties->>'plan' AS plan FROM events ORDER BY insert_id LIMIT 3"
    for fmt in ("json", "jsonl"):
        run = mp("query", "sql", sql, "--db", db, "-f", fmt)
        assert run.code == 0, str(run)
        rows = (
            json.loads(run.stdout)
            if fmt == "json"
            else [json.loads(line) for line in run.stdout.splitlines()]
        )
        assert len(rows) == 3
        for row in rows:
            assert isinstance(row["properties"], dict)
            assert row["properties"].get("plan") == row["plan"]


def test_funnel_on_a_property_shows_the_segments_in_a_table(
    mp: MpRunner, ws: Workspace, span: tuple[str, str]
) -> None:
    funnel_id = ws.list_funnels()[0].funnel_id
    result = ws.funnel(funnel_id, from_date=span[0], to_date=span[1], on="plan")
    df = result.df
    expected = {
        (str(seg), int(step)): int(total)
        for (seg, step), total in df.groupby(["segment", "step"])["count"].sum().items()
    }
    run = mp("query", "funnel", str(funnel_id), "--from", span[0], "--to", span[1],
             "--on", "plan", "-f", "plain")  # fmt: skip
    assert run.code == 0, str(run)
    shown = {
        (cells[0], int(cells[1])): int(cells[3])
        for cells in (line.split("\t") for line in run.stdout.splitlines())
    }
    assert shown == expected and len({seg for seg, _ in shown}) > 2
    table = mp("query", "funnel", str(funnel_id), "--from", span[0], "--to", span[1],
               "--on", "plan", "-f", "table")  # fmt: skip
    assert table.code == 0 and table.stdout.splitlines()[0].startswith("segment"), str(table)


def test_sql_with_no_rows_keeps_its_columns(mp: MpRunner, tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    import duckdb

    with duckdb.connect(str(db)) as con:
        con.execute("CREATE TABLE t (a INTEGER, b VARCHAR)")
    sql = "SELECT a, b FROM t WHERE a > 1"
    expected = {"csv": "a,b\n", "jsonl": "", "json": "[]\n", "plain": ""}
    for fmt, text in expected.items():
        run = mp("query", "sql", sql, "--db", str(db), "-f", fmt)
        assert run.code == 0 and run.stdout == text, str(run)
    table = mp("query", "sql", sql, "--db", str(db), "-f", "table")
    assert [c.strip() for c in table.stdout.splitlines()[0].split("┃")] == ["a", "b"]
