"""Every `mp inspect ...` discovery command against the sandbox (credentials from MP_* variables):
json equals the library's answer, every `--format` is well formed, bad input exits as documented.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from cli_helpers import FORMATS, MpRunner, as_json, check_format, invoke

from mixpanel_data._workspace import Workspace
from mixpanel_data.sandbox import Fault, Sandbox

CASES: dict[str, tuple[list[str], Callable[[Workspace], Any]]] = {
    "events": (["events"], lambda w: w.list_events()),
    "properties": (["properties", "Purchase"], lambda w: w.list_properties("Purchase")),
    "values": (
        ["values", "plan", "-e", "Page View", "-l", "5"],
        lambda w: w.list_property_values("plan", event="Page View", limit=5),
    ),
    "funnels": (["funnels"], lambda w: w.list_funnels()),
    "cohorts": (["cohorts"], lambda w: w.list_cohorts()),
    "bookmarks": (["bookmarks"], lambda w: w.list_bookmarks()),
    "bookmarks-funnels": (
        ["bookmarks", "--type", "funnels"],
        lambda w: w.list_bookmarks("funnels"),
    ),
    "top-events": (["top-events", "-l", "3"], lambda w: w.list_top_events(limit=3)),
    "top-events-unique": (
        ["top-events", "--type", "unique"],
        lambda w: w.list_top_events(type="unique"),
    ),
    "schemas": (["schemas"], lambda w: w.list_schemas()),
    "schemas-event": (["schemas", "--type", "event"], lambda w: w.list_schemas("event")),
}
LOCAL = {"tables", "schema", "info", "drop"}  # test_cli_local.py
TABLES = {"sample", "summarize", "keys", "breakdown"}  # test_cli_query_local.py


def test_every_discovery_command_is_covered() -> None:
    from typer.main import get_command

    from mixpanel_data.cli.main import app

    inspect = get_command(app).commands["inspect"]  # type: ignore[attr-defined]
    assert set(inspect.commands) - LOCAL - TABLES == {args[0] for args, _ in CASES.values()}


@pytest.mark.parametrize("name", list(CASES))
def test_json_equals_the_library(name: str, ws: Workspace, mp: MpRunner) -> None:
    args, call = CASES[name]
    run = mp("inspect", *args, "-f", "json")
    assert run.code == 0, str(run)
    got = check_format("json", run.stdout)
    assert got == as_json(call(ws))
    assert got, "the sandbox should have something to list"
    assert run.stderr == ""


@pytest.mark.parametrize("name", list(CASES))
def test_every_format_is_well_formed(name: str, sandbox: Sandbox, ws: Workspace) -> None:
    args, call = CASES[name]
    expected = call(ws)
    env = sandbox.credentials.env(sandbox.url)
    for fmt in FORMATS:
        run = invoke(["inspect", *args, "-f", fmt], env)
        assert run.code == 0, str(run)
        parsed = check_format(fmt, run.stdout)
        if fmt in ("jsonl", "plain"):
            assert len(parsed) == len(expected), fmt  # one line per item
        if fmt == "csv":
            assert len(parsed) == len(expected) + 1  # header + one row per item


def test_plain_lists_are_pipeable(ws: Workspace, mp: MpRunner) -> None:
    events = mp("inspect", "events", "-f", "plain")
    assert events.stdout.splitlines() == ws.list_events()
    funnels = mp("inspect", "funnels", "-f", "plain")
    lines = funnels.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == [str(f.funnel_id) for f in ws.list_funnels()]


def test_subprocess_table_fits_80_columns(mp: MpRunner) -> None:
    for args in (["cohorts"], ["bookmarks"], ["schemas"], ["top-events"]):
        run = mp("inspect", *args, "-f", "table")
        assert run.code == 0, str(run)
        check_format("table", run.stdout)


@pytest.mark.parametrize(
    ("args", "mentions"),
    [
        (["bookmarks", "--type", "dashboards"], "dashboards"),
        (["top-events", "--type", "median"], "median"),
        (["top-events", "--limit", "0"], "limit"),
        (["schemas", "--type", "group"], "group"),
        (["values", "plan", "-e", "Page View", "--limit", "0"], "limit"),
    ],
)
def test_bad_input_exits_3(args: list[str], mentions: str, mp: MpRunner) -> None:
    run = mp("inspect", *args)
    assert run.code == 3, str(run)
    assert mentions in run.error_line()
    assert run.stdout == ""


@pytest.mark.parametrize(
    "args",
    [["values", "plan"], ["properties"], ["events", "-f", "yaml"], ["nope"]],
    ids=["missing-event", "missing-argument", "bad-format", "unknown-command"],
)
def test_usage_errors_exit_3(args: list[str], mp: MpRunner) -> None:
    run = mp("inspect", *args)
    assert run.code == 3, str(run)
    assert "Error" in run.stderr and run.stdout == ""


@pytest.mark.parametrize("args", [["events"], ["funnels"], ["schemas"]])
def test_rate_limit_storm_exits_5(args: list[str], sandbox: Sandbox, mp: MpRunner) -> None:
    sandbox.faults.add(Fault(kind="status", status=429, retry_after=0.01, times=None))
    run = mp("inspect", *args)
    assert run.code == 5, str(run)
    assert "429" in run.error_line()
    assert run.stdout == ""


@pytest.mark.parametrize("args", [["events"], ["cohorts"], ["bookmarks"]])
def test_wrong_secret_exits_2(args: list[str], mp: MpRunner) -> None:
    run = mp("inspect", *args, env_extra={"MP_SECRET": "not-the-secret"})
    assert run.code == 2, str(run)
    assert "401" in run.error_line()
    assert run.stdout == ""


def test_server_errors_exit_1_after_retries(sandbox: Sandbox, mp: MpRunner) -> None:
    sandbox.faults.add(Fault(kind="status", status=503, times=None))
    run = mp("inspect", "events")
    assert run.code == 1, str(run)
    assert "503" in run.error_line()
