"""Lexicon Schemas API: the project's data dictionary, CRUD over an in-memory store.

The store starts as a copy of the sandbox's schema fixtures (one schema per event name plus the
``User`` profile schema) and lives as long as the sandbox. Entries are keyed by
``(entityType, name)``; ``entityType`` is ``event`` or ``profile`` (anything else is a 400).

- ``GET    /api/app/projects/{projectId}/schemas``: every entry,
  ``{"results": [...], "status": "ok"}``.
- ``POST   .../schemas``: ``{"entries": [...], "truncate": bool}``; with ``truncate`` the whole
  dictionary is cleared first. Answers ``{"results": {"added": n, "deleted": m}}`` where ``added``
  counts distinct entries written (new or replaced) and ``deleted`` what truncate removed.
- ``DELETE .../schemas``: removes everything, ``{"results": {"delete_count": n}}``.
- ``GET|DELETE .../schemas/{entityType}`` (optional ``entity_name``): one type, or one entry.
- ``GET|POST|DELETE .../schemas/{entityType}/{name}``: one entry; ``GET`` answers its
  ``schemaJson``. Reading or deleting an entry that does not exist is a 404.

Example:
    >>> [(r.method, r.path.rsplit("/schemas", 1)[1]) for r in ROUTES][:3]
    [('GET', ''), ('POST', ''), ('DELETE', '')]
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field
from typing import Any

from mixpanel_data.sandbox._app._common import (
    bad_request,
    body_object,
    get_bool,
    no_unknown_keys,
    not_found,
    ok,
    store,
)
from mixpanel_data.sandbox._http import Request, Response, Route
from mixpanel_data.sandbox._state import SandboxState

ENTITY_TYPES = ("event", "profile")
PROPERTY_TYPES = ("array", "boolean", "integer", "null", "number", "object", "string")
_BASE = "/api/app/projects/{projectId}/schemas"

Key = tuple[str, str]


@dataclass
class LexiconStore:
    """Schemas by ``(entityType, name)``, in insertion order."""

    entries: dict[Key, dict[str, Any]]
    lock: threading.Lock = field(default_factory=threading.Lock)


def _build(state: SandboxState) -> LexiconStore:
    entries = {(e["entityType"], e["name"]): copy.deepcopy(e) for e in state.data.fixtures.schemas}
    return LexiconStore(entries)


def _store(req: Request) -> LexiconStore:
    return store(req, "app.lexicon", _build)


def _entity_type(value: Any) -> str:
    if value not in ENTITY_TYPES:
        raise bad_request(f"entityType must be one of event, profile; got {value!r}")
    return str(value)


_TEXT_LISTS = ("tags", "contacts", "teamContacts")


def _check_metadata(metadata: Any, where: str, *, entity: bool) -> None:
    """``{"com.mixpanel": {...}}`` with the documented field types."""
    if not isinstance(metadata, dict):
        raise bad_request(f"{where} must be an object")
    mp = metadata.get("com.mixpanel")
    if mp is None:
        return
    if not isinstance(mp, dict):
        raise bad_request(f"{where}['com.mixpanel'] must be an object")
    texts = ("$source", "displayName") if entity else ("displayName",)
    for key, value in mp.items():
        if key in texts:
            good = isinstance(value, str)
        elif key in ("hidden", "dropped"):
            good = isinstance(value, bool)
        elif entity and key in _TEXT_LISTS:
            good = isinstance(value, list) and all(isinstance(v, str) for v in value)
        else:
            continue
        if not good:
            raise bad_request(f"{where}['com.mixpanel'].{key} has the wrong type")


def _check_schema(schema: Any, where: str) -> dict[str, Any]:
    """A ``schemaJson`` object: optional description, properties (each with a type), metadata."""
    if not isinstance(schema, dict):
        raise bad_request(f"{where} must be a JSON object")
    description = schema.get("description")
    if description is not None and not isinstance(description, str):
        raise bad_request(f"{where}.description must be a string")
    props = schema.get("properties")
    if props is not None:
        if not isinstance(props, dict):
            raise bad_request(f"{where}.properties must be an object")
        for name, definition in props.items():
            if not isinstance(definition, dict):
                raise bad_request(f"{where}.properties[{name!r}] must be an object")
            if definition.get("type") not in PROPERTY_TYPES:
                raise bad_request(
                    f"{where}.properties[{name!r}].type must be one of {', '.join(PROPERTY_TYPES)}"
                )
            if "description" in definition and not isinstance(definition["description"], str):
                raise bad_request(f"{where}.properties[{name!r}].description must be a string")
            if "metadata" in definition:
                _check_metadata(
                    definition["metadata"], f"{where}.properties[{name!r}].metadata", entity=False
                )
    if "metadata" in schema:
        _check_metadata(schema["metadata"], f"{where}.metadata", entity=True)
    return schema


def _check_entry(entry: Any, index: int) -> dict[str, Any]:
    where = f"entries[{index}]"
    if not isinstance(entry, dict):
        raise bad_request(f"{where} must be an object")
    for key in ("entityType", "name", "schemaJson"):
        if key not in entry:
            raise bad_request(f"{where}.{key} is required")
    entity_type = _entity_type(entry["entityType"])
    name = entry["name"]
    if not isinstance(name, str) or not name:
        raise bad_request(f"{where}.name must be a non-empty string")
    schema = _check_schema(entry["schemaJson"], f"{where}.schemaJson")
    return {"entityType": entity_type, "name": name, "schemaJson": copy.deepcopy(schema)}


def list_schemas(req: Request) -> Response:
    """Every schema."""
    lex = _store(req)
    with lex.lock:
        results = [copy.deepcopy(e) for e in lex.entries.values()]
    return Response.json({"results": results, "status": "ok"})


def upload_schemas(req: Request) -> Response:
    """Write a batch; ``truncate`` clears the dictionary first."""
    if not req.body.strip():  # the spec makes the body optional: nothing to write
        return Response.json({"results": {"added": 0, "deleted": 0}, "status": "ok"})
    body = body_object(req)
    no_unknown_keys(body, ("entries", "truncate"))
    entries = body.get("entries")
    if not isinstance(entries, list):
        raise bad_request("entries is required and must be a list")
    truncate = bool(get_bool(body, "truncate"))
    checked = [_check_entry(e, i) for i, e in enumerate(entries)]
    lex = _store(req)
    with lex.lock:
        deleted = 0
        if truncate:
            deleted = len(lex.entries)
            lex.entries.clear()
        written = {(e["entityType"], e["name"]): e for e in checked}
        lex.entries.update(written)
    return Response.json({"results": {"added": len(written), "deleted": deleted}, "status": "ok"})


def delete_all_schemas(req: Request) -> Response:
    """Remove every schema."""
    lex = _store(req)
    with lex.lock:
        count = len(lex.entries)
        lex.entries.clear()
    return Response.json({"results": {"delete_count": count}, "status": "ok"})


def _entity_name(req: Request) -> str | None:
    name = req.query.get("entity_name")
    return name if name else None


def list_schemas_for_entity(req: Request) -> Response:
    """Schemas of one entity type (optionally one name)."""
    entity_type = _entity_type(req.path_params["entityType"])
    name = _entity_name(req)
    lex = _store(req)
    with lex.lock:
        results = [
            copy.deepcopy(e)
            for (kind, n), e in lex.entries.items()
            if kind == entity_type and (name is None or n == name)
        ]
    return Response.json({"results": results, "status": "ok"})


def delete_schemas_for_entity(req: Request) -> Response:
    """Remove the schemas of one entity type (optionally one name)."""
    entity_type = _entity_type(req.path_params["entityType"])
    name = _entity_name(req)
    lex = _store(req)
    with lex.lock:
        doomed = [k for k in lex.entries if k[0] == entity_type and (name is None or k[1] == name)]
        if name is not None and not doomed:
            raise not_found(f"no {entity_type} schema named {name!r}")
        for key in doomed:
            del lex.entries[key]
    return Response.json({"results": {"delete_count": len(doomed)}, "status": "ok"})


def _key(req: Request) -> Key:
    return _entity_type(req.path_params["entityType"]), req.path_params["name"]


def get_schema(req: Request) -> Response:
    """One entity's ``schemaJson``."""
    key = _key(req)
    lex = _store(req)
    with lex.lock:
        entry = lex.entries.get(key)
        if entry is None:
            raise not_found(f"no {key[0]} schema named {key[1]!r}")
        return Response.json(copy.deepcopy(entry["schemaJson"]))


