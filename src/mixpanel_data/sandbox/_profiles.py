"""``POST /api/query/engage``: user (or group) profiles, one page at a time.

Form fields (also accepted in the query string): ``where`` (expression over ``user[...]``),
``output_properties`` (JSON array of names), ``distinct_id``, ``distinct_ids`` (JSON array),
``filter_by_cohort`` (``{"id": N}``), ``data_group_id`` (group profiles; ``1`` or ``company_id``),
``session_id`` and ``page`` (0-based). Pages hold the sandbox's page size (1000 unless configured);
``page_size`` is not a request parameter in Mixpanel's document, so it is ignored. Page 0 fixes
the list of matching distinct ids under a new ``session_id``; later pages
read that list, so every matching profile appears exactly once across the pages even if profiles
change meanwhile (a profile deleted meanwhile is left out). Profiles are ordered by distinct id.
Every page carries ``total``.

Example:
    >>> [(r.method, r.path) for r in ROUTES]
    [('POST', '/api/query/engage'), ('GET', '/api/query/engage')]
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from mixpanel_data.sandbox._data import SandboxData
from mixpanel_data.sandbox._http import Request, Response, Route, SandboxHTTPError
from mixpanel_data.sandbox._where import profile_filter

MAX_SESSIONS = 256
_SESSIONS_KEY = "profiles.sessions"
_LOCK = threading.Lock()


@dataclass(frozen=True)
class _Session:
    ids: tuple[str, ...]
    group_key: str | None


def _sessions(req: Request) -> OrderedDict[str, _Session]:
    with _LOCK:
        store = req.state.scratch.get(_SESSIONS_KEY)
        if store is None:
            store = req.state.scratch[_SESSIONS_KEY] = OrderedDict()
        return store


def _group_key(req: Request, data: SandboxData) -> str | None:
    value = req.arg("data_group_id")
    if value is None or value == "":
        return None
    for key in data.fixtures.group_keys:
        if value in (str(key["data_group_id"]), key["property_name"]):
            return str(key["property_name"])
    raise SandboxHTTPError(400, f"unknown data_group_id {value!r}")


def _string_list(req: Request, name: str) -> list[str] | None:
    value = req.arg_json(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SandboxHTTPError(400, f"{name} must be a JSON array of strings")
    return value


def _matching_ids(req: Request, data: SandboxData, group_key: str | None) -> list[str]:
    table = "group_profiles" if group_key else "profiles"
    id_column = "group_id" if group_key else "distinct_id"
    conditions: list[str] = []
    params: list[Any] = []
    if group_key:
        params.append(group_key)
        conditions.append(f"group_key = ${len(params)}")
    wanted = _string_list(req, "distinct_ids")
    single = req.arg("distinct_id")
    if single:
        wanted = [*(wanted or []), single]
    if wanted is not None:
        params.append(wanted)
        conditions.append(f"list_contains(${len(params)}, {id_column})")
    if req.arg("behaviors"):
        raise SandboxHTTPError(400, "behaviors is not supported by the sandbox")
    cohort_spec = req.arg_json("filter_by_cohort")
    if cohort_spec is not None:
        if not isinstance(cohort_spec, dict) or "id" not in cohort_spec:
            raise SandboxHTTPError(400, 'filter_by_cohort must be a JSON object like {"id": 123}')
        try:
            cohort = data.cohort(int(cohort_spec["id"]))
        except (TypeError, ValueError) as exc:
            raise SandboxHTTPError(400, "filter_by_cohort id must be an integer") from exc
        if cohort is None:
            raise SandboxHTTPError(400, f"cohort {cohort_spec['id']} does not exist")
        conditions.append(f"({cohort.rule_sql})")
    where_text = req.arg("where")
    where = profile_filter(where_text) if where_text else None
    if where is not None and where.sql is not None:
        conditions.append(where.sql)
    sql = f"SELECT {id_column}, properties FROM {table}"
    if conditions:
        sql += " WHERE " + " AND ".join(conditions)
    sql += f" ORDER BY {id_column}"
    with data.cursor() as cur:
        rows = cur.execute(sql, params).fetchall()
    if where is not None and where.sql is None:
        rows = [r for r in rows if where.accepts(json.loads(r[1]))]
    return [r[0] for r in rows]


def _page_size(req: Request) -> int:
    return req.state.settings.engage_page_size


def query_profiles(req: Request) -> Response:
    """One page of matching profiles."""
    data = req.state.data
    page = req.arg_int("page", 0)
    assert page is not None
    if page < 0:
        raise SandboxHTTPError(400, "page must not be negative")
    size = _page_size(req)
    sessions = _sessions(req)
    session_id = req.arg("session_id")
    with _LOCK:
        session = sessions.get(session_id) if session_id else None
    if session is None:
        if page > 0:
            raise SandboxHTTPError(
                400,
                "request for page in uncached query for params: send the session_id of page 0"
                if session_id
                else "session_id is required when page is above 0",
            )
        group_key = _group_key(req, data)
        session = _Session(tuple(_matching_ids(req, data, group_key)), group_key)
        session_id = f"{int(time.time())}-{secrets.token_hex(3).upper()}"
        with _LOCK:
            sessions[session_id] = session
            while len(sessions) > MAX_SESSIONS:
                sessions.popitem(last=False)
    ids = session.ids[page * size : (page + 1) * size]
    if session.group_key:
        found = data.get_group_profiles(session.group_key, ids)
    else:
        found = data.get_profiles(ids)
    wanted = _string_list(req, "output_properties")
    results = []
    for did in ids:
        props = found.get(did)
        if props is None:  # deleted since page 0
            continue
        if wanted is not None:
            props = {k: props[k] for k in wanted if k in props}
        results.append({"$distinct_id": did, "$properties": props})
    return Response.json(
        {
            "page": page,
            "page_size": size,
            "session_id": session_id,
            "status": "ok",
            "total": len(session.ids),
            "results": results,
        }
    )


ROUTES = [
    Route("POST", "/api/query/engage", "project", query_profiles),
    Route("GET", "/api/query/engage", "project", query_profiles),
]
