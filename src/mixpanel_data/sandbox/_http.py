"""The routing layer every sandbox endpoint module plugs into: Request, Response, Route, errors.

An endpoint module exposes ``ROUTES``, a list of :class:`Route`, and is listed once in
``_server.ROUTE_MODULES``. A handler takes a :class:`Request` and returns a :class:`Response` (or
raises :class:`SandboxHTTPError`). By the time a handler runs, authentication has been checked as
its route says, the body is read (and gunzipped, after authentication where the credentials do
not travel in the body, and never past the route's ``max_body``), and ``req.state`` gives the
sandbox (data, credentials, faults, settings).

Auth kinds of a route (a string or a tuple of strings, any of which may succeed):

- ``"project"``: service account HTTP Basic ``username:secret`` plus the project id (``project_id``
  query parameter, or the ``{projectId}`` path parameter), or the project secret as Basic
  ``api_secret:``.
- ``"token"``: the project token in the ``token`` query/form field, or in every ingestion record
  (``properties.token`` for events, ``$token`` for profile and group updates).
- ``"token_basic"``: the project token as the HTTP Basic username with an empty password (how
  Mixpanel's SDKs call ``/flags``).
- ``"oauth"``: ``Authorization: Bearer <oauth_token>``.
- ``"control"``: the sandbox's control token in the ``X-Sandbox-Control`` header.
- ``"none"``: anyone.

Example:
    >>> def hello(req: Request) -> Response:
    ...     return Response.json({"hello": req.arg("name", "world")})
    >>> ROUTES = [Route("GET", "/api/app/projects/{projectId}/hello", "project", hello)]
    >>> ROUTES[0].match("GET", "/api/app/projects/42/hello")
    {'projectId': '42'}
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

if TYPE_CHECKING:
    from mixpanel_data.sandbox._state import SandboxState

JSON_TYPE = "application/json"
DEFAULT_MAX_BODY = 10 * 1024 * 1024  # a route's request body limit unless it sets max_body
TEXT_TYPE = "text/plain; charset=utf-8"

_AUTH_KINDS = frozenset({"project", "token", "token_basic", "oauth", "control", "none"})
CONTROL_HEADER = "X-Sandbox-Control"


def dumps(value: Any) -> bytes:
    """Compact JSON bytes, UTF-8 kept as is (the way Mixpanel answers)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


class SandboxHTTPError(Exception):
    """An error answer: Mixpanel's ``{"error": ..., "status": "error"}`` body with ``status``.

    ``body`` replaces the default body where Mixpanel uses another shape (ingestion's
    ``{"code", "error", "status", "failed_records"}``).

    Example:
        >>> err = SandboxHTTPError(400, "from_date is required")
        >>> err.to_response().body
        b'{"error":"from_date is required","status":"error"}'
    """

    def __init__(
        self,
        status: int,
        error_message: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(error_message)
        self.status = status
        self.error_message = error_message
        self.headers = dict(headers or {})
        self.body = body

    def to_response(self) -> Response:
        """The response this error becomes."""
        body = self.body if self.body is not None else error_body(self.error_message)
        return Response.json(body, status=self.status, headers=self.headers)


def error_body(message: str) -> dict[str, str]:
    """Mixpanel's error body."""
    return {"error": message, "status": "error"}


@dataclass
class Response:
    """What a handler returns.

    Attributes:
        status: HTTP status.
        body: the whole body as bytes, or an iterable of byte chunks (sent chunked, streaming).
        content_type: the Content-Type header.
        headers: extra headers.
        jsonl: the body is JSON lines (the ``malformed`` fault may corrupt one line).
        gzip_body: optional source of the same content already gzip-compressed (one gzip member);
            used instead of compressing ``body`` when the client accepts gzip.
    """

    status: int = 200
    body: bytes | Iterable[bytes] = b""
    content_type: str = JSON_TYPE
    headers: dict[str, str] = field(default_factory=dict)
    jsonl: bool = False
    gzip_body: Callable[[], Iterable[bytes]] | None = None

    @classmethod
    def json(
        cls, value: Any, *, status: int = 200, headers: Mapping[str, str] | None = None
    ) -> Response:
        """A JSON response."""
        return cls(status=status, body=dumps(value), headers=dict(headers or {}))

    @classmethod
    def text(cls, text: str, *, status: int = 200, content_type: str = TEXT_TYPE) -> Response:
        """A plain text response."""
        return cls(status=status, body=text.encode(), content_type=content_type)

    @classmethod
    def stream(
        cls,
        chunks: Iterable[bytes],
        *,
        content_type: str = TEXT_TYPE,
        jsonl: bool = False,
        gzip_body: Callable[[], Iterable[bytes]] | None = None,
    ) -> Response:
        """A streamed (chunked) response; ``chunks`` is consumed while sending."""
        return cls(body=chunks, content_type=content_type, jsonl=jsonl, gzip_body=gzip_body)

    @property
    def is_stream(self) -> bool:
        """True when the body is an iterable of chunks rather than bytes."""
        return not isinstance(self.body, bytes | bytearray)

    def close(self) -> None:
        """Release a streaming body that will not be consumed (closes generators)."""
        close = getattr(self.body, "close", None)
        if callable(close):
            close()


class Headers(Mapping[str, str]):
    """Case-insensitive, read-only request headers (the last value of a repeated header wins).

    Example:
        >>> Headers([("Content-Type", "a"), ("content-type", "b")])["CONTENT-TYPE"]
        'b'
    """

    def __init__(self, items: Iterable[tuple[str, str]]) -> None:
        self._items: dict[str, tuple[str, str]] = {}
        for name, value in items:
            self._items[name.lower()] = (name, value)

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()][1]

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items


