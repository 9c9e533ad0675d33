"""Feature Flags API: flag management (app host) and evaluation for a user (ingestion host).

Management, under ``/api/app/projects/{project_id}/workspaces/{workspace_id}/feature-flags``: list
(``include_archived``), create, get, replace (``PUT``) and delete. The sandbox project has one
workspace, :data:`WORKSPACE_ID`; another workspace id, or an unknown flag id, is a 404. Errors use
the management error object ``{"status": "error", "type": ..., "error": ...}``. Flag keys are unique
in the project (a duplicate is a 400), variant ``split`` values must add up to 1, and every key of a
rollout group's ``variant_splits`` must name a variant. The store starts from the sandbox's flag
fixtures (their ``active`` status is the API's ``enabled``).

Evaluation (``GET /flags`` with a ``context`` JSON object holding ``distinct_id``; ``GET
/flags/definitions``) serves only ``enabled`` flags. Assignment is deterministic and follows the
way Mixpanel's SDKs evaluate locally:

1. A QA user listed in ``ruleset.test.users`` gets that variant (``is_qa_tester: true``).
2. ``h = fnv1a64(value + flag key + salt + "rollout") % 100 / 100`` where ``value`` is the
   context field the flag buckets on (``distinct_id``; ``device_id`` falls back to
   ``distinct_id``) and ``salt`` is the flag's ``hash_salt`` (empty when unset). The first rollout
   group whose runtime rule holds and with ``h < rollout_percentage`` applies; none: the user gets
   no variant and the flag is left out of the reply.
3. The group's ``variant_override`` wins; otherwise ``v = fnv1a64(value + key + salt + "variant")
   % 100 / 100`` walks the group's ``variant_splits`` (the variants' own ``split`` when the group
   has none) in variant order: the first variant whose running total exceeds ``v``.

Runtime rules: ``runtime_evaluation_definition`` (every key equal to ``custom_properties``'s,
strings compared case-insensitively) and ``runtime_evaluation_rule`` (JsonLogic: ``var``, ``==``,
``!=``, ``===``, ``!==``, ``<``, ``<=``, ``>``, ``>=``, ``in``, ``and``, ``or``, ``!``, ``!!``; a
rule using anything else does not hold). Cohort targeting (``cohort_definition``,
``cohort_hash``) and ``runtime_event_rule`` are not evaluated: such a group applies to everyone.

Example:
    >>> normalized_hash("user-00001new-checkout", "rollout") == normalized_hash(
    ...     "user-00001new-checkout", "rollout")
    True
"""

from __future__ import annotations

import copy
import hashlib
import json
import operator
import secrets
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from mixpanel_data.sandbox._app._common import (
    check_project_token,
    fixture_time,
    iso_z,
    store,
    utc_now,
)
from mixpanel_data.sandbox._credentials import WORKSPACE_ID
from mixpanel_data.sandbox._http import Request, Response, Route, SandboxHTTPError
from mixpanel_data.sandbox._state import SandboxState

__all__ = ["ROUTES", "WORKSPACE_ID"]
STATUSES = ("enabled", "disabled", "archived")
SERVING_METHODS = ("client", "server", "remote_or_local", "remote_only")
MAX_VARIANTS = 11
CREATOR = {"id": 301, "name": "Ana Ruiz", "email": "ana.ruiz@example.com"}

# The path names the project ``{projectId}`` (the spec: ``{project_id}``; same URLs) so that the
# "project" auth kind finds it.
_BASE = "/api/app/projects/{projectId}/workspaces/{workspace_id}/feature-flags"

_FLAG_FIELDS = frozenset(
    {
        "name", "key", "description", "tags", "experiment_id", "status", "context",
        "data_group_id", "serving_method", "ruleset", "workspace_id", "is_experiment_active",
        "hash_salt", "reset_hash_salt",
    }
)  # fmt: skip
_VARIANT_FIELDS = frozenset({"key", "value", "description", "is_control", "split", "is_sticky"})
_ROLLOUT_FIELDS = frozenset(
    {
        "name", "cohort_definition", "runtime_evaluation_definition", "runtime_evaluation_rule",
        "runtime_event_rule", "cohort_hash", "rollout_percentage", "variant_override",
        "variant_splits",
    }
)  # fmt: skip

