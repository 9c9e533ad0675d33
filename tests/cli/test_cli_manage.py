"""`mp annotations|gdpr|lexicon|flags ...` against the sandbox: each command's effect is read back
through another command or the library, destructive commands refuse without --yes off a terminal,
and errors exit with the documented codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import FORMATS, MpRunner, Run, check_format

from mixpanel_data._workspace import Workspace

FLAG_WORKSPACE = "70001"


def _json(run: Run) -> Any:
    assert run.code == 0, str(run)
    return json.loads(run.stdout)


# -- annotations ------------------------------------------------------------------------------


def test_annotation_commands_end_to_end(mp: MpRunner, ws: Workspace) -> None:
    tag = _json(mp("annotations", "create-tag", "cli-tag"))
    assert tag["id"] in [t["id"] for t in _json(mp("annotations", "tags"))]

    note = _json(
        mp("annotations", "create", "2026-01-10 00:00:00", "From the CLI", "-t", str(tag["id"]))
    )
    nid = str(note["id"])
    assert ws.get_annotation(int(nid)).to_dict() == note
    listed = _json(mp("annotations", "list", "--from", "2026-01-10", "--to", "2026-01-10"))
    assert note in listed

    _json(mp("annotations", "update", nid, "-d", "Changed"))
    assert _json(mp("annotations", "get", nid))["description"] == "Changed"

    refused = mp("annotations", "delete", nid)
    assert refused.code == 3 and "--yes" in refused.error_line()
    assert ws.get_annotation(int(nid))["description"] == "Changed"  # still there

    assert _json(mp("annotations", "delete", nid, "--yes")) == {"deleted": int(nid)}
    gone = mp("annotations", "get", nid)
    assert gone.code == 4 and "not found" in gone.error_line()


@pytest.mark.parametrize("fmt", FORMATS)
def test_annotation_list_in_every_format(mp: MpRunner, fmt: str) -> None:
    run = mp("annotations", "list", "-f", fmt)
    assert run.code == 0, str(run)
    check_format(fmt, run.stdout)


def test_update_with_nothing_to_change_is_a_usage_error(mp: MpRunner) -> None:
    run = mp("annotations", "update", "1")
    assert run.code == 3 and "--description" in run.error_line()


# -- GDPR -------------------------------------------------------------------------------------


def test_gdpr_commands_end_to_end(mp: MpRunner) -> None:
    job = _json(mp("gdpr", "retrieve", "user-1", "user-2"))
    status = _json(mp("gdpr", "retrieval-status", job["task_id"]))
    assert status["distinct_ids"] == ["user-1", "user-2"]

    assert mp("gdpr", "delete", "user-3").code == 3  # no terminal, no --yes
    job = _json(mp("gdpr", "delete", "user-3", "--compliance", "CCPA", "--yes"))
    task = job["task_id"]
    assert _json(mp("gdpr", "deletion-status", task))["status"] == "PENDING"
    assert _json(mp("gdpr", "cancel", task, "-y")) == {"cancelled": task}
    assert _json(mp("gdpr", "deletion-status", task))["status"] == "REVOKED"


def test_gdpr_without_oauth_token_exits_2_naming_the_variable(mp: MpRunner) -> None:
    run = mp("gdpr", "retrieval-status", "123", env_extra={"MP_OAUTH_TOKEN": ""})
    assert run.code == 2 and "MP_OAUTH_TOKEN" in run.error_line()


# -- Lexicon ----------------------------------------------------------------------------------


def test_lexicon_commands_end_to_end(mp: MpRunner, ws: Workspace, tmp_path: Path) -> None:
    entry = {
        "entityType": "event",
        "name": "CLI Event",
        "schemaJson": {"description": "From a file.", "properties": {}},
    }
    source = tmp_path / "schemas.json"
    source.write_text(json.dumps([entry]))
    _json(mp("lexicon", "upload", str(source)))
    assert ws.get_schema("event", "CLI Event")["description"] == "From a file."
    assert "CLI Event" in [s["name"] for s in _json(mp("lexicon", "list", "--type", "event"))]
    assert _json(mp("lexicon", "get", "event", "CLI Event"))["description"] == "From a file."

    assert mp("lexicon", "delete", "event", "CLI Event").code == 3
    _json(mp("lexicon", "delete", "event", "CLI Event", "--yes"))
    assert mp("lexicon", "get", "event", "CLI Event").code == 4


def test_lexicon_upload_of_a_missing_file_is_a_usage_error(mp: MpRunner, tmp_path: Path) -> None:
    run = mp("lexicon", "upload", str(tmp_path / "nope.json"))
    assert run.code == 3 and "nope.json" in run.error_line()


# -- feature flags ----------------------------------------------------------------------------


def test_flag_commands_end_to_end(mp: MpRunner, tmp_path: Path) -> None:
    definition = {
        "name": "CLI flag",
        "key": "cli-flag",
        "tags": [],
        "context": "distinct_id",
        "serving_method": "remote_or_local",
        "status": "enabled",
        "ruleset": {
            "variants": [
                {"key": "on", "value": True, "is_control": False, "split": 1.0},
                {"key": "off", "value": False, "is_control": True, "split": 0.0},
            ],
            "rollout": [{"rollout_percentage": 1.0, "variant_splits": {"on": 1.0, "off": 0.0}}],
        },
    }
    source = tmp_path / "flag.json"
    source.write_text(json.dumps(definition))
    w = ("-w", FLAG_WORKSPACE)
    flag = _json(mp("flags", "create", str(source), *w))
    fid = flag["id"]
    assert fid in [f["id"] for f in _json(mp("flags", "list", *w))]

    source.write_text(json.dumps({**definition, "name": "CLI flag 2"}))
    _json(mp("flags", "update", fid, str(source), *w))
    assert _json(mp("flags", "get", fid, *w))["name"] == "CLI flag 2"
    assert "cli-flag" in _json(mp("flags", "evaluate", "user-5"))

    assert mp("flags", "delete", fid, *w).code == 3
    _json(mp("flags", "delete", fid, *w, "--yes"))
    assert fid not in [f["id"] for f in _json(mp("flags", "list", "--archived", *w))]
    assert mp("flags", "get", fid, *w).code == 4
