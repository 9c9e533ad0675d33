"""The spec as test data: its operations, its examples, and schema-valid values made from schemas.

Everything here is read from ``spec/mixpanel.openapi.yaml`` at import time, so an operation added to
the spec is covered by the wire tests without touching them. Also here: how a request the generated
client sends ought to look on the wire (``ExpectedRequest``), the check of a recorded request
against it (``request_problems``), and the local server that runs it (``WireServer``): a stdlib
``ThreadingHTTPServer`` on 127.0.0.1 that a test arms with the request it expects and the reply to
give; the handler records each request, checks it and answers with the reply whatever the outcome,
so the client side is exercised as well.
"""

from __future__ import annotations

import base64
import copy
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import yaml
from openapi_python_client.strings import ClassName, PythonIdentifier, snake_case
from openapi_schema_validator import OAS31Validator, oas31_format_checker

SPEC_PATH = Path(__file__).resolve().parents[2] / "spec" / "mixpanel.openapi.yaml"
SPEC: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
COMPONENTS: dict[str, Any] = SPEC["components"]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
NO_BODY = object()  # the sample of a response that documents no content

# Test credentials: what the clients send, and so what the server expects.
SA_USERNAME = "wire-sa.user"
SA_SECRET = "wire-sa-secret"
PROJECT_SECRET = "wire-project-secret"
OAUTH_TOKEN = "wire-oauth-token"
BASIC_SA = base64.b64encode(f"{SA_USERNAME}:{SA_SECRET}".encode()).decode()
BASIC_PROJECT = base64.b64encode(f"{PROJECT_SECRET}:".encode()).decode()
AUTH_HEADERS: dict[str, str | None] = {
    "ServiceAccount": f"Basic {BASIC_SA}",
    "ProjectSecret": f"Basic {BASIC_PROJECT}",
    "OAuthToken": f"Bearer {OAUTH_TOKEN}",
    "none": None,
}


# -- references ---------------------------------------------------------------------------------


def pointer_get(pointer: str) -> Any:
    """The node at a local JSON pointer (``#/components/schemas/X``)."""
    assert pointer.startswith("#/"), f"only local references are supported: {pointer}"
    node: Any = SPEC
    for raw in pointer[2:].split("/"):
        key = raw.replace("~1", "/").replace("~0", "~")
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node


def resolve(node: Any) -> Any:
    """Follow ``$ref`` until a node without one."""
    seen = 0
    while isinstance(node, dict) and "$ref" in node:
        node = pointer_get(node["$ref"])
        seen += 1
        assert seen < 20, "reference cycle"
    return node


def ref_name(node: Any) -> str | None:
    """The component name a schema node refers to (``X`` for ``#/components/schemas/X``)."""
    if isinstance(node, dict) and isinstance(node.get("$ref"), str):
        prefix = "#/components/schemas/"
        if node["$ref"].startswith(prefix):
            return str(node["$ref"][len(prefix) :])
    return None


# -- operations ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    op_id: str
    method: str
    path_key: str  # as written in the spec, maybe with a `#fragment`
    tag: str
    security: tuple[str, ...]  # the schemes of the first requirement; () for `security: []`
    parameters: tuple[dict[str, Any], ...]
    request_body: dict[str, Any] | None
    responses: dict[str, dict[str, Any]]

    @property
    def module(self) -> str:
        return f"mixpanel_openapi.api.{snake_case(self.tag)}.{snake_case(self.op_id)}"

    @property
    def wire_path(self) -> str:
        return self.path_key.split("#", 1)[0]

    @property
    def auth(self) -> str:
        return self.security[0] if self.security else "none"

    @property
    def success_code(self) -> str:
        codes = sorted(c for c in self.responses if c.startswith("2"))
        assert codes, f"{self.op_id} documents no 2xx response"
        return codes[0]

    def __str__(self) -> str:
        return self.op_id


def _operations() -> list[Operation]:
    ops = []
    for path_key, item in SPEC["paths"].items():
        shared = [resolve(p) for p in item.get("parameters", [])]
        for method in HTTP_METHODS:
            if method not in item:
                continue
            op = item[method]
            own = [resolve(p) for p in op.get("parameters", [])]
            keys = {(p["name"], p["in"]) for p in own}
            params = [p for p in shared if (p["name"], p["in"]) not in keys] + own
            assert "security" in op, f"{op['operationId']}: no explicit security"
            requirements = op["security"]
            tags = op.get("tags", [])
            assert len(tags) == 1, f"{op['operationId']}: expected one tag, got {tags}"
            ops.append(
                Operation(
                    op_id=op["operationId"],
                    method=method,
                    path_key=path_key,
                    tag=tags[0],
                    security=tuple(requirements[0]) if requirements else (),
                    parameters=tuple(params),
                    request_body=resolve(op["requestBody"]) if "requestBody" in op else None,
                    responses={str(c): resolve(r) for c, r in op["responses"].items()},
                )
            )
    return ops


