"""`mp query <report> --local [--table T] [--db PATH]`: the report computed over a fetched table
prints what the live report prints; ad-hoc funnels with `--step`; the errors and exit codes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import isolated_env, run_mp

from mixpanel_data.sandbox import Sandbox


@pytest.fixture(scope="module")
def env(sb: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("local-query")
    return isolated_env(root, sb.credentials.env(sb.url))


@pytest.fixture(scope="module")
def db(
    sb: Sandbox, env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """A DuckDB file holding every event of the sandbox and its profiles."""
    path = tmp_path_factory.mktemp("local-store") / "mp.duckdb"
    f, t = sb.start_date.isoformat(), sb.end_date.isoformat()
    for args in (("events", "--from", f, "--to", t), ("profiles",)):
        run = run_mp("fetch", *args, "--db", str(path), env=env)
        assert run.code == 0, str(run)
    yield path


def answer(*args: str, env: dict[str, str]) -> dict:
    run = run_mp("query", *args, env=env)
    assert run.code == 0, str(run)
    body = json.loads(run.stdout)
    body.pop("computed_at", None)
    return body


@pytest.mark.parametrize(
    "args",
    [
        ("segmentation", "-e", "Purchase", "--on", "plan"),
        ("segmentation", "-e", "Page View", "--where", 'user["plan"] == "pro"', "-u", "week"),
        ("event-counts", "-e", "Login", "-e", "Purchase", "-t", "unique"),
        ("funnel", "7001", "--on", 'user["plan"]'),
        ("retention", "--born", "Sign Up", "--return", "Login", "-u", "week"),
        ("frequency", "-e", "Page View"),
    ],
    ids=lambda a: a[0] + "-" + a[-1],
)
def test_local_prints_what_live_prints(
    args: tuple[str, ...], sb: Sandbox, env: dict[str, str], db: Path
) -> None:
    span = ("--from", sb.start_date.isoformat(), "--to", sb.end_date.isoformat())
    live = answer(*args, *span, env=env)
    local = answer(*args, *span, "--local", "--db", str(db), env=env)
    assert local == live


def test_ad_hoc_funnel_equals_the_saved_one_with_its_steps(
    sb: Sandbox, env: dict[str, str], db: Path
) -> None:
    """Saved funnel 7001 is Sign Up → Page View → Add to Cart → Purchase within 14 days."""
    span = ("--from", sb.start_date.isoformat(), "--to", sb.end_date.isoformat())
    steps = ("-s", "Sign Up", "-s", "Page View", "-s", "Add to Cart", "-s", "Purchase")
    ad_hoc = answer("funnel", *steps, "--length", "14", *span, "--local", "--db", str(db), env=env)
    saved = answer("funnel", "7001", *span, env=env)
    assert ad_hoc["steps"] == saved["steps"] and ad_hoc["steps"][0]["count"] > 0
    assert ad_hoc["funnel_name"] == "Sign Up → Page View → Add to Cart → Purchase"


def test_another_table_and_csv(sb: Sandbox, env: dict[str, str], db: Path) -> None:
    made = run_mp(
        "query", "sql", "CREATE TABLE buys AS SELECT * FROM events WHERE event_name = 'Purchase'",
        "--db", str(db), env=env,
    )  # fmt: skip
    assert made.code == 0, str(made)
    span = ("--from", sb.start_date.isoformat(), "--to", sb.end_date.isoformat())
    run = run_mp(
        "query", "event-counts", "-e", "Purchase", "-e", "Login", *span, "--local",
        "--table", "buys", "--db", str(db), "-f", "csv", env=env,
    )  # fmt: skip
    assert run.code == 0, str(run)
    rows = run.stdout.strip().splitlines()
    assert rows[0].split(",")[:2] == ["date", "event"] or "event" in rows[0]
    assert all("Login" not in r for r in rows[1:]) and any("Purchase" in r for r in rows[1:])


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (("funnel", "-s", "A", "-s", "B"), 3, "--step needs --local"),
        (("funnel", "--local"), 3, "FUNNEL_ID or --local with --step"),
        (("segmentation", "-e", "Purchase", "--table", "events"), 3, "--table needs --local"),
        (("segmentation", "-e", "Purchase", "--local", "--table", "nope"), 4, "no table 'nope'"),
    ],
)
def test_errors(
    args: tuple[str, ...], code: int, words: str, env: dict[str, str], db: Path
) -> None:
    run = run_mp(
        "query", *args, "--from", "2026-10-01", "--to", "2026-10-31", "--db", str(db), env=env
    )
    assert run.code == code, str(run)
    assert words in run.error_line()


def test_missing_db_file(env: dict[str, str], tmp_path: Path) -> None:
    run = run_mp(
        "query", "segmentation", "-e", "Purchase", "--from", "2026-10-01", "--to", "2026-10-31",
        "--local", "--db", str(tmp_path / "none.duckdb"), env=env,
    )  # fmt: skip
    assert run.code == 4, str(run)
    assert "no database file" in run.error_line() and "--db" in run.error_line()


def test_inspect_sample_summarize_keys_breakdown(env: dict[str, str], db: Path) -> None:
    def mp(*args: str) -> str:
        run = run_mp(*args, "--db", str(db), env=env)
        assert run.code == 0, str(run)
        return run.stdout

    sql = "SELECT properties->>'plan' AS value, count(*) AS n FROM profiles GROUP BY 1"
    expected = {row["value"]: row["n"] for row in json.loads(mp("query", "sql", sql, "-f", "json"))}
    report = json.loads(mp("inspect", "breakdown", "profiles", "--by", "plan", "-f", "json"))
    assert {row["value"]: row["rows"] for row in report["rows"]} == expected
    keys = json.loads(mp("inspect", "keys", "events", "-e", "Purchase", "-f", "json"))
    purchases = json.loads(
        mp(
            "query",
            "sql",
            "SELECT count(*) AS n FROM events WHERE event_name = 'Purchase'",
            "-f",
            "json",
        )
    )[0]["n"]
    assert keys["total_rows"] == purchases > 0
    assert all(0 < row["rows"] <= purchases for row in keys["rows"])
    lines = mp("inspect", "sample", "events", "-n", "3", "-f", "jsonl").strip().splitlines()
    assert len(lines) == 3 and all("event_name" in json.loads(line) for line in lines)
    table = mp("inspect", "summarize", "events", "-f", "csv").splitlines()
    assert table[0].startswith("column,type,nulls,distinct")
    assert {line.split(",")[0] for line in table[1:]} >= {"event_name", "event_time", "properties"}


def test_an_empty_local_answer_says_which_days_the_table_holds(
    env: dict[str, str], db: Path
) -> None:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        first, last = con.execute(
            "SELECT min(event_time)::DATE, max(event_time)::DATE FROM events"
        ).fetchone()
    run = run_mp(
        "query", "segmentation", "-e", "Purchase", "--from", "2020-01-01", "--to", "2020-01-05",
        "--local", "--db", str(db), env=env,
    )  # fmt: skip
    assert run.code == 0, str(run)
    assert run.stderr.strip() == (
        "no events between 2020-01-01 and 2020-01-05 for 'Purchase'; "
        f"table 'events' holds events from {first} to {last}"
    )


def test_an_unknown_event_over_the_store_gets_the_tables_closest_name(
    sb: Sandbox, env: dict[str, str], db: Path
) -> None:
    run = run_mp(
        "query", "segmentation", "-e", "purchase", "--from", sb.start_date.isoformat(),
        "--to", sb.end_date.isoformat(), "--local", "--db", str(db), env=env,
    )  # fmt: skip
    assert run.code == 0, str(run)
    assert run.stderr.strip() == "no event named 'purchase'; did you mean 'Purchase'?"
