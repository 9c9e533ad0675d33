"""Service Accounts API over real HTTP: accounts, memberships, the one-time secret, auth."""

from __future__ import annotations

import json
from typing import Any

import httpx
from app_spec import SpecChecker
from mixpanel_openapi.api.service_accounts import (
    add_service_accounts_to_projects,
    create_service_account,
    delete_service_account,
    get_service_account,
    list_project_service_accounts,
    list_service_accounts,
    remove_service_accounts_from_projects,
)
from mixpanel_openapi.client import AuthenticatedClient
from mixpanel_openapi.models.service_account_add_to_projects_request import (
    ServiceAccountAddToProjectsRequest,
)
from mixpanel_openapi.models.service_account_create_request import ServiceAccountCreateRequest
from mixpanel_openapi.models.service_account_remove_from_projects_request import (
    ServiceAccountRemoveFromProjectsRequest,
)

from mixpanel_data.sandbox import Sandbox


def _body(response: Any) -> Any:
    return json.loads(response.content)


def _org(sandbox: Sandbox) -> int:
    return sandbox.data.fixtures.organization_id


def test_secret_is_returned_once(
    client: AuthenticatedClient, sandbox: Sandbox, spec: SpecChecker
) -> None:
    org = _org(sandbox)
    created = create_service_account.sync_detailed(
        org,
        client=client,
        body=ServiceAccountCreateRequest.from_dict(
            {"username": "etl-nightly", "role": "analyst", "expires": "2027-01-01T00:00:00Z"}
        ),
    )
    assert created.status_code == 201
    body = _body(created)
    spec.check("create_service_account", 201, body)
    account = body["results"]
    secret = account["token"]
    assert len(secret) >= 24
    assert account["username"].startswith("etl-nightly.") and account["username"].endswith(
        ".mp-service-account"
    )
    assert account["expires"] == "2027-01-01T00:00:00Z"

    got = get_service_account.sync_detailed(org, account["id"], client=client)
    spec.check("get_service_account", 200, _body(got))
    assert "token" not in _body(got)["results"]
    listed = list_service_accounts.sync_detailed(org, client=client)
    spec.check("list_service_accounts", 200, _body(listed))
    assert account["id"] in {a["id"] for a in _body(listed)["results"]}
    assert secret not in listed.content.decode() and secret not in got.content.decode()

    gone = delete_service_account.sync_detailed(org, account["id"], client=client)
    spec.check("delete_service_account", 200, _body(gone))
    assert get_service_account.sync_detailed(org, account["id"], client=client).status_code == 404
    assert (
        delete_service_account.sync_detailed(org, account["id"], client=client).status_code == 404
    )


def test_memberships(client: AuthenticatedClient, sandbox: Sandbox, spec: SpecChecker) -> None:
    org, pid = _org(sandbox), sandbox.credentials.project_id
    account = _body(
        create_service_account.sync_detailed(
            org, client=client, body=ServiceAccountCreateRequest.from_dict({"username": "member"})
        )
    )["results"]

    def members() -> dict[int, str]:
        response = list_project_service_accounts.sync_detailed(pid, client=client)
        spec.check("list_project_service_accounts", 200, _body(response))
        return {a["id"]: a["role"] for a in _body(response)["results"]}

    fixtures = {a["id"]: a["role"] for a in sandbox.data.fixtures.service_accounts}
    assert fixtures.items() <= members().items()
    assert account["id"] not in members()

    added = add_service_accounts_to_projects.sync_detailed(
        org,
        client=client,
        body=ServiceAccountAddToProjectsRequest.from_dict(
            {"service_account_ids": [account["id"]], "projects": [{"id": pid, "role": "admin"}]}
        ),
    )
    spec.check("add_service_accounts_to_projects", 200, _body(added))
    assert members()[account["id"]] == "admin"

    removed = remove_service_accounts_from_projects.sync_detailed(
        org,
        client=client,
        body=ServiceAccountRemoveFromProjectsRequest.from_dict(
            {"projects": [{"id": pid, "service_account_ids": [account["id"]]}]}
        ),
    )
    spec.check("remove_service_accounts_from_projects", 200, _body(removed))
    assert account["id"] not in members()


def test_create_with_projects(client: AuthenticatedClient, sandbox: Sandbox) -> None:
    org, pid = _org(sandbox), sandbox.credentials.project_id
    account = _body(
        create_service_account.sync_detailed(
            org,
            client=client,
            body=ServiceAccountCreateRequest.from_dict(
                {"username": "bi", "role": "consumer", "projects": [{"id": pid, "role": "analyst"}]}
            ),
        )
    )["results"]
    roles = {
        a["id"]: a["role"]
        for a in _body(list_project_service_accounts.sync_detailed(pid, client=client))["results"]
    }
    assert roles[account["id"]] == "analyst"


def test_wrong_ids_are_404(http: httpx.Client, sandbox: Sandbox, spec: SpecChecker) -> None:
    org, pid = _org(sandbox), sandbox.credentials.project_id
    base = f"/api/app/organizations/{org}/service-accounts"
    wrong_org = http.get(f"/api/app/organizations/{org + 1}/service-accounts")
    assert wrong_org.status_code == 404
    spec.check("list_service_accounts", 404, wrong_org.json())
    assert http.get(base + "/1").status_code == 404
    assert http.get(base + "/abc").status_code == 404
    add = http.post(
        base + "/add-to-project",
        json={"service_account_ids": [1], "projects": [{"id": pid, "role": "admin"}]},
    )
    assert add.status_code == 404
    other_project = http.post(
        base + "/add-to-project",
        json={"service_account_ids": [880002], "projects": [{"id": pid + 7, "role": "admin"}]},
    )
    assert other_project.status_code == 404


def test_bad_bodies_are_400(http: httpx.Client, sandbox: Sandbox, spec: SpecChecker) -> None:
    base = f"/api/app/organizations/{_org(sandbox)}/service-accounts"
    for body in (
        {},
        {"username": ""},
        {"username": "x", "role": "emperor"},
        {"username": "x", "expires": "someday"},
        {"username": "x", "projects": "all"},
    ):
        response = http.post(base, json=body)
        assert response.status_code == 400, body
        spec.check("create_service_account", 400, response.json())
    assert http.post(base + "/add-to-project", json={"projects": []}).status_code == 400
    assert (
        http.post(base + "/remove-from-project", json={"projects": [{"id": 1}]}).status_code == 400
    )


def test_organization_calls_need_the_service_account(anon: httpx.Client, sandbox: Sandbox) -> None:
    creds = sandbox.credentials
    path = f"/api/app/organizations/{_org(sandbox)}/service-accounts"
    assert anon.get(path).status_code == 401
    assert anon.get(path, auth=(creds.username, "wrong")).status_code == 401
    assert (
        anon.get(path, auth=(creds.api_secret, "")).status_code == 401
    )  # the project secret is not enough
    assert (
        anon.get(path, auth=(creds.username, creds.secret)).status_code == 200
    )  # no project id needed
