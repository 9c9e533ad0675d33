"""The local-store tools over stdio: fetch_events / fetch_profiles into the server's DuckDB file
(with progress notifications), then sql, list_tables and table_schema, checked against the file
itself opened by the test and against the sandbox's export."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FROM, TO, start
from mcp_helpers import McpProcess

from mixpanel_data._workspace import Workspace


@pytest.fixture(scope="module")
def fetched(server: McpProcess) -> dict:
    """Events and profiles fetched once by the server for this module."""
    server.progress.clear()
    events = server.data("fetch_events", from_date=FROM, to_date=TO)
    progress = list(server.progress)
    profiles = server.data("fetch_profiles")
    return {"events": events, "profiles": profiles, "progress": progress}


def _db(server: McpProcess) -> Path:
    return Path(server.data("store_info")["store"])


def test_before_any_fetch_sql_says_what_to_do(server_env: dict[str, str], tmp_path: Path) -> None:
    # A server of its own, on a data folder no fetch has touched (the module's server may have
    # fetched already, whichever test ran first on this worker).
    env = {**server_env, "MP_DATA_DIR": str(tmp_path / "data")}
    with start(env, tmp_path) as fresh:
        error = fresh.error("sql", query="SELECT 1")
        assert (error["code"], error["exit_code"]) == ("TABLE_NOT_FOUND", 4)
        assert "fetch_events" in error["message"]
        empty = fresh.data("list_tables")
        assert empty["rows"] == [] and empty["row_count"] == 0


def test_fetch_stores_the_export_and_reports_progress(
    fetched: dict, server: McpProcess, ws: Workspace
) -> None:
    exported = list(ws.stream_events(from_date=FROM, to_date=TO, raw=True))
    keys = {
        (e["event"], e["properties"]["distinct_id"], e["properties"]["time"],
         e["properties"].get("$insert_id"))
        for e in exported
    }  # fmt: skip
    answer = fetched["events"]["fetched"]
    assert answer["rows"] == len(keys) > 0
    assert answer["date_range"] == [FROM, TO]
    with Workspace.open(_db(server), read_only=True) as local:
        assert local.sql_scalar("SELECT count(*) FROM events") == len(keys)
    progress = fetched["progress"]
    assert progress, "no progress notification"
    values = [p[0] for p in progress]
    assert values == sorted(set(values))
    assert progress[-1][0] == progress[-1][1]  # finished: progress == total
    assert f"{len(keys):,} rows" in progress[-1][2]
    assert fetched["profiles"]["fetched"]["rows"] == len(list(ws.stream_profiles()))


def test_sql_answers_from_the_fetched_table(fetched: dict, server: McpProcess) -> None:
    query = (
        "SELECT properties->>'$.plan' AS plan, count(*) AS n FROM events "
        "WHERE event_name = 'Purchase' GROUP BY 1 ORDER BY 1"
    )
    got = server.data("sql", query=query)
    with Workspace.open(_db(server), read_only=True) as local:
        expected = local.sql_rows(query)
    assert got["columns"] == ["plan", "n"]
    assert [(r["plan"], r["n"]) for r in got["rows"]] == expected
    assert got["row_count"] == len(expected)


def test_sql_caps_rows_and_counts_them_all(fetched: dict, server: McpProcess) -> None:
    got = server.data("sql", query="SELECT distinct_id, properties FROM events", max_rows=7)
    total = fetched["events"]["fetched"]["rows"]
    assert len(got["rows"]) == 7
    assert got["row_count"] == total
    assert got["truncated"].startswith(f"truncated: 7 of {total} rows")


def test_tables_and_schema(fetched: dict, server: McpProcess) -> None:
    tables = {t["name"]: t for t in server.data("list_tables")["rows"]}
    assert tables["events"]["row_count"] == fetched["events"]["fetched"]["rows"]
    assert tables["events"]["type"] == "events"
    assert tables["profiles"]["type"] == "profiles"
    schema = server.data("table_schema", table="events")
    assert [c["name"] for c in schema["rows"]] == [
        "event_name", "event_time", "distinct_id", "insert_id", "properties",
    ]  # fmt: skip


def test_store_errors_are_tool_errors(fetched: dict, server: McpProcess) -> None:
    bad = server.error("sql", query="SELECT nope FROM events")
    assert (bad["code"], bad["exit_code"]) == ("QUERY_FAILED", 3)
    assert "nope" in bad["message"]
    write = server.error("sql", query="DROP TABLE events")
    assert write["code"] == "QUERY_FAILED"
    assert server.data("sql", query="SELECT count(*) AS n FROM events")["rows"][0]["n"] > 0
    missing = server.error("table_schema", table="nowhere")
    assert (missing["code"], missing["exit_code"]) == ("TABLE_NOT_FOUND", 4)
    exists = server.error("fetch_events", from_date=FROM, to_date=TO)
    assert exists["code"] == "TABLE_EXISTS"
    assert "events" in exists["message"]
