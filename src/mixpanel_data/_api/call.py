"""One typed call for every operation of the spec, built on the generated request builders.

:func:`call_operation` takes an operation id and keyword arguments and does what every operation
needs, so no operation has a hand-written wrapper:

- looks the operation up in the catalog (:mod:`._api.catalog`) and imports its generated module;
- fills ``project_id`` (and ``workspace_id`` when configured) from the :class:`ApiClients`;
- turns plain values into what the generated function takes, reading the types from its
  signature: ``"day"`` becomes ``SegmentationUnit.DAY`` (a bad value is a :class:`ValidationError`
  naming the parameter and the generated enum's values), a ``dict`` body becomes the generated model
  (``from_dict``), a list given for a JSON-text parameter is sent as JSON text, ``"12"`` becomes 12;
- builds the request with the generated ``_get_kwargs`` (method, path, names and encoding come
  from the spec, never retyped here), on the client of the operation's host family and region,
  with the OAuth bearer for bearer-only operations (a separate client: the shared ones never carry
  it), marked ``IDEMPOTENT`` when the spec says a repeat is harmless;
- raises our typed exception for every non-2xx answer, naming the operation, and returns the
  generated model (:func:`call_operation`) or plain JSON (:func:`call_json`).

Example:
    >>> result = call_operation(api, "segmentation", event="Signed Up", unit="day",
    ...                         from_date="2026-01-01", to_date="2026-01-07")  # doctest: +SKIP
    >>> type(result).__name__                                                   # doctest: +SKIP
    'QuerySegmentationResponse'
    >>> call_json(api, "event_names", type="general", limit=3)                  # doctest: +SKIP
    ['Signed Up', 'Purchased', 'Opened App']
"""

from __future__ import annotations

import gzip
import importlib
import inspect
import json
import types
import typing
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from io import BytesIO
from typing import TYPE_CHECKING, Any

import httpx

from mixpanel_data._api.catalog import CONTEXT_PARAMETERS, Operation, load_catalog
from mixpanel_data._transport import IDEMPOTENT, error_from_response, transport_errors
from mixpanel_data.exceptions import APIError, DataError, MixpanelDataError, ValidationError

if TYPE_CHECKING:
    from mixpanel_data._api.clients import ApiClients

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})
GZIP_LEVEL = 1  # fast: the wire is rarely the bottleneck for a batch of events


# -- values -> the generated function's types ---------------------------------------------------


