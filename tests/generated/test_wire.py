"""The generated client on the wire, for every operation of ``spec/mixpanel.openapi.yaml``.

For each operation (read from the spec, so new ones are covered automatically) the generated
``sync_detailed`` is called with arguments built from the spec's examples (or schema-valid values
made from the schemas) through a real client against the local server in ``conftest.py``. The
server checks method, path, query and body encoding and the auth header; it answers with the
documented success example, and the test checks that the generated parser turns it back into the
documented type with the same content. Documented 401 and 429 replies must parse into their error
models. Every example in the spec must validate against its own schema, and the request check is
shown to reject bad requests.
"""

from __future__ import annotations

import importlib
import inspect
import json
import types
import typing
from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from io import BytesIO
from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints
from urllib.parse import parse_qsl, urlencode, urlsplit
from uuid import UUID

import httpx
import mixpanel_openapi.api
import pytest
from _spec_examples import (
    AUTH_HEADERS,
    BASIC_SA,
    NO_BODY,
    OPERATIONS,
    OPERATIONS_BY_ID,
    ExpectedRequest,
    Operation,
    RecordedRequest,
    Reply,
    SpecExample,
    WireServer,
    is_json_text,
    jsonable,
    media_sample,
    model_class_name,
    param_sample,
    path_with,
    pick_member,
    python_name,
    ref_name,
    request_problems,
    resolve,
    response_media,
    same_json,
    schema_errors,
    spec_examples,
    wire_text,
)
from dateutil.parser import isoparse
from mixpanel_openapi import models
from mixpanel_openapi.client import AuthenticatedClient, Client
from mixpanel_openapi.types import File, Unset
from openapi_python_client.strings import ClassName, snake_case

FORM = "application/x-www-form-urlencoded"


# -- helpers ------------------------------------------------------------------------------------


def endpoint(op: Operation) -> Callable[..., Any]:
    module = importlib.import_module(op.module)
    return module.sync_detailed  # type: ignore[no-any-return]


def _members(annotation: Any) -> list[Any]:
    """The members of a union annotation (one-element list otherwise), without Unset and None."""
    if get_origin(annotation) in (typing.Union, types.UnionType):
        found = [m for a in get_args(annotation) for m in _members(a)]
    else:
        found = [annotation]
    return [m for m in found if m not in (Unset, type(None))]


def _allows(annotation: Any, value: Any) -> bool:
    for member in _members(annotation):
        if member is Any:
            return True
        origin = get_origin(member) or member
        if isinstance(origin, type) and isinstance(value, origin):
            return True
    return False


def to_python(value: Any, annotation: Any) -> Any:
    """A parameter's JSON example as the Python value the generated signature asks for."""
    members = _members(annotation)
    assert len(members) == 1, f"ambiguous parameter annotation {annotation}"
    kind = members[0]
    origin = get_origin(kind)
    if origin is list:
        (item,) = get_args(kind)
        return [to_python(v, item) for v in value]
    if isinstance(kind, type) and issubclass(kind, Enum):
        return kind(value)
    if kind is UUID:
        return UUID(value)
    if kind is datetime:
        return isoparse(value)
    if kind is date:
        return date.fromisoformat(value)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    assert isinstance(value, kind), f"{value!r} is not a {kind}"
    return value


def build_value(schema: Any, value: Any, content_type: str) -> Any:
    """A request body's JSON as the generated value: models via ``from_dict``, files for binary."""
    name = ref_name(schema)
    target = resolve(schema)
    if "oneOf" in target or "anyOf" in target:
        return build_value(pick_member(target, value), value, content_type)
    if value is None:
        return None
    kind = target.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "array" or (kind is None and "items" in target):
        return [build_value(target.get("items", {}), v, content_type) for v in value]
    if kind == "object" or (kind is None and "properties" in target):
        assert name, "inline object bodies are not supported by this test yet"
        cls = getattr(models, model_class_name(name))
        return cls.from_dict(value)
    if kind == "string" and target.get("format") == "binary":
        return File(payload=BytesIO(value.encode()), mime_type=content_type)
    return value


def expected_type(op: Operation, code: str, content_type: str, schema: Any, value: Any) -> Any:
    """The Python type the generated parser must return for a documented response body."""
    if not content_type.endswith("json"):
        return str  # text bodies arrive as response.text
    name = ref_name(schema)
    target = resolve(schema)
    if "oneOf" in target or "anyOf" in target:
        return expected_type(op, code, content_type, pick_member(target, value), value)
    kind = target.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or (
        kind is None and ("properties" in target or "additionalProperties" in target)
    ):
        class_name = (
            model_class_name(name) if name else str(ClassName(f"{op.op_id}_response_{code}", ""))
        )
        return getattr(models, class_name)
    if kind == "array" or (kind is None and "items" in target):
        return list
    if kind == "string" and "enum" in target and name:
        return getattr(models, model_class_name(name))
    plain = {
        "string": str,
        "integer": int,
        "number": (int, float),
        "boolean": bool,
        "null": type(None),
    }
    return plain.get(kind, object)


