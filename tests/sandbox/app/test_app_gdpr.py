"""GDPR API over real HTTP: job progression, cancel rules, deletion effects, auth."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from app_spec import SpecChecker, basic
from mixpanel_openapi.api.gdpr import (
    cancel_deletion,
    create_deletion,
    create_retrieval,
    get_deletion,
    get_retrieval,
)
from mixpanel_openapi.client import AuthenticatedClient
from mixpanel_openapi.models.gdpr_deletion_request import GdprDeletionRequest
from mixpanel_openapi.models.gdpr_retrieval_request import GdprRetrievalRequest

from mixpanel_data.sandbox import Sandbox


def _body(response: Any) -> Any:
    return json.loads(response.content)


def _deletion(oauth_client: AuthenticatedClient, token: str, *ids: str) -> str:
    response = create_deletion.sync_detailed(
        client=oauth_client,
        token=token,
        body=GdprDeletionRequest.from_dict({"distinct_ids": list(ids), "compliance_type": "GDPR"}),
    )
    assert response.status_code == 201, response.content
    return str(_body(response)["results"]["task_id"])


def test_retrieval_progresses_one_step_per_read(
    oauth_client: AuthenticatedClient, sandbox: Sandbox, spec: SpecChecker
) -> None:
    token = sandbox.credentials.token
    created = create_retrieval.sync_detailed(
        client=oauth_client,
        token=token,
        body=GdprRetrievalRequest.from_dict(
            {"distinct_ids": ["user-00003"], "compliance_type": "CCPA", "disclosure_type": "Data"}
        ),
    )
    assert created.status_code == 201
    spec.check("create_retrieval", 201, _body(created))
    task = _body(created)["results"]["task_id"]
    seen = []
    for _ in range(6):
        response = get_retrieval.sync_detailed(task, client=oauth_client, token=token)
        spec.check("get_retrieval", 200, _body(response))
        seen.append(_body(response)["results"])
    assert [s["status"] for s in seen] == [
        "PENDING",
        "STAGING",
        "STARTED",
        "SUCCESS",
        "SUCCESS",
        "SUCCESS",
    ]
    assert all(s["results"] == "" for s in seen[:3])
    link = seen[3]["results"]
    assert link.startswith(sandbox.url) and task in link
    download = httpx.get(
        link, headers={"Authorization": f"Bearer {sandbox.credentials.oauth_token}"}
    )
    assert download.status_code == 200
    with sandbox.data.cursor() as cur:
        expected = cur.execute(
            "SELECT count(*) FROM events WHERE distinct_id = 'user-00003'"
        ).fetchone()
    assert expected is not None
    assert len(download.json()["events"]) == expected[0]
    assert [p["distinct_id"] for p in download.json()["profiles"]] == ["user-00003"]


def test_deletion_can_be_cancelled_before_started_only(
    oauth_client: AuthenticatedClient, sandbox: Sandbox, spec: SpecChecker
) -> None:
    token = sandbox.credentials.token
    first = _deletion(oauth_client, token, "user-00010")
    cancelled = cancel_deletion.sync_detailed(first, client=oauth_client, token=token)
    assert cancelled.status_code == 204 and cancelled.content == b""
    state = _body(get_deletion.sync_detailed(first, client=oauth_client, token=token))
    spec.check("get_deletion", 200, state)
    assert state["results"]["status"] == "REVOKED"
    assert cancel_deletion.sync_detailed(first, client=oauth_client, token=token).status_code == 405

    second = _deletion(oauth_client, token, "user-00011")
    shown = [
        _body(get_deletion.sync_detailed(second, client=oauth_client, token=token))["results"][
            "status"
        ]
        for _ in range(2)
    ]
    assert shown == ["PENDING", "STAGING"]
    assert (
        cancel_deletion.sync_detailed(second, client=oauth_client, token=token).status_code == 204
    )

    third = _deletion(oauth_client, token, "user-00012")
    for _ in range(3):
        last = _body(get_deletion.sync_detailed(third, client=oauth_client, token=token))
    assert last["results"]["status"] == "STARTED"
    refused = cancel_deletion.sync_detailed(third, client=oauth_client, token=token)
    assert refused.status_code == 405
    spec.check("cancel_deletion", 405, _body(refused))


def _counts(sandbox: Sandbox, distinct_id: str) -> tuple[int, int]:
    with sandbox.data.cursor() as cur:
        events = cur.execute(
            "SELECT count(*) FROM events WHERE distinct_id = $1", [distinct_id]
        ).fetchone()
        profiles = cur.execute(
            "SELECT count(*) FROM profiles WHERE distinct_id = $1", [distinct_id]
        ).fetchone()
    assert events is not None and profiles is not None
    return int(events[0]), int(profiles[0])


def test_finished_deletion_removes_the_users_data(
    oauth_client: AuthenticatedClient, sandbox: Sandbox, spec: SpecChecker
) -> None:
    token = sandbox.credentials.token
    victim, bystander = "user-00020", "user-00021"
    assert _counts(sandbox, victim)[1] == 1
    keep = _counts(sandbox, bystander)
    task = _deletion(oauth_client, token, victim)
    statuses = []
    for _ in range(4):
        body = _body(get_deletion.sync_detailed(task, client=oauth_client, token=token))
        spec.check("get_deletion", 200, body)
        statuses.append(body["results"]["status"])
        if statuses[-1] != "SUCCESS":
            assert _counts(sandbox, victim)[1] == 1
    assert statuses == ["PENDING", "STAGING", "STARTED", "SUCCESS"]
    details = body["results"]
    assert (
        details["distinct_ids"] == [victim]
        and details["project_id"] == sandbox.credentials.project_id
    )
    assert details["compliance_type"] == "GDPR" and details["tracking_id"] == task
    assert _counts(sandbox, victim) == (0, 0)
    assert _counts(sandbox, bystander) == keep
    export = httpx.get(
        f"{sandbox.url}/api/2.0/export",
        params={
            "from_date": sandbox.start_date.isoformat(),
            "to_date": sandbox.end_date.isoformat(),
            "project_id": sandbox.credentials.project_id,
        },
        auth=(sandbox.credentials.username, sandbox.credentials.secret),
    )
    assert export.status_code == 200
    assert f'"distinct_id":"{victim}"' not in export.text


def test_unknown_jobs(
    oauth_client: AuthenticatedClient, sandbox: Sandbox, spec: SpecChecker
) -> None:
    token = sandbox.credentials.token
    missing = _body(get_deletion.sync_detailed("12345", client=oauth_client, token=token))
    spec.check("get_deletion", 200, missing)
    assert missing["results"]["status"] == "NOT_FOUND"
    retrieval = _body(get_retrieval.sync_detailed("12345", client=oauth_client, token=token))
    assert retrieval["results"]["status"] == "NOT_FOUND"
    cancel = cancel_deletion.sync_detailed("12345", client=oauth_client, token=token)
    assert cancel.status_code == 404


@pytest.fixture
def bearer(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=sandbox.url, headers={"Authorization": f"Bearer {sandbox.credentials.oauth_token}"}
    ) as c:
        yield c


def test_auth_needs_bearer_and_project_token(
    bearer: httpx.Client, anon: httpx.Client, sandbox: Sandbox, spec: SpecChecker
) -> None:
    creds = sandbox.credentials
    path = "/api/app/data-deletions/v3.0"
    body = {"distinct_ids": ["user-00030"]}
    no_bearer = anon.post(path, params={"token": creds.token}, json=body)
    assert no_bearer.status_code == 401
    spec.check("create_deletion", 401, no_bearer.json())
    basic_auth = anon.post(
        path,
        params={"token": creds.token},
        json=body,
        headers={"Authorization": "Basic " + basic(creds.username, creds.secret)},
    )
    assert basic_auth.status_code == 401
    wrong_bearer = anon.post(
        path, params={"token": creds.token}, json=body, headers={"Authorization": "Bearer nope"}
    )
    assert wrong_bearer.status_code == 401
    assert bearer.post(path, params={"token": "not-the-token"}, json=body).status_code == 401
    assert bearer.post(path, json=body).status_code == 400
    assert bearer.post(path, params={"token": creds.token}, json=body).status_code == 201
    # The published path has no trailing slash; clients that add one reach the same endpoint.
    assert bearer.post(path + "/", params={"token": creds.token}, json=body).status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"distinct_ids": []},
        {"distinct_ids": "user-00001"},
        {"distinct_ids": [1, 2]},
        {"distinct_ids": ["a"], "compliance_type": "HIPAA"},
        {"distinct_ids": [f"u{n}" for n in range(2001)]},
    ],
)
def test_bad_bodies_are_400(bearer: httpx.Client, sandbox: Sandbox, body: dict[str, Any]) -> None:
    response = bearer.post(
        "/api/app/data-retrievals/v3.0/", params={"token": sandbox.credentials.token}, json=body
    )
    assert response.status_code == 400
