"""Ingestion: ``/track``, ``/import``, ``/engage`` and ``/groups``; they store what they receive.

``/track`` (token in each event's ``properties.token``): JSON array or object body, or form/query
``data=`` (JSON or base64 JSON). Missing ``time`` becomes now. Only events of the last 5 days are
kept (an older one is refused like any invalid event; ``/import`` is for older data). With ``ip=1``
an event without ``distinct_id`` gets a stable one hashed from the client's address. Answers ``1``
(some event stored) or ``0``; ``verbose=1`` answers ``{"status": 1|0, "error": ...}``.
``$identify`` and ``$create_alias`` also record an identity link.

``/import`` (service account + ``project_id``, project secret, or OAuth bearer): JSON array or
NDJSON body, optionally gzip. Each event needs ``properties.time`` (seconds or milliseconds),
``distinct_id`` and ``$insert_id`` (at most 36 letters, digits or ``-``).
``strict=1`` answers 400 with ``failed_records`` when any event fails (the others are stored);
without it bad events are dropped silently (``verbose=1`` then answers ``{"status", "error"}``, as
the official SDKs expect). At most 2000 events and 2,097,152 bytes of (inflated) JSON per request
(413 with the document's body).

On both, a time in the future is overwritten with the time of ingestion (Mixpanel's document).
``$merge`` events (``properties.$distinct_ids``: two ids) record a merge and are not stored as
events. Stored events keep exactly the properties sent (less ``token``), plus
``mp_processing_time_ms``; they come back through export and count in every query.

``/engage`` (``$token``, ``$distinct_id``) and ``/groups`` (``$token``, ``$group_key``,
``$group_id``) apply ``$set``, ``$set_once``, ``$add``, ``$union``, ``$append``, ``$remove``,
``$unset`` and ``$delete`` in order. A user profile update also sets ``$last_seen`` to the
update's ``$time`` (default now) unless it has ``"$ignore_time": true``.

Example:
    >>> apply_operations({"n": 1, "tags": ["a"]},
    ...                  {"$add": {"n": 2}, "$union": {"tags": ["a", "b"]}, "$unset": ["x"]})
    ({'n': 3, 'tags': ['a', 'b']}, True)
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from collections.abc import Mapping
from typing import Any

from mixpanel_data.sandbox._data import SandboxData, iso_seconds, json_text, time_ms_of
from mixpanel_data.sandbox._http import Request, Response, Route, SandboxHTTPError

MAX_IMPORT_EVENTS = 2000
MAX_IMPORT_BYTES = 2_097_152  # the document's 413 example
MAX_EVENT_NAME = 255
MAX_PROPERTIES = 255
TRACK_WINDOW_MS = 5 * 86_400_000  # /track keeps the last 5 days; older data goes to /import
_INSERT_ID = re.compile(r"[A-Za-z0-9-]{1,36}")
PROFILE_OPERATIONS = ("$set", "$set_once", "$add", "$union", "$append", "$remove", "$unset")
_CREATING = frozenset({"$set", "$set_once", "$add", "$union", "$append"})
# 1x1 transparent GIF for img=1.
_PIXEL = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"
    b"\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


class RecordError(ValueError):
    """One ingestion record is invalid: which field and why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _now_ms() -> int:
    return int(time.time() * 1000)


# -- events ---------------------------------------------------------------------------------------


def _event_parts(record: Any) -> tuple[str, dict[str, Any]]:
    if not isinstance(record, dict):
        raise RecordError("", "each event must be a JSON object")
    name = record.get("event")
    if not isinstance(name, str) or not name:
        raise RecordError("event", "'event' must be a non-empty string")
    if len(name) > MAX_EVENT_NAME:
        raise RecordError("event", f"'event' must be at most {MAX_EVENT_NAME} characters")
    props = record.get("properties")
    if not isinstance(props, dict):
        raise RecordError("properties", "'properties' must be a JSON object")
    if len(props) > MAX_PROPERTIES:
        raise RecordError("properties", f"at most {MAX_PROPERTIES} properties per event")
    return name, props


