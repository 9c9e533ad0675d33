"""Credentials as Mixpanel checks them, and what the request log keeps."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from mixpanel_data.sandbox import Sandbox, SandboxCredentials

NAMES = "/api/query/events/names"


def _assert_401(response: httpx.Response) -> None:
    assert response.status_code == 401
    body = response.json()
    assert body["status"] == "error" and isinstance(body["error"], str) and body["error"]


def test_service_account_needs_the_right_secret(shared_sb: Sandbox, wire_check: Any) -> None:
    creds = shared_sb.credentials
    params = {"project_id": creds.project_id}
    anonymous = httpx.get(shared_sb.url + NAMES, params=params)
    _assert_401(anonymous)
    wire_check("GET", NAMES, anonymous)
    _assert_401(httpx.get(shared_sb.url + NAMES, params=params, auth=(creds.username, "wrong")))
    _assert_401(httpx.get(shared_sb.url + NAMES, params=params, auth=("someone", creds.secret)))
    _assert_401(
        httpx.get(shared_sb.url + NAMES, params=params, headers={"Authorization": "Basic !!!"})
    )
    ok = httpx.get(shared_sb.url + NAMES, params=params, auth=(creds.username, creds.secret))
    assert ok.status_code == 200


def test_service_account_needs_the_project(shared_sb: Sandbox) -> None:
    creds = shared_sb.credentials
    auth = (creds.username, creds.secret)
    missing = httpx.get(shared_sb.url + NAMES, auth=auth)
    assert missing.status_code == 400 and "project_id" in missing.json()["error"]
    other = httpx.get(shared_sb.url + NAMES, auth=auth, params={"project_id": 1})
    assert other.status_code == 403 and other.json()["status"] == "error"
    path = f"/api/app/projects/{creds.project_id + 1}/bookmarks"
    assert httpx.get(shared_sb.url + path, auth=auth).status_code == 403
    path = f"/api/app/projects/{creds.project_id}/bookmarks"
    assert httpx.get(shared_sb.url + path, auth=auth).status_code == 200


def test_project_secret_works_without_project_id(shared_sb: Sandbox) -> None:
    creds = shared_sb.credentials
    ok = httpx.get(shared_sb.url + NAMES, auth=(creds.api_secret, ""))
    assert ok.status_code == 200
    _assert_401(httpx.get(shared_sb.url + NAMES, auth=(creds.token, "")))


def test_token_routes_check_the_token(fresh_sb: Sandbox) -> None:
    creds = fresh_sb.credentials
    event = {"event": "Ping", "properties": {"distinct_id": "u1", "time": int(time.time())}}
    wrong = {**event, "properties": {**event["properties"], "token": "nope"}}
    _assert_401(httpx.post(fresh_sb.url + "/track", json=[wrong]))
    _assert_401(httpx.post(fresh_sb.url + "/track", json=[event]))
    right = {**event, "properties": {**event["properties"], "token": creds.token}}
    mixed = [right, wrong]
    _assert_401(httpx.post(fresh_sb.url + "/track", json=mixed))
    assert httpx.post(fresh_sb.url + "/track", json=[right]).text == "1"
    update = {"$distinct_id": "u1", "$set": {"a": 1}}
    _assert_401(httpx.post(fresh_sb.url + "/engage", json=[{**update, "$token": "nope"}]))
    assert (
        httpx.post(fresh_sb.url + "/engage", json=[{**update, "$token": creds.token}]).text == "1"
    )


def test_import_accepts_oauth_and_project_secret(fresh_sb: Sandbox) -> None:
    creds = fresh_sb.credentials
    event = {
        "event": "E",
        "properties": {"time": 1769800000, "distinct_id": "u", "$insert_id": "a1"},
    }
    url = fresh_sb.url + "/import"
    bearer = {"Authorization": f"Bearer {creds.oauth_token}"}
    assert httpx.post(url, json=[event], headers=bearer).status_code == 200
    assert httpx.post(url, json=[event], auth=(creds.api_secret, "")).status_code == 200
    _assert_401(httpx.post(url, json=[event], headers={"Authorization": "Bearer nope"}))
    _assert_401(httpx.post(url, json=[event]))


def test_request_log_keeps_no_secrets(fresh_sb: Sandbox) -> None:
    creds = fresh_sb.credentials
    fresh_sb.clear_requests()
    httpx.get(
        fresh_sb.url + NAMES,
        params={"project_id": creds.project_id, "token": creds.token},
        auth=(creds.username, creds.secret),
        headers={"Cookie": "session=1"},
    )
    (record,) = fresh_sb.requests
    assert record.method == "GET" and record.path == NAMES and record.status == 200
    assert record.query == {"project_id": str(creds.project_id), "token": "***"}
    assert "authorization" not in {k.lower() for k in record.headers}
    assert "cookie" not in {k.lower() for k in record.headers}
    dumped = json.dumps([vars(r) for r in fresh_sb.requests])
    for secret in (creds.secret, creds.token, creds.api_secret, creds.oauth_token):
        assert secret not in dumped


def test_credentials_repr_masks_secrets(fresh_sb: Sandbox) -> None:
    creds = fresh_sb.credentials
    text = repr(creds) + str(creds) + repr(fresh_sb)
    for secret in (creds.secret, creds.token, creds.api_secret, creds.oauth_token):
        assert secret not in text
    env = creds.env()
    assert env["MP_BASE_URL"] == fresh_sb.url
    assert env["MP_PROJECT_ID"] == str(creds.project_id)
    assert set(env) == {
        "MP_BASE_URL",
        "MP_USERNAME",
        "MP_SECRET",
        "MP_PROJECT_ID",
        "MP_TOKEN",
        "MP_API_SECRET",
        "MP_OAUTH_TOKEN",
    }
    assert any(line.startswith("export MP_SECRET=") for line in fresh_sb.export_lines())


def test_fixed_credentials(api: Any) -> None:
    fixed = SandboxCredentials(
        username="ci.sa",
        secret="s3cret",
        project_id=42,
        token="t0k",
        api_secret="a5",
        oauth_token="o4",
    )
    with Sandbox(seed=1, users=5, days=1, end_date="2026-01-31", credentials=fixed) as sb:
        assert sb.credentials.project_id == 42
        ok = httpx.get(sb.url + NAMES, params={"project_id": 42}, auth=("ci.sa", "s3cret"))
        assert ok.status_code == 200


@pytest.mark.parametrize("path", ["/api/query/nope", "/api/app/projects/1/nothing", "/nope"])
def test_unknown_paths_are_404_with_mixpanel_body(shared_sb: Sandbox, path: str) -> None:
    response = httpx.get(shared_sb.url + path)
    assert response.status_code == 404
    assert response.json() == {"error": f"Unknown path: {path}", "status": "error"}


def test_the_project_secret_does_not_reach_another_project(shared_sb: Sandbox) -> None:
    """Decided with the document (spec/: x-mixpanel-notes on ProjectSecret): the secret names its
    project, so a project_id naming another project is refused rather than ignored."""
    creds = shared_sb.credentials
    secret = (creds.api_secret, "")
    own = httpx.get(shared_sb.url + NAMES, params={"type": "general"}, auth=secret)
    named = httpx.get(
        shared_sb.url + NAMES,
        params={"type": "general", "project_id": creds.project_id},
        auth=secret,
    )
    other = httpx.get(
        shared_sb.url + NAMES,
        params={"type": "general", "project_id": creds.project_id + 1},
        auth=secret,
    )
    assert own.status_code == named.status_code == 200
    assert own.json() == named.json()
    assert other.status_code == 403 and "project" in other.json()["error"]


def test_workspace_id_must_be_the_projects_workspace(shared_sb: Sandbox) -> None:
    creds = shared_sb.credentials
    account = (creds.username, creds.secret)
    base = {"type": "general", "project_id": creds.project_id}
    ok = httpx.get(shared_sb.url + NAMES, params={**base, "workspace_id": 70001}, auth=account)
    assert ok.status_code == 200
    for wrong in ("70002", "1", "x"):
        refused = httpx.get(
            shared_sb.url + NAMES, params={**base, "workspace_id": wrong}, auth=account
        )
        assert refused.status_code == 400 and "workspace_id" in refused.json()["error"]


def test_segmentation_keeps_unit_week(shared_sb: Sandbox) -> None:
    """The document lists minute/hour/day/month; the API answers week too (x-mixpanel-notes)."""
    creds = shared_sb.credentials
    answer = httpx.get(
        shared_sb.url + "/api/query/segmentation",
        params={
            "project_id": creds.project_id,
            "event": "Purchase",
            "from_date": shared_sb.start_date.isoformat(),
            "to_date": shared_sb.end_date.isoformat(),
            "unit": "week",
        },
        auth=(creds.username, creds.secret),
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"]["series"]
