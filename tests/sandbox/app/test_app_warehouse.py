"""Warehouse Connectors API over real HTTP: imports CRUD, manual runs and history."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from app_spec import SpecChecker
from mixpanel_openapi.api.warehouse_connectors import (
    create_event_stream_import,
    create_groups_import,
    create_lookup_table_import,
    create_people_import,
    delete_warehouse_import,
    get_warehouse_import,
    get_warehouse_import_history,
    list_warehouse_imports,
    run_warehouse_import,
    update_warehouse_import,
)
from mixpanel_openapi.client import AuthenticatedClient
from mixpanel_openapi.models.warehouse_event_stream_import_request import (
    WarehouseEventStreamImportRequest,
)
from mixpanel_openapi.models.warehouse_groups_import_request import WarehouseGroupsImportRequest
from mixpanel_openapi.models.warehouse_import_delete_request import WarehouseImportDeleteRequest
from mixpanel_openapi.models.warehouse_import_patch_request import WarehouseImportPatchRequest
from mixpanel_openapi.models.warehouse_lookup_table_import_request import (
    WarehouseLookupTableImportRequest,
)
from mixpanel_openapi.models.warehouse_manual_sync_request import WarehouseManualSyncRequest
from mixpanel_openapi.models.warehouse_people_import_request import WarehousePeopleImportRequest

from mixpanel_data.sandbox import Sandbox

DAILY = 86_400_000_000_000

EVENTS = {
    "import_type": "event_stream",
    "warehouse_source_id": 310,
    "table_params": {"dataset": "analytics", "table": "checkout_events"},
    "event_column_name": "event_type",
    "time_column_name": "event_ts",
    "user_column_name": "user_id",
    "sync_mode": "time_based",
    "insert_time_column_name": "loaded_at",
    "run_every": 3_600_000_000_000,
}


def _body(response: Any) -> Any:
    return json.loads(response.content)


def test_fixtures_are_listed(
    client: AuthenticatedClient, sandbox: Sandbox, spec: SpecChecker
) -> None:
    response = list_warehouse_imports.sync_detailed(sandbox.credentials.project_id, client=client)
    body = _body(response)
    spec.check("list_warehouse_imports", 200, body)
    by_id = {i["id"]: i for i in body["results"]}
    fixtures = {f["import_id"]: f for f in sandbox.data.fixtures.warehouse_imports}
    assert set(fixtures) <= set(by_id)
    for import_id, fx in fixtures.items():
        assert by_id[import_id]["paused"] is (fx["status"] == "paused")


def test_create_each_kind_then_get(
    client: AuthenticatedClient, sandbox: Sandbox, spec: SpecChecker
) -> None:
    pid = sandbox.credentials.project_id
    made = [
        (create_event_stream_import, WarehouseEventStreamImportRequest, EVENTS),
        (
            create_people_import,
            WarehousePeopleImportRequest,
            {
                "import_type": "people",
                "warehouse_source_id": 311,
                "table_params": {"database": "PROD", "schema": "CRM", "table": "USERS"},
                "user_column_name": "USER_ID",
                "sync_mode": "mirror_mode",
                "property_mappings": {"PLAN_NAME": "plan"},
            },
        ),
        (
            create_groups_import,
            WarehouseGroupsImportRequest,
            {
                "import_type": "groups",
                "warehouse_source_id": 312,
                "table_params": {"schema": "public", "table": "accounts"},
                "group_key": "company_id",
                "group_id_column": "account_id",
                "sync_mode": "full_sync",
            },
        ),
        (
            create_lookup_table_import,
            WarehouseLookupTableImportRequest,
            {
                "import_type": "lookup_table",
                "warehouse_source_id": 313,
                "table_params": {"dataset": "catalog", "table": "products"},
                "mixpanel_property": {"value": "product_id", "resourceType": "event"},
                "property_key_column_name": "sku",
                "sync_mode": "full_sync",
                "run_every": DAILY,
            },
        ),
    ]
    for operation, model, request in made:
        response = operation.sync_detailed(pid, client=client, body=model.from_dict(request))
        assert response.status_code == 200, response.content
        spec.check(operation.__name__.rsplit(".", 1)[-1], 200, _body(response))
        created = _body(response)["results"]
        assert created["import_type"] == request["import_type"]
        assert created["table_params"] == request["table_params"]
        assert created["paused"] is False
        got = get_warehouse_import.sync_detailed(pid, created["id"], client=client)
        spec.check("get_warehouse_import", 200, _body(got))
        assert _body(got)["results"] == created


def test_patch_delete_and_404s(
    client: AuthenticatedClient, sandbox: Sandbox, spec: SpecChecker
) -> None:
    pid = sandbox.credentials.project_id
    created = _body(
        create_event_stream_import.sync_detailed(
            pid, client=client, body=WarehouseEventStreamImportRequest.from_dict(EVENTS)
        )
    )["results"]
    patched = update_warehouse_import.sync_detailed(
        pid,
        created["id"],
        client=client,
        body=WarehouseImportPatchRequest.from_dict({"paused": True, "run_every": DAILY}),
    )
    spec.check("update_warehouse_import", 200, _body(patched))
    assert (
        _body(patched)["results"]["paused"] is True
        and _body(patched)["results"]["run_every"] == DAILY
    )
    deleted = delete_warehouse_import.sync_detailed(
        pid,
        created["id"],
        client=client,
        body=WarehouseImportDeleteRequest.from_dict({"delete_data": False}),
    )
    spec.check("delete_warehouse_import", 200, _body(deleted))
    for response in (
        get_warehouse_import.sync_detailed(pid, created["id"], client=client),
        get_warehouse_import_history.sync_detailed(pid, created["id"], client=client),
        run_warehouse_import.sync_detailed(
            pid, created["id"], client=client, body=WarehouseManualSyncRequest.from_dict({})
        ),
        delete_warehouse_import.sync_detailed(pid, created["id"], client=client),
    ):
        assert response.status_code == 404
        assert _body(response)["status"] == "error"


def test_manual_sync_adds_a_run_that_finishes(
    client: AuthenticatedClient, sandbox: Sandbox, spec: SpecChecker
) -> None:
    pid = sandbox.credentials.project_id
    import_id = sandbox.data.fixtures.warehouse_imports[0]["import_id"]
    before = _body(get_warehouse_import_history.sync_detailed(pid, import_id, client=client))
    spec.check("get_warehouse_import_history", 200, before)
    started = run_warehouse_import.sync_detailed(
        pid, import_id, client=client, body=WarehouseManualSyncRequest.from_dict({})
    )
    spec.check("run_warehouse_import", 200, _body(started))
    assert _body(started)["results"]["run_id"]
    first = _body(get_warehouse_import_history.sync_detailed(pid, import_id, client=client))[
        "results"
    ]["runs"]
    assert len(first) == len(before["results"]["runs"]) + 1
    assert first[0]["status"] == "RUNNING" and first[0]["end_time"] is None
    assert first[1:] == before["results"]["runs"]
    second = _body(get_warehouse_import_history.sync_detailed(pid, import_id, client=client))
    spec.check("get_warehouse_import_history", 200, second)
    run = second["results"]["runs"][0]
    assert run["status"] == "SUCCEEDED" and run["end_time"] >= run["start_time"]
    detail = _body(get_warehouse_import.sync_detailed(pid, import_id, client=client))["results"]
    assert detail["last_dispatch"] == run["start_time"]


@pytest.mark.parametrize(
    "body",
    [
        {**EVENTS, "sync_mode": "sometimes"},
        {**EVENTS, "run_every": 42},
        {**EVENTS, "import_type": "people"},
        {k: v for k, v in EVENTS.items() if k != "table_params"},
        {k: v for k, v in EVENTS.items() if k != "event_column_name"},
        {**EVENTS, "warehouse_source_id": "310"},
    ],
)
def test_bad_bodies_are_400(
    http: httpx.Client, sandbox: Sandbox, spec: SpecChecker, body: dict[str, Any]
) -> None:
    base = f"/api/app/projects/{sandbox.credentials.project_id}/warehouse-sources/imports"
    response = http.post(base + "/event-stream", json=body)
    assert response.status_code == 400
    spec.check("create_event_stream_import", 400, response.json())


def test_patch_needs_both_fields(http: httpx.Client, sandbox: Sandbox) -> None:
    import_id = sandbox.data.fixtures.warehouse_imports[0]["import_id"]
    path = (
        f"/api/app/projects/{sandbox.credentials.project_id}/warehouse-sources/imports/{import_id}"
    )
    assert http.patch(path, json={"paused": True}).status_code == 400
    assert http.patch(path, json={"paused": "yes", "run_every": 0}).status_code == 400


def test_warehouse_needs_credentials(anon: httpx.Client, sandbox: Sandbox) -> None:
    path = f"/api/app/projects/{sandbox.credentials.project_id}/warehouse-sources/imports"
    assert anon.get(path).status_code == 401