def upload_schema(req: Request) -> Response:
    """Create or replace one entity's schema."""
    key = _key(req)
    schema = _check_schema(body_object(req, optional=True), "body")
    lex = _store(req)
    with lex.lock:
        lex.entries[key] = {
            "entityType": key[0],
            "name": key[1],
            "schemaJson": copy.deepcopy(schema),
        }
    return ok()


def delete_schema(req: Request) -> Response:
    """Remove one entity's schema."""
    key = _key(req)
    lex = _store(req)
    with lex.lock:
        if lex.entries.pop(key, None) is None:
            raise not_found(f"no {key[0]} schema named {key[1]!r}")
    return Response.json({"results": {"delete_count": 1}, "status": "ok"})


ROUTES = [
    Route("GET", _BASE, "project", list_schemas),
    Route("POST", _BASE, "project", upload_schemas),
    Route("DELETE", _BASE, "project", delete_all_schemas),
    Route("GET", _BASE + "/{entityType}", "project", list_schemas_for_entity),
    Route("DELETE", _BASE + "/{entityType}", "project", delete_schemas_for_entity),
    Route("GET", _BASE + "/{entityType}/{name}", "project", get_schema),
    Route("POST", _BASE + "/{entityType}/{name}", "project", upload_schema),
    Route("DELETE", _BASE + "/{entityType}/{name}", "project", delete_schema),
]
