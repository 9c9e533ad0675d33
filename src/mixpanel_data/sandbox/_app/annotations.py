"""Annotations API: dated notes on the project's charts, and their tags.

The store starts from the sandbox's annotation and tag fixtures. New annotations and tags get the
next free id. An annotation's ``date`` is ``YYYY-MM-DD HH:mm:ss`` (a bare ``YYYY-MM-DD`` is taken as
midnight); its ``tags`` are ids of existing tags (an unknown id is a 400). ``user`` of a new
annotation is the sandbox's service account.

- ``GET  /api/app/projects/{projectId}/annotations``: all, by date; ``fromDate``/``toDate``
  (``YYYY-MM-DD``, inclusive) keep those whose day is inside.
- ``POST .../annotations`` -> 201 with the new annotation.
- ``GET|PATCH|DELETE .../annotations/{annotationId}`` (404 for an unknown id); ``PATCH`` changes
  ``description`` and/or ``tags``.
- ``GET  .../annotations/tags``: every tag, ``has_annotations`` computed now.
- ``POST .../annotations/tags``: ``{"name": ...}``; a name already used is a 400.

Example:
    >>> sorted({r.method for r in ROUTES})
    ['DELETE', 'GET', 'PATCH', 'POST']
"""

from __future__ import annotations

import copy
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mixpanel_data.sandbox._app._common import (
    bad_request,
    body_object,
    get_str,
    not_found,
    ok,
    path_int,
    store,
)
from mixpanel_data.sandbox._fixtures import SANDBOX_SERVICE_ACCOUNT_ID
from mixpanel_data.sandbox._http import Request, Response, Route, parse_day
from mixpanel_data.sandbox._state import SandboxState

_BASE = "/api/app/projects/{projectId}/annotations"
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?")
SERVICE_ACCOUNT_USER = {
    "id": SANDBOX_SERVICE_ACCOUNT_ID,
    "first_name": "Sandbox",
    "last_name": "Service Account",
}


@dataclass
class AnnotationStore:
    """Annotations and tags by id."""

    annotations: dict[int, dict[str, Any]]
    tags: dict[int, dict[str, Any]]
    project_id: int
    lock: threading.Lock = field(default_factory=threading.Lock)

    def tag_summaries(self, ids: list[int]) -> list[dict[str, Any]]:
        """``[{id, name}]`` for tag ids (400 for an unknown one)."""
        unknown = [i for i in ids if i not in self.tags]
        if unknown:
            raise bad_request(f"unknown annotation tag id(s): {', '.join(map(str, unknown))}")
        return [{"id": i, "name": self.tags[i]["name"]} for i in dict.fromkeys(ids)]

    def tag_view(self, tag: dict[str, Any]) -> dict[str, Any]:
        """A tag as listed, with ``has_annotations`` as of now."""
        used = any(t["id"] == tag["id"] for a in self.annotations.values() for t in a["tags"])
        return {**tag, "project_id": self.project_id, "has_annotations": used}


def _build(state: SandboxState) -> AnnotationStore:
    fx = state.data.fixtures
    return AnnotationStore(
        annotations={a["id"]: copy.deepcopy(a) for a in fx.annotations},
        tags={t["id"]: copy.deepcopy(t) for t in fx.annotation_tags},
        project_id=state.data.project_id,
    )


def _store(req: Request) -> AnnotationStore:
    return store(req, "app.annotations", _build)


def _date(value: str | None) -> str:
    if value is None or not _DATE_TIME.fullmatch(value.strip()):
        raise bad_request("date must be given as YYYY-MM-DD HH:mm:ss")
    text = value.strip()
    text = text if len(text) > 10 else text + " 00:00:00"
    text = text if len(text) == 19 else text + ":00"
    try:
        datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
    except ValueError as exc:
        raise bad_request(f"date is not a valid date and time: {value!r}") from exc
    return text