def _members(annotation: Any) -> list[Any]:
    """The members of a union annotation, without ``Unset`` and ``None``."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        found = [m for a in typing.get_args(annotation) for m in _members(a)]
    else:
        found = [annotation]
    return [m for m in found if m is not type(None) and getattr(m, "__name__", "") != "Unset"]


# Values never echoed in messages: a body may carry a token ($token, token) or personal data.
_UNSHOWN = frozenset({"body", "token", "api_secret", "secret", "password"})


def _bad(op: Operation, name: str, value: Any, why: str) -> ValidationError:
    if name in _UNSHOWN:
        shown = "..."
    else:
        shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:77] + "..."
    return ValidationError(
        f"{op.id}: {name}={shown} {why}", details={"operation": op.id, "parameter": name}
    )


def _enum_values(kind: type[Enum]) -> str:
    return ", ".join(str(m.value) for m in kind)


def _as_member(value: Any, kind: Any, op: Operation, name: str) -> Any:
    """``value`` as one member type of an annotation; raises ``ValueError`` if it cannot be."""
    origin = typing.get_origin(kind)
    if kind is Any:
        return value
    if isinstance(kind, type) and issubclass(kind, Enum):
        if isinstance(value, kind):
            return value
        try:
            return kind(value)
        except ValueError:
            raise _bad(op, name, value, f"is not one of: {_enum_values(kind)}") from None
    if kind is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise ValueError("not a boolean")
    if kind is int:
        if isinstance(value, bool):
            raise ValueError("a boolean is not an integer")
        if isinstance(value, int):
            return value
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
        raise ValueError("not an integer")
    if kind is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            return float(value)
        raise ValueError("not a number")
    if kind is str:
        if isinstance(value, str):
            return value
        if isinstance(value, list | tuple | dict):  # JSON-text parameters and form fields
            return json.dumps(list(value) if isinstance(value, tuple) else value)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        raise ValueError("not text")
    if kind is uuid.UUID:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    if origin is list:
        items = json.loads(value) if isinstance(value, str) else value
        if not isinstance(items, list | tuple):
            raise ValueError("not a list")
        (inner,) = typing.get_args(kind) or (Any,)
        return [_convert(item, inner, op, name) for item in items]
    if origin is dict or kind is dict:
        data = json.loads(value) if isinstance(value, str) else value
        if not isinstance(data, Mapping):
            raise ValueError("not an object")
        return dict(data)
    if isinstance(kind, type) and kind.__name__ == "File":
        payload = value.encode() if isinstance(value, str) else value
        if not isinstance(payload, bytes):
            raise ValueError("not bytes or text")
        return kind(payload=BytesIO(payload))
    if isinstance(kind, type) and hasattr(kind, "from_dict"):
        if isinstance(value, kind):
            return value
        data = json.loads(value) if isinstance(value, str) else value
        if not isinstance(data, Mapping):
            raise ValueError(f"not a {kind.__name__} object")
        return kind.from_dict(dict(data))
    if isinstance(kind, type) and isinstance(value, kind):
        return value
    raise ValueError(f"cannot be made a {getattr(kind, '__name__', kind)}")


def _convert(value: Any, annotation: Any, op: Operation, name: str) -> Any:
    """``value`` as the annotated type of a generated argument (first member that fits)."""
    members = _members(annotation)
    problems: list[str] = []
    for kind in members:
        try:
            return _as_member(value, kind, op, name)
        except ValidationError:
            if len(members) == 1:
                raise
            problems.append("not an allowed value")
        except (ValueError, TypeError, KeyError, AttributeError) as err:
            problems.append(f"{type(err).__name__}: {str(err)[:120]}")
    expected = " or ".join(getattr(m, "__name__", str(m)) for m in members)
    raise _bad(op, name, value, f"is not a valid {expected} ({'; '.join(problems)})")


def _arguments(
    api: ApiClients, op: Operation, builder: Any, params: Mapping[str, Any]
) -> dict[str, Any]:
    """Keyword arguments for the generated ``_get_kwargs``: names resolved, values converted,
    context filled, required ones checked."""
    signature = inspect.signature(builder)
    accepted = signature.parameters
    kwargs: dict[str, Any] = {}
    for given, value in params.items():
        if value is None:
            continue
        name = given
        if name not in accepted:
            found = op.find_parameter(given)
            name = found.python_name if found is not None else f"{given}_"
        if name not in accepted:
            names = ", ".join(n.removesuffix("_") for n in accepted) or "none"
            raise ValidationError(
                f"{op.id} has no parameter {given!r}; its parameters: {names}",
                details={"operation": op.id, "parameter": given},
            )
        kwargs[name] = _convert(value, accepted[name].annotation, op, given)
    context = {"project_id": api.credentials.project_id, "workspace_id": api.workspace_id}
    for name in CONTEXT_PARAMETERS:
        if name in accepted and name not in kwargs and context[name] is not None:
            kwargs[name] = _convert(context[name], accepted[name].annotation, op, name)
    missing = [  # named as callers write them: ``type``, not the generated ``type_``
        n.removesuffix("_")
        for n, p in accepted.items()
        if p.default is inspect.Parameter.empty and n not in kwargs
    ]
    if missing:
        raise ValidationError(
            f"{op.id} needs {', '.join(missing)}",
            details={"operation": op.id, "missing": missing},
        )
    return kwargs


# -- the request --------------------------------------------------------------------------------


# The profile and group updates that change something again when repeated: their own endpoints
# (profile_add, profile_append) are the ones the spec does not mark idempotent.
UNREPEATABLE_UPDATES = frozenset({"$add", "$append"})


def repeatable_body(op: Operation, records: Any) -> bool:
    """The spec says sending ``records`` (a JSON array body) to ``op`` twice does no harm.

    ``insert-id``: every event carries ``$insert_id``; ``operations``: no update uses ``$add``
    or ``$append``.
    """
    if op.idempotent is True:
        return True
    if not isinstance(records, list) or not records:
        return False
    if op.idempotent == "insert-id":
        return all(
            isinstance(e, dict)
            and isinstance(e.get("properties"), dict)
            and bool(e["properties"].get("$insert_id"))
            for e in records
        )
    if op.idempotent == "operations":
        return all(isinstance(u, dict) and UNREPEATABLE_UPDATES.isdisjoint(u) for u in records)
    return False


def _repeatable(op: Operation, request: Mapping[str, Any]) -> bool:
    return repeatable_body(op, request.get("json"))


@dataclass(frozen=True)
class PreparedCall:
    """One operation's request, built and routed, not yet sent.

    Attributes:
        operation: the catalog entry.
        module: the generated module (its ``_parse_response`` reads the answer).
        client: the httpx client of the operation's host family (with its auth).
        request: what the generated ``_get_kwargs`` built (method, url, params, body, headers).
        idempotent: the request may be repeated by the transport.
    """

    operation: Operation
    module: Any
    client: httpx.Client
    request: Mapping[str, Any]
    idempotent: bool

    @property
    def method(self) -> str:
        return str(self.request["method"]).upper()

    @property
    def path(self) -> str:
        return str(self.request["url"]).split("#", 1)[0]

    def _send_kwargs(self) -> dict[str, Any]:
        kwargs = dict(self.request)
        kwargs["method"] = self.method
        kwargs["url"] = self.path
        if self.idempotent:
            kwargs["extensions"] = {IDEMPOTENT: True}
        return kwargs

    def error(self, response: httpx.Response) -> APIError:
        """Our exception for an error answer, its message leading with the operation id."""
        err = error_from_response(
            response, method=self.method, path=self.path, params=self.request.get("params")
        )
        err.message = f"{self.operation.id}: {err.message}"
        err.args = (err.message,)
        err.details["operation"] = self.operation.id
        return err

    def send(self) -> httpx.Response:
        """Send it; the answer is read, and a non-2xx answer raises (:meth:`error`)."""
        with transport_errors(self.method, self.path):
            response = self.client.request(**self._send_kwargs())
        if not response.is_success:
            raise self.error(response)
        return response

    @contextmanager
    def stream(self) -> Iterator[httpx.Response]:
        """Send it and yield the response unread (status already checked)."""
        with (
            transport_errors(self.method, self.path),
            self.client.stream(**self._send_kwargs()) as response,
        ):
            if not response.is_success:
                response.read()
                raise self.error(response)
            yield response


def prepare(api: ApiClients, operation_id: str, /, **params: Any) -> PreparedCall:
    """Build (not send) the request for ``operation_id`` with ``params``."""
    op = load_catalog().get(operation_id)
    try:
        module = importlib.import_module(op.module)
    except ImportError as err:
        raise MixpanelDataError(
            f"{op.id}: the generated module {op.module} is missing; regenerate with `just generate`"
        ) from err
    builder = module._get_kwargs
    request: dict[str, Any] = builder(**_arguments(api, op, builder, params))
    client = api.http(op.family, bearer=op.needs_bearer, operation=op.id)
    return PreparedCall(op, module, client, request, _repeatable(op, request))


def _json_of(call: PreparedCall, response: httpx.Response) -> Any:
    """The answer as JSON data: a JSON body parsed; a text body as a list of its JSON lines
    (export), else as the text itself."""
    if not response.content:
        return None
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind in ("application/json", "") or kind.endswith("+json"):
        try:
            return response.json()
        except ValueError as err:
            raise DataError(
                f"{call.operation.id}: {call.method} {call.path} answered HTTP "
                f"{response.status_code} but the body is not JSON",
                details={"operation": call.operation.id, "status": response.status_code},
            ) from err
    lines = [line for line in response.text.splitlines() if line.strip()]
    try:
        return [json.loads(line) for line in lines]
    except ValueError:
        return response.text


def call_gzip_json(
    api: ApiClients,
    operation_id: str,
    body: list[Any] | bytes,
    /,
    *,
    repeatable: bool | None = None,
    **params: Any,
) -> Any:
    """Send ``body`` (a JSON array: the records, or their JSON text) gzipped to ``operation_id``
    and return the decoded answer (``{}`` for an empty one).

    Whether the transport may repeat the request follows the catalog's rule for the records
    (:func:`repeatable_body`). A caller that passes JSON text it built itself gives the fact the
    rule reads as ``repeatable`` (e.g. "every event has an ``$insert_id``"); it counts only for
    an operation whose rule is about the records (``insert-id``, ``operations``), never for one
    the spec calls unsafe. Error answers raise as in :func:`call_json`.

    Example:
        >>> call_gzip_json(api, "import_events", events, strict="1")   # doctest: +SKIP
        {'code': 200, 'num_records_imported': 2, 'status': 'OK'}
    """
    call = prepare(api, operation_id, body=[], **params)
    op = call.operation
    if isinstance(body, bytes):
        payload = body
        safe = op.idempotent is True or (
            op.idempotent in ("insert-id", "operations") and bool(repeatable)
        )
    else:
        payload = json.dumps(body, separators=(",", ":"), ensure_ascii=False, default=str).encode()
        safe = repeatable_body(op, body)
    request = {k: v for k, v in call.request.items() if k != "json"}
    request["content"] = gzip.compress(payload, compresslevel=GZIP_LEVEL)
    request["headers"] = {
        **dict(call.request.get("headers") or {}),
        "Content-Type": "application/json",
        "Content-Encoding": "gzip",
    }
    sent = PreparedCall(op, call.module, call.client, request, safe)
    answer = _json_of(sent, sent.send())
    return {} if answer is None else answer


def call_json(api: ApiClients, operation_id: str, /, **params: Any) -> Any:
    """Call ``operation_id`` and return its answer as plain JSON data (``None`` for no body).

    JSON-lines answers come back as a list, other text as a string.
    """
    call = prepare(api, operation_id, **params)
    return _json_of(call, call.send())


def call_operation(api: ApiClients, operation_id: str, /, **params: Any) -> Any:
    """Call ``operation_id`` and return the generated model its 2xx answer parses into.

    Raises :class:`ValidationError` for bad arguments (before any request), the
    :class:`~mixpanel_data.exceptions.APIError` subclass for an error answer,
    :class:`~mixpanel_data.exceptions.TransportError` when no answer came, and
    :class:`DataError` when the answer does not parse.
    """
    call = prepare(api, operation_id, **params)
    response = call.send()
    try:
        parsed = call.module._parse_response(
            client=api.for_family(call.operation.family), response=response
        )
    except MixpanelDataError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError) as err:
        raise DataError(
            f"{call.operation.id}: the answer could not be read "
            f"({type(err).__name__}: {str(err)[:200]})",
            details={"operation": call.operation.id, "status": response.status_code},
        ) from err
    if parsed is None and response.content:
        return _json_of(call, response)
    return parsed


__all__ = [
    "UNREPEATABLE_UPDATES",
    "PreparedCall",
    "call_gzip_json",
    "call_json",
    "call_operation",
    "prepare",
    "repeatable_body",
]