def element_types_ok(schema: Any, parsed: Any) -> bool:
    """Arrays of objects must come back as lists of the item model."""
    target = resolve(schema)
    items = target.get("items")
    if not isinstance(parsed, list) or not items or not ref_name(items):
        return True
    item = resolve(items)
    if item.get("type") != "object" and "properties" not in item:
        return True
    cls = getattr(models, model_class_name(ref_name(items) or ""))
    return all(isinstance(element, cls) for element in parsed)


def build_call(op: Operation) -> tuple[dict[str, Any], ExpectedRequest]:
    """The keyword arguments for ``sync_detailed`` and the request they must produce."""
    fn = endpoint(op)
    signature = inspect.signature(fn)
    hints = get_type_hints(fn)
    kwargs: dict[str, Any] = {}
    path_values: dict[str, Any] = {}
    query: list[tuple[str, str]] = []
    repeated: set[str] = set()

    for param in op.parameters:
        value = param_sample(param)
        errors = schema_errors(value, param["schema"])
        assert not errors, f"parameter {param['name']}: value {value!r} is invalid: {errors}"
        name = python_name(param)
        assert name in signature.parameters, f"no argument {name!r} for parameter {param['name']!r}"
        kwargs[name] = to_python(value, hints[name])
        location = param["in"]
        if location == "path":
            path_values[param["name"]] = value
        elif location == "query":
            if value is None:
                continue  # the generated code leaves None out
            if isinstance(value, list):
                exploded = param.get("explode", param.get("style", "form") == "form")
                assert exploded, f"{param['name']}: only exploded arrays are supported"
                query += [(param["name"], wire_text(v)) for v in value]
                repeated.add(param["name"])
            else:
                assert not isinstance(value, dict), f"{param['name']}: object query parameter"
                query.append((param["name"], wire_text(value)))
        else:
            raise AssertionError(
                f"{param['name']}: {location} parameters are not expected in the spec"
            )

    expected = ExpectedRequest(
        method=op.method.upper(),
        path=path_with(op, path_values),
        query=query,
        repeated=repeated,
        auth=AUTH_HEADERS[op.auth],
        body_kind="none",
    )

    if op.request_body is not None:
        content = op.request_body["content"]
        assert len(content) == 1, (
            f"{op.op_id}: one request media type expected, got {list(content)}"
        )
        content_type, media = next(iter(content.items()))
        value, _ = media_sample(media)
        errors = schema_errors(value, media["schema"])
        assert not errors, f"request body {value!r} is invalid: {errors}"
        body = build_value(media["schema"], value, content_type)
        assert "body" in signature.parameters, f"{op.op_id}: no body argument"
        assert _allows(hints["body"], body), f"body {type(body)} does not fit {hints['body']}"
        kwargs["body"] = body
        expected.content_type = content_type
        if content_type == "application/json":
            expected.body_kind = "json"
            expected.json_body = jsonable(body)
            assert same_json(value, expected.json_body), "the body model does not round-trip"
        elif content_type == FORM:
            expected.body_kind = "form"
            fields = body.to_dict()
            assert same_json(value, fields), "the form model does not round-trip"
            for key, field_value in fields.items():
                # An array of scalars is the form key repeated, where Mixpanel's document says
                # so (spec/README.md); anything else structured would be mangled on the wire.
                if isinstance(field_value, list) and not any(
                    isinstance(v, list | dict) for v in field_value
                ):
                    expected.form_body += [(key, wire_text(v)) for v in field_value]
                    expected.form_repeated.add(key)
                    continue
                assert not isinstance(field_value, list | dict), (
                    f"form field {key!r} is structured; it would be sent as repeated keys"
                )
                expected.form_body.append((key, wire_text(field_value)))
        else:
            assert isinstance(body, File), f"{content_type} body should be a File"
            expected.body_kind = "binary"
            expected.binary_body = value.encode()

    for name, parameter in signature.parameters.items():
        if name != "client" and parameter.default is inspect.Parameter.empty:
            assert name in kwargs, f"required argument {name!r} has no spec parameter"
    return kwargs, expected


