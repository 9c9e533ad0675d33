"""Fixtures for the sandbox tests: running sandboxes and an httpx client that authenticates.

``shared_sb`` is one sandbox for the whole session: tests that use it must not write to it (no
ingestion, no faults left armed, no cache assumptions). ``fresh_sb`` is a small new sandbox for
each test.
``api(sb)`` wraps an httpx client that sends the service account and ``project_id``.
``wire_check(method, path, response)`` validates a JSON answer against the project's OpenAPI
document (skipped while ``spec/mixpanel.openapi.yaml`` does not exist).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sandbox_client import Api

from mixpanel_data.sandbox import Sandbox

SHARED = {"seed": 7, "users": 120, "days": 14, "end_date": "2026-01-31"}
SPEC = Path(__file__).resolve().parents[2] / "spec" / "mixpanel.openapi.yaml"


@pytest.fixture(scope="session")
def shared_sb() -> Iterator[Sandbox]:
    with Sandbox(**SHARED) as sb:  # type: ignore[arg-type]
        yield sb


@pytest.fixture
def fresh_sb() -> Iterator[Sandbox]:
    with Sandbox(seed=3, users=30, days=5, end_date="2026-01-31") as sb:
        yield sb


@pytest.fixture
def api() -> Iterator[Callable[[Sandbox], Api]]:
    made: list[Api] = []

    def make(sb: Sandbox, **client_options: Any) -> Api:
        client = Api(sb, **client_options)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture(scope="session")
def shared_export(shared_sb: Sandbox) -> list[dict[str, Any]]:
    """Every event of the shared sandbox, as exported (parsed)."""
    client = Api(shared_sb)
    try:
        return client.export(
            from_date=shared_sb.start_date.isoformat(), to_date=shared_sb.end_date.isoformat()
        )
    finally:
        client.close()


@pytest.fixture(scope="session")
def wire_check() -> Callable[[str, str, httpx.Response], None]:
    """``wire_check(method, spec_path, response)``: the JSON body matches the documented one."""
    if not SPEC.exists():
        pytest.skip("no spec/mixpanel.openapi.yaml to validate against")
    spec = yaml.safe_load(SPEC.read_text())
    registry = Registry().with_resource(
        "urn:spec", Resource.from_contents(spec, default_specification=DRAFT202012)
    )

    def check(method: str, path: str, response: httpx.Response) -> None:
        responses = spec["paths"][path][method.lower()]["responses"]
        documented = responses[str(response.status_code)]
        pointer = f"/paths/{_escape(path)}/{method.lower()}/responses/{response.status_code}"
        if "$ref" in documented:
            pointer = documented["$ref"][1:]
            documented = spec["components"]["responses"][pointer.rsplit("/", 1)[1]]
        assert "application/json" in documented["content"], (path, response.status_code)
        schema = {"$ref": f"urn:spec#{pointer}/content/application~1json/schema"}
        validator = jsonschema.Draft202012Validator(schema, registry=registry)
        errors = list(validator.iter_errors(response.json()))
        assert not errors, "; ".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])

    return check


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")
