"""GDPR jobs, Lexicon schemas and feature flags through the Workspace, effects read back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from manage_helpers import FLAG_WORKSPACE, workspace_for

from mixpanel_data._workspace import Workspace
from mixpanel_data.exceptions import (
    AuthenticationError,
    MixpanelDataError,
    NotFoundError,
    ValidationError,
)
from mixpanel_data.sandbox import Sandbox

# -- GDPR -------------------------------------------------------------------------------------


def test_retrieval_job_is_readable_by_its_task_id(ws: Workspace) -> None:
    job = ws.create_gdpr_retrieval(["user-1", "user-2"])
    status = ws.get_gdpr_retrieval(job["task_id"])
    assert status["distinct_ids"] == ["user-1", "user-2"]
    assert status["status"] == "PENDING"


def test_deletion_then_cancel_is_revoked(ws: Workspace) -> None:
    job = ws.create_gdpr_deletion("user-3", compliance_type="CCPA")
    before = ws.get_gdpr_deletion(job["task_id"])
    assert (before["status"], before["compliance_type"]) == ("PENDING", "CCPA")
    ws.cancel_gdpr_deletion(job["task_id"])
    assert ws.get_gdpr_deletion(job["task_id"])["status"] == "REVOKED"


def test_gdpr_without_oauth_token_names_the_variable(sb: Sandbox) -> None:
    with workspace_for(sb, oauth_token=None) as ws, pytest.raises(AuthenticationError) as caught:
        ws.create_gdpr_deletion(["user-4"])
    assert "MP_OAUTH_TOKEN" in str(caught.value) and caught.value.exit_code == 2


def test_gdpr_needs_distinct_ids(ws: Workspace) -> None:
    with pytest.raises(ValidationError):
        ws.create_gdpr_deletion([])


# -- Lexicon ----------------------------------------------------------------------------------

SCHEMA = {
    "entityType": "event",
    "name": "Trial Started",
    "schemaJson": {
        "description": "A trial began.",
        "properties": {"plan": {"type": "string", "description": "Plan tried."}},
    },
}


@pytest.mark.parametrize("as_file", [False, True])
def test_upload_then_get_and_delete(ws: Workspace, tmp_path: Path, as_file: bool) -> None:
    source: object = [SCHEMA]
    if as_file:
        path = tmp_path / "schemas.json"
        path.write_text(json.dumps({"entries": [SCHEMA]}))
        source = path
    ws.upload_schemas(source)  # type: ignore[arg-type]
    got = ws.get_schema("event", "Trial Started")
    assert got["description"] == "A trial began."
    assert "Trial Started" in [s["name"] for s in ws.list_schemas("event")]
    ws.delete_schema("event", "Trial Started")
    with pytest.raises(NotFoundError):
        ws.get_schema("event", "Trial Started")


def test_upload_refuses_a_bad_file_locally(ws: Workspace, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    with pytest.raises(ValidationError):
        ws.upload_schemas(bad)
    with pytest.raises(ValidationError):
        ws.upload_schemas({"entries": []})


# -- feature flags ----------------------------------------------------------------------------

FLAG = {
    "name": "Dark mode",
    "key": "mgmt-test-flag",
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


def test_flag_lifecycle(ws: Workspace) -> None:
    flag = ws.create_feature_flag(FLAG_WORKSPACE, FLAG)
    assert flag.id in ws.list_feature_flags(FLAG_WORKSPACE).ids
    assert ws.get_feature_flag(FLAG_WORKSPACE, flag.id)["key"] == "mgmt-test-flag"

    ws.update_feature_flag(FLAG_WORKSPACE, flag.id, {**FLAG, "name": "Dark mode 2"})
    assert ws.get_feature_flag(FLAG_WORKSPACE, flag.id)["name"] == "Dark mode 2"

    assert "mgmt-test-flag" in ws.evaluate_flags("user-9").data

    ws.delete_feature_flag(FLAG_WORKSPACE, flag.id)
    with pytest.raises(MixpanelDataError):
        ws.get_feature_flag(FLAG_WORKSPACE, flag.id)
    assert flag.id not in ws.list_feature_flags(FLAG_WORKSPACE, include_archived=True).ids
