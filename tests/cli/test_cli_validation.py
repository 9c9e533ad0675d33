"""Bad input on the command line: the one-line error names the command's flag (``--from``,
``--born``), never the library's parameter (``from_date``, ``born_event``), and exits 3; and the
one rule for lists: repeat the option, each value one name taken whole, so ``-e "Checkout, Web"``
means what ``events=["Checkout, Web"]`` means.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import typer.main
from cli_helpers import MpRunner, as_json, check_format

from mixpanel_data._workspace import Workspace
from mixpanel_data.cli.main import app
from mixpanel_data.sandbox import Sandbox

F, T = "--from", "--to"

# (arguments after `mp`, the flags the message must name, the parameter names it must not)
FLAGGED: dict[str, tuple[list[str], list[str], list[str]]] = {
    "month 13": (
        ["query", "segmentation", "-e", "A", F, "2026-13-01", T, "2026-01-31"],
        ["--from '2026-13-01'"],
        ["from_date"],
    ),
    "year 9999": (
        ["query", "segmentation", "-e", "A", F, "2026-01-01", T, "9999-12-31"],
        ["--to 9999-12-31 is out of range"],
        ["to_date"],
    ),
    "from after to": (
        ["query", "funnel", "7", F, "2026-02-01", T, "2026-01-01"],
        ["--from 2026-02-01 is after --to 2026-01-01"],
        ["from_date", "to_date"],
    ),
    "no born event": (
        ["query", "retention", "--born", " ", F, "2026-01-01", T, "2026-01-31"],
        ["--born must be a non-empty name"],
        ["born_event"],
    ),
    "intervals": (
        ["query", "retention", "--born", "A", "-n", "0", F, "2026-01-01", T, "2026-01-31"],
        ["--intervals must be between 1 and"],
        ["interval_count"],
    ),
    "born where": (
        ["query", "retention", "--born", "A", "--born-where", "x >", F, "2026-01-01", T,
         "2026-01-31"],
        ["--born-where: "],
        ["born_where"],
    ),
    "empty event in a list": (
        ["query", "event-counts", "-e", "A", "-e", "", F, "2026-01-01", T, "2026-01-31"],
        ["each of --events must be a non-empty name"],
        [" events"],
    ),
    "empty user": (
        ["query", "activity-feed", "-u", ""],
        ["each of --users must be a non-empty string"],
        ["distinct_ids"],
    ),
    "unique by the hour": (
        ["query", "event-counts", "-e", "A", F, "2026-01-01", T, "2026-01-31", "-u", "hour",
         "-t", "unique"],
        ["--unit 'hour' cannot be used with --type 'unique'"],
        [],
    ),
    "length unit": (
        ["query", "funnel", "7", F, "2026-01-01", T, "2026-01-31", "--length", "2",
         "--length-unit", "week"],
        ["--length-unit 'week' is not allowed for funnel"],
        ["length_unit"],
    ),
    "addiction unit": (
        ["query", "frequency", F, "2026-01-01", T, "2026-01-31", "-a", "week"],
        ["--addiction-unit 'week' is not allowed"],
        ["addiction_unit"],
    ),
    "flows steps": (
        ["query", "flows", "A", F, "2026-01-01", T, "2026-01-31", "--steps", "9"],
        ["--steps must be between 1 and 5"],
        [],
    ),
    "property": (
        ["query", "property-counts", "-e", "A", "-p", "", F, "2026-01-01", T, "2026-01-31"],
        ["--property must be a non-empty name"],
        [],
    ),
    "retention type": (
        ["query", "retention", "--born", "A", "--retention-type", "rolling", F, "2026-01-01", T,
         "2026-01-31"],
        ["--retention-type 'rolling' is not allowed"],
        ["retention_type"],
    ),
    "discovery limit": (["inspect", "values", "plan", "-e", "A", "-l", "0"], ["--limit must"], []),
    "schema type": (["inspect", "schemas", "--type", "group"], ["--type 'group'"], ["entity_type"]),
}  # fmt: skip


@pytest.mark.parametrize("name", list(FLAGGED))
def test_errors_name_the_flag_not_the_parameter(name: str, mp: MpRunner, sandbox: Sandbox) -> None:
    args, flags, params = FLAGGED[name]
    sandbox.clear_requests()
    run = mp(*args)
    assert run.code == 3, str(run)
    line = run.error_line()
    for flag in flags:
        assert flag in line
    for param in params:
        assert param not in line
    assert run.stdout == ""
    assert sandbox.requests == []


def test_a_value_that_spells_a_parameter_is_left_alone(mp: MpRunner) -> None:
    run = mp("query", "segmentation", "-e", "A", F, "from_date", T, "2026-01-31")
    assert run.error_line() == (
        "Error: --from 'from_date' is not a date in the form YYYY-MM-DD, e.g. 2026-01-31"
    )


def test_the_library_keeps_its_own_words(ws: Workspace) -> None:
    from mixpanel_data.exceptions import ValidationError

    with pytest.raises(ValidationError, match=r"^born_event must be a non-empty name"):
        ws.retention(" ", from_date="2026-01-01", to_date="2026-01-31")


# -- lists: repeat the option, one name per value ----------------------------------------------

COMMA = "Checkout, Web"
TRACKED = {COMMA: 3, "Checkout": 2, "Web": 1}


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    """A sandbox that also holds events named ``Checkout, Web``, ``Checkout`` and ``Web``."""
    with Sandbox(seed=5, users=20, days=3) as sandbox:
        noon = int(datetime.combine(sandbox.end_date, datetime.min.time(), UTC).timestamp())
        events = [
            {
                "event": name,
                "properties": {
                    "token": sandbox.credentials.token,
                    "distinct_id": f"u-{name}-{n}",
                    "time": noon + 43_200 + n,
                    "$insert_id": f"{name}-{n}",
                },
            }
            for name, count in TRACKED.items()
            for n in range(count)
        ]
        assert httpx.post(sandbox.url + "/track", json=events).text == "1"
        yield sandbox


def _day(sb: Sandbox) -> list[str]:
    return [F, sb.end_date.isoformat(), T, sb.end_date.isoformat()]


def _names(rows: list[dict[str, Any]]) -> list[str]:
    return sorted(r["event_name"] for r in rows)


@pytest.mark.parametrize(
    ("args", "events"),
    [
        (["-e", COMMA], [COMMA]),
        (["-e", "Checkout", "-e", "Web"], ["Checkout", "Web"]),
        (["-e", COMMA, "-e", "Web"], [COMMA, "Web"]),
    ],
    ids=["comma-kept-whole", "repeated", "both"],
)
def test_fetch_events_list_means_the_python_list(
    args: list[str], events: list[str], mp: MpRunner, sandbox: Sandbox, ws: Workspace
) -> None:
    day = sandbox.end_date.isoformat()
    run = mp("fetch", "events", "--stdout", *args, *_day(sandbox))
    assert run.code == 0, str(run)
    got = check_format("jsonl", run.stdout)
    expected = list(ws.stream_events(from_date=day, to_date=day, events=events))
    assert _names(got) == _names(expected) == sorted(e for e in events for _ in range(TRACKED[e]))
    noted = f"Note: --events {COMMA!r} is one name" in run.stderr
    assert noted == (COMMA in events)


def test_fetch_into_an_existing_table_names_append(
    mp: MpRunner, sandbox: Sandbox, tmp_path: Path
) -> None:
    db = str(tmp_path / "store.duckdb")
    first = mp("-q", "fetch", "events", "--db", db, *_day(sandbox))
    assert first.code == 0, str(first)
    again = mp("-q", "fetch", "events", "--db", db, *_day(sandbox))
    assert again.code == 1, str(again)
    assert "already exists; pass --append to add to it" in again.error_line()
    assert "append=True" not in again.stderr


def test_query_events_list_means_the_python_list(
    mp: MpRunner, sandbox: Sandbox, ws: Workspace
) -> None:
    day = sandbox.end_date.isoformat()
    run = mp("query", "event-counts", "-e", COMMA, "-e", "Web", *_day(sandbox))
    assert run.code == 0, str(run)
    expected = ws.event_counts([COMMA, "Web"], from_date=day, to_date=day)
    got = json.loads(run.stdout)
    got.pop("computed_at", None)
    want = as_json(expected)
    want.pop("computed_at", None)
    assert got == want
    assert sum(expected.df.query("event == @COMMA")["count"]) == TRACKED[COMMA]


def test_quiet_drops_the_note(mp: MpRunner, sandbox: Sandbox) -> None:
    run = mp("-q", "fetch", "events", "--stdout", "-e", COMMA, *_day(sandbox))
    assert run.code == 0, str(run)
    assert run.stderr == ""


def _list_options() -> list[tuple[str, Any]]:
    found = []

    def walk(cmd: Any, path: str) -> None:
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, f"{path} {name}")
        for param in getattr(cmd, "params", []):
            if getattr(param, "multiple", False):
                found.append((f"{path} {param.opts[0]}", param))

    walk(typer.main.get_command(app), "mp")
    return found


NAME_LISTS = (
    "mp query event-counts --events",
    "mp query activity-feed --users",
    "mp query property-counts --values",
    "mp fetch events --events",
    "mp fetch profiles --output-properties",
)


def test_every_list_of_names_follows_the_one_rule() -> None:
    from mixpanel_data.cli._options import REPEAT_HELP

    options = dict(_list_options())
    for where in NAME_LISTS:
        assert REPEAT_HELP in (options[where].help or ""), where