def _tag_ids(body: dict[str, Any]) -> list[int] | None:
    if "tags" not in body or body["tags"] is None:
        return None
    tags = body["tags"]
    if not isinstance(tags, list) or any(
        isinstance(t, bool) or not isinstance(t, int) for t in tags
    ):
        raise bad_request("tags must be a list of tag ids")
    return list(tags)


def list_annotations(req: Request) -> Response:
    """Annotations by date, optionally inside ``fromDate``..``toDate``."""
    start = req.query.get("fromDate")
    end = req.query.get("toDate")
    first = parse_day("fromDate", start).isoformat() if start else None
    last = parse_day("toDate", end).isoformat() if end else None
    notes = _store(req)
    with notes.lock:
        found = [
            copy.deepcopy(a)
            for a in notes.annotations.values()
            if (first is None or a["date"][:10] >= first)
            and (last is None or a["date"][:10] <= last)
        ]
    found.sort(key=lambda a: (a["date"], a["id"]))
    return ok(found)


def create_annotation(req: Request) -> Response:
    """Add an annotation (201)."""
    body = body_object(req)
    moment = _date(get_str(body, "date", required=True))
    description = get_str(body, "description", required=True)
    tag_ids = _tag_ids(body) or []
    notes = _store(req)
    with notes.lock:
        new_id = max(notes.annotations, default=0) + 1
        annotation = {
            "id": new_id,
            "date": moment,
            "description": description,
            "user": dict(SERVICE_ACCOUNT_USER),
            "tags": notes.tag_summaries(tag_ids),
        }
        notes.annotations[new_id] = annotation
        return ok(copy.deepcopy(annotation), status=201)


def _annotation(notes: AnnotationStore, req: Request) -> dict[str, Any]:
    aid = path_int(req, "annotationId", "annotation")
    found = notes.annotations.get(aid)
    if found is None:
        raise not_found(f"annotation {aid} not found")
    return found


def get_annotation(req: Request) -> Response:
    """One annotation."""
    notes = _store(req)
    with notes.lock:
        return ok(copy.deepcopy(_annotation(notes, req)))


def update_annotation(req: Request) -> Response:
    """Change the description and/or tags."""
    notes = _store(req)
    with notes.lock:
        annotation = _annotation(notes, req)
        body = body_object(req)
        description = get_str(body, "description")
        tag_ids = _tag_ids(body)
        tags = notes.tag_summaries(tag_ids) if tag_ids is not None else None
        if description is not None:
            annotation["description"] = description
        if tags is not None:
            annotation["tags"] = tags
        return ok(copy.deepcopy(annotation))


def delete_annotation(req: Request) -> Response:
    """Remove an annotation."""
    notes = _store(req)
    with notes.lock:
        annotation = _annotation(notes, req)
        del notes.annotations[annotation["id"]]
    return ok({"id": annotation["id"]})


def list_annotation_tags(req: Request) -> Response:
    """Every tag (a bare JSON array)."""
    notes = _store(req)
    with notes.lock:
        tags = [notes.tag_view(t) for t in notes.tags.values()]
    return Response.json(tags)


def create_annotation_tag(req: Request) -> Response:
    """Add a tag."""
    body = body_object(req)
    name = get_str(body, "name", required=True)
    assert name is not None
    notes = _store(req)
    with notes.lock:
        if any(t["name"] == name for t in notes.tags.values()):
            raise bad_request(f"an annotation tag named {name!r} already exists")
        new_id = max(notes.tags, default=0) + 1
        tag = {"id": new_id, "name": name, "project_id": notes.project_id}
        notes.tags[new_id] = tag
        return Response.json(notes.tag_view(tag))


ROUTES = [
    Route("GET", _BASE, "project", list_annotations),
    Route("POST", _BASE, "project", create_annotation),
    Route("GET", _BASE + "/tags", "project", list_annotation_tags),
    Route("POST", _BASE + "/tags", "project", create_annotation_tag),
    Route("GET", _BASE + "/{annotationId}", "project", get_annotation),
    Route("PATCH", _BASE + "/{annotationId}", "project", update_annotation),
    Route("DELETE", _BASE + "/{annotationId}", "project", delete_annotation),
]