def _check_time(value: Any, now_ms: int) -> int:
    try:
        t_ms = time_ms_of(value)
    except ValueError as exc:
        raise RecordError(
            "properties.time",
            "'properties.time' is invalid: must be specified as seconds since epoch",
        ) from exc
    if t_ms < 0:
        raise RecordError("properties.time", "'properties.time' is invalid: before 1970")
    return min(t_ms, now_ms)  # the future becomes the time of ingestion


def _check_track_time(value: Any, now_ms: int) -> int:
    t_ms = _check_time(value, now_ms)
    if t_ms < now_ms - TRACK_WINDOW_MS:
        raise RecordError(
            "properties.time",
            "'properties.time' is invalid: /track accepts events of the last 5 days; "
            "send older events to /import",
        )
    return t_ms


def address_distinct_id(address: str) -> str:
    """The distinct id ``ip=1`` gives an event without one: a hash of the client's address.

    Example:
        >>> address_distinct_id("127.0.0.1") == address_distinct_id("127.0.0.1")
        True
        >>> address_distinct_id("127.0.0.1").startswith("ip-")
        True
    """
    return "ip-" + hashlib.sha256(address.encode()).hexdigest()[:20]


def _stored(name: str, props: dict[str, Any], t_ms: int, now_ms: int) -> tuple[str, dict[str, Any]]:
    """The properties as stored: time first, then distinct_id, the rest, processing time last."""
    rest = {k: v for k, v in props.items() if k not in ("time", "distinct_id", "token")}
    rest.pop("mp_processing_time_ms", None)
    distinct_id = props.get("distinct_id", "")
    stored: dict[str, Any] = {"time": t_ms, "distinct_id": str(distinct_id), **rest}
    stored["mp_processing_time_ms"] = now_ms
    try:
        json_text(stored)
    except (TypeError, ValueError) as exc:
        raise RecordError("properties", f"properties cannot be stored as JSON: {exc}") from exc
    return name, stored


def _identity_links(name: str, props: Mapping[str, Any]) -> list[str] | None:
    if name == "$identify":
        ids = [props.get("$identified_id"), props.get("$anon_id")]
    elif name == "$create_alias":
        ids = [props.get("distinct_id"), props.get("alias")]
    else:
        return None
    return [str(i) for i in ids] if all(isinstance(i, str | int) and i != "" for i in ids) else None


