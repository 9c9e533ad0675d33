"""Service accounts, data pipelines and warehouse imports via the Workspace, effects read back."""

from __future__ import annotations

import pytest

from mixpanel_data._workspace import Workspace
from mixpanel_data.exceptions import NotFoundError
from mixpanel_data.sandbox import Sandbox

ORG = 9001  # the sandbox's organization


def _project(sb: Sandbox) -> int:
    return int(sb.credentials.project_id)


def test_service_account_lifecycle(ws: Workspace, sb: Sandbox) -> None:
    made = ws.create_service_account(ORG, "nightly-etl", role="analyst")
    assert made.get("token") and "***" in repr(made) and made["token"] not in repr(made)
    assert made.id in ws.list_service_accounts(ORG).ids
    assert ws.get_service_account(ORG, made.id)["username"] == made["username"]

    ws.add_service_accounts_to_projects(ORG, [made.id], {_project(sb): "analyst"})
    members = {a.id: a for a in ws.list_service_accounts()}
    assert members[made.id]["role"] == "analyst"
    ws.remove_service_accounts_from_projects(ORG, [made.id], [_project(sb)])
    assert made.id not in ws.list_service_accounts().ids

    ws.delete_service_account(ORG, made.id)
    with pytest.raises(NotFoundError):
        ws.get_service_account(ORG, made.id)


def test_pipeline_lifecycle(ws: Workspace) -> None:
    made = ws.create_pipeline(
        {"type": "gcs-raw", "from_date": "2026-01-01", "gcs_bucket": "b", "gcs_region": "us-east1"}
    )
    (name,) = made["pipeline_names"]
    assert name in [p["name"] for p in ws.list_pipelines()]
    assert "succeeded" in ws.get_pipeline_status(name).data
    assert ws.list_pipeline_sync_dates(name)["day_syncs"]

    ws.delete_pipeline(name)
    assert name not in [p["name"] for p in ws.list_pipelines()]
    with pytest.raises(NotFoundError):
        ws.get_pipeline_status(name)


def test_warehouse_import_run_and_delete(ws: Workspace) -> None:
    imports = ws.list_warehouse_imports()
    first = imports.ids[0]
    assert imports[0].to_dict().items() <= ws.get_warehouse_import(first).to_dict().items()

    before = len(ws.get_warehouse_import_history(first)["runs"])
    ws.run_warehouse_import(first)
    after = ws.get_warehouse_import_history(first)["runs"]
    assert len(after) == before + 1 and after[0]["status"] == "RUNNING"

    ws.delete_warehouse_import(first)
    with pytest.raises(NotFoundError):
        ws.get_warehouse_import(first)
    assert first not in ws.list_warehouse_imports().ids