OPERATIONS: list[Operation] = _operations()
OPERATIONS_BY_ID: dict[str, Operation] = {op.op_id: op for op in OPERATIONS}


# -- validation ---------------------------------------------------------------------------------


@cache
def _validator_for(schema_json: str) -> OAS31Validator:
    schema = json.loads(schema_json)
    # Local `#/components/...` references resolve against the schema's root: give it the spec's.
    root = {**schema, "components": COMPONENTS} if isinstance(schema, dict) else schema
    return OAS31Validator(root, format_checker=oas31_format_checker)


def schema_errors(instance: Any, schema: Any) -> list[str]:
    """Why ``instance`` does not validate against ``schema`` (empty when it does)."""
    validator = _validator_for(json.dumps(schema, sort_keys=True))
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
        for e in validator.iter_errors(instance)
    ]


def is_valid(instance: Any, schema: Any) -> bool:
    return not schema_errors(instance, schema)


# -- examples and synthesized values ------------------------------------------------------------


def _non_null(types: Any) -> Any:
    if isinstance(types, list):
        rest = [t for t in types if t != "null"]
        return rest[0] if rest else "null"
    return types


def _string_sample(schema: dict[str, Any]) -> str:
    fmt = schema.get("format")
    value = {
        "date": "2026-03-01",
        "date-time": "2026-03-01T12:00:00Z",
        "uuid": "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b",
        "email": "ana@example.com",
        "uri": "https://example.com/x",
        "binary": "key,value\nk1,v1\n",
    }.get(fmt or "", "sample")
    min_len = int(schema.get("minLength", 0))
    if len(value) < min_len:
        value = value + "x" * (min_len - len(value))
    if "maxLength" in schema:
        value = value[: int(schema["maxLength"])]
    return value


def _number_sample(schema: dict[str, Any], integer: bool) -> int | float:
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    value: float = 1 if integer else 1.5
    if low is not None and value <= low:
        value = low + (1 if "exclusiveMinimum" in schema and "minimum" not in schema else 0)
    if high is not None and value >= high:
        value = high - (1 if "exclusiveMaximum" in schema and "maximum" not in schema else 0)
    return int(value) if integer else float(value)


def sample(schema: Any, depth: int = 0) -> Any:
    """A value for ``schema``: its own example when it has one, else one built from its keywords."""
    schema = resolve(schema)
    assert isinstance(schema, dict), f"not a schema: {schema!r}"
    if "example" in schema:
        return copy.deepcopy(schema["example"])
    if isinstance(schema.get("examples"), list) and schema["examples"]:
        return copy.deepcopy(schema["examples"][0])
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            members = [m for m in schema[key] if resolve(m).get("type") != "null"]
            return sample(members[0], depth + 1)
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for member in schema["allOf"]:
            part = sample(member, depth + 1)
            if isinstance(part, dict):
                merged.update(part)
        return merged
    kind = _non_null(schema.get("type"))
    if kind is None:
        kind = "object" if "properties" in schema else "array" if "items" in schema else None
    if kind == "object":
        required = set(schema.get("required", []))
        out = {
            name: sample(prop, depth + 1)
            for name, prop in schema.get("properties", {}).items()
            if name in required or depth < 3
        }
        extra = schema.get("additionalProperties")
        if not out and isinstance(extra, dict) and depth < 3:
            out["key"] = sample(extra, depth + 1)
        return out
    if kind == "array":
        count = (
            max(1, int(schema.get("minItems", 0))) if depth < 4 else int(schema.get("minItems", 0))
        )
        return [sample(schema.get("items", {}), depth + 1) for _ in range(count)]
    if kind == "string":
        return _string_sample(schema)
    if kind == "integer":
        return _number_sample(schema, integer=True)
    if kind == "number":
        return _number_sample(schema, integer=False)
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return {"any": "json"}  # an untyped schema takes any JSON value


