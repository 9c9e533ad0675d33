"""The seed's argument forms work alongside the options: `mp query segmentation EVENT`,
`mp query property-counts EVENT PROPERTY`, `mp inspect values PROPERTY -e EVENT`,
`mp query jql SCRIPT --params JSON`; each gives the same rows as the option form."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import MpRunner

from mixpanel_data._workspace import Workspace


@pytest.mark.parametrize(
    "command", ["segmentation", "segmentation-sum", "segmentation-average", "segmentation-numeric"]
)
def test_segmentation_event_as_argument(command: str, mp: MpRunner, span: tuple[str, str]) -> None:
    extra = [] if command == "segmentation" else ["--on", "amount"]
    dates = ["--from", span[0], "--to", span[1], *extra, "-f", "csv"]
    positional = mp("query", command, "Purchase", *dates)
    option = mp("query", command, "-e", "Purchase", *dates)
    assert positional.code == 0 and option.code == 0, str(positional)
    assert positional.stdout == option.stdout and len(positional.stdout.splitlines()) > 1


def test_property_counts_event_and_property_as_arguments(
    mp: MpRunner, span: tuple[str, str], ws: Workspace
) -> None:
    dates = ["--from", span[0], "--to", span[1], "-f", "jsonl"]
    df = ws.property_counts("Purchase", "plan", from_date=span[0], to_date=span[1]).df
    expected = int(df["count"].sum())
    for args in (["Purchase", "plan"], ["-e", "Purchase", "plan"], ["-p", "plan", "Purchase"]):
        run = mp("query", "property-counts", *args, *dates)
        assert run.code == 0, str(run)
        rows = [json.loads(line) for line in run.stdout.splitlines()]
        assert {r["value"] for r in rows} == set(df["value"])
        assert sum(r["count"] for r in rows) == expected > 0


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["segmentation", "Purchase", "-e", "Login"], "give the event once"),
        (["segmentation"], "missing the event"),
        (["property-counts", "Purchase"], "missing the property"),
        (["property-counts", "Purchase", "plan", "-e", "Login", "-p", "x"], "once each"),
    ],
)
def test_argument_conflicts_exit_3(
    args: list[str], says: str, mp: MpRunner, span: tuple[str, str]
) -> None:
    run = mp("query", *args, "--from", span[0], "--to", span[1])
    assert run.code == 3, str(run)
    assert says in run.error_line()


def test_inspect_values_needs_an_event_and_says_so(mp: MpRunner, ws: Workspace) -> None:
    run = mp("inspect", "values", "plan")
    assert run.code == 3 and "--event" in run.error_line()
    ok = mp("inspect", "values", "plan", "-e", "Purchase", "-f", "json")
    assert ok.code == 0, str(ok)
    assert json.loads(ok.stdout) == ws.list_property_values("plan", event="Purchase")


def test_jql_params_as_one_json_object(
    mp: MpRunner, span: tuple[str, str], ws: Workspace, tmp_path: Path
) -> None:
    script = tmp_path / "count.js"
    script.write_text(
        "function main() { return Events({from_date: params.from, to_date: params.to})"
        ".reduce(mixpanel.reducer.count()); }"
    )
    params = {"from": span[0], "to": span[1]}
    run = mp("query", "jql", str(script), "--params", json.dumps(params))
    assert run.code == 0, str(run)
    expected = ws.jql(script.read_text(), params).raw
    assert json.loads(run.stdout)["raw"] == expected and expected[0] > 0
    bad = mp("query", "jql", str(script), "--params", "[1]")
    assert bad.code == 3 and "--params" in bad.error_line()
