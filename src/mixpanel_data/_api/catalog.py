"""The operation catalog: what the spec says about each operation, read from ``operations.json``.

``scripts/generate.py`` writes ``mixpanel_openapi/operations.json`` next to the generated code (with
the generator's own parser, so every Python name is the one the generated functions use). This
module reads it without importing the generated package, so ``mp api --list`` stays cheap.

Example:
    >>> op = load_catalog().get("segmentation")
    >>> op.method, op.path, op.family, op.idempotent
    ('GET', '/api/query/segmentation', 'app', True)
    >>> op.parameter("unit").enum
    ('day', 'hour', 'minute', 'month', 'week')
"""

from __future__ import annotations

import difflib
import functools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from mixpanel_data._api.routing import generated_package_dir
from mixpanel_data.exceptions import MixpanelDataError, ValidationError

CATALOG_FILE = "operations.json"
# Parameters the call fills from the credentials when the caller leaves them out.
CONTEXT_PARAMETERS = ("project_id", "workspace_id")


@dataclass(frozen=True)
class Parameter:
    """One parameter of an operation.

    Attributes:
        name: the name on the wire (``fromDate``, ``type``).
        python_name: the generated function's argument (``from_date``, ``type_``).
        location: ``query``, ``path``, ``header`` or ``cookie``.
        required: the spec requires it.
        type: ``integer``, ``number``, ``boolean``, ``string``, ``enum``, ``array``, ``uuid``, ...
        enum: the allowed values of an enum (or of an array's items).
    """

    name: str
    python_name: str
    location: str
    required: bool
    type: str
    enum: tuple[str, ...] | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Parameter:
        enum = data.get("enum")
        return cls(
            name=str(data["name"]),
            python_name=str(data["python_name"]),
            location=str(data["in"]),
            required=bool(data["required"]),
            type=str(data["type"]),
            enum=tuple(str(v) for v in enum) if enum else None,
        )


@dataclass(frozen=True)
class Operation:
    """One operation of the spec.

    Attributes:
        id: the operationId (``segmentation``).
        api: the API, i.e. the spec's tag (``Query``).
        module: the generated module (``mixpanel_openapi.api.query.segmentation``).
        method, path: the HTTP method and the path template.
        summary: one line from the spec.
        family: the host family that serves it (``app``, ``data``, ``ingestion``).
        safe: it only reads (GET, or a POST the spec marks ``x-mixpanel-safe``).
        idempotent: ``True`` (safe to send twice), ``False``, ``"insert-id"`` (safe when every
            event in the body carries ``$insert_id``) or ``"operations"`` (safe when no update in
            the body uses ``$add`` or ``$append``).
        security: the security schemes it accepts (``ServiceAccount``, ``OAuthToken``, ...).
        parameters: its parameters, in the generated function's order.
        body_content_type: the request body's media type (``None``: no body).
        body_required: the body must be given.
        pagination: the spec's ``x-mixpanel-pagination`` (``None`` when not paged).
    """

    id: str
    api: str
    module: str
    method: str
    path: str
    summary: str
    family: str
    idempotent: bool | str
    safe: bool
    security: tuple[str, ...]
    parameters: tuple[Parameter, ...]
    body_content_type: str | None = None
    body_required: bool = False
    pagination: Mapping[str, Any] | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Operation:
        body = data.get("body") or {}
        idempotent = data.get("idempotent", False)
        return cls(
            id=str(data["id"]),
            api=str(data["api"]),
            module=str(data["module"]),
            method=str(data["method"]).upper(),
            path=str(data["path"]),
            summary=str(data.get("summary") or ""),
            family=str(data["family"]),
            idempotent=idempotent if isinstance(idempotent, bool) else str(idempotent),
            safe=bool(data.get("safe", False)),
            security=tuple(str(s) for s in data.get("security") or ()),
            parameters=tuple(Parameter.from_dict(p) for p in data.get("parameters") or ()),
            body_content_type=body.get("content_type"),
            body_required=bool(body.get("required", False)),
            pagination=data.get("pagination"),
        )

    @property
    def needs_bearer(self) -> bool:
        """Only an OAuth bearer token is accepted (the GDPR API)."""
        return bool(self.security) and set(self.security) == {"OAuthToken"}

    def parameter(self, name: str) -> Parameter:
        """A parameter by Python name, wire name or plain spelling (``type`` for ``type_``).

        Raises :class:`ValidationError` listing the parameters there are.
        """
        found = self.find_parameter(name)
        if found is None:
            names = ", ".join(p.python_name for p in self.parameters) or "none"
            raise ValidationError(
                f"{self.id} has no parameter {name!r}; its parameters: {names}",
                details={"operation": self.id, "parameter": name},
            )
        return found

    def find_parameter(self, name: str) -> Parameter | None:
        """Like :meth:`parameter`, ``None`` when there is no such parameter."""
        for p in self.parameters:
            if name in (p.python_name, p.name) or p.python_name == f"{name}_":
                return p
        return None


class Catalog:
    """Every operation of the spec, by id.

    Example:
        >>> catalog = load_catalog()
        >>> len(catalog) > 90, "jql" in catalog
        (True, True)
    """

    def __init__(self, operations: list[Operation], spec_version: str = "", source: str = ""):
        self._by_id = {op.id: op for op in operations}
        self.spec_version = spec_version
        self.source = source

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self) -> Iterator[Operation]:
        return iter(self._by_id.values())

    def __contains__(self, operation_id: object) -> bool:
        return operation_id in self._by_id

    def __repr__(self) -> str:
        return f"Catalog({len(self)} operations, spec {self.spec_version!r})"

    def get(self, operation_id: str) -> Operation:
        """The operation ``operation_id``; :class:`ValidationError` naming close ids if unknown."""
        op = self._by_id.get(operation_id)
        if op is None:
            close = difflib.get_close_matches(operation_id, list(self._by_id), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else " (see `mp api --list`)"
            raise ValidationError(
                f"unknown operation {operation_id!r}{hint}",
                details={"operation": operation_id},
            )
        return op

    def apis(self) -> list[str]:
        """The APIs (tags), sorted."""
        return sorted({op.api for op in self})

    def for_api(self, api: str) -> list[Operation]:
        """The operations of one API, by tag (``"Lexicon Schemas"``) or its module name."""
        wanted = api.strip().lower().replace("_", " ")
        found = [op for op in self if op.api.lower() == wanted]
        if not found:
            raise ValidationError(
                f"unknown API {api!r}; expected one of: {', '.join(self.apis())}",
                details={"api": api},
            )
        return found


@functools.cache
def load_catalog() -> Catalog:
    """The catalog from ``mixpanel_openapi/operations.json`` (cached; ``cache_clear()`` re-reads).

    Raises :class:`MixpanelDataError` when the generated package or its catalog is missing.
    """
    folder = generated_package_dir()
    path = None if folder is None else folder / CATALOG_FILE
    if path is None or not path.is_file():
        raise MixpanelDataError(
            f"the operation catalog ({CATALOG_FILE}) of the generated package is missing; "
            "regenerate it with `just generate`"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        operations = [Operation.from_dict(o) for o in data["operations"]]
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise MixpanelDataError(f"cannot read the operation catalog {path}: {err}") from err
    return Catalog(operations, str(data.get("spec_version", "")), str(path))


__all__ = ["CONTEXT_PARAMETERS", "Catalog", "Operation", "Parameter", "load_catalog"]