def reply_for(op: Operation, code: str) -> tuple[Reply, Any, str | None]:
    """The documented reply for a status: (reply, its JSON value or NO_BODY, its content type)."""
    media = response_media(op, code)
    if media is None:
        return Reply(int(code), None, b""), NO_BODY, None
    content_type, media_object = media
    value, _ = media_sample(media_object)
    errors = schema_errors(value, media_object.get("schema", {}))
    assert not errors, f"response {code} body {value!r} is invalid: {errors}"
    if content_type.endswith("json"):
        body = json.dumps(value).encode()
    else:
        assert isinstance(value, str), f"a {content_type} body must be text, got {value!r}"
        body = value.encode()
    return Reply(int(code), content_type, body), value, content_type


def call(
    op: Operation, server: WireServer, clients: dict[str, Client | AuthenticatedClient], code: str
) -> tuple[Any, Any, str | None]:
    kwargs, expected = build_call(op)
    reply, value, content_type = reply_for(op, code)
    exchange = server.arm(expected, reply)
    response = endpoint(op)(client=clients[op.auth], **kwargs)
    assert len(exchange.received) == 1, f"{len(exchange.received)} requests reached the server"
    assert exchange.problems == []
    assert response.status_code == int(code)
    return response, value, content_type


def check_parsed(
    op: Operation, code: str, response: Any, value: Any, content_type: str | None
) -> None:
    if value is NO_BODY:
        assert response.parsed is None, "a response without a body must parse to None"
        assert response.content == b""
        return
    assert content_type is not None
    parsed = response.parsed
    assert parsed is not None, "the generated parser returned None"
    schema = op.responses[code]["content"][content_type].get("schema", {})
    want = expected_type(op, code, content_type, schema, value)
    assert isinstance(parsed, want), f"parsed is {type(parsed)}, expected {want}"
    returned = get_args(get_type_hints(endpoint(op))["return"])[0]
    allowed = {get_origin(m) or m for m in _members(returned)}
    assert want in allowed or want is object, f"{want} is not in the signature's {returned}"
    assert element_types_ok(schema, parsed), "array elements were not parsed into the item model"
    assert same_json(value, jsonable(parsed)), f"parsed {jsonable(parsed)!r} != sent {value!r}"


# -- tests --------------------------------------------------------------------------------------


def test_every_operation_has_one_generated_module() -> None:
    api_dir = Path(mixpanel_openapi.api.__file__).parent
    modules = sorted(
        f"{p.parent.name}.{p.stem}" for p in api_dir.glob("*/*.py") if p.stem != "__init__"
    )
    wanted = sorted(f"{snake_case(op.tag)}.{snake_case(op.op_id)}" for op in OPERATIONS)
    assert len({op.op_id for op in OPERATIONS}) == len(OPERATIONS), "duplicate operationIds"
    assert len(modules) == len(OPERATIONS)
    assert modules == wanted


@pytest.mark.parametrize("op", OPERATIONS, ids=str)
def test_client_type_follows_security(op: Operation) -> None:
    """Token-in-body operations accept a plain Client; the others ask for an AuthenticatedClient."""
    annotation = get_type_hints(endpoint(op))["client"]
    accepted = set(_members(annotation))
    if op.auth == "none":
        assert accepted == {AuthenticatedClient, Client}
    else:
        assert accepted == {AuthenticatedClient}


@pytest.mark.parametrize("op", OPERATIONS, ids=str)
def test_success_on_the_wire(
    op: Operation, wire_server: WireServer, wire_clients: dict[str, Client | AuthenticatedClient]
) -> None:
    code = op.success_code
    response, value, content_type = call(op, wire_server, wire_clients, code)
    check_parsed(op, code, response, value, content_type)


ERROR_CASES = [
    pytest.param(op, code, id=f"{op.op_id}-{code}")
    for op in OPERATIONS
    for code in ("401", "429")
    if code in op.responses
]


@pytest.mark.parametrize(("op", "code"), ERROR_CASES)
def test_documented_error_on_the_wire(
    op: Operation,
    code: str,
    wire_server: WireServer,
    wire_clients: dict[str, Client | AuthenticatedClient],
) -> None:
    response, value, content_type = call(op, wire_server, wire_clients, code)
    assert value is not NO_BODY, f"the documented {code} has no body"
    check_parsed(op, code, response, value, content_type)
    assert hasattr(response.parsed, "to_dict"), f"{code} should parse into an error model"


def test_every_operation_documents_401() -> None:
    assert [op.op_id for op in OPERATIONS if "401" not in op.responses] == []


EXAMPLES = spec_examples()


def test_the_spec_has_examples() -> None:
    assert len(EXAMPLES) > len(OPERATIONS)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.where)
def test_example_matches_its_schema(example: SpecExample) -> None:
    assert schema_errors(example.value, example.schema) == []


# -- the checks themselves can fail -------------------------------------------------------------