_OBJECT_FIELDS = ("cohort_definition", "runtime_evaluation_definition", "runtime_evaluation_rule")


class FlagError(SandboxHTTPError):
    """A management error with Mixpanel's flag error object as its body."""

    def __init__(self, status: int, kind: str, message: str) -> None:
        super().__init__(status, message, body={"status": "error", "type": kind, "error": message})


def _invalid(message: str) -> FlagError:
    return FlagError(400, "validation_error", message)


def _body(req: Request) -> Any:
    """The JSON body; one that does not parse is a ``validation_error`` like any bad field."""
    try:
        return req.json()
    except SandboxHTTPError as exc:
        raise _invalid(exc.error_message) from exc


# -- hashing and evaluation -----------------------------------------------------------------------


def fnv1a64(data: bytes) -> int:
    """64-bit FNV-1a."""
    value = 0xCBF29CE484222325
    for byte in data:
        value ^= byte
        value = (value * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return value


def normalized_hash(key: str, salt: str) -> float:
    """A number in ``[0, 1)`` in steps of 0.01, fixed for ``key + salt``."""
    return (fnv1a64((key + salt).encode()) % 100) / 100


_JSONLOGIC_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq,
    "===": lambda a, b: a == b and type(a) is type(b),
    "!=": operator.ne,
    "!==": lambda a, b: not (a == b and type(a) is type(b)),
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


class _Unsupported(Exception):
    """A JsonLogic operation the sandbox does not evaluate."""


def _logic(rule: Any, data: Mapping[str, Any]) -> Any:
    if isinstance(rule, list):
        return [_logic(r, data) for r in rule]
    if not isinstance(rule, dict):
        return rule
    if len(rule) != 1:
        raise _Unsupported("a JsonLogic rule has exactly one operator")
    op, raw = next(iter(rule.items()))
    args = raw if isinstance(raw, list) else [raw]
    if op == "var":
        path = args[0] if args else ""
        value: Any = data
        for part in str(path).split(".") if path != "" else []:
            value = value.get(part) if isinstance(value, Mapping) else None
        return value if value is not None or len(args) < 2 else args[1]
    if op == "and":
        result: Any = True
        for arg in args:
            result = _logic(arg, data)
            if not result:
                return result
        return result
    if op == "or":
        result = False
        for arg in args:
            result = _logic(arg, data)
            if result:
                return result
        return result
    if op == "!":
        return not _logic(args[0], data)
    if op == "!!":
        return bool(_logic(args[0], data))
    if op == "in":
        needle, haystack = (_logic(a, data) for a in args[:2])
        try:
            return needle in haystack
        except TypeError:
            return False
    if op in _JSONLOGIC_COMPARE:
        left, right = (_logic(a, data) for a in args[:2])
        try:
            return bool(_JSONLOGIC_COMPARE[op](left, right))
        except TypeError:
            return False
    raise _Unsupported(op)


def _fold(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def _runtime_ok(group: Mapping[str, Any], custom: Mapping[str, Any]) -> bool:
    definition = group.get("runtime_evaluation_definition")
    if isinstance(definition, Mapping) and any(
        _fold(custom.get(k)) != _fold(v) for k, v in definition.items()
    ):
        return False
    rule = group.get("runtime_evaluation_rule")
    if isinstance(rule, Mapping) and rule:
        try:
            return bool(_logic(dict(rule), custom))
        except _Unsupported:
            return False
    return True


def assign(flag: Mapping[str, Any], context: Mapping[str, Any]) -> dict[str, Any] | None:
    """The variant ``context`` gets for ``flag`` (``{variant_key, variant_value, ...}``) or None."""
    ruleset = flag["ruleset"]
    variants: list[dict[str, Any]] = ruleset.get("variants") or []
    by_key = {v["key"]: v for v in variants}
    distinct_id = context.get("distinct_id")
    extra: dict[str, Any] = {}
    if flag.get("experiment_id"):
        extra["experiment_id"] = flag["experiment_id"]
    if isinstance(flag.get("is_experiment_active"), bool):
        extra["is_experiment_active"] = flag["is_experiment_active"]
    test_users = (ruleset.get("test") or {}).get("users") or {}
    pinned = test_users.get(distinct_id) if isinstance(test_users, Mapping) else None
    if pinned in by_key:
        chosen = by_key[pinned]
        return {
            "variant_key": chosen["key"],
            "variant_value": chosen["value"],
            **extra,
            "is_qa_tester": True,
        }
    field_name = flag.get("context") or "distinct_id"
    value = context.get(field_name)
    if value is None and field_name == "device_id":
        value = distinct_id
    if value is None or not variants:
        return None
    custom = context.get("custom_properties") or {}
    salt = flag.get("hash_salt") or ""
    base = f"{value}{flag['key']}"
    roll = normalized_hash(base, salt + "rollout")
    group = next(
        (
            g
            for g in ruleset.get("rollout") or []
            if roll < float(g.get("rollout_percentage") or 0) and _runtime_ok(g, custom)
        ),
        None,
    )
    if group is None:
        return None
    override = group.get("variant_override")
    if isinstance(override, Mapping) and override.get("key") in by_key:
        chosen = by_key[override["key"]]
    else:
        splits = group.get("variant_splits") or {v["key"]: v.get("split", 0) for v in variants}
        pick = normalized_hash(base, salt + "variant")
        chosen = variants[-1]
        total = 0.0
        for variant in variants:
            total += float(splits.get(variant["key"], 0) or 0)
            if pick < total:
                chosen = variant
                break
    return {
        "variant_key": chosen["key"],
        "variant_value": chosen["value"],
        **extra,
        "is_qa_tester": False,
    }


# -- store ----------------------------------------------------------------------------------------


@dataclass
class FlagStore:
    """Flag records by id."""

    flags: dict[str, dict[str, Any]]
    project_id: int
    lock: threading.Lock = field(default_factory=threading.Lock)


def _salt(key: str) -> str:
    return hashlib.md5(key.encode(), usedforsecurity=False).hexdigest()


def _record_from_fixture(fx: Mapping[str, Any], project_id: int, start: str) -> dict[str, Any]:
    created = fixture_time(start)
    status = {"active": "enabled"}.get(fx["status"], fx["status"])
    return {
        "id": fx["id"],
        "project_id": project_id,
        "workspace_id": WORKSPACE_ID,
        "content_type": "feature-flags",
        "name": fx["name"],
        "key": fx["key"],
        "description": f"{fx['name']} (sandbox)",
        "tags": [],
        "status": status,
        "context": fx.get("context") or "distinct_id",
        "data_group_id": None,
        "serving_method": "remote_or_local",
        "experiment_id": fx.get("experiment_id"),
        "is_experiment_active": fx.get("is_experiment_active"),
        "hash_salt": None,
        "ruleset": copy.deepcopy(fx["ruleset"]),
        "created": created,
        "modified": created,
        "enabled_at": created if status == "enabled" else None,
        "deleted": None,
        "creator_id": CREATOR["id"],
        "creator_name": CREATOR["name"],
        "creator_email": CREATOR["email"],
        "last_modified_by_id": CREATOR["id"],
        "last_modified_by_name": CREATOR["name"],
        "last_modified_by_email": CREATOR["email"],
        "can_view": True,
        "can_update_basic": True,
        "can_share": True,
        "can_pin": True,
        "is_superadmin": False,
        "allow_staff_override": False,
        "is_shared_with_project": True,
        "is_favorited": False,
        "pinned_date": None,
        "content_environments_id": None,
        "project_name": "Sandbox",
    }


def _build(state: SandboxState) -> FlagStore:
    start = state.data.plan.start_date - timedelta(days=20)
    records = [
        _record_from_fixture(fx, state.data.project_id, f"{start.isoformat()}T09:{n:02d}:00")
        for n, fx in enumerate(state.data.fixtures.flags)
    ]
    return FlagStore({r["id"]: r for r in records}, state.data.project_id)


def _store(req: Request) -> FlagStore:
    return store(req, "app.flags", _build)


# -- validation -----------------------------------------------------------------------------------


def _text(body: Mapping[str, Any], key: str, *, required: bool, nullable: bool = False) -> Any:
    if key not in body:
        if required:
            raise _invalid(f"{key} is required")
        return None
    value = body[key]
    if value is None and nullable:
        return None
    if not isinstance(value, str):
        raise _invalid(f"{key} must be a string")
    if required and not 1 <= len(value) <= 255:
        raise _invalid(f"{key} must be 1 to 255 characters")
    return value


def _fraction(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise _invalid(f"{where} must be a number from 0 to 1")
    return float(value)


def _check_event_rule(rule: Any, where: str) -> None:
    if rule is None:
        return
    if not isinstance(rule, dict) or set(rule) - {
        "event_name",
        "time_window",
        "duration",
        "property_filters",
    }:
        raise _invalid(f"{where} must be an object with event_name and time_window")
    if (
        not isinstance(rule.get("event_name"), str)
        or rule.get("time_window") != "while_flag_enabled"
    ):
        raise _invalid(f"{where} needs event_name and time_window 'while_flag_enabled'")
    if rule.get("duration") not in (None, "end_of_session", "indefinitely"):
        raise _invalid(f"{where}.duration must be end_of_session, indefinitely or null")
    if rule.get("property_filters") is not None and not isinstance(rule["property_filters"], dict):
        raise _invalid(f"{where}.property_filters must be an object or null")


def _check_ruleset(ruleset: Any) -> dict[str, Any]:
    if not isinstance(ruleset, dict):
        raise _invalid("ruleset must be an object")
    unknown = set(ruleset) - {"variants", "rollout", "test"}
    if unknown:
        raise _invalid(f"unknown ruleset field(s): {', '.join(sorted(unknown))}")
    variants = ruleset.get("variants")
    rollout = ruleset.get("rollout")
    if not isinstance(variants, list) or not isinstance(rollout, list):
        raise _invalid("ruleset.variants and ruleset.rollout are required lists")
    if len(variants) > MAX_VARIANTS:
        raise _invalid(f"a flag has at most {MAX_VARIANTS} variants")
    keys: list[str] = []
    total = 0.0
    for i, variant in enumerate(variants):
        where = f"ruleset.variants[{i}]"
        if not isinstance(variant, dict):
            raise _invalid(f"{where} must be an object")
        if set(variant) - _VARIANT_FIELDS:
            raise _invalid(f"unknown field(s) in {where}")
        if not all(k in variant for k in ("key", "value", "is_control", "split")):
            raise _invalid(f"{where} needs key, value, is_control and split")
        if not isinstance(variant["key"], str) or not variant["key"]:
            raise _invalid(f"{where}.key must be a non-empty string")
        if not isinstance(variant["is_control"], bool):
            raise _invalid(f"{where}.is_control must be a boolean")
        if "is_sticky" in variant and not isinstance(variant["is_sticky"], bool):
            raise _invalid(f"{where}.is_sticky must be a boolean")
        if variant.get("description") is not None and not isinstance(variant["description"], str):
            raise _invalid(f"{where}.description must be a string")
        total += _fraction(variant["split"], f"{where}.split")
        keys.append(variant["key"])
    if len(set(keys)) != len(keys):
        raise _invalid("variant keys must be unique")
    if variants and abs(total - 1.0) > 1e-6:
        raise _invalid(f"variant splits must add up to 1 (they add up to {total:g})")
    for i, group in enumerate(rollout):
        where = f"ruleset.rollout[{i}]"
        if not isinstance(group, dict):
            raise _invalid(f"{where} must be an object")
        if set(group) - _ROLLOUT_FIELDS:
            raise _invalid(f"unknown field(s) in {where}")
        if "rollout_percentage" not in group or "variant_splits" not in group:
            raise _invalid(f"{where} needs rollout_percentage and variant_splits")
        _fraction(group["rollout_percentage"], f"{where}.rollout_percentage")
        splits = group["variant_splits"]
        if not isinstance(splits, dict):
            raise _invalid(f"{where}.variant_splits must be an object")
        for key, share in splits.items():
            if key not in keys:
                raise _invalid(f"{where}.variant_splits names unknown variant {key!r}")
            _fraction(share, f"{where}.variant_splits[{key!r}]")
        override = group.get("variant_override")
        if override is not None and (
            not isinstance(override, dict) or override.get("key") not in keys
        ):
            raise _invalid(f"{where}.variant_override must name a variant")
        for name in _OBJECT_FIELDS:
            if group.get(name) is not None and not isinstance(group[name], dict):
                raise _invalid(f"{where}.{name} must be an object")
        for name in ("name", "cohort_hash"):
            if group.get(name) is not None and not isinstance(group[name], str):
                raise _invalid(f"{where}.{name} must be a string or null")
        _check_event_rule(group.get("runtime_event_rule"), f"{where}.runtime_event_rule")
    test = ruleset.get("test")
    if test is not None and (
        not isinstance(test, dict)
        or any(
            not isinstance(m, dict) or any(not isinstance(v, str) for v in m.values())
            for m in test.values()
        )
    ):
        raise _invalid("ruleset.test must map names to {distinct_id: variant key} objects")
    return copy.deepcopy(ruleset)


def _check_flag(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise _invalid("request body must be a JSON object")
    unknown = set(body) - _FLAG_FIELDS
    if unknown:
        raise _invalid(f"unknown field(s): {', '.join(sorted(unknown))}")
    checked: dict[str, Any] = {
        "name": _text(body, "name", required=True),
        "key": _text(body, "key", required=True),
        "context": _text(body, "context", required=True),
        "description": _text(body, "description", required=False, nullable=True),
        "experiment_id": _text(body, "experiment_id", required=False, nullable=True),
    }
    tags = body.get("tags")
    if not isinstance(tags, list) or any(not isinstance(t, str) for t in tags):
        raise _invalid("tags is required and must be a list of strings")
    checked["tags"] = list(tags)
    if body.get("serving_method") not in SERVING_METHODS:
        raise _invalid(f"serving_method must be one of {', '.join(SERVING_METHODS)}")
    checked["serving_method"] = body["serving_method"]
    status = body.get("status", "disabled")
    if status not in STATUSES:
        raise _invalid(f"status must be one of {', '.join(STATUSES)}")
    checked["status"] = status
    if "ruleset" not in body:
        raise _invalid("ruleset is required")
    checked["ruleset"] = _check_ruleset(body["ruleset"])
    group = body.get("data_group_id")
    if group is not None and (isinstance(group, bool) or not isinstance(group, str | int)):
        raise _invalid("data_group_id must be a string, an integer or null")
    checked["data_group_id"] = group
    active = body.get("is_experiment_active")
    if active is not None and not isinstance(active, bool):
        raise _invalid("is_experiment_active must be a boolean or null")
    checked["is_experiment_active"] = active
    salt = body.get("hash_salt")
    if salt is not None and (not isinstance(salt, str) or len(salt) != 32):
        raise _invalid("hash_salt must be 32 characters")
    checked["hash_salt"] = salt
    reset = body.get("reset_hash_salt")
    if reset is not None and not isinstance(reset, bool):
        raise _invalid("reset_hash_salt must be a boolean or null")
    checked["reset_hash_salt"] = reset
    workspace = body.get("workspace_id")
    if workspace is not None and (isinstance(workspace, bool) or not isinstance(workspace, int)):
        raise _invalid("workspace_id must be an integer or null")
    return checked


# -- management handlers --------------------------------------------------------------------------


def _workspace(req: Request) -> int:
    text = req.path_params["workspace_id"]
    if text != str(WORKSPACE_ID):
        raise FlagError(404, "not_found", f"workspace {text!r} not found in this project")
    return WORKSPACE_ID


def _flag(flags: FlagStore, req: Request) -> dict[str, Any]:
    workspace = _workspace(req)
    flag_id = req.path_params["flag_id"]
    found = flags.flags.get(flag_id)
    if found is None or found["workspace_id"] != workspace:
        raise FlagError(404, "not_found", f"feature flag {flag_id!r} not found")
    return found


def _key_taken(flags: FlagStore, key: str, except_id: str | None = None) -> None:
    if any(f["key"] == key and f["id"] != except_id for f in flags.flags.values()):
        raise _invalid(f"a feature flag with key {key!r} already exists")


def _single(record: Mapping[str, Any]) -> Response:
    return Response.json({"status": "ok", "results": copy.deepcopy(dict(record))})


def _apply(record: dict[str, Any], checked: dict[str, Any]) -> None:
    now = iso_z(utc_now())
    if checked.pop("reset_hash_salt", None):
        checked["hash_salt"] = secrets.token_hex(16)
    elif checked.get("hash_salt") is None:
        checked["hash_salt"] = record.get("hash_salt")
    if checked["status"] == "enabled" and record.get("status") != "enabled":
        record["enabled_at"] = now
    record.update(checked)
    record["modified"] = now
    record["last_modified_by_id"] = CREATOR["id"]


def list_feature_flags(req: Request) -> Response:
    """Flags of the workspace (archived ones only with ``include_archived=true``)."""
    workspace = _workspace(req)
    raw = req.query.get("include_archived", "false")
    if raw not in ("true", "false"):
        raise _invalid("include_archived must be 'true' or 'false'")
    flags = _store(req)
    with flags.lock:
        results = [
            copy.deepcopy(f)
            for f in flags.flags.values()
            if f["workspace_id"] == workspace and (raw == "true" or f["status"] != "archived")
        ]
    return Response.json({"status": "ok", "results": results})


def create_feature_flag(req: Request) -> Response:
    """Create a flag from a full definition."""
    workspace = _workspace(req)
    checked = _check_flag(_body(req))
    flags = _store(req)
    with flags.lock:
        _key_taken(flags, checked["key"])
        now = iso_z(utc_now())
        record = _record_from_fixture(
            {
                "id": str(uuid.uuid4()),
                "name": checked["name"],
                "key": checked["key"],
                "status": "disabled",
                "ruleset": checked["ruleset"],
            },
            flags.project_id,
            now[:-1],
        )
        record.update(workspace_id=workspace, enabled_at=None, hash_salt=_salt(checked["key"]))
        _apply(record, checked)
        flags.flags[record["id"]] = record
        return _single(record)


def get_feature_flag(req: Request) -> Response:
    """One flag."""
    flags = _store(req)
    with flags.lock:
        return _single(_flag(flags, req))


def update_feature_flag(req: Request) -> Response:
    """Replace a flag's definition."""
    flags = _store(req)
    with flags.lock:
        record = _flag(flags, req)
        checked = _check_flag(_body(req))
        _key_taken(flags, checked["key"], except_id=record["id"])
        _apply(record, checked)
        return _single(record)


def delete_feature_flag(req: Request) -> Response:
    """Delete a flag."""
    flags = _store(req)
    with flags.lock:
        record = _flag(flags, req)
        del flags.flags[record["id"]]
    return Response.json({"status": "ok", "results": {}})


# -- evaluation handlers --------------------------------------------------------------------------


def _enabled(req: Request) -> list[dict[str, Any]]:
    check_project_token(req, required=False)
    flags = _store(req)
    with flags.lock:
        return [copy.deepcopy(f) for f in flags.flags.values() if f["status"] == "enabled"]


def evaluate_flags(req: Request) -> Response:
    """The variant of every enabled flag the user gets (flags it gets none of are left out)."""
    enabled = _enabled(req)
    raw = req.query.get("context")
    if not raw:
        raise SandboxHTTPError(400, "context is a required parameter")
    try:
        context = json.loads(raw)
    except ValueError as exc:
        raise SandboxHTTPError(400, "context is not valid JSON") from exc
    if not isinstance(context, dict) or not isinstance(context.get("distinct_id"), str):
        raise SandboxHTTPError(400, "context must be a JSON object with a distinct_id string")
    if not isinstance(context.get("custom_properties", {}), dict):
        raise SandboxHTTPError(400, "context.custom_properties must be an object")
    if "device_id" in context and not isinstance(context["device_id"], str):
        raise SandboxHTTPError(400, "context.device_id must be a string")
    chosen: dict[str, Any] = {}
    for flag in enabled:
        variant = assign(flag, context)
        if variant is not None:
            chosen[flag["key"]] = variant
    # ``code`` echoes the status: Mixpanel's SDKs read it (their document leaves it out).
    return Response.json({"code": 200, "flags": chosen})


def _definition(flag: Mapping[str, Any]) -> dict[str, Any]:
    ruleset = flag["ruleset"]
    variants = []
    for v in ruleset.get("variants") or []:
        item = {k: v[k] for k in ("key", "value", "is_control") if k in v}
        if "is_sticky" in v:
            item["is_sticky"] = v["is_sticky"]
        item["split"] = float(v.get("split", 0))
        variants.append(item)
    rollout = []
    for g in ruleset.get("rollout") or []:
        item = {"rollout_percentage": float(g.get("rollout_percentage") or 0)}
        for name in ("cohort_hash", "runtime_evaluation_rule", "runtime_evaluation_definition"):
            if g.get(name) is not None:
                item[name] = g[name]
        item["variant_splits"] = {k: float(s) for k, s in (g.get("variant_splits") or {}).items()}
        if isinstance(g.get("variant_override"), dict):
            item["variant_override"] = {"key": g["variant_override"]["key"]}
        rollout.append(item)
    test_users = (ruleset.get("test") or {}).get("users") or {}
    definition: dict[str, Any] = {
        "id": flag["id"],
        "name": flag["name"],
        "key": flag["key"],
        "status": flag["status"],
        "project_id": flag["project_id"],
        "workspace_id": flag["workspace_id"],
        "context": flag["context"],
        "ruleset": {"variants": variants, "rollout": rollout, "test": {"users": dict(test_users)}},
    }
    if flag.get("experiment_id"):
        definition["experiment_id"] = flag["experiment_id"]
    if isinstance(flag.get("is_experiment_active"), bool):
        definition["is_experiment_active"] = flag["is_experiment_active"]
    return definition


def list_flag_definitions(req: Request) -> Response:
    """Definitions of every enabled flag, for SDKs that evaluate locally."""
    return Response.json({"flags": [_definition(f) for f in _enabled(req)]})


ROUTES = [
    Route("GET", "/flags", ("project", "token_basic"), evaluate_flags),
    Route("GET", "/flags/definitions", ("project", "token_basic"), list_flag_definitions),
    Route("GET", _BASE, "project", list_feature_flags),
    Route("POST", _BASE, "project", create_feature_flag),
    Route("GET", _BASE + "/{flag_id}", "project", get_feature_flag),
    Route("PUT", _BASE + "/{flag_id}", "project", update_feature_flag),
    Route("DELETE", _BASE + "/{flag_id}", "project", delete_feature_flag),
]
