"""Write tools: refused (and not listed) without --allow-writes, nothing sent; listed and working
with it, each change checked by an independent read through the Workspace."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FROM, TO, start
from mcp_helpers import McpProcess

from mixpanel_data._workspace import Workspace
from mixpanel_data.exceptions import NotFoundError
from mixpanel_data.mcp._write_tools import WRITE_TOOLS
from mixpanel_data.sandbox import Sandbox

FLAG_WORKSPACE = 70001
FLAG = {
    "name": "MCP flag",
    "key": "mcp-test-flag",
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

# The smallest valid arguments of each write tool (a refused call must not even need them right).
ARGS: dict[str, dict] = {
    "create_annotation": {"date": "2026-10-05", "description": "refused"},
    "update_annotation": {"annotation_id": 1, "description": "refused"},
    "delete_annotation": {"annotation_id": 1},
    "import_events": {"path": "/nonexistent.jsonl"},
    "create_gdpr_retrieval": {"distinct_ids": ["user-1"]},
    "create_gdpr_deletion": {"distinct_ids": ["user-1"]},
    "cancel_gdpr_deletion": {"task_id": "x"},
    "create_feature_flag": {"workspace_id": FLAG_WORKSPACE, "definition": FLAG},
    "update_feature_flag": {"workspace_id": FLAG_WORKSPACE, "flag_id": "x", "definition": FLAG},
    "delete_feature_flag": {"workspace_id": FLAG_WORKSPACE, "flag_id": "x"},
    "upload_schemas": {"entries": [{"entityType": "event", "name": "X", "schemaJson": {}}]},
    "delete_schema": {"entity_type": "event", "name": "X"},
    "drop_tables": {"names": ["events"]},
}


@pytest.fixture(scope="module")
def writer(server_env: dict[str, str], home: Path) -> Iterator[McpProcess]:
    """`mp mcp serve --allow-writes` on the module's sandbox."""
    with start(server_env, home, "--allow-writes") as process:
        yield process


def test_every_write_tool_has_a_case() -> None:
    assert set(ARGS) == set(WRITE_TOOLS)


@pytest.mark.parametrize("tool", WRITE_TOOLS)
def test_writes_are_refused_without_allow_writes(
    tool: str, server: McpProcess, ws: Workspace, sb: Sandbox
) -> None:
    before = ws.list_annotations().items
    assert tool not in server.tool_names()
    sent = len(sb.requests)
    error = server.error(tool, **ARGS[tool])
    assert len(sb.requests) == sent, "a refused write reached the server"
    assert error["code"] == "WRITES_NOT_ALLOWED"
    assert "--allow-writes" in error["message"]
    assert ws.list_annotations().items == before


def test_the_writer_lists_every_write_tool(writer: McpProcess, server: McpProcess) -> None:
    assert writer.tool_names() - server.tool_names() == set(WRITE_TOOLS)


def test_annotation_lifecycle(writer: McpProcess, ws: Workspace) -> None:
    made = writer.data("create_annotation", date="2026-10-05", description="Launch via MCP")
    note_id = made["id"]
    assert ws.get_annotation(note_id)["description"] == "Launch via MCP"
    writer.data("update_annotation", annotation_id=note_id, description="Launch v2")
    assert ws.get_annotation(note_id)["description"] == "Launch v2"
    assert writer.data("delete_annotation", annotation_id=note_id)["done"] == "deleted"
    with pytest.raises(NotFoundError):
        ws.get_annotation(note_id)
    again = writer.error("delete_annotation", annotation_id=note_id)
    assert (again["code"], again["exit_code"]) == ("NOT_FOUND", 4)


def test_import_events_lands_each_event_once(
    writer: McpProcess, ws: Workspace, tmp_path: Path
) -> None:
    source = tmp_path / "mcp.jsonl"
    lines = [
        {"event": "MCP Import", "properties": {"distinct_id": f"u{i}", "time": 1792321200 + i}}
        for i in range(25)
    ]  # 2026-10-18 11:00 UTC on
    source.write_text("".join(json.dumps(line) + "\n" for line in lines))
    first = writer.data("import_events", path=str(source))
    assert (first["imported"], first["rejected"]) == (25, 0)
    second = writer.data("import_events", path=str(source))
    assert (second["imported"], second["skipped"]) == (0, 25)
    stored = list(ws.stream_events(from_date=FROM, to_date=TO, events=["MCP Import"]))
    assert len(stored) == 25
    neither = writer.error("import_events")
    assert (neither["code"], neither["exit_code"]) == ("INVALID_ARGUMENT", 3)


def test_gdpr_deletion_and_cancel(writer: McpProcess, ws: Workspace) -> None:
    job = writer.data("create_gdpr_deletion", distinct_ids=["user-3"])
    task = job["task_id"]
    assert ws.get_gdpr_deletion(task)["status"] in {"PENDING", "STARTED", "SUCCESS"}
    empty = writer.error("create_gdpr_retrieval", distinct_ids=[""])
    assert empty["code"] == "INVALID_ARGUMENT"


def test_flag_and_schema_changes(writer: McpProcess, ws: Workspace) -> None:
    flag = writer.data("create_feature_flag", workspace_id=FLAG_WORKSPACE, definition=FLAG)
    assert ws.get_feature_flag(FLAG_WORKSPACE, flag["id"])["key"] == "mcp-test-flag"
    writer.data("delete_feature_flag", workspace_id=FLAG_WORKSPACE, flag_id=flag["id"])
    assert flag["id"] not in ws.list_feature_flags(FLAG_WORKSPACE, include_archived=True).ids
    entry = {"entityType": "event", "name": "MCP Event", "schemaJson": {"description": "doc"}}
    writer.data("upload_schemas", entries=[entry])
    assert ws.get_schema("event", "MCP Event")["description"] == "doc"
    writer.data("delete_schema", entity_type="event", name="MCP Event")
    with pytest.raises(NotFoundError):
        ws.get_schema("event", "MCP Event")


def test_drop_tables(writer: McpProcess) -> None:
    writer.data("fetch_profiles", table="people")
    assert "people" in [t["name"] for t in writer.data("list_tables")["rows"]]
    missing = writer.error("drop_tables", names=["people", "nowhere"])
    assert missing["code"] == "TABLE_NOT_FOUND"
    dropped = writer.data("drop_tables", names=["people"])
    assert "people" not in [r["table"] for r in dropped["rows"]]
    assert "people" not in [t["name"] for t in writer.data("list_tables")["rows"]]
