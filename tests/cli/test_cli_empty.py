"""Empty answers: exit 0, the columns kept in every format, and one line on stderr saying why
(an unknown event with the closest known name, or a range without events)."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from cli_helpers import FORMATS, MpRunner

from mixpanel_data._workspace import Workspace
from mixpanel_data.cli._empty import closest
from mixpanel_data.sandbox import Sandbox


def _csv_header(text: str) -> list[str]:
    return next(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_event_keeps_the_columns_and_says_so(
    fmt: str, mp: MpRunner, span: tuple[str, str], ws: Workspace
) -> None:
    run = mp("query", "segmentation", "-e", "NoSuchEvent", "--from", span[0], "--to", span[1],
             "-f", fmt)  # fmt: skip
    assert run.code == 0, str(run)
    assert run.stderr.strip() == (
        "no event named 'NoSuchEvent'; `mp inspect events` lists the project's events"
    )
    columns = list(ws.segmentation("Purchase", from_date=span[0], to_date=span[1]).df.columns)
    assert columns == ["date", "segment", "count"]
    if fmt == "csv":
        assert run.stdout == "date,segment,count\n"
    elif fmt == "table":
        assert [c.strip() for c in run.stdout.splitlines()[0].split("┃")] == columns
    elif fmt == "json":
        assert json.loads(run.stdout)["total"] == 0
    else:
        assert run.stdout == ""


def test_wrong_case_gets_did_you_mean(mp: MpRunner, span: tuple[str, str]) -> None:
    run = mp("query", "segmentation", "purchase", "--from", span[0], "--to", span[1], "-f", "csv")
    assert run.code == 0, str(run)
    assert run.stderr.strip() == "no event named 'purchase'; did you mean 'Purchase'?"
    assert run.stdout == "date,segment,count\n"


def test_a_range_without_events_says_so(mp: MpRunner, sandbox: Sandbox) -> None:
    before = sandbox.start_date - timedelta(days=30)
    a, b = before.isoformat(), (before + timedelta(days=2)).isoformat()
    run = mp("query", "segmentation", "-e", "Purchase", "--from", a, "--to", b, "-f", "csv")
    assert run.code == 0, str(run)
    assert run.stderr.strip() == f"no events between {a} and {b} for 'Purchase'"
    assert _csv_header(run.stdout) == ["date", "segment", "count"]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["property-counts", "-e", "Purchse", "-p", "plan"], "did you mean 'Purchase'?"),
        (["event-counts", "-e", "login"], "did you mean 'Login'?"),
        (["retention", "--born", "sign up", "--return", "Purchase"], "did you mean 'Sign Up'?"),
        (["segmentation-sum", "-e", "PURCHASE", "--on", "amount"], "did you mean 'Purchase'?"),
    ],
)
def test_every_query_taking_an_event_hints(
    args: list[str], says: str, mp: MpRunner, span: tuple[str, str], ws: Workspace
) -> None:
    run = mp("query", *args, "--from", span[0], "--to", span[1], "-f", "csv")
    assert run.code == 0, str(run)
    assert says in run.stderr and len(run.stderr.splitlines()) == 1, str(run)
    assert _csv_header(run.stdout) != ["value"]


def test_quiet_keeps_stderr_empty(mp: MpRunner, span: tuple[str, str]) -> None:
    run = mp("-q", "query", "segmentation", "-e", "nope", "--from", span[0], "--to", span[1])
    assert run.code == 0 and run.stderr == "", str(run)


def test_closest_prefers_the_same_letters_then_the_nearest_spelling() -> None:
    known = ["Login", "Page View", "Purchase"]
    assert closest("page view", known) == "Page View"
    assert closest("Purchace", known) == "Purchase"
    assert closest("Checkout", known) is None


def test_a_fetch_of_nothing_leaves_no_table_and_says_so(
    mp: MpRunner, sandbox: Sandbox, tmp_path: Path
) -> None:
    before = sandbox.start_date - timedelta(days=30)
    a, b = before.isoformat(), (before + timedelta(days=1)).isoformat()
    db = str(tmp_path / "empty.duckdb")
    run = mp("fetch", "events", "--from", a, "--to", b, "--db", db, "--no-progress")
    assert run.code == 0, str(run)
    assert json.loads(run.stdout)["rows"] == 0
    assert run.stderr.strip() == f"no events between {a} and {b}; no table 'events' was created"
    tables = mp("inspect", "tables", "--db", db, "-f", "json")
    assert json.loads(tables.stdout) == [], str(tables)
    # so the real fetch is not blocked by an empty table
    day = sandbox.start_date.isoformat()
    real = mp("fetch", "events", "--from", day, "--to", day, "--db", db, "--no-progress")
    assert real.code == 0 and json.loads(real.stdout)["rows"] > 0, str(real)
    again = mp("fetch", "events", "--from", day, "--to", day, "--db", db, "--append",
               "--no-progress")  # fmt: skip
    assert again.code == 0 and json.loads(again.stdout)["rows"] == 0, str(again)
    assert again.stderr.startswith("nothing new: the ") and "already in 'events'" in again.stderr
    streamed = mp("fetch", "events", "--from", a, "--to", b, "--stdout")
    assert streamed.code == 0 and streamed.stdout == ""
    assert streamed.stderr.strip() == f"no events between {a} and {b}"
