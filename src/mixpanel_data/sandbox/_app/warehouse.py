"""Warehouse Connectors API: imports of events, profiles, groups and lookup tables.

The store starts from the sandbox's warehouse fixtures (an hourly BigQuery event import and a
paused daily Snowflake groups import, each with a few finished runs). Create calls check the
required fields and enums of their request (400 otherwise) and return the new import; ``PATCH``
sets ``paused`` and ``run_every`` (and replaces ``databricks_params``); ``DELETE`` removes it
(later calls on that id are 404s).

``PUT .../{importId}/manual-sync`` starts a run: it answers ``{"status": "ok", "results":
{"run_id": ...}}`` and the run appears first in ``.../history`` as ``RUNNING``. Like GDPR jobs,
runs move on with reads, not time: a ``RUNNING`` run already shown by one history read shows as
``SUCCEEDED`` (with ``end_time`` and ``num_events_imported``) on the next. History lists the last
30 runs, newest first. Times are Unix seconds.

Example:
    >>> len(ROUTES)
    10
"""

from __future__ import annotations

import copy
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from mixpanel_data.sandbox._app._common import (
    bad_request,
    body_object,
    fixture_time,
    get_bool,
    get_enum,
    get_int,
    get_str,
    iso_z,
    not_found,
    ok,
    path_int,
    store,
    utc_now,
)
from mixpanel_data.sandbox._http import Request, Response, Route
from mixpanel_data.sandbox._state import SandboxState

HOUR_NS = 3_600_000_000_000
FREQUENCIES = (0, HOUR_NS, 24 * HOUR_NS, 7 * 24 * HOUR_NS)
SYNC_MODES = ("time_based", "mirror_mode", "full_sync", "one_time")
LOOKUP_SYNC_MODES = ("full_sync", "one_time")
HISTORY_LENGTH = 30
CREATOR = {"creator_id": 301, "creator_name": "Ana Ruiz", "creator_email": "ana.ruiz@example.com"}
_BASE = "/api/app/projects/{projectId}/warehouse-sources/imports"
_SUMMARY_KEYS = (
    "id", "import_type", "sync_mode", "created", "creator_id", "creator_name", "creator_email",
    "warehouse_source_id", "table_params", "paused", "run_every", "last_dispatch", "is_deleted",
)  # fmt: skip
_DETAIL_DEFAULTS: dict[str, Any] = {
    "event_name": None,
    "event_column_name": None,
    "time_column_name": None,
    "user_column_name": None,
    "insert_time_column_name": None,
    "property_mappings": None,
    "group_key": None,
    "group_id_column": None,
    "databricks_params": None,
}


@dataclass
class Run:
    """One run of an import."""

    run_id: str
    start_time: int
    status: str = "RUNNING"
    end_time: int | None = None
    num_events_imported: int | None = None
    shown: bool = False

    def view(self) -> dict[str, Any]:
        """As the history lists it."""
        return {
            "status": self.status,
            "start_time": self.start_time,
            "end_time": self.end_time,
            "num_events_imported": self.num_events_imported,
        }


@dataclass
class WarehouseStore:
    """Imports (full detail) and their runs, by import id."""

    imports: dict[int, dict[str, Any]]
    runs: dict[int, list[Run]]
    lock: threading.Lock = field(default_factory=threading.Lock)


def _epoch(stamp: str) -> int:
    return int(datetime.fromisoformat(stamp.replace(" ", "T")).replace(tzinfo=UTC).timestamp())


def _from_fixture(fx: dict[str, Any], source_id: int) -> dict[str, Any]:
    groups = fx["source_type"] == "snowflake"
    database, _, rest = fx["table"].partition(".")
    table_params = (
        dict(zip(("database", "schema", "table"), fx["table"].split("."), strict=False))
        if groups
        else {"dataset": database, "table": rest}
    )
    frequency = {"hourly": FREQUENCIES[1], "daily": FREQUENCIES[2], "weekly": FREQUENCIES[3]}
    detail: dict[str, Any] = {
        "id": fx["import_id"],
        "import_type": "groups" if groups else "event_stream",
        "sync_mode": "full_sync" if groups else "time_based",
        "created": fixture_time(fx["last_sync"][:10] + "T08:00:00"),
        **CREATOR,
        "warehouse_source_id": source_id,
        "table_params": table_params,
        "paused": fx["status"] == "paused",
        "run_every": frequency.get(fx["sync_frequency"], 0),
        "last_dispatch": _epoch(fx["last_sync"]),
        "is_deleted": False,
        **_DETAIL_DEFAULTS,
    }
    if groups:
        detail.update(group_key="company_id", group_id_column="ACCOUNT_ID")
    else:
        detail.update(
            event_column_name="event_type",
            time_column_name="event_ts",
            user_column_name="user_id",
            insert_time_column_name="loaded_at",
        )
    return detail


