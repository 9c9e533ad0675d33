"""Annotations API over real HTTP, through the generated client."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from app_spec import SpecChecker
from mixpanel_openapi.api.annotations import (
    create_annotation,
    create_annotation_tag,
    delete_annotation,
    get_annotation,
    list_annotation_tags,
    list_annotations,
    update_annotation,
)
from mixpanel_openapi.client import AuthenticatedClient
from mixpanel_openapi.models.annotation_create_request import AnnotationCreateRequest
from mixpanel_openapi.models.annotation_tag_create_request import AnnotationTagCreateRequest
from mixpanel_openapi.models.annotation_update_request import AnnotationUpdateRequest

from mixpanel_data.sandbox import Sandbox


def _body(response: Any) -> Any:
    return json.loads(response.content)


def _create(client: AuthenticatedClient, pid: int, **fields: Any) -> dict[str, Any]:
    response = create_annotation.sync_detailed(
        pid, client=client, body=AnnotationCreateRequest.from_dict(fields)
    )
    assert response.status_code == 201, response.content
    return _body(response)  # type: ignore[no-any-return]


def test_list_holds_the_fixtures_sorted_by_date(
    client: AuthenticatedClient, sandbox: Sandbox, spec: SpecChecker
) -> None:
    response = list_annotations.sync_detailed(sandbox.credentials.project_id, client=client)
    body = _body(response)
    spec.check("list_annotations", 200, body)
    fixtures = sandbox.data.fixtures.annotations
    assert {a["id"] for a in fixtures} <= {a["id"] for a in body["results"]}
    dates = [a["date"] for a in body["results"]]
    assert dates == sorted(dates)


def test_create_get_patch_delete_round_trip(
    client: AuthenticatedClient, sandbox: Sandbox, spec: SpecChecker
) -> None:
    pid = sandbox.credentials.project_id
    tag = _body(
        create_annotation_tag.sync_detailed(
            pid, client=client, body=AnnotationTagCreateRequest.from_dict({"name": "round-trip"})
        )
    )
    spec.check("create_annotation_tag", 200, tag)
    created = _create(client, pid, date="2026-01-25 14:00:00", description="Déploiement v3 🚀")
    spec.check("create_annotation", 201, created)
    note = created["results"]
    assert note["description"] == "Déploiement v3 🚀" and note["tags"] == []

    got = get_annotation.sync_detailed(pid, note["id"], client=client)
    spec.check("get_annotation", 200, _body(got))
    assert _body(got)["results"] == note

    patched = update_annotation.sync_detailed(
        pid,
        note["id"],
        client=client,
        body=AnnotationUpdateRequest.from_dict({"tags": [tag["id"]]}),
    )
    spec.check("update_annotation", 200, _body(patched))
    after = _body(patched)["results"]
    assert after["tags"] == [{"id": tag["id"], "name": "round-trip"}]
    assert after["description"] == "Déploiement v3 🚀"  # left out, so unchanged

    tags = _body(list_annotation_tags.sync_detailed(pid, client=client))
    spec.check("list_annotation_tags", 200, tags)
    assert next(t for t in tags if t["id"] == tag["id"])["has_annotations"] is True

    deleted = delete_annotation.sync_detailed(pid, note["id"], client=client)
    spec.check("delete_annotation", 200, _body(deleted))
    assert _body(deleted)["results"] == {"id": note["id"]}
    assert get_annotation.sync_detailed(pid, note["id"], client=client).status_code == 404
    assert delete_annotation.sync_detailed(pid, note["id"], client=client).status_code == 404
    tags = _body(list_annotation_tags.sync_detailed(pid, client=client))
    assert next(t for t in tags if t["id"] == tag["id"])["has_annotations"] is False


def test_date_filter_is_inclusive(client: AuthenticatedClient, sandbox: Sandbox) -> None:
    pid = sandbox.credentials.project_id
    inside = [
        _create(client, pid, date=d, description=f"window {d}")["results"]["id"]
        for d in ("2025-06-10 00:00:00", "2025-06-12 23:59:59")
    ]
    outside = [
        _create(client, pid, date=d, description=f"window {d}")["results"]["id"]
        for d in ("2025-06-09 23:59:59", "2025-06-13 00:00:00")
    ]
    found = _body(
        list_annotations.sync_detailed(
            pid, client=client, from_date="2025-06-10", to_date="2025-06-12"
        )
    )
    ids = {a["id"] for a in found["results"]}
    assert set(inside) <= ids and not set(outside) & ids
    only_from = _body(list_annotations.sync_detailed(pid, client=client, from_date="2025-06-13"))
    assert outside[1] in {a["id"] for a in only_from["results"]}


def test_wrong_ids_are_404(http: httpx.Client, sandbox: Sandbox, spec: SpecChecker) -> None:
    base = f"/api/app/projects/{sandbox.credentials.project_id}/annotations"
    for response in (
        http.get(base + "/999999"),
        http.patch(base + "/999999", json={"description": "x"}),
        http.delete(base + "/not-a-number"),
    ):
        assert response.status_code == 404
        assert response.json()["status"] == "error"


@pytest.mark.parametrize(
    "body",
    [
        {"description": "no date"},
        {"date": "yesterday", "description": "bad date"},
        {"date": "2026-02-30 10:00:00", "description": "no such day"},
        {"date": "2026-01-01 10:00:00"},
        {"date": "2026-01-01 10:00:00", "description": "x", "tags": [987654]},
        {"date": "2026-01-01 10:00:00", "description": "x", "tags": "release"},
        [],
    ],
)
def test_bad_bodies_are_400(http: httpx.Client, sandbox: Sandbox, body: Any) -> None:
    base = f"/api/app/projects/{sandbox.credentials.project_id}/annotations"
    response = http.post(base, json=body)
    assert response.status_code == 400
    assert set(response.json()) == {"error", "status"}


def test_bad_filter_dates_and_duplicate_tags_are_400(http: httpx.Client, sandbox: Sandbox) -> None:
    base = f"/api/app/projects/{sandbox.credentials.project_id}/annotations"
    assert http.get(base, params={"fromDate": "2026/01/01"}).status_code == 400
    assert http.post(base + "/tags", json={"name": "dup-tag"}).status_code == 200
    assert http.post(base + "/tags", json={"name": "dup-tag"}).status_code == 400
    assert http.post(base + "/tags", json={}).status_code == 400


def test_annotations_need_credentials(anon: httpx.Client, sandbox: Sandbox) -> None:
    base = f"/api/app/projects/{sandbox.credentials.project_id}/annotations"
    assert anon.get(base).status_code == 401
    assert anon.post(base, json={"date": "2026-01-01", "description": "x"}).status_code == 401