def _store_events(data: SandboxData, events: list[tuple[str, dict[str, Any]]]) -> int:
    stored = data.insert_events(events)
    for name, props in events:
        links = _identity_links(name, props)
        if links is not None:
            data.record_merge(links, int(props["time"]) // 1000, source=name)
    return stored


def _ingestion_reply(req: Request, ok: bool, error: str | None) -> Response:
    if req.arg_bool("img"):
        return Response(body=_PIXEL, content_type="image/gif")
    callback = req.arg("callback")
    if callback:
        if not re.fullmatch(r"[A-Za-z_$][\w$.]*", callback):
            raise SandboxHTTPError(400, "callback must be a JavaScript function name")
        return Response.text(f"{callback}({1 if ok else 0});", content_type="text/javascript")
    if req.arg_bool("verbose"):
        return Response.json({"status": 1 if ok else 0, "error": None if ok else error})
    return Response.text("1" if ok else "0")


def track(req: Request) -> Response:
    """Store tracked events (``1`` when at least one was stored)."""
    now = _now_ms()
    events: list[tuple[str, dict[str, Any]]] = []
    error: str | None = None
    by_address = req.arg_bool("ip") and req.client != ""
    for record in req.records():
        try:
            name, props = _event_parts(record)
            t_ms = _check_track_time(props["time"], now) if "time" in props else now
            if by_address and props.get("distinct_id") in (None, ""):
                props = {**props, "distinct_id": address_distinct_id(req.client)}
            events.append(_stored(name, props, t_ms, now))
        except RecordError as exc:
            error = error or exc.message
    _store_events(req.state.data, events)
    return _ingestion_reply(req, bool(events), error or "no valid events")


def _check_import(record: Any, now_ms: int) -> tuple[str, dict[str, Any]]:
    name, props = _event_parts(record)
    if name == "$merge":
        ids = props.get("$distinct_ids")
        if not (isinstance(ids, list) and len(ids) == 2 and all(isinstance(i, str) for i in ids)):
            raise RecordError(
                "properties.$distinct_ids", "'$distinct_ids' must be a list of two distinct ids"
            )
        t_ms = _check_time(props["time"], now_ms) if "time" in props else now_ms
        return name, {"time": t_ms, "$distinct_ids": ids}
    if "time" not in props:
        raise RecordError("properties.time", "'properties.time' is required")
    t_ms = _check_time(props["time"], now_ms)
    distinct_id = props.get("distinct_id")
    if not isinstance(distinct_id, str | int) or isinstance(distinct_id, bool):
        raise RecordError("properties.distinct_id", "'properties.distinct_id' is required")
    insert_id = props.get("$insert_id")
    if insert_id is None:
        raise RecordError("properties.$insert_id", "'properties.$insert_id' is required")
    if not isinstance(insert_id, str) or not _INSERT_ID.fullmatch(insert_id):
        raise RecordError(
            "properties.$insert_id",
            "'properties.$insert_id' is invalid: at most 36 letters, digits or '-'",
        )
    return _stored(name, props, t_ms, now_ms)


def import_events(req: Request) -> Response:
    """Validate and store imported events; ``$merge`` events record identity merges."""
    strict = req.arg_bool("strict", False)
    records = req.records()
    if len(records) > MAX_IMPORT_EVENTS:
        message = f"too many events: at most {MAX_IMPORT_EVENTS} per request"
        raise SandboxHTTPError(
            400, message, body={"code": 400, "error": message, "status": "Bad Request"}
        )
    now = _now_ms()
    events: list[tuple[str, dict[str, Any]]] = []
    merges: list[tuple[list[str], int]] = []
    failed: list[dict[str, Any]] = []
    for index, record in enumerate(records):
        try:
            name, props = _check_import(record, now)
        except RecordError as exc:
            raw = record.get("properties") if isinstance(record, dict) else None
            insert_id = raw.get("$insert_id") if isinstance(raw, dict) else None
            failed.append(
                {
                    "index": index,
                    "insert_id": insert_id if isinstance(insert_id, str) else "",
                    "field": exc.field,
                    "message": exc.message,
                }
            )
            continue
        if name == "$merge":
            merges.append((props["$distinct_ids"], props["time"] // 1000))
        else:
            events.append((name, props))
    data = req.state.data
    imported = _store_events(data, events)
    for ids, when in merges:
        data.record_merge(ids, when)
    imported += len(merges)
    if req.arg_bool("verbose") and not strict:  # the official SDKs' legacy form of the reply
        error = failed[0]["message"] if failed else None
        return Response.json({"status": 1 if imported or not failed else 0, "error": error})
    if failed and strict:
        return Response.json(
            {
                "code": 400,
                "error": "some data points in the request failed validation",
                "failed_records": failed,
                "num_records_imported": imported,
                "status": "Bad Request",
            },
            status=400,
        )
    return Response.json({"code": 200, "num_records_imported": imported, "status": "OK"})


# -- profiles and groups --------------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, float) and math.isfinite(value)


def apply_operations(
    properties: dict[str, Any] | None, update: Mapping[str, Any]
) -> tuple[dict[str, Any] | None, bool]:
    """Apply one update's operations to a profile (None: no profile).

    Returns the new properties (None when deleted or still absent) and whether anything applied.
    Raises :class:`RecordError` for a malformed operation.
    """
    ops = [op for op in (*PROFILE_OPERATIONS, "$delete") if op in update]
    if not ops:
        raise RecordError("", "no profile operation ($set, $set_once, $add, ...) in the update")
    if "$delete" in ops:
        return None, True
    if properties is None:
        if not any(op in _CREATING for op in ops):
            return None, False
        properties = {}
    props = dict(properties)
    for op in ops:
        value = update[op]
        if op == "$unset":
            if not isinstance(value, list):
                raise RecordError(op, "$unset takes a list of property names")
            for key in value:
                props.pop(str(key), None)
            continue
        if not isinstance(value, dict):
            raise RecordError(op, f"{op} takes an object of property names to values")
        for key, item in value.items():
            current = props.get(key)
            if op == "$set":
                props[key] = item
            elif op == "$set_once":
                props.setdefault(key, item)
            elif op == "$add":
                if not _is_number(item):
                    raise RecordError(op, f"$add needs a number for {key!r}")
                try:
                    total = (current if _is_number(current) else 0) + item
                except OverflowError:  # a huge int plus a float
                    total = math.inf
                if not _is_number(total):
                    raise RecordError(op, f"$add overflows for {key!r}")
                props[key] = total
            elif op == "$union":
                if not isinstance(item, list):
                    raise RecordError(op, f"$union needs a list for {key!r}")
                merged = list(current) if isinstance(current, list) else []
                merged.extend(v for v in item if v not in merged)
                props[key] = merged
            elif op == "$append":
                props[key] = [*(current if isinstance(current, list) else []), item]
            elif op == "$remove" and isinstance(current, list):
                props[key] = [v for v in current if v != item]
    return props, True


def _update_time(record: Mapping[str, Any], now_s: float) -> float:
    """When an update happened: its ``$time`` (seconds or milliseconds) or now (also when the
    value is not a time a date can hold)."""
    try:
        when = time_ms_of(record["$time"]) / 1000
        iso_seconds(when)
    except (KeyError, ValueError, OverflowError, OSError):
        return now_s
    return when


def _profile_reply(req: Request, applied: int, error: str | None) -> Response:
    return _ingestion_reply(req, applied > 0, error or "no valid updates")


def engage(req: Request) -> Response:
    """Apply profile updates (``1`` when at least one applied)."""
    data = req.state.data
    now_s = time.time()
    applied = 0
    error: str | None = None
    with data.write_lock:
        records = req.records()
        ids = {
            str(r["$distinct_id"]) for r in records if isinstance(r, dict) and "$distinct_id" in r
        }
        current: dict[str, Any] = dict(data.get_profiles(ids))
        changed: dict[str, Any] = {}
        for record in records:
            try:
                if not isinstance(record, dict) or record.get("$distinct_id") in (None, ""):
                    raise RecordError("$distinct_id", "'$distinct_id' is required")
                did = str(record["$distinct_id"])
                props, did_apply = apply_operations(current.get(did), record)
            except RecordError as exc:
                error = error or exc.message
                continue
            if props is not None and not record.get("$ignore_time"):
                explicit = isinstance(record.get("$set"), dict) and "$last_seen" in record["$set"]
                if not explicit:
                    props["$last_seen"] = iso_seconds(_update_time(record, now_s))
            current[did] = props
            changed[did] = props
            applied += did_apply
        data.put_profiles(changed)
    return _profile_reply(req, applied, error)


def groups(req: Request) -> Response:
    """Apply group profile updates (``1`` when at least one applied)."""
    data = req.state.data
    applied = 0
    error: str | None = None
    with data.write_lock:
        by_key: dict[str, dict[str, Any]] = {}
        changed: dict[str, dict[str, Any]] = {}
        for record in req.records():
            try:
                if not isinstance(record, dict):
                    raise RecordError("", "each update must be a JSON object")
                key, gid = record.get("$group_key"), record.get("$group_id")
                if not isinstance(key, str) or not key or gid in (None, ""):
                    raise RecordError("$group_key", "'$group_key' and '$group_id' are required")
                gid = str(gid)
                current = by_key.setdefault(key, {})
                if gid not in current:
                    current.update(data.get_group_profiles(key, [gid]) or {gid: None})
                props, did_apply = apply_operations(current.get(gid), record)
            except RecordError as exc:
                error = error or exc.message
                continue
            current[gid] = props
            changed.setdefault(key, {})[gid] = props
            applied += did_apply
        for key, profiles in changed.items():
            data.put_group_profiles(key, profiles)
    return _profile_reply(req, applied, error)


ROUTES = [
    Route("POST", "/track", "token", track),
    Route("GET", "/track", "token", track),
    Route("POST", "/import", ("project", "oauth"), import_events, max_body=MAX_IMPORT_BYTES),
    Route("POST", "/engage", "token", engage),
    Route("GET", "/engage", "token", engage),
    Route("POST", "/groups", "token", groups),
    Route("GET", "/groups", "token", groups),
]