def _finished_runs(detail: dict[str, Any], count: int = 3) -> list[Run]:
    step = detail["run_every"] // 1_000_000_000 or 86_400
    last = detail["last_dispatch"]
    runs = []
    for n in range(count):
        start = last - n * step
        runs.append(
            Run(f"seed-{detail['id']}-{n}", start, "SUCCEEDED", start + 312, 40_000 + 1_111 * n)
        )
    return runs


def _build(state: SandboxState) -> WarehouseStore:
    imports = {}
    runs = {}
    for n, fx in enumerate(state.data.fixtures.warehouse_imports):
        detail = _from_fixture(fx, 310 + n)
        imports[detail["id"]] = detail
        runs[detail["id"]] = _finished_runs(detail)
    return WarehouseStore(imports, runs)


def _store(req: Request) -> WarehouseStore:
    return store(req, "app.warehouse", _build)


def _import(imports: WarehouseStore, req: Request) -> dict[str, Any]:
    import_id = path_int(req, "importId", "warehouse import")
    found = imports.imports.get(import_id)
    if found is None:
        raise not_found(f"warehouse import {import_id} not found")
    return found


def _summary(detail: dict[str, Any]) -> dict[str, Any]:
    return {k: copy.deepcopy(detail[k]) for k in _SUMMARY_KEYS}


# -- request checks -------------------------------------------------------------------------------

_DB_TEXT = (
    "driver_instance_pool_id", "driver_node_type_id", "instance_pool_id", "policy_id",
    "single_user_name",
)  # fmt: skip
_DB_OBJECTS = ("aws_attributes", "azure_attributes", "gcp_attributes")
_DB_TEXT_MAPS = ("custom_tags", "spark_conf", "spark_env_vars")
_DB_FIELDS = frozenset(
    {*_DB_TEXT, *_DB_OBJECTS, *_DB_TEXT_MAPS, "autoscale", "data_security_mode",
     "enable_elastic_disk", "init_scripts", "node_type_id", "num_workers", "runtime_engine",
     "spark_version"}
)  # fmt: skip
_SECURITY_MODES = (
    "USER_ISOLATION", "SINGLE_USER", "NONE", "LEGACY_TABLE_ACL", "LEGACY_PASSTHROUGH",
    "LEGACY_SINGLE_USER", "LEGACY_SINGLE_USER_STANDARD",
)  # fmt: skip


