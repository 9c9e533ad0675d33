"""`mp fetch` on hostile data: every failure is one line on stderr and exit 1, never a traceback.

The hostile events are written straight into the sandbox's event table (what its export serves):
properties nested 1,000 deep, properties that are not an object, a ``time`` of 1e300. Engage pages
cut short (gzip without its end, or a dropped connection) come from the sandbox's faults.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import Run, run_mp

from mixpanel_data.sandbox import Fault, Sandbox

DAY = "2026-10-31"
_T = int(dt.datetime.fromisoformat(DAY + "T12:00:00+00:00").timestamp())
DEEP = (
    f'{{"time":{_T},"distinct_id":"u1","$insert_id":"deep","n":'
    + '{"a":' * 1000
    + "1"
    + "}" * 1000
    + "}"
)


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox(seed=41, users=10, days=2, end_date=DAY) as sandbox:
        yield sandbox


def _serve(sb: Sandbox, properties: str) -> None:
    """Make the export of DAY carry one more event, with ``properties`` as its JSON text."""
    with sb.data.write() as cur:
        cur.execute("DELETE FROM events WHERE event = 'Hostile'")
        cur.execute(
            "INSERT INTO events SELECT 'Hostile', ?, 'u1', 'h', ?::JSON, ?, 999999999",
            [_T, properties, _T * 1000],
        )
        sb.data.events_changed()


def _mp(sb_env: dict[str, str], *args: str) -> Run:
    return run_mp("fetch", *args, env=sb_env)


def _one_line(run: Run) -> str:
    assert run.code == 1, str(run)
    return run.error_line()


def test_properties_nested_1000_deep(sb_env: dict[str, str], sb: Sandbox) -> None:
    _serve(sb, DEEP)
    line = _one_line(_mp(sb_env, "events", "--stdout", "--from", DAY, "--to", DAY))
    assert "nested too deeply" in line and "line" in line
    # Passing the bytes through does not parse them: the event arrives whole.
    raw = _mp(sb_env, "events", "--stdout", "--raw", "--from", DAY, "--to", DAY)
    assert raw.code == 0, str(raw)
    assert sum('"$insert_id":"deep"' in line for line in raw.stdout.splitlines()) == 1


def test_properties_that_are_not_an_object(
    sb_env: dict[str, str], sb: Sandbox, tmp_path: Path
) -> None:
    _serve(sb, "[1,2,3]")
    line = _one_line(_mp(sb_env, "events", "--stdout", "--from", DAY, "--to", DAY))
    assert "'properties' is a list, not a JSON object" in line
    stored = _mp(
        sb_env, "events", "--from", DAY, "--to", DAY, "--db", str(tmp_path / "x.duckdb"),
        "--no-progress",
    )  # fmt: skip
    assert "malformed line" in _one_line(stored) and DAY in stored.stderr


def test_a_time_of_1e300(sb_env: dict[str, str], sb: Sandbox, tmp_path: Path) -> None:
    _serve(sb, '{"time":1e300,"distinct_id":"u1","$insert_id":"big"}')
    streamed = _mp(sb_env, "events", "--stdout", "--from", DAY, "--to", DAY)
    assert streamed.code == 0, str(streamed)
    rows = [json.loads(line) for line in streamed.stdout.splitlines()]
    assert [r["event_time"] for r in rows if r["insert_id"] == "big"] == [None]
    stored = _mp(
        sb_env, "events", "--from", DAY, "--to", DAY, "--db", str(tmp_path / "t.duckdb"),
        "--no-progress",
    )  # fmt: skip
    assert "1e300" in _one_line(stored)


@pytest.mark.parametrize("kind", ["truncate_gzip", "cut"])
def test_an_engage_page_cut_short(
    sb_env: dict[str, str], sb: Sandbox, tmp_path: Path, kind: str
) -> None:
    sb.faults.clear()
    sb.faults.add(Fault(kind=kind, after_bytes=50, times=None, path="/api/query/engage"))
    try:
        for args in (["--stdout"], ["--db", str(tmp_path / "p.duckdb"), "--no-progress"]):
            line = _one_line(_mp(sb_env, "profiles", *args))
            assert "/api/query/engage" in line
    finally:
        sb.faults.clear()