def ideal_request(expected: ExpectedRequest) -> RecordedRequest:
    """The request a correct client would send for ``expected``."""
    target = expected.path + (f"?{urlencode(expected.query)}" if expected.query else "")
    headers: dict[str, list[str]] = {}
    if expected.auth is not None:
        headers["authorization"] = [expected.auth]
    body = b""
    if expected.body_kind != "none":
        headers["content-type"] = [str(expected.content_type)]
    if expected.body_kind == "json":
        body = json.dumps(expected.json_body).encode()
    elif expected.body_kind == "form":
        body = urlencode(expected.form_body).encode()  # a repeated key: one pair per value
    elif expected.body_kind == "binary":
        body = expected.binary_body
    return RecordedRequest(expected.method, target, headers, body)


def _query_as_repeated_keys(r: RecordedRequest) -> None:
    parts = urlsplit(r.target)
    pairs = []
    for key, value in parse_qsl(parts.query):
        items = json.loads(value) if is_json_text(value) and value.startswith("[") else [value]
        pairs += [(key, str(item)) for item in items]
    r.target = f"{parts.path}?{urlencode(pairs)}"


def _form_as_repeated_keys(r: RecordedRequest) -> None:
    pairs = []
    for key, value in parse_qsl(r.body.decode()):
        items = json.loads(value) if is_json_text(value) and value.startswith("[") else [value]
        pairs += [(key, str(item)) for item in items]
    r.body = urlencode(pairs).encode()


def _python_booleans(r: RecordedRequest) -> None:
    r.target = r.target.replace("=true", "=True").replace("=false", "=False")


def _set(name: str, value: str | None) -> Callable[[RecordedRequest], None]:
    def mutate(r: RecordedRequest) -> None:
        if value is None:
            r.headers.pop(name, None)
        else:
            r.headers[name] = [value]

    return mutate


MUTATIONS: list[tuple[str, str, Callable[[RecordedRequest], None]]] = [
    ("export_events", "json array query as repeated keys", _query_as_repeated_keys),
    ("export_events", "booleans as True/False", _python_booleans),
    ("export_events", "fragment on the wire", lambda r: setattr(r, "target", r.target + "#x")),
    ("export_events", "other method", lambda r: setattr(r, "method", "POST")),
    ("export_events", "no auth header", _set("authorization", None)),
    ("export_events", "bearer instead of basic", _set("authorization", "Bearer x")),
    ("list_bookmarks", "wrong path", lambda r: setattr(r, "target", "/api/app/x" + r.target[8:])),
    ("list_bookmarks", "missing query key", lambda r: setattr(r, "target", r.target.split("&")[0])),
    ("track_events", "auth on a token operation", _set("authorization", f"Basic {BASIC_SA}")),
    ("get_deletion", "basic instead of bearer", _set("authorization", f"Basic {BASIC_SA}")),
    ("query_profiles", "form json array as repeated keys", _form_as_repeated_keys),
    ("query_profiles", "json instead of form", _set("content-type", "application/json")),
    ("create_annotation", "json body changed", lambda r: setattr(r, "body", b'{"x": 1}')),
    ("jql", "form body changed", lambda r: setattr(r, "body", r.body + b"&x=1")),
    (
        "replace_lookup_table",
        "csv sent as octet-stream",
        _set("content-type", "application/octet-stream"),
    ),
    ("replace_lookup_table", "csv body changed", lambda r: setattr(r, "body", r.body[:-3])),
    ("cancel_deletion", "a body where none is sent", lambda r: setattr(r, "body", b"{}")),
]


@pytest.mark.parametrize(("op_id", "mutation"), [(o, m) for o, m, _ in MUTATIONS])
def test_request_check_rejects_a_bad_request(op_id: str, mutation: str) -> None:
    mutate = next(f for o, m, f in MUTATIONS if (o, m) == (op_id, mutation))
    _, expected = build_call(OPERATIONS_BY_ID[op_id])
    good = ideal_request(expected)
    assert request_problems(expected, good) == []
    bad = ideal_request(expected)
    mutate(bad)
    assert request_problems(expected, bad) != []


def test_server_flags_repeated_keys_on_the_wire(wire_server: WireServer) -> None:
    """A client that sends a JSON-array parameter the generator's old way is caught on the wire."""
    op = OPERATIONS_BY_ID["export_events"]
    _, expected = build_call(op)
    exchange = wire_server.arm(expected, Reply(200, "text/plain", b""))
    params = [(k, v) for k, v in expected.query if k != "event"] + [("event", "A"), ("event", "B")]
    with httpx.Client(base_url=wire_server.url) as client:
        client.get(expected.path, params=params, headers={"Authorization": str(expected.auth)})
    assert len(exchange.received) == 1
    assert any("repeated" in p for p in exchange.problems), exchange.problems