def _count(value: Any, where: str, least: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise bad_request(f"{where} must be an integer of at least {least}")


def _cluster(config: Any) -> None:
    """A Databricks job-cluster definition (the subset Mixpanel accepts)."""
    where = "databricks_params.export_cluster_config"
    if not isinstance(config, dict):
        raise bad_request(f"{where} must be an object or null")
    unknown = set(config) - _DB_FIELDS
    if unknown:
        raise bad_request(f"unknown field(s) in {where}: {', '.join(sorted(unknown))}")
    for name, value in config.items():
        here = f"{where}.{name}"
        if name in ("node_type_id", "spark_version"):
            ok_value = isinstance(value, str)
        elif name == "num_workers":
            _count(value, here, 0)
            continue
        elif value is None:
            continue
        elif name in _DB_TEXT:
            ok_value = isinstance(value, str)
        elif name in _DB_OBJECTS:
            ok_value = isinstance(value, dict)
        elif name in _DB_TEXT_MAPS:
            ok_value = isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
        elif name == "enable_elastic_disk":
            ok_value = isinstance(value, bool)
        elif name == "init_scripts":
            ok_value = isinstance(value, list) and all(isinstance(v, dict) for v in value)
        elif name == "data_security_mode":
            ok_value = value in _SECURITY_MODES
        elif name == "runtime_engine":
            ok_value = value in ("STANDARD", "PHOTON")
        else:  # autoscale
            if not isinstance(value, dict) or set(value) - {"min_workers", "max_workers"}:
                raise bad_request(f"{here} must be {{min_workers, max_workers}} or null")
            if "min_workers" in value:
                _count(value["min_workers"], here + ".min_workers", 0)
            if "max_workers" in value:
                _count(value["max_workers"], here + ".max_workers", 1)
            continue
        if not ok_value:
            raise bad_request(f"{here} has the wrong type or value")


def _databricks(body: dict[str, Any]) -> dict[str, Any] | None:
    params = body.get("databricks_params")
    if params is None:
        return None
    if not isinstance(params, dict):
        raise bad_request("databricks_params must be an object or null")
    if params.get("export_cluster_config") is not None:
        _cluster(params["export_cluster_config"])
    return copy.deepcopy(params)


def _common(body: dict[str, Any], import_type: str, modes: tuple[str, ...]) -> dict[str, Any]:
    if body.get("import_type") != import_type:
        raise bad_request(f"import_type must be {import_type!r}")
    source = get_int(body, "warehouse_source_id", required=True)
    table_params = body.get("table_params")
    if not isinstance(table_params, dict):
        raise bad_request("table_params is required and must be an object")
    mappings = body.get("property_mappings")
    if mappings is not None and (
        not isinstance(mappings, dict) or any(not isinstance(v, str) for v in mappings.values())
    ):
        raise bad_request("property_mappings must map column names to property names")
    databricks = _databricks(body)
    return {
        "import_type": import_type,
        "warehouse_source_id": source,
        "table_params": copy.deepcopy(table_params),
        "sync_mode": get_enum(body, "sync_mode", modes, required=True),
        "run_every": int(get_enum(body, "run_every", FREQUENCIES) or 0),
        "property_mappings": copy.deepcopy(mappings),
        "databricks_params": databricks,
    }


def _columns(body: dict[str, Any], *names: str, required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {n: get_str(body, n, required=n in required, nullable=n not in required) for n in names}


def _create(req: Request, checked: dict[str, Any]) -> Response:
    imports = _store(req)
    with imports.lock:
        new_id = max(imports.imports, default=5000) + 1
        detail = {
            **_DETAIL_DEFAULTS,
            "id": new_id,
            "created": iso_z(utc_now()),
            **CREATOR,
            "paused": False,
            "last_dispatch": None,
            "is_deleted": False,
            **checked,
        }
        imports.imports[new_id] = detail
        imports.runs[new_id] = []
        return ok(copy.deepcopy(detail))


def create_event_stream_import(req: Request) -> Response:
    """Import rows as events (a fixed ``event_name`` or an ``event_column_name``)."""
    body = body_object(req)
    checked = _common(body, "event_stream", SYNC_MODES)
    checked.update(
        _columns(
            body,
            "event_name",
            "event_column_name",
            "time_column_name",
            "user_column_name",
            "insert_time_column_name",
            required=("time_column_name",),
        )
    )
    if not checked["event_name"] and not checked["event_column_name"]:
        raise bad_request("give event_name or event_column_name")
    company = get_str(body, "company_column_name")
    device = get_str(body, "device_column_name", nullable=True)
    json_column = get_str(body, "json_properties_column_name", nullable=True)
    del company, device, json_column  # accepted, not shown in the import's detail
    return _create(req, checked)


def create_people_import(req: Request) -> Response:
    """Import rows as user profiles."""
    body = body_object(req)
    checked = _common(body, "people", SYNC_MODES)
    checked.update(
        _columns(
            body, "user_column_name", "insert_time_column_name", required=("user_column_name",)
        )
    )
    get_str(body, "json_properties_column_name", nullable=True)
    return _create(req, checked)


def create_groups_import(req: Request) -> Response:
    """Import rows as group profiles of ``group_key``."""
    body = body_object(req)
    checked = _common(body, "groups", SYNC_MODES)
    checked.update(
        _columns(
            body,
            "group_key",
            "group_id_column",
            "insert_time_column_name",
            required=("group_key", "group_id_column"),
        )
    )
    get_str(body, "json_properties_column_name", nullable=True)
    return _create(req, checked)


def create_lookup_table_import(req: Request) -> Response:
    """Import rows into a lookup table joined on ``mixpanel_property``."""
    body = body_object(req)
    checked = _common(body, "lookup_table", LOOKUP_SYNC_MODES)
    prop = body.get("mixpanel_property")
    if not isinstance(prop, dict):
        raise bad_request("mixpanel_property is required and must be an object")
    get_str(prop, "value", required=True)
    get_enum(prop, "resourceType", ("event", "user"), required=True)
    custom = prop.get("customPropertyId")
    if custom is not None and (isinstance(custom, bool) or not isinstance(custom, int)):
        raise bad_request("mixpanel_property.customPropertyId must be an integer or null")
    get_str(body, "property_key_column_name", required=True)
    return _create(req, checked)


# -- other handlers -------------------------------------------------------------------------------


def list_warehouse_imports(req: Request) -> Response:
    """The project's imports (summaries)."""
    imports = _store(req)
    with imports.lock:
        return ok([_summary(d) for d in imports.imports.values()])


def get_warehouse_import(req: Request) -> Response:
    """One import with its full set-up."""
    imports = _store(req)
    with imports.lock:
        return ok(copy.deepcopy(_import(imports, req)))


def update_warehouse_import(req: Request) -> Response:
    """Pause, resume or reschedule (and replace Databricks settings)."""
    imports = _store(req)
    body = body_object(req)
    paused = get_bool(body, "paused", required=True)
    run_every = int(get_enum(body, "run_every", FREQUENCIES, required=True))
    databricks = _databricks(body)
    with imports.lock:
        detail = _import(imports, req)
        detail.update(paused=paused, run_every=run_every)
        if "databricks_params" in body:
            detail["databricks_params"] = databricks
        return ok(copy.deepcopy(detail))


def delete_warehouse_import(req: Request) -> Response:
    """Delete an import (``delete_data`` is accepted; the sandbox keeps no data per import)."""
    imports = _store(req)
    body = body_object(req, optional=True)
    get_bool(body, "delete_data")
    with imports.lock:
        detail = _import(imports, req)
        del imports.imports[detail["id"]]
        imports.runs.pop(detail["id"], None)
    return ok()


def run_warehouse_import(req: Request) -> Response:
    """Start a run now; it shows in the history."""
    imports = _store(req)
    body_object(req, optional=True)
    with imports.lock:
        detail = _import(imports, req)
        now = int(utc_now().timestamp())
        run = Run(str(uuid.uuid4()), now)
        imports.runs.setdefault(detail["id"], []).insert(0, run)
        del imports.runs[detail["id"]][HISTORY_LENGTH:]
        detail["last_dispatch"] = now
    return ok({"run_id": run.run_id})


def get_warehouse_import_history(req: Request) -> Response:
    """The last runs, newest first (a RUNNING run shown before finishes now)."""
    imports = _store(req)
    with imports.lock:
        detail = _import(imports, req)
        runs = imports.runs.get(detail["id"], [])
        for run in runs:
            if run.status == "RUNNING" and run.shown:
                run.status = "SUCCEEDED"
                run.end_time = run.start_time + 42
                run.num_events_imported = 1_000 + detail["id"] % 1_000
        views = [r.view() for r in runs]
        for run in runs:
            run.shown = True
    return ok({"runs": views})


ROUTES = [
    Route("GET", _BASE, "project", list_warehouse_imports),
    Route("POST", _BASE + "/event-stream", "project", create_event_stream_import),
    Route("POST", _BASE + "/people", "project", create_people_import),
    Route("POST", _BASE + "/groups", "project", create_groups_import),
    Route("POST", _BASE + "/lookup-table", "project", create_lookup_table_import),
    Route("GET", _BASE + "/{importId}", "project", get_warehouse_import),
    Route("PATCH", _BASE + "/{importId}", "project", update_warehouse_import),
    Route("DELETE", _BASE + "/{importId}", "project", delete_warehouse_import),
    Route("PUT", _BASE + "/{importId}/manual-sync", "project", run_warehouse_import),
    Route("GET", _BASE + "/{importId}/history", "project", get_warehouse_import_history),
]