def media_sample(media: dict[str, Any]) -> tuple[Any, str]:
    """The documented example of a media type object (or its schema's), else a synthesized one.

    Returns the value and where it came from (``example`` or ``synthesized``).
    """
    if "example" in media:
        return copy.deepcopy(media["example"]), "example"
    examples = media.get("examples") or {}
    for entry in examples.values():
        entry = resolve(entry)
        if "value" in entry:
            return copy.deepcopy(entry["value"]), "example"
    schema = media.get("schema", {})
    return sample(schema), "example" if "example" in resolve(schema) else "synthesized"


def param_sample(param: dict[str, Any]) -> Any:
    if "example" in param:
        return copy.deepcopy(param["example"])
    for entry in (param.get("examples") or {}).values():
        entry = resolve(entry)
        if "value" in entry:
            return copy.deepcopy(entry["value"])
    return sample(param["schema"])


def response_media(op: Operation, code: str) -> tuple[str, dict[str, Any]] | None:
    """The first media type of a response (what the generator types), or None without content."""
    content = op.responses[code].get("content") or {}
    if not content:
        return None
    content_type, media = next(iter(content.items()))
    return content_type, media


# -- spec examples, for the example test --------------------------------------------------------


@dataclass(frozen=True)
class SpecExample:
    where: str  # a readable location in the spec
    value: Any
    schema: Any


def _schema_examples(schema: Any, where: str) -> Iterator[SpecExample]:
    if not isinstance(schema, dict) or "$ref" in schema:
        return  # referenced components are visited once, under components/schemas
    if "example" in schema:
        yield SpecExample(f"{where}/example", schema["example"], schema)
    for i, value in enumerate(schema.get("examples") or []):
        yield SpecExample(f"{where}/examples/{i}", value, schema)
    for name, sub in (schema.get("properties") or {}).items():
        yield from _schema_examples(sub, f"{where}/properties/{name}")
    for name, sub in (schema.get("patternProperties") or {}).items():
        yield from _schema_examples(sub, f"{where}/patternProperties/{name}")
    for name, sub in (schema.get("$defs") or {}).items():
        yield from _schema_examples(sub, f"{where}/$defs/{name}")
    for key in ("items", "additionalProperties", "not", "contains", "if", "then", "else"):
        if isinstance(schema.get(key), dict):
            yield from _schema_examples(schema[key], f"{where}/{key}")
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        for i, sub in enumerate(schema.get(key) or []):
            yield from _schema_examples(sub, f"{where}/{key}/{i}")


def _value_examples(obj: dict[str, Any], where: str) -> Iterator[SpecExample]:
    """Examples of a parameter, header or media type object (checked against its ``schema``)."""
    if "$ref" in obj:
        return
    schema = obj.get("schema", {})
    if "example" in obj:
        yield SpecExample(f"{where}/example", obj["example"], schema)
    for name, entry in (obj.get("examples") or {}).items():
        entry = resolve(entry)
        if "value" in entry:
            yield SpecExample(f"{where}/examples/{name}", entry["value"], schema)
    yield from _schema_examples(schema, f"{where}/schema")


def _response_examples(response: dict[str, Any], where: str) -> Iterator[SpecExample]:
    if "$ref" in response:
        return
    for name, header in (response.get("headers") or {}).items():
        yield from _value_examples(header, f"{where}/headers/{name}")
    for content_type, media in (response.get("content") or {}).items():
        yield from _value_examples(media, f"{where}/content/{content_type}")


def spec_examples() -> list[SpecExample]:
    """Every example written in the spec, with the schema it must satisfy."""
    out: list[SpecExample] = []
    for name, schema in COMPONENTS.get("schemas", {}).items():
        out += _schema_examples(schema, f"components/schemas/{name}")
    for name, param in COMPONENTS.get("parameters", {}).items():
        out += _value_examples(param, f"components/parameters/{name}")
    for name, response in COMPONENTS.get("responses", {}).items():
        out += _response_examples(response, f"components/responses/{name}")
    for name, body in COMPONENTS.get("requestBodies", {}).items():
        for content_type, media in (body.get("content") or {}).items():
            out += _value_examples(media, f"components/requestBodies/{name}/{content_type}")
    for path_key, item in SPEC["paths"].items():
        for i, param in enumerate(item.get("parameters", [])):
            out += _value_examples(param, f"{path_key}/parameters/{i}")
        for method in HTTP_METHODS:
            if method not in item:
                continue
            op = item[method]
            where = f"{op['operationId']}"
            for param in op.get("parameters", []):
                if "$ref" not in param:
                    out += _value_examples(param, f"{where}/parameters/{param['name']}")
            body = op.get("requestBody") or {}
            for content_type, media in (body.get("content") or {}).items():
                out += _value_examples(media, f"{where}/requestBody/{content_type}")
            for code, response in op["responses"].items():
                out += _response_examples(response, f"{where}/responses/{code}")
    return out


