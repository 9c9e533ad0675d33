"""Paths as real clients send them: every route answers with and without a trailing slash."""

from __future__ import annotations

import re

import httpx
import pytest

from mixpanel_data.sandbox import Sandbox
from mixpanel_data.sandbox._server import load_routes

ROUTES = sorted({(r.method, r.path) for r in load_routes()})


def _concrete(path: str) -> str:
    return re.sub(r"\{\w+\}", "1", path)


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_both_forms_reach_the_route(shared_sb: Sandbox, method: str, path: str) -> None:
    """No auth is sent, so a found route answers 401/400 (or its own answer), never
    'Unknown path' (404) or 405; with or without the trailing slash, the same status."""
    bare = _concrete(path).rstrip("/")
    statuses = []
    with httpx.Client(base_url=shared_sb.url, timeout=30) as client:
        for form in (bare, bare + "/"):
            response = client.request(method, form)
            assert response.status_code != 405, (form, response.text)
            if response.status_code == 404:
                assert "Unknown path" not in response.text, (form, response.text)
            statuses.append(response.status_code)
    assert statuses[0] == statuses[1]


def test_query_engage_with_slash_answers_profiles(shared_sb: Sandbox) -> None:
    creds = shared_sb.credentials
    with httpx.Client(base_url=shared_sb.url, auth=(creds.username, creds.secret)) as client:
        plain = client.post("/api/query/engage", params={"project_id": creds.project_id})
        slashed = client.post("/api/query/engage/", params={"project_id": creds.project_id})
    assert plain.status_code == slashed.status_code == 200
    assert plain.json()["results"] == slashed.json()["results"]


def test_unknown_paths_stay_404(shared_sb: Sandbox) -> None:
    with httpx.Client(base_url=shared_sb.url) as client:
        for path in ("/api/query/nothing", "/api/query/nothing/", "/api/query/engage//"):
            response = client.get(path)
            assert response.status_code == 404, path
