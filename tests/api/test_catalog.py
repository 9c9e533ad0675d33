"""The operation catalog (``operations.json``) against the spec and the generated code."""

from __future__ import annotations

import importlib
import inspect
import typing
from enum import Enum
from pathlib import Path

import pytest
import yaml

from mixpanel_data._api.catalog import Operation, load_catalog
from mixpanel_data._api.routing import load_host_table
from mixpanel_data.exceptions import ValidationError

SPEC = Path(__file__).resolve().parents[2] / "spec" / "mixpanel.openapi.yaml"
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
CATALOG = load_catalog()


def _spec_operations() -> dict[str, tuple[str, dict[str, typing.Any]]]:
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    return {
        op["operationId"]: (method.upper(), op)
        for item in spec["paths"].values()
        for method, op in item.items()
        if method in METHODS
    }


SPEC_OPS = _spec_operations()


def test_one_entry_per_operation_of_the_spec():
    assert sorted(o.id for o in CATALOG) == sorted(SPEC_OPS)
    assert len(CATALOG) == len(SPEC_OPS)


def test_idempotency_and_safety_come_from_the_spec_extensions():
    for op in CATALOG:
        method, raw = SPEC_OPS[op.id]
        declared = raw.get("x-mixpanel-idempotent")
        expected = declared if declared is not None else method in {"GET", "PUT", "DELETE"}
        assert op.idempotent == expected, op.id
        assert op.safe == raw.get("x-mixpanel-safe", method == "GET"), op.id
    assert CATALOG.get("import_events").idempotent == "insert-id"
    assert {o.id for o in CATALOG if o.safe and o.method == "POST"} == {
        "jql",
        "list_cohorts",
        "query_profiles",
    }
    assert not CATALOG.get("track_events").idempotent
    assert not CATALOG.get("create_annotation").idempotent


def test_families_agree_with_the_host_table():
    hosts = load_host_table()
    for op in CATALOG:
        assert op.family == hosts.family_for_operation(op.id, op.api), op.id


def _enum_in(annotation: typing.Any) -> type[Enum] | None:
    for member in typing.get_args(annotation) or (annotation,):
        if isinstance(member, type) and issubclass(member, Enum):
            return member
        inner = _enum_in(member) if typing.get_args(member) else None
        if inner is not None:
            return inner
    return None


@pytest.mark.parametrize("op", list(CATALOG), ids=lambda o: o.id)
def test_entry_matches_the_generated_module(op: Operation):
    module = importlib.import_module(op.module)
    request = inspect.signature(module._get_kwargs).parameters
    assert {p.python_name for p in op.parameters} <= set(request)
    assert ("body" in request) == (op.body_content_type is not None)
    for p in op.parameters:
        enum = _enum_in(request[p.python_name].annotation)
        if p.enum is not None:
            assert enum is not None and sorted(m.value for m in enum) == sorted(p.enum), p
    source = inspect.getsource(module._get_kwargs)
    assert f'"method": "{op.method.lower()}"' in source
    assert op.path.split("{")[0] in source


def test_lookups_name_what_exists():
    seg = CATALOG.get("segmentation")
    assert seg.parameter("type").python_name == "type_"
    assert CATALOG.get("list_annotations").parameter("fromDate").python_name == "from_date"
    with pytest.raises(ValidationError, match="segmentation has no parameter 'colour'"):
        seg.parameter("colour")
    with pytest.raises(ValidationError, match="did you mean jql"):
        CATALOG.get("jq")
    assert {o.api for o in CATALOG.for_api("data_pipelines")} == {"Data Pipelines"}
    with pytest.raises(ValidationError, match="unknown API 'Nope'"):
        CATALOG.for_api("Nope")
