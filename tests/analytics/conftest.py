"""Fixtures for the analytics tests: small hand-built DuckDB files and the response schemas.

``make_db(events, profiles)`` writes the sandbox's two tables to a DuckDB file in ``tmp_path``.
An event is ``(name, when, distinct_id, properties)`` with ``when`` as epoch seconds or
``"YYYY-MM-DD HH:MM:SS"`` (UTC); the stored properties carry ``time``, ``distinct_id`` and
``$insert_id`` like the sandbox's own data.

``check(method, path, body)`` validates a response body against the 200 schema of that
operation in the project's OpenAPI document (``spec/mixpanel.openapi.yaml``, or the Query
fragment while the merged document does not exist).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
import jsonschema
import pytest
import yaml
from analytics_data import Event, build_db
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_PATH = Path(__file__).resolve().parents[2] / "spec" / "mixpanel.openapi.yaml"


@pytest.fixture
def make_db(
    tmp_path: Path,
) -> Iterator[Callable[..., duckdb.DuckDBPyConnection]]:
    opened: list[duckdb.DuckDBPyConnection] = []
    counter = iter(range(1_000_000))

    def make(
        events: Sequence[Event], profiles: Mapping[str, Mapping[str, Any]] | None = None
    ) -> duckdb.DuckDBPyConnection:
        con = build_db(tmp_path / f"sandbox-{next(counter)}.duckdb", events, profiles)
        opened.append(con)
        return con

    yield make
    for con in opened:
        con.close()


_SPEC: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text())


def _pointer(*parts: str) -> str:
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


@pytest.fixture(scope="session")
def spec() -> dict[str, Any]:
    return _SPEC


@pytest.fixture(scope="session")
def check(spec: dict[str, Any]) -> Callable[[str, str, Any], None]:
    """``check(method, path, body)``: body is valid for that operation's 200 response."""
    registry = Registry().with_resource(
        "urn:spec", Resource.from_contents(spec, default_specification=DRAFT202012)
    )

    def validate(method: str, path: str, body: Any) -> None:
        operation = spec["paths"][path][method.lower()]
        assert "application/json" in operation["responses"]["200"]["content"]
        where = _pointer(
            "paths", path, method.lower(), "responses", "200", "content", "application/json"
        )
        schema = {"$ref": f"urn:spec#/{where}/schema"}
        validator = jsonschema.Draft202012Validator(schema, registry=registry)
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
        assert not errors, "; ".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])

    return validate