# -- Python values for the generated functions --------------------------------------------------


def python_name(param: dict[str, Any]) -> str:
    """The argument name the generator gives a parameter."""
    return str(PythonIdentifier(param["name"], prefix=""))


def model_class_name(component: str) -> str:
    return str(ClassName(component, prefix=""))


def pick_member(schema: dict[str, Any], value: Any) -> Any:
    """The anyOf/oneOf member that ``value`` validates against (the generator tries in order)."""
    key = "oneOf" if "oneOf" in schema else "anyOf"
    matches = [m for m in schema[key] if is_valid(value, m)]
    assert matches, f"the value matches no {key} member: {value!r}"
    if key == "oneOf":
        assert len(matches) == 1, f"the value matches {len(matches)} oneOf members: {value!r}"
    return matches[0]


# -- the wire -----------------------------------------------------------------------------------


def wire_text(value: Any) -> str:
    """How one scalar travels in a query string or form: JSON booleans as true/false."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return ""
    return str(value)


def is_json_text(value: Any) -> bool:
    if not isinstance(value, str) or value[:1] not in ("[", "{"):
        return False
    try:
        json.loads(value)
    except ValueError:
        return False
    return True


@dataclass
class ExpectedRequest:
    method: str
    path: str  # exactly as on the wire (percent-encoded), no query, no fragment
    query: list[tuple[str, str]]  # decoded pairs, in any order
    repeated: set[str]  # query keys that may repeat (exploded arrays)
    auth: str | None  # the whole Authorization header, or None when there must be none
    body_kind: str  # none | json | form | binary
    json_body: Any = None
    form_body: list[tuple[str, str]] = field(default_factory=list)
    form_repeated: set[str] = field(default_factory=set)  # form keys the document says repeat
    binary_body: bytes = b""
    content_type: str | None = None


@dataclass
class RecordedRequest:
    method: str
    target: str  # the raw request target
    headers: dict[str, list[str]]  # lower-case name -> values
    body: bytes


def _pair_problems(
    where: str, got: list[tuple[str, str]], want: list[tuple[str, str]], repeated: set[str]
) -> list[str]:
    problems = []
    for key in {k for k, _ in got}:
        count = sum(1 for k, _ in got if k == key)
        if count > 1 and key not in repeated:
            problems.append(f"{where}: key {key!r} repeated {count} times (must be one value)")
    if sorted(got) != sorted(want):
        problems.append(f"{where}: got {sorted(got)}, expected {sorted(want)}")
    for key, sent in want:
        if is_json_text(sent):
            values = [v for k, v in got if k == key]
            if len(values) != 1 or not is_json_text(values[0]):
                problems.append(f"{where}: {key!r} did not arrive as one JSON text: {values}")
            elif json.loads(values[0]) != json.loads(sent):
                problems.append(f"{where}: {key!r} decodes to {values[0]}, sent {sent}")
    return problems


def request_problems(expected: ExpectedRequest, got: RecordedRequest) -> list[str]:
    """Everything about a received request that differs from the expectation."""
    problems = []
    if got.method != expected.method:
        problems.append(f"method {got.method}, expected {expected.method}")
    if "#" in got.target:
        problems.append(f"a fragment reached the wire: {got.target}")
    parts = urlsplit(got.target)
    if parts.path != expected.path:
        problems.append(f"path {parts.path!r}, expected {expected.path!r}")
    query = parse_qsl(parts.query, keep_blank_values=True)
    problems += _pair_problems("query", query, expected.query, expected.repeated)

    auth = got.headers.get("authorization", [])
    if expected.auth is None:
        if auth:
            problems.append(f"an Authorization header was sent: {auth}")
    elif auth != [expected.auth]:
        problems.append(f"Authorization {auth}, expected [{expected.auth!r}]")

    content_type = (got.headers.get("content-type") or [""])[0].split(";")[0].strip()
    if expected.body_kind == "none":
        if got.body:
            problems.append(f"unexpected body {got.body[:200]!r}")
        return problems
    if content_type != expected.content_type:
        problems.append(f"Content-Type {content_type!r}, expected {expected.content_type!r}")
    if expected.body_kind == "json":
        try:
            body = json.loads(got.body)
        except ValueError:
            return [*problems, f"body is not JSON: {got.body[:200]!r}"]
        if body != expected.json_body:
            problems.append(f"JSON body {body!r}, expected {expected.json_body!r}")
    elif expected.body_kind == "form":
        pairs = parse_qsl(got.body.decode("ascii"), keep_blank_values=True, strict_parsing=True)
        problems += _pair_problems("form", pairs, expected.form_body, expected.form_repeated)
    elif expected.body_kind == "binary":
        if got.body != expected.binary_body:
            problems.append(
                f"binary body {got.body[:200]!r}, expected {expected.binary_body[:200]!r}"
            )
    else:  # pragma: no cover - a bug in the test itself
        problems.append(f"unknown body kind {expected.body_kind}")
    return problems


def path_with(op: Operation, values: dict[str, Any]) -> str:
    """The spec path with its parameters substituted as the client encodes them."""
    path = op.wire_path
    for name, value in values.items():
        path = path.replace("{" + name + "}", quote(wire_text(value), safe=""))
    assert "{" not in path, f"unfilled path parameter in {path}"
    return path


# -- comparing parsed values with the JSON they came from ---------------------------------------


def jsonable(value: Any) -> Any:
    """A generated value (models, lists, enums) as plain JSON data."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if hasattr(value, "value") and type(value).__module__.startswith("mixpanel_openapi"):
        return value.value
    return value


