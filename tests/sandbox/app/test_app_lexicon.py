"""Lexicon Schemas API over real HTTP, through the generated client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from app_spec import SpecChecker, basic
from mixpanel_openapi.api.lexicon_schemas import (
    delete_all_schemas,
    delete_schema,
    delete_schemas_for_entity,
    get_schema,
    list_schemas,
    list_schemas_for_entity,
    upload_schema,
    upload_schemas,
)
from mixpanel_openapi.client import AuthenticatedClient
from mixpanel_openapi.models.lexicon_entity_type import LexiconEntityType
from mixpanel_openapi.models.lexicon_schema import LexiconSchema
from mixpanel_openapi.models.lexicon_upload_schemas_request import LexiconUploadSchemasRequest

from mixpanel_data.sandbox import Sandbox
from mixpanel_data.sandbox._catalog import EVENT_NAMES


def _body(response: Any) -> Any:
    return json.loads(response.content)


def _entry(name: str, kind: str = "event", **props: str) -> dict[str, Any]:
    return {
        "entityType": kind,
        "name": name,
        "schemaJson": {
            "description": f"{name} test schema",
            "properties": {k: {"type": t, "description": k} for k, t in props.items()},
            "metadata": {"com.mixpanel": {"tags": ["test"], "hidden": False}},
        },
    }


def _names(body: dict[str, Any]) -> set[tuple[str, str]]:
    return {(e["entityType"], e["name"]) for e in body["results"]}


def test_list_starts_with_the_fixture_schemas(
    client: AuthenticatedClient, sandbox: Sandbox, spec: SpecChecker
) -> None:
    response = list_schemas.sync_detailed(sandbox.credentials.project_id, client=client)
    assert response.status_code == 200
    body = _body(response)
    spec.check("list_schemas", 200, body)
    assert body["status"] == "ok"
    assert {("event", n) for n in EVENT_NAMES} | {("profile", "User")} <= _names(body)


def test_upload_then_read_back_each_way(
    client: AuthenticatedClient, sandbox: Sandbox, spec: SpecChecker
) -> None:
    pid = sandbox.credentials.project_id
    entries = [
        _entry("Checkout Started", cart_value="number", coupon="string"),
        _entry("Checkout Started", cart_value="integer"),  # same key: the later one wins
        _entry("Team Member", kind="profile", seats="integer"),
    ]
    response = upload_schemas.sync_detailed(
        pid, client=client, body=LexiconUploadSchemasRequest.from_dict({"entries": entries})
    )
    body = _body(response)
    assert response.status_code == 200
    spec.check("upload_schemas", 200, body)
    assert body["results"] == {"added": 2, "deleted": 0}

    one = get_schema.sync_detailed(pid, LexiconEntityType.EVENT, "Checkout Started", client=client)
    assert one.status_code == 200
    spec.check("get_schema", 200, _body(one))
    assert _body(one)["properties"] == {
        "cart_value": {"type": "integer", "description": "cart_value"}
    }

    events = list_schemas_for_entity.sync_detailed(pid, LexiconEntityType.EVENT, client=client)
    spec.check("list_schemas_for_entity", 200, _body(events))
    assert {k for k, _ in _names(_body(events))} == {"event"}
    assert ("event", "Checkout Started") in _names(_body(events))

    named = list_schemas_for_entity.sync_detailed(
        pid, LexiconEntityType.PROFILE, client=client, entity_name="Team Member"
    )
    assert _names(_body(named)) == {("profile", "Team Member")}


def test_upload_one_schema_replaces_it(
    client: AuthenticatedClient, sandbox: Sandbox, spec: SpecChecker
) -> None:
    pid = sandbox.credentials.project_id
    schema = {"description": "Müller's 🎁 event", "properties": {"größe": {"type": "number"}}}
    response = upload_schema.sync_detailed(
        pid,
        LexiconEntityType.EVENT,
        "Gift Sent 🎁",
        client=client,
        body=LexiconSchema.from_dict(schema),
    )
    assert response.status_code == 200
    spec.check("upload_schema", 200, _body(response))
    read = get_schema.sync_detailed(pid, LexiconEntityType.EVENT, "Gift Sent 🎁", client=client)
    assert _body(read) == schema


def test_delete_one_then_it_is_gone(
    client: AuthenticatedClient, sandbox: Sandbox, spec: SpecChecker
) -> None:
    pid = sandbox.credentials.project_id
    upload_schemas.sync_detailed(
        pid,
        client=client,
        body=LexiconUploadSchemasRequest.from_dict({"entries": [_entry("Doomed")]}),
    )
    gone = delete_schema.sync_detailed(pid, LexiconEntityType.EVENT, "Doomed", client=client)
    assert gone.status_code == 200
    spec.check("delete_schema", 200, _body(gone))
    assert _body(gone)["results"] == {"delete_count": 1}
    again = get_schema.sync_detailed(pid, LexiconEntityType.EVENT, "Doomed", client=client)
    assert again.status_code == 404
    assert _body(again)["status"] == "error"
    assert (
        delete_schema.sync_detailed(
            pid, LexiconEntityType.EVENT, "Doomed", client=client
        ).status_code
        == 404
    )


def test_entity_type_must_be_event_or_profile(http: httpx.Client, sandbox: Sandbox) -> None:
    pid = sandbox.credentials.project_id
    before = http.get(f"/api/app/projects/{pid}/schemas").json()["results"]
    assert http.get(f"/api/app/projects/{pid}/schemas/widget").status_code == 400
    assert http.get(f"/api/app/projects/{pid}/schemas/widget/x").status_code == 400
    bad = http.post(
        f"/api/app/projects/{pid}/schemas", json={"entries": [_entry("Ok"), _entry("X", "widget")]}
    )
    assert bad.status_code == 400
    assert bad.json() == {"error": bad.json()["error"], "status": "error"}
    assert http.get(f"/api/app/projects/{pid}/schemas").json()["results"] == before


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        json.dumps([1, 2]).encode(),
        json.dumps({"entries": "nope"}).encode(),
        json.dumps({"entries": [], "extra": 1}).encode(),
        json.dumps({"entries": [{"entityType": "event", "name": "A"}]}).encode(),
        json.dumps(
            {
                "entries": [
                    {
                        "entityType": "event",
                        "name": "A",
                        "schemaJson": {"properties": {"p": {"type": "date"}}},
                    }
                ]
            }
        ).encode(),
    ],
)
def test_bad_batches_are_400(http: httpx.Client, sandbox: Sandbox, body: bytes) -> None:
    response = http.post(
        f"/api/app/projects/{sandbox.credentials.project_id}/schemas",
        content=body,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["status"] == "error"


def test_auth_is_checked(anon: httpx.Client, sandbox: Sandbox, spec: SpecChecker) -> None:
    creds = sandbox.credentials
    path = f"/api/app/projects/{creds.project_id}/schemas"
    missing = anon.get(path)
    assert missing.status_code == 401
    spec.check("list_schemas", 401, missing.json())
    wrong = anon.get(path, headers={"Authorization": "Basic " + basic(creds.username, "nope")})
    assert wrong.status_code == 401
    other = anon.get(
        f"/api/app/projects/{creds.project_id + 1}/schemas",
        headers={"Authorization": "Basic " + basic(creds.username, creds.secret)},
    )
    assert other.status_code == 403
    spec.check("list_schemas", 403, other.json())


@pytest.fixture
def own_sandbox() -> Iterator[Sandbox]:
    with Sandbox(seed=3, users=20, days=3, end_date="2026-01-31") as sb:
        yield sb


def test_truncate_replaces_the_whole_dictionary(own_sandbox: Sandbox, spec: SpecChecker) -> None:
    creds = own_sandbox.credentials
    with AuthenticatedClient(
        base_url=own_sandbox.url, token=basic(creds.username, creds.secret), prefix="Basic"
    ) as client:
        pid = creds.project_id
        before = len(_body(list_schemas.sync_detailed(pid, client=client))["results"])
        assert before == len(EVENT_NAMES) + 1
        response = upload_schemas.sync_detailed(
            pid,
            client=client,
            body=LexiconUploadSchemasRequest.from_dict(
                {"entries": [_entry("Only One", a="string")], "truncate": True}
            ),
        )
        spec.check("upload_schemas", 200, _body(response))
        assert _body(response)["results"] == {"added": 1, "deleted": before}
        assert _names(_body(list_schemas.sync_detailed(pid, client=client))) == {
            ("event", "Only One")
        }

        upload_schemas.sync_detailed(
            pid,
            client=client,
            body=LexiconUploadSchemasRequest.from_dict(
                {"entries": [_entry("P1", "profile"), _entry("P2", "profile"), _entry("E2")]}
            ),
        )
        by_type = delete_schemas_for_entity.sync_detailed(
            pid, LexiconEntityType.PROFILE, client=client
        )
        spec.check("delete_schemas_for_entity", 200, _body(by_type))
        assert _body(by_type)["results"] == {"delete_count": 2}
        everything = delete_all_schemas.sync_detailed(pid, client=client)
        spec.check("delete_all_schemas", 200, _body(everything))
        assert _body(everything)["results"] == {"delete_count": 2}
        assert _body(list_schemas.sync_detailed(pid, client=client))["results"] == []
