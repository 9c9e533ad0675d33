"""Validate response bodies against the project's OpenAPI document, by operation id.

``basic(user, password)`` builds an HTTP Basic credential. ``SpecChecker(spec).check(operation_id,
status, body)`` asserts that ``body`` is valid for the
JSON schema of that operation's response ``status`` (``$ref`` responses followed, formats such
as ``date-time`` checked). ``operation(operation_id)`` gives ``(method, path, operation)``.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_PATH = Path(__file__).resolve().parents[3] / "spec" / "mixpanel.openapi.yaml"


def basic(user: str, password: str) -> str:
    """The value of an HTTP Basic header (without ``Basic ``)."""
    return base64.b64encode(f"{user}:{password}".encode()).decode()


def _pointer(*parts: str) -> str:
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


class SpecChecker:
    """Response-schema checks for every operation of one OpenAPI document."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.registry: Registry[Any] = Registry().with_resource(
            "urn:spec", Resource.from_contents(spec, default_specification=DRAFT202012)
        )
        self.operations: dict[str, tuple[str, str, dict[str, Any]]] = {}
        for path, item in spec["paths"].items():
            for method, op in item.items():
                if isinstance(op, dict) and "operationId" in op:
                    self.operations[op["operationId"]] = (method.upper(), path, op)

    @classmethod
    def load(cls) -> SpecChecker:
        return cls(yaml.safe_load(SPEC_PATH.read_text()))

    def operation(self, operation_id: str) -> tuple[str, str, dict[str, Any]]:
        return self.operations[operation_id]

    def schema_pointer(self, operation_id: str, status: int) -> str | None:
        """Where the JSON schema of that response is, or None when it has no JSON body."""
        method, path, op = self.operation(operation_id)
        responses = op["responses"]
        assert str(status) in responses, f"{operation_id}: status {status} is not in the spec"
        response = responses[str(status)]
        base = ["paths", path, method.lower(), "responses", str(status)]
        if "$ref" in response:
            base = response["$ref"].removeprefix("#/").split("/")
            response = self._walk(base)
        content = response.get("content", {})
        if "application/json" not in content:
            return None
        return _pointer(*base, "content", "application/json") + "/schema"

    def _walk(self, parts: list[str]) -> dict[str, Any]:
        node: Any = self.spec
        for part in parts:
            node = node[part]
        return node

    def check(self, operation_id: str, status: int, body: Any) -> None:
        """Assert ``body`` fits the spec's schema for ``operation_id`` answering ``status``."""
        where = self.schema_pointer(operation_id, status)
        assert where is not None, f"{operation_id} {status}: the spec has no JSON body here"
        validator = jsonschema.Draft202012Validator(
            {"$ref": f"urn:spec#/{where}"},
            registry=self.registry,
            format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
        )
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
        assert not errors, f"{operation_id} {status}: " + "; ".join(
            f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]
        )