def _instant(text: str) -> datetime | None:
    if "T" not in text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def same_json(want: Any, got: Any) -> bool:
    """JSON equality, except that two spellings of one date-time (``Z`` vs ``+00:00``) agree."""
    if isinstance(want, dict) and isinstance(got, dict):
        return want.keys() == got.keys() and all(same_json(want[k], got[k]) for k in want)
    if isinstance(want, list) and isinstance(got, list):
        return len(want) == len(got) and all(
            same_json(a, b) for a, b in zip(want, got, strict=True)
        )
    if isinstance(want, str) and isinstance(got, str) and want != got:
        a, b = _instant(want), _instant(got)
        return a is not None and a == b
    if isinstance(want, bool) or isinstance(got, bool):
        return want is got
    return bool(want == got)


# -- the local server ---------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    content_type: str | None
    body: bytes


@dataclass
class Exchange:
    expected: ExpectedRequest
    reply: Reply
    received: list[RecordedRequest]
    problems: list[str]


class WireServer:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._exchange: Exchange | None = None
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def arm(self, expected: ExpectedRequest, reply: Reply) -> Exchange:
        """Expect one request and answer it with ``reply``; the returned record fills in."""
        exchange = Exchange(expected, reply, [], [])
        with self._lock:
            self._exchange = exchange
        return exchange

    def _take(self, recorded: RecordedRequest) -> Reply:
        with self._lock:
            exchange = self._exchange
            if exchange is None:
                return Reply(599, "text/plain", b"the wire server was not armed")
            exchange.received.append(recorded)
            try:
                exchange.problems += request_problems(exchange.expected, recorded)
            except Exception as exc:  # a malformed request must fail the test, not hang it
                exchange.problems.append(f"checking the request raised {exc!r}")
            return exchange.reply

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                # One reply goes out as headers then body: without NODELAY each exchange waits
                # for the peer's delayed ACK (about 40 ms).
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, *args: Any) -> None:
                pass

            def _read_body(self) -> bytes:
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    chunks = []
                    while size := int(self.rfile.readline().split(b";")[0], 16):
                        chunks.append(self.rfile.read(size))
                        self.rfile.readline()
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def _handle(self) -> None:
                body = self._read_body()
                headers: dict[str, list[str]] = {}
                for name, value in self.headers.items():
                    headers.setdefault(name.lower(), []).append(value)
                reply = server._take(RecordedRequest(self.command, self.path, headers, body))
                self.send_response(reply.status)
                if reply.content_type is not None:
                    self.send_header("Content-Type", reply.content_type)
                if reply.status not in (204, 304):
                    self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                if reply.status not in (204, 304) and self.command != "HEAD":
                    self.wfile.write(reply.body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        return Handler