@dataclass
class Request:
    """One request, parsed.

    Attributes:
        method: upper-case method.
        path: the path, without query string or fragment.
        query: query parameters (the last value of a repeated key wins).
        query_multi: every value of every query parameter.
        headers: case-insensitive headers.
        body: the raw body, gunzipped when it came with ``Content-Encoding: gzip`` (the server
            inflates it, with :meth:`inflate`, before the handler runs).
        state: the sandbox serving the request (data, credentials, settings).
        path_params: values of the route template's ``{name}`` parts.
        client: the client's IP address.
        gzipped: the body is still gzip-compressed.
    """

    method: str
    path: str
    query: dict[str, str]
    query_multi: dict[str, list[str]]
    headers: Headers
    body: bytes
    state: SandboxState
    path_params: dict[str, str] = field(default_factory=dict)
    client: str = ""
    gzipped: bool = False
    _form: dict[str, list[str]] | None = field(default=None, repr=False)
    _records: list[Any] | None = field(default=None, repr=False)

    def inflate(self, limit: int) -> None:
        """Gunzip the body when it came compressed, stopping past ``limit`` bytes (413); then
        check the (inflated) size against ``limit`` either way."""
        if self.gzipped:
            self.body = gunzip(self.body, limit)
            self.gzipped = False
            self._form = self._records = None
        if len(self.body) > limit:
            raise body_too_large(limit)

    @property
    def content_type(self) -> str:
        """The media type of the body, lower case, without parameters."""
        return self.headers.get("Content-Type", "").split(";")[0].strip().lower()

    def form_multi(self) -> dict[str, list[str]]:
        """Every value of every form field (empty unless the body is a URL-encoded form)."""
        if self._form is None:
            form: dict[str, list[str]] = {}
            if self.body and self.content_type in ("application/x-www-form-urlencoded", ""):
                try:
                    form = parse_qs(self.body.decode(), keep_blank_values=True)
                except UnicodeDecodeError as exc:
                    raise SandboxHTTPError(400, "request body is not valid UTF-8") from exc
            self._form = form
        return self._form

    def form(self) -> dict[str, str]:
        """Form fields of a URL-encoded body (the last value of a repeated field wins)."""
        return {k: v[-1] for k, v in self.form_multi().items()}

    def json(self) -> Any:
        """The body parsed as JSON; a bad body is a 400."""
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise SandboxHTTPError(400, "request body is not valid JSON") from exc

    def arg(self, name: str, default: str | None = None) -> str | None:
        """A form field, else a query parameter, else ``default``."""
        values = self.form_multi().get(name)
        if values:
            return values[-1]
        return self.query.get(name, default)

    def require(self, name: str) -> str:
        """A parameter that must be present and non-empty (else 400)."""
        value = self.arg(name)
        if value is None or value == "":
            raise SandboxHTTPError(400, f"{name} is a required parameter")
        return value

    def arg_int(self, name: str, default: int | None = None) -> int | None:
        """An integer parameter (400 when it is not an integer)."""
        value = self.arg(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except ValueError as exc:
            raise SandboxHTTPError(400, f"{name} must be an integer, got {value!r}") from exc

    def arg_bool(self, name: str, default: bool = False) -> bool:
        """A boolean parameter: ``true``/``1``/``yes`` or ``false``/``0``/``no`` (else 400)."""
        value = self.arg(name)
        if value is None or value == "":
            return default
        lowered = value.strip().lower()
        if lowered in ("1", "true", "yes"):
            return True
        if lowered in ("0", "false", "no"):
            return False
        raise SandboxHTTPError(400, f"{name} must be a boolean, got {value!r}")

    def arg_json(self, name: str, default: Any = None) -> Any:
        """A parameter holding JSON text, parsed (400 when it does not parse)."""
        value = self.arg(name)
        if value is None or value == "":
            return default
        try:
            return json.loads(value)
        except ValueError as exc:
            raise SandboxHTTPError(400, f"{name} is not valid JSON") from exc

    def arg_date(self, name: str, default: date | None = None) -> date:
        """A ``YYYY-MM-DD`` parameter (400 when missing without a default, or malformed)."""
        value = self.arg(name)
        if value is None or value == "":
            if default is None:
                raise SandboxHTTPError(400, f"{name} is a required parameter")
            return default
        return parse_day(name, value)

    def records(self) -> list[Any]:
        """The objects of an ingestion body.

        Accepted shapes: a JSON array or object body, newline-delimited JSON, or a form whose
        ``data`` field is JSON or base64-encoded JSON (also ``data`` in the query string).
        """
        if self._records is None:
            self._records = _parse_records(self)
        return self._records


def parse_day(name: str, value: str) -> date:
    """``YYYY-MM-DD`` to a date; anything else is a 400 naming the parameter."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise SandboxHTTPError(400, f"{name} must be a date in YYYY-MM-DD format, got {value!r}")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise SandboxHTTPError(400, f"{name} is not a valid date: {value!r}") from exc


def _loads_payload(text: bytes | str) -> Any:
    stripped = text.strip()
    if not stripped:
        raise SandboxHTTPError(400, "request body is empty")
    try:
        return json.loads(stripped)
    except ValueError:
        pass
    try:  # newline-delimited JSON
        lines = stripped.splitlines()
        return [json.loads(line) for line in lines if line.strip()]
    except ValueError:
        pass
    try:  # base64 (standard or URL-safe alphabet) of JSON
        raw = stripped.encode() if isinstance(stripped, str) else stripped
        raw = raw.replace(b" ", b"+")  # a '+' that was not URL-encoded arrives as a space
        padded = raw + b"=" * (-len(raw) % 4)
        decoded = base64.b64decode(padded.replace(b"-", b"+").replace(b"_", b"/"), validate=True)
        return json.loads(decoded)
    except (ValueError, binascii.Error) as exc:
        raise SandboxHTTPError(400, "data is neither JSON nor base64-encoded JSON") from exc


def _parse_records(req: Request) -> list[Any]:
    data = req.arg("data")
    if req.content_type in ("application/json", "application/x-ndjson", "text/plain") or (
        data is None and req.body and req.content_type != "application/x-www-form-urlencoded"
    ):
        payload = _loads_payload(req.body)
    elif data is not None:
        payload = _loads_payload(data)
    else:
        raise SandboxHTTPError(400, "no data: send a JSON body or a data= form field")
    if isinstance(payload, dict):
        return [payload]
    if isinstance(payload, list):
        return payload
    raise SandboxHTTPError(400, "data must be a JSON object or an array of objects")


def body_too_large(limit: int) -> SandboxHTTPError:
    """The 413 of a body over ``limit`` bytes, in the shape of Mixpanel's documented example."""
    message = f"request exceeds max limit of {limit} bytes"
    return SandboxHTTPError(
        413, message, body={"code": 413, "error": message, "status": "Request Entity Too Large"}
    )


def gunzip(body: bytes, limit: int = DEFAULT_MAX_BODY) -> bytes:
    """Inflate a gzip request body (one or more members); 400 when it is not gzip, 413 as soon
    as more than ``limit`` bytes come out (nothing past that is inflated).

    Example:
        >>> import gzip
        >>> gunzip(gzip.compress(b"abc"))
        b'abc'
        >>> try:
        ...     gunzip(gzip.compress(b"x" * 100), limit=10)
        ... except SandboxHTTPError as exc:
        ...     print(exc.status, exc.error_message)
        413 request exceeds max limit of 10 bytes
    """
    out = bytearray()
    data = body
    try:
        while True:
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            pending = data
            while True:
                out += inflater.decompress(pending, limit + 1 - len(out))
                if len(out) > limit:
                    raise body_too_large(limit)
                pending = inflater.unconsumed_tail
                if not pending:
                    break
            if not inflater.eof:
                raise SandboxHTTPError(400, "Content-Encoding is gzip but the body is cut short")
            data = inflater.unused_data
            if not data.strip(b"\0"):
                return bytes(out)
    except zlib.error as exc:
        raise SandboxHTTPError(400, "Content-Encoding is gzip but the body is not gzip") from exc


Handler = Callable[[Request], Response]


@dataclass(frozen=True)
class Route:
    """One endpoint: method, path template with ``{name}`` parts, auth kind(s), handler, and the
    largest request body it takes (inflated; bigger is a 413).

    Example:
        >>> Route("GET", "/api/query/events/names", "project", lambda r: Response()).auth_kinds
        ('project',)
    """

    method: str
    path: str
    auth: str | tuple[str, ...]
    handler: Handler
    max_body: int = DEFAULT_MAX_BODY

    def __post_init__(self) -> None:
        unknown = set(self.auth_kinds) - _AUTH_KINDS
        if unknown:
            raise ValueError(f"unknown auth kind(s) {sorted(unknown)} on {self.path}")

    @property
    def auth_kinds(self) -> tuple[str, ...]:
        """The auth kinds as a tuple."""
        return (self.auth,) if isinstance(self.auth, str) else tuple(self.auth)

    @property
    def pattern(self) -> re.Pattern[str]:
        """The compiled path template."""
        return _compile_template(self.path)

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """Path parameters when ``method`` and ``path`` match this route, else None."""
        if method != self.method:
            return None
        found = self.pattern.fullmatch(path)
        return found.groupdict() if found else None


_TEMPLATE_CACHE: dict[str, re.Pattern[str]] = {}


def _compile_template(template: str) -> re.Pattern[str]:
    cached = _TEMPLATE_CACHE.get(template)
    if cached is None:
        parts = re.split(r"\{(\w+)\}", template.rstrip("/") or "/")
        regex = "".join(
            re.escape(part) if i % 2 == 0 else f"(?P<{part}>[^/]+)" for i, part in enumerate(parts)
        )
        # Real clients send both forms (``/api/query/engage/``, ``/data-retrievals/v3.0``).
        cached = _TEMPLATE_CACHE[template] = re.compile(regex + "/?" if regex != "/" else regex)
    return cached


class Router:
    """Finds the route for a method and path.

    ``/api/2.0/<x>`` falls back to ``/api/query/<x>`` when only the latter exists (Mixpanel serves
    its query endpoints under both prefixes). Every route answers with and without a trailing slash.
    """

    def __init__(self, routes: Iterable[Route]) -> None:
        self.routes = list(routes)

    def find(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """The matching route and its path parameters; raises 405 when only the method differs
        (with an ``Allow`` header listing the methods the path has)."""
        for candidate in _candidate_paths(path):
            allowed: list[str] = []
            for route in self.routes:
                found = route.pattern.fullmatch(candidate)
                if found is None:
                    continue
                if route.method == method:
                    return route, found.groupdict()
                if route.method not in allowed:
                    allowed.append(route.method)
            if allowed:
                raise SandboxHTTPError(
                    405,
                    f"method {method} is not allowed on {path}",
                    headers={"Allow": ", ".join(allowed)},
                )
        return None


def _candidate_paths(path: str) -> list[str]:
    if path.startswith("/api/2.0/"):
        return [path, "/api/query/" + path[len("/api/2.0/") :]]
    return [path]
