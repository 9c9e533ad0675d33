"""`mp service-accounts|pipelines|warehouse ...` against the sandbox (effects read back through the
library), and the confirmation prompt of destructive commands on a real terminal."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import ENTRY, MpRunner, Run

from mixpanel_data._workspace import Workspace
from mixpanel_data.exceptions import NotFoundError
from mixpanel_data.sandbox import Sandbox

ORG = ("--org", "9001")


def _json(run: Run) -> Any:
    assert run.code == 0, str(run)
    return json.loads(run.stdout)


def test_service_account_commands(mp: MpRunner, ws: Workspace, sandbox: Sandbox) -> None:
    project = str(sandbox.credentials.project_id)
    made = _json(mp("service-accounts", "create", "cli-bot", *ORG, "--role", "analyst"))
    sid = str(made["id"])
    assert made["id"] in ws.list_service_accounts(9001).ids
    assert _json(mp("service-accounts", "get", sid, *ORG))["username"] == made["username"]

    _json(mp("service-accounts", "add-to-project", sid, *ORG, "-p", project, "--role", "analyst"))
    assert made["id"] in [a["id"] for a in _json(mp("service-accounts", "list"))]
    assert mp("service-accounts", "remove-from-project", sid, *ORG, "-p", project).code == 3
    _json(mp("service-accounts", "remove-from-project", sid, *ORG, "-p", project, "--yes"))
    assert made["id"] not in ws.list_service_accounts().ids

    _json(mp("service-accounts", "delete", sid, *ORG, "--yes"))
    with pytest.raises(NotFoundError):
        ws.get_service_account(9001, made["id"])


def test_pipeline_commands(mp: MpRunner, ws: Workspace, tmp_path: Path) -> None:
    source = tmp_path / "pipeline.json"
    source.write_text(
        json.dumps(
            {
                "type": "gcs-raw",
                "from_date": "2026-01-01",
                "gcs_bucket": "b",
                "gcs_region": "us-east1",
            }
        )
    )
    (name,) = _json(mp("pipelines", "create", str(source)))["pipeline_names"]
    assert name in [p["name"] for p in ws.list_pipelines()]
    assert name in [p["name"] for p in _json(mp("pipelines", "list"))]
    assert "succeeded" in _json(mp("pipelines", "status", name))
    assert _json(mp("pipelines", "sync-dates", name))["day_syncs"]

    assert mp("pipelines", "delete", name).code == 3
    _json(mp("pipelines", "delete", name, "--yes"))
    assert name not in [p["name"] for p in ws.list_pipelines()]
    assert mp("pipelines", "status", name).code == 4


def test_warehouse_commands(mp: MpRunner, ws: Workspace) -> None:
    first = ws.list_warehouse_imports().ids[-1]
    assert _json(mp("warehouse", "list"))[-1]["id"] == first
    assert _json(mp("warehouse", "get", str(first)))["id"] == first

    before = len(ws.get_warehouse_import_history(first)["runs"])
    assert _json(mp("warehouse", "run", str(first)))["run_id"]
    runs = _json(mp("warehouse", "history", str(first)))["runs"]
    assert len(runs) == before + 1

    assert mp("warehouse", "delete", str(first)).code == 3
    _json(mp("warehouse", "delete", str(first), "-y"))
    assert first not in ws.list_warehouse_imports().ids
    assert mp("warehouse", "get", str(first)).code == 4


def _on_a_terminal(args: list[str], answer: str, env: dict[str, str]) -> int:
    """Run `mp ARGS` with a pseudo-terminal as stdin, answering the prompt with ``answer``."""
    leader, follower = os.openpty()
    try:
        os.write(leader, answer.encode() + b"\n")
        proc = subprocess.run(
            [*ENTRY, *args], env=env, stdin=follower, capture_output=True, timeout=120
        )
    finally:
        os.close(leader)
        os.close(follower)
    assert b"Traceback" not in proc.stderr, proc.stderr
    return proc.returncode


def test_delete_on_a_terminal_asks_first(ws: Workspace, sb_env: dict[str, str]) -> None:
    note = ws.create_annotation("2026-01-11 00:00:00", "Ask me")
    args = ["annotations", "delete", str(note.id)]
    assert _on_a_terminal(args, "n", sb_env) == 1
    assert ws.get_annotation(note.id)["description"] == "Ask me"
    assert _on_a_terminal(args, "y", sb_env) == 0
    with pytest.raises(NotFoundError):
        ws.get_annotation(note.id)


COVERED = {  # every command of the management groups, and the test file exercising it
    "annotations": {"list", "get", "create", "update", "delete", "tags", "create-tag"},
    "gdpr": {"retrieve", "retrieval-status", "delete", "deletion-status", "cancel"},
    "lexicon": {"list", "get", "upload", "delete"},
    "flags": {"list", "get", "create", "update", "delete", "evaluate"},
    "service-accounts": {
        "list",
        "get",
        "create",
        "delete",
        "add-to-project",
        "remove-from-project",
    },
    "pipelines": {"list", "create", "status", "sync-dates", "delete"},
    "warehouse": {"list", "get", "run", "history", "delete"},
}


@pytest.mark.parametrize("group", list(COVERED))
def test_every_management_command_is_tested(group: str) -> None:
    from typer.main import get_command

    from mixpanel_data.cli.main import app

    commands = get_command(app).commands[group]  # type: ignore[attr-defined]
    assert set(commands.commands) == COVERED[group]
