"""The local store from the terminal: `mp fetch events|profiles --db`, `mp query sql`, and
`mp inspect tables|schema|info|drop`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import FORMATS, MpRunner, Run, check_format, isolated_env, run_mp

from mixpanel_data._workspace import Workspace
from mixpanel_data.sandbox import Sandbox

COUNT = "SELECT count(*) FROM events"


@pytest.fixture(scope="module")
def store(sb: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict]]:
    """A DuckDB file with `events` and `profiles` fetched by `mp`, and the fetch summaries."""
    root = tmp_path_factory.mktemp("store")
    db = root / "mp.duckdb"
    env = isolated_env(root, sb.credentials.env(sb.url))
    f, t = sb.start_date.isoformat(), sb.end_date.isoformat()
    events = run_mp("fetch", "events", "--from", f, "--to", t, "--db", str(db), env=env)
    assert events.code == 0, str(events)
    profiles = run_mp("fetch", "profiles", "--db", str(db), env=env)
    assert profiles.code == 0, str(profiles)
    yield db, {"events": json.loads(events.stdout), "profiles": json.loads(profiles.stdout)}


@pytest.fixture
def local(home_env: dict[str, str], store: tuple[Path, dict]) -> MpRunner:
    """``local(*args)``: `mp ARGS --db <store>` with no credentials at all."""
    db = store[0]

    def call(*args: str, db_path: Path = db) -> Run:
        return run_mp(*args, "--db", str(db_path), env=home_env)

    return call


# -- fetch ------------------------------------------------------------------------------------


def test_fetch_summaries_match_the_library(store: tuple[Path, dict], sb: Sandbox) -> None:
    _, summary = store
    creds = sb.credentials.client_credentials(sb.url)
    f, t = sb.start_date.isoformat(), sb.end_date.isoformat()
    with Workspace.memory(credentials=creds) as ws:
        events = ws.fetch_events(from_date=f, to_date=t, progress=False)
        profiles = ws.fetch_profiles(progress=False)
    assert summary["events"]["table"] == "events" and summary["events"]["type"] == "events"
    assert summary["events"]["rows"] == events.rows > 0
    assert summary["events"]["date_range"] == [f, t]
    assert summary["profiles"]["rows"] == profiles.rows == sb.plan.users


def test_rows_in_the_store_match_the_summary(local, store: tuple[Path, dict]) -> None:
    _, summary = store
    run = local("query", "sql", COUNT, "--scalar")
    assert run.code == 0, str(run)
    assert int(run.stdout) == summary["events"]["rows"]
    run = local("query", "sql", "SELECT count(*) FROM profiles", "--scalar")
    assert int(run.stdout) == summary["profiles"]["rows"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_fetch_summary_formats(fmt: str, sb_env: dict[str, str], tmp_path: Path) -> None:
    run = run_mp("fetch", "profiles", "--db", str(tmp_path / "p.duckdb"), "-f", fmt, env=sb_env)
    assert run.code == 0, str(run)
    check_format(fmt, run.stdout)


def test_fetch_into_an_existing_table_exits_1_and_mentions_append(
    store: tuple[Path, dict], sb_env: dict[str, str], sb: Sandbox, local
) -> None:
    db, summary = store
    day = sb.end_date.isoformat()
    run = run_mp("fetch", "events", "--from", day, "--to", day, "--db", str(db), env=sb_env)
    assert run.code == 1, str(run)
    assert "--append" in run.error_line()
    assert run.stdout == ""
    assert int(local("query", "sql", COUNT, "--scalar").stdout) == summary["events"]["rows"]
    run = run_mp("fetch", "profiles", "--db", str(db), env=sb_env)
    assert run.code == 1 and "--append" in run.error_line()


def test_fetch_append_skips_what_is_stored(sb_env: dict[str, str], sb: Sandbox, tmp_path: Path):
    db = str(tmp_path / "a.duckdb")
    day = sb.end_date.isoformat()
    first = run_mp("fetch", "events", "--from", day, "--to", day, "--db", db, env=sb_env)
    assert first.code == 0, str(first)
    again = run_mp("fetch", "events", "--from", day, "--to", day, "--db", db, "--append",
                   env=sb_env)  # fmt: skip
    assert again.code == 0, str(again)
    assert json.loads(again.stdout)["rows"] == 0


def test_fetch_stdout_streams_jsonl(sb_env: dict[str, str], sb: Sandbox, tmp_path: Path) -> None:
    day = sb.end_date.isoformat()
    run = run_mp("fetch", "events", "--from", day, "--to", day, "--stdout", env=sb_env)
    assert run.code == 0, str(run)
    rows = check_format("jsonl", run.stdout)
    assert rows and f"{len(rows)} events written" in run.stderr
    assert {r["event_name"] for r in rows} <= set(
        json.loads(run_mp("inspect", "events", env=sb_env).stdout)
    )
    run = run_mp("fetch", "profiles", "--stdout", env=sb_env)
    assert run.code == 0, str(run)
    assert len(check_format("jsonl", run.stdout)) == sb.plan.users
    assert not (tmp_path / "data").exists()  # nothing stored, no DuckDB file created


def test_fetch_bad_dates_exit_3(sb_env: dict[str, str], sb: Sandbox, tmp_path: Path) -> None:
    db = str(tmp_path / "b.duckdb")
    f, t = sb.start_date.isoformat(), sb.end_date.isoformat()
    run = run_mp("fetch", "events", "--from", t, "--to", f, "--db", db, env=sb_env)
    assert run.code == 3, str(run)
    run.error_line()
    run = run_mp("fetch", "events", "--from", "2026-02-30", "--to", t, "--db", db, env=sb_env)
    assert run.code == 3, str(run)
    run.error_line()


# -- query sql --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_sql_formats(fmt: str, local, store: tuple[Path, dict]) -> None:
    sql = "SELECT event_name, count(*) AS n FROM events GROUP BY 1 ORDER BY 1"
    run = local("query", "sql", sql, "-f", fmt)
    assert run.code == 0, str(run)
    parsed = check_format(fmt, run.stdout)
    if fmt == "json":
        assert sum(r["n"] for r in parsed) == store[1]["events"]["rows"]
        assert [r["event_name"] for r in parsed] == sorted(r["event_name"] for r in parsed)
    if fmt == "csv":
        assert parsed[0] == ["event_name", "n"]
        assert sum(int(r[1]) for r in parsed[1:]) == store[1]["events"]["rows"]


def test_sql_json_keeps_duckdb_values(local, store: tuple[Path, dict]) -> None:
    """Rows come straight from DuckDB: ints stay ints, times are ISO strings, NaN is null."""
    sql = (
        "SELECT count(*) AS n, min(event_time) AS first, {'k': [1, 2]} AS s, "
        "'nan'::DOUBLE AS x, NULL AS z FROM events"
    )
    run = local("query", "sql", sql, "-f", "json")
    assert run.code == 0, str(run)
    (row,) = json.loads(run.stdout)
    assert row["n"] == store[1]["events"]["rows"] and isinstance(row["n"], int)
    assert dt.datetime.fromisoformat(row["first"]).year >= 2000
    assert row["s"] == {"k": [1, 2]} and row["x"] is None and row["z"] is None
    run = local("query", "sql", "SELECT 1 AS a WHERE false", "-f", "csv")
    assert run.code == 0 and run.stdout == "a\n", str(run)


def test_sql_wide_rows_fit_80_columns(local) -> None:
    run = local("query", "sql", "SELECT * FROM events LIMIT 3", "-f", "table")
    assert run.code == 0, str(run)
    check_format("table", run.stdout)


def test_sql_scalar_and_file(local, store: tuple[Path, dict], tmp_path: Path) -> None:
    rows = store[1]["events"]["rows"]
    assert local("query", "sql", COUNT, "--scalar").stdout.strip() == str(rows)
    script = tmp_path / "q.sql"
    script.write_text("SELECT count(*) AS n\nFROM events\n", encoding="utf-8")
    run = local("query", "sql", "--file", str(script), "-f", "json")
    assert run.code == 0, str(run)
    assert json.loads(run.stdout) == [{"n": rows}]
    run = local("query", "sql", "--file", str(script), "--scalar")
    assert run.stdout.strip() == str(rows)


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["SELECT nope FROM events"], 3),
        (["SELEC 1"], 3),
        (["SELECT 1 WHERE false", "--scalar"], 3),
        (["SELECT event_name FROM events", "--scalar"], 3),
        ([], 3),
        (["--file", "/no/such/file.sql"], 4),
    ],
    ids=["unknown-column", "syntax", "scalar-no-row", "scalar-many-rows", "no-sql", "no-file"],
)
def test_sql_errors(args: list[str], code: int, local) -> None:
    run = local("query", "sql", *args)
    assert run.code == code, str(run)
    run.error_line()
    assert run.stdout == ""


def test_missing_database_file_exits_4(local, tmp_path: Path) -> None:
    missing = tmp_path / "missing.duckdb"
    for args in (("query", "sql", "SELECT 1"), ("inspect", "tables"), ("inspect", "info")):
        run = local(*args, db_path=missing)
        assert run.code == 4, str(run)
        assert str(missing) in run.error_line()
    assert not missing.exists()


# -- inspect tables, schema, info -------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_tables(fmt: str, local, store: tuple[Path, dict]) -> None:
    run = local("inspect", "tables", "-f", fmt)
    assert run.code == 0, str(run)
    parsed = check_format(fmt, run.stdout)
    if fmt == "json":
        by_name = {t["name"]: t for t in parsed}
        assert {"events", "profiles"} <= set(by_name)
        assert by_name["events"]["row_count"] == store[1]["events"]["rows"]
        assert by_name["profiles"]["type"] == "profiles"


@pytest.mark.parametrize("fmt", FORMATS)
def test_schema(fmt: str, local) -> None:
    run = local("inspect", "schema", "events", "-f", fmt)
    assert run.code == 0, str(run)
    check_format(fmt, run.stdout)
    assert "event_name" in run.stdout and "distinct_id" in run.stdout


def test_schema_of_an_unknown_table_exits_4(local) -> None:
    run = local("inspect", "schema", "nope")
    assert run.code == 4, str(run)
    assert "nope" in run.error_line()


@pytest.mark.parametrize("fmt", FORMATS)
def test_info(fmt: str, local, store: tuple[Path, dict]) -> None:
    run = local("inspect", "info", "-f", fmt)
    assert run.code == 0, str(run)
    parsed = check_format(fmt, run.stdout)
    if fmt == "json":
        assert parsed["path"] == str(store[0])
        assert {"events", "profiles"} <= set(parsed["tables"])


# -- inspect drop -----------------------------------------------------------------------------


def _tables(local) -> set[str]:
    run = local("inspect", "tables", "-f", "json")
    assert run.code == 0, str(run)
    return {t["name"] for t in json.loads(run.stdout)}


def test_drop_unknown_table_exits_4_and_drops_nothing(local) -> None:
    before = _tables(local)
    run = local("inspect", "drop", "nope")
    assert run.code == 4, str(run)
    assert "nope" in run.error_line()
    run = local("inspect", "drop", "events", "nope")  # all or nothing
    assert run.code == 4, str(run)
    assert "nothing was dropped" in run.error_line() or "nope" in run.error_line()
    assert _tables(local) == before


def test_drop_without_names_exits_3(local) -> None:
    run = local("inspect", "drop")
    assert run.code == 3, str(run)
    assert "--all" in run.error_line()
    run = local("inspect", "drop", "--all", "--type", "lookups")
    assert run.code == 3, str(run)


def test_drop_removes_a_table_without_asking(sb_env: dict[str, str], tmp_path: Path) -> None:
    db = str(tmp_path / "d.duckdb")
    assert run_mp("fetch", "profiles", "people", "--db", db, env=sb_env).code == 0
    assert run_mp("fetch", "profiles", "more", "--db", db, env=sb_env).code == 0
    run = run_mp("inspect", "drop", "people", "--db", db, env=sb_env)  # stdin is not a TTY
    assert run.code == 0, str(run)
    assert "dropped people" in run.stderr and run.stdout == ""
    listed = run_mp("inspect", "tables", "--db", db, "-f", "json", env=sb_env)
    assert [t["name"] for t in json.loads(listed.stdout)] == ["more"]
    run = run_mp("inspect", "drop", "--all", "--db", db, env=sb_env)
    assert run.code == 0, str(run)
    listed = run_mp("inspect", "tables", "--db", db, "-f", "json", env=sb_env)
    assert json.loads(listed.stdout) == []


def test_sql_on_a_duckdb_file_that_is_not_ours_changes_nothing_in_it(
    local: MpRunner, tmp_path: Path
) -> None:
    import duckdb

    theirs = tmp_path / "theirs.duckdb"
    con = duckdb.connect(str(theirs))
    con.execute("CREATE TABLE data AS SELECT range AS x FROM range(5)")
    con.execute("CREATE TABLE _mp_stage_their_own (y INTEGER)")
    con.close()
    before = theirs.stat().st_mtime_ns, theirs.read_bytes()
    run = local("query", "sql", "SELECT count(*) AS n FROM data", "-f", "json", db_path=theirs)
    assert run.code == 0, str(run)
    assert json.loads(run.stdout) == [{"n": 5}]
    assert (theirs.stat().st_mtime_ns, theirs.read_bytes()) == before
    assert not Path(str(theirs) + ".wal").exists()
