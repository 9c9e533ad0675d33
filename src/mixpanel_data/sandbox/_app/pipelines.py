"""Data Pipelines API (deprecated by Mixpanel): scheduled exports to warehouses and buckets.

Create, edit, cancel (delete), pause and resume take URL-encoded forms; jobs, status and
timeline are GETs. Every call acts on the sandbox project; a different project id is a 403. The
GETs require ``project_id`` in the query string (as the spec lists it, whatever the credentials).
The form calls take it in the form (or the query string), required with service-account
credentials: they check credentials themselves, because the ``"project"`` auth kind reads the
project id from the query string only. The store starts from the sandbox's pipeline fixtures.

``create`` checks the fields of the chosen ``type`` (``gcs-raw``, ``s3-raw``, ``azure-raw``,
``bigquery``, ``snowflake``, ``aws``, ``azure-blob``, ``gcs-schema``): required destination fields,
enums, ``YYYY-MM-DD`` dates, ``where`` (parsed with the expression language). Raw types export
events only. The pipeline is named ``<data_source>-<frequency>-<type>[-<schema_type>]`` (schema
type only for schematized types); a name already in use is a 400. Destination secrets are never
stored. Unknown names are 404s.

Jobs are derived from the pipeline, one per exported day from ``from_date`` to ``to_date`` (or the
sandbox's today): past days ``succeeded``; today's job is ``running`` for a running pipeline
without ``to_date`` and ``canceled`` for a paused one. ``status`` filters by state, ``summary=true``
gives counts; the timeline lists the succeeded days with their sync time (an hour after the day
ended, UTC).

Example:
    >>> sorted(r.path.rsplit("/", 1)[-1] for r in ROUTES)[:4]
    ['cancel', 'create', 'edit', 'jobs']
"""

from __future__ import annotations

import hmac
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from mixpanel_data.exceptions import ExpressionError
from mixpanel_data.expressions import validate
from mixpanel_data.sandbox._app._common import bad_request, basic_pair, not_found, store
from mixpanel_data.sandbox._http import (
    Handler,
    Request,
    Response,
    Route,
    SandboxHTTPError,
    parse_day,
)
from mixpanel_data.sandbox._state import SandboxState

RAW_TYPES = ("gcs-raw", "s3-raw", "azure-raw")
SCHEMA_TYPES_BY_KIND = ("bigquery", "snowflake", "aws", "azure-blob", "gcs-schema")
TYPES = RAW_TYPES + SCHEMA_TYPES_BY_KIND
FREQUENCIES = ("daily", "hourly")
SCHEMA_TYPES = ("monoschema", "multischema")
JOB_STATES = ("pending", "running", "retried", "failed", "canceled", "timed_out")
MAX_JOBS = 120

GCS_REGIONS = (
    "northamerica-northeast1", "us-central1", "us-east1", "us-east4", "us-west1", "us-west2",
    "southamerica-east1", "europe-north1", "europe-west1", "europe-west2", "europe-west3",
    "europe-west4", "europe-west6", "asia-east1", "asia-east2", "asia-northeast1",
    "asia-northeast2", "asia-northeast3", "asia-south1", "asia-southeast1",
    "australia-southeast1",
)  # fmt: skip
S3_REGIONS = (
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ap-northeast-1", "ap-northeast-2",
    "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "ap-south-1", "ca-central-1",
    "cn-north-1", "cn-northwest-1", "eu-central-1", "eu-north-1", "eu-west-1", "eu-west-2",
    "eu-west-3", "sa-east-1", "me-south-1",
)  # fmt: skip
BQ_REGIONS = (
    "US", "US_CENTRAL_1", "US_EAST_1", "US_WEST_1", "US_WEST_2", "US_EAST_4",
    "NORTH_AMERICA_NORTHEAST_1", "SOUTH_AMERICA_EAST_1", "EU", "EUROPE_NORTH_1",
    "EUROPE_WEST_2", "EUROPE_WEST_3", "EUROPE_WEST_4", "EUROPE_WEST_6", "ASIA_SOUTH_1",
    "ASIA_EAST_1", "ASIA_EAST_2", "ASIA_NORTHEAST_1", "ASIA_NORTHEAST_2", "ASIA_NORTHEAST_3",
    "ASIA_SOUTHEAST_1", "ASIA_SOUTHEAST_2", "AUSTRALIA_SOUTHEAST_1",
)  # fmt: skip

# Per type: required destination fields, and fields with a fixed set of values.
_AZURE = ("storage_account", "container_name", "client_id", "client_secret", "tenant_id")
_REQUIRED: dict[str, tuple[str, ...]] = {
    "gcs-raw": ("gcs_bucket", "gcs_region"),
    "s3-raw": ("s3_bucket", "s3_region", "s3_role"),
    "azure-raw": _AZURE,
    "bigquery": ("bq_region", "gcp_project", "bq_dataset_name", "sync", "schema_type"),
    "snowflake": (
        "snowflake_account_name",
        "snowflake_warehouse",
        "snowflake_storage_integration",
        "snowflake_user",
        "snowflake_password",
        "snowflake_role",
        "snowflake_database",
        "snowflake_schema",
        "sync",
        "schema_type",
    ),
    "aws": ("s3_bucket", "s3_region", "s3_role", "sync", "schema_type"),
    "azure-blob": (*_AZURE, "sync", "schema_type"),
    "gcs-schema": ("gcs_bucket", "gcs_region", "sync", "schema_type"),
}
_CHOICES: dict[str, tuple[str, ...]] = {
    "gcs_region": GCS_REGIONS,
    "s3_region": S3_REGIONS,
    "bq_region": BQ_REGIONS,
    "s3_encryption": ("none", "aes", "kms"),
    "frequency": FREQUENCIES,
    "schema_type": SCHEMA_TYPES,
}
_SECRET_FIELDS = frozenset({"client_secret", "snowflake_password", "azure_client_secret"})
_EDITABLE = frozenset(
    {
        "events", "where", "bq_share_with_group", "glue_database", "glue_role",
        "glue_table_prefix", "azure_client_id", "azure_client_secret", "azure_tenant_id",
    }
)  # fmt: skip


@dataclass
class Pipeline:
    """One pipeline, without destination secrets."""

    name: str
    type: str
    data_source: str
    from_date: date
    to_date: date | None
    frequency: str
    schema_type: str | None
    sync: bool
    events: list[str]
    where: str
    paused: bool = False
    settings: dict[str, str | list[str]] = field(default_factory=dict)


@dataclass
class PipelineStore:
    """Pipelines by name."""

    pipelines: dict[str, Pipeline]
    lock: threading.Lock = field(default_factory=threading.Lock)


def _build(state: SandboxState) -> PipelineStore:
    pipelines = {}
    for fx in state.data.fixtures.pipelines:
        pipelines[fx["name"]] = Pipeline(
            name=fx["name"],
            type=fx["type"],
            data_source=fx["data_source"],
            from_date=date.fromisoformat(fx["from_date"]),
            to_date=date.fromisoformat(fx["to_date"]) if fx["to_date"] else None,
            frequency=fx["frequency"],
            schema_type=None if fx["type"] in RAW_TYPES else fx["schema_type"],
            sync=bool(fx["sync"]),
            events=list(fx["events"]),
            where=fx["where"],
            paused=fx["status"] == "paused",
        )
    return PipelineStore(pipelines)


def _store(req: Request) -> PipelineStore:
    return store(req, "app.pipelines", _build)


# -- auth and parameters --------------------------------------------------------------------------


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def _check_auth(req: Request) -> None:
    """Service account plus a project id (query or form), or the project secret."""
    creds = req.state.credentials
    pair = basic_pair(req)
    if pair is None:
        raise SandboxHTTPError(401, "missing HTTP Basic credentials")
    user, password = pair
    is_secret = password == "" and _same(user, creds.api_secret)
    is_account = _same(user, creds.username) and _same(password, creds.secret)
    if not (is_secret or is_account):
        raise SandboxHTTPError(401, "Invalid credentials")
    project = req.arg("project_id")
    if project is None or project == "":
        if is_account:
            raise bad_request("project_id is required when authenticating with a service account")
        return
    if project.strip() != str(creds.project_id):
        raise SandboxHTTPError(403, f"no access to project {project.strip()!r}")


def _guarded(handler: Handler) -> Handler:
    def guarded(req: Request) -> Response:
        _check_auth(req)
        return handler(req)

    guarded.__name__ = handler.__name__
    guarded.__doc__ = handler.__doc__
    return guarded


def _bool(req: Request, name: str, default: bool) -> bool:
    value = req.arg(name)
    if value is None or value == "":
        return default
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise bad_request(f"{name} must be true or false")


def _where(text: str | None) -> str:
    if not text:
        return ""
    try:
        return validate(text)
    except ExpressionError as exc:
        raise bad_request(f"invalid where expression: {exc.message}") from exc


def _events(req: Request) -> list[str]:
    return [e for e in req.form_multi().get("events", []) if e]


def _pipeline(pipes: PipelineStore, req: Request, *, required: bool = True) -> Pipeline | None:
    name = req.arg("name")
    if not name:
        if required:
            raise bad_request("name is a required parameter")
        return None
    found = pipes.pipelines.get(name)
    if found is None:
        raise not_found(f"no pipeline named {name!r}")
    return found


def _project_id_required(req: Request) -> None:
    """The GET calls list ``project_id`` as required, whatever the credentials."""
    project = req.query.get("project_id")
    if not project:
        raise bad_request("project_id is a required parameter")
    if project.strip() != str(req.state.credentials.project_id):
        raise SandboxHTTPError(403, f"no access to project {project.strip()!r}")


# -- handlers -------------------------------------------------------------------------------------


def create_pipeline(req: Request) -> Response:
    """Schedule a new pipeline."""
    kind = req.arg("type")
    if kind not in TYPES:
        raise bad_request(f"type must be one of {', '.join(TYPES)}")
    trial = _bool(req, "trial", False)
    for name in _REQUIRED[kind]:
        if not req.arg(name) and not trial:
            raise bad_request(f"{name} is required for {kind} pipelines")
    for name, choices in _CHOICES.items():
        value = req.arg(name)
        if value and value not in choices:
            raise bad_request(f"{name} must be one of {', '.join(choices)}")
    data_source = req.arg("data_source") or "events"
    allowed_sources = ("events",) if kind in RAW_TYPES else ("events", "people")
    if data_source not in allowed_sources:
        raise bad_request(f"data_source must be one of {', '.join(allowed_sources)}")
    data_format = req.arg("data_format")
    if data_format and data_format not in (("json",) if kind in RAW_TYPES else ("json", "parquet")):
        raise bad_request(f"data_format {data_format!r} is not available for {kind}")
    today = req.state.data.today
    start_text = req.arg("from_date")
    if not start_text and not trial:
        raise bad_request("from_date is required")
    from_date = parse_day("from_date", start_text) if start_text else today
    end_text = req.arg("to_date")
    to_date = parse_day("to_date", end_text) if end_text else None
    if to_date is not None and to_date < from_date:
        raise bad_request("to_date must not be before from_date")
    frequency = req.arg("frequency") or "daily"
    schema_type = None if kind in RAW_TYPES else req.arg("schema_type") or "monoschema"
    pipeline = Pipeline(
        name="-".join(p for p in (data_source, frequency, kind, schema_type) if p),
        type=kind,
        data_source=data_source,
        from_date=from_date,
        to_date=to_date,
        frequency=frequency,
        schema_type=schema_type,
        sync=_bool(req, "sync", False),
        events=_events(req),
        where=_where(req.arg("where")),
        settings={
            k: v
            for k, v in req.form().items()
            if k not in _SECRET_FIELDS and k.split("_", 1)[0] in ("gcs", "s3", "bq", "gcp", "glue")
        },
    )
    if trial:
        pipeline.name = "trial-" + pipeline.name
    pipes = _store(req)
    with pipes.lock:
        if pipeline.name in pipes.pipelines:
            raise bad_request(f"a pipeline named {pipeline.name!r} already exists")
        pipes.pipelines[pipeline.name] = pipeline
    body: dict[str, Any] = {"pipeline_names": [pipeline.name]}
    if kind == "bigquery":
        body["bigquery_dataset_name"] = (
            "https://bigquery.cloud.google.com/dataset/"
            f"{req.arg('gcp_project')}:{req.arg('bq_dataset_name')}"
        )
    return Response.json(body)


def edit_pipeline(req: Request) -> Response:
    """Change the event filter, ``where`` or destination settings."""
    unknown = set(req.form()) - _EDITABLE - {"name", "project_id"}
    if unknown:
        raise bad_request(f"cannot edit {', '.join(sorted(unknown))}")
    where = req.arg("where")
    checked_where = _where(where) if where is not None else None
    pipes = _store(req)
    with pipes.lock:
        pipeline = _pipeline(pipes, req)
        assert pipeline is not None
        if "events" in req.form():
            pipeline.events = _events(req)
        if checked_where is not None:
            pipeline.where = checked_where
        for key, values in req.form_multi().items():
            if key in _EDITABLE and key not in _SECRET_FIELDS and key not in ("events", "where"):
                # bq_share_with_group repeats, once per address (Mixpanel's document)
                repeated = key == "bq_share_with_group"
                pipeline.settings[key] = [v for v in values if v] if repeated else values[-1]
    return Response.json({"status": "ok"})


def _action(req: Request, change: str) -> Response:
    pipes = _store(req)
    with pipes.lock:
        pipeline = _pipeline(pipes, req)
        assert pipeline is not None
        if change == "cancel":
            del pipes.pipelines[pipeline.name]
        else:
            pipeline.paused = change == "pause"
    return Response.json({"status": "ok"})


def cancel_pipeline(req: Request) -> Response:
    """Delete a pipeline."""
    return _action(req, "cancel")


def pause_pipeline(req: Request) -> Response:
    """Stop scheduling a pipeline's jobs."""
    return _action(req, "pause")


def resume_pipeline(req: Request) -> Response:
    """Schedule a paused pipeline's jobs again."""
    return _action(req, "resume")


def _days(pipeline: Pipeline, today: date) -> list[date]:
    last = min(pipeline.to_date or today, today)
    first = pipeline.from_date
    if (last - first).days >= MAX_JOBS:  # (never below date.min: first is earlier still)
        first = last - timedelta(days=MAX_JOBS - 1)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _stamp(day: date, hours: int) -> str:
    moment = datetime.combine(day, time(0)) + timedelta(hours=hours)
    return moment.isoformat(timespec="seconds") + "+00:00"  # 4-digit years, even before 1000


def _jobs(pipeline: Pipeline, project_id: int, today: date) -> list[dict[str, Any]]:
    jobs = []
    for day in _days(pipeline, today):
        state = "succeeded" if day < today else "canceled" if pipeline.paused else "running"
        job = {
            "project_id": project_id,
            "name": pipeline.name,
            "state": state,
            "run_at": _stamp(day + timedelta(days=1), 0),
            "from_date": _stamp(day, 0),
            "to_date": _stamp(day, 0),
        }
        if state == "succeeded":
            job["last_finish"] = _stamp(day + timedelta(days=1), 1)
        jobs.append(job)
    return jobs


def list_pipeline_jobs(req: Request) -> Response:
    """Every pipeline of the project, keyed by project id."""
    _project_id_required(req)
    project_id = req.state.data.project_id
    today = req.state.data.today
    pipes = _store(req)
    with pipes.lock:
        listed = [
            {
                "name": p.name,
                "Dispatcher": "backfill",
                "last_dispatched": f"{min(p.to_date or today, today).isoformat()} 01:00:00 UTC",
                "frequency": p.frequency,
                "sync_enabled": "true" if p.sync else "false",
            }
            for p in pipes.pipelines.values()
        ]
    return Response.json({str(project_id): listed})


def get_pipeline_status(req: Request) -> Response:
    """One pipeline's jobs grouped by state (counts with ``summary=true``)."""
    _project_id_required(req)
    wanted = req.query_multi.get("status", [])
    bad = [s for s in wanted if s not in JOB_STATES]
    if bad:
        raise bad_request(f"status must be one of {', '.join(JOB_STATES)}")
    summary = _bool(req, "summary", False)
    pipes = _store(req)
    with pipes.lock:
        pipeline = _pipeline(pipes, req)
        assert pipeline is not None
        jobs = _jobs(pipeline, req.state.data.project_id, req.state.data.today)
    grouped: dict[str, list[dict[str, Any]]] = {}
    for job in jobs:
        if not wanted or job["state"] in wanted:
            grouped.setdefault(job["state"], []).append(job)
    if summary:
        return Response.json({state: len(items) for state, items in grouped.items()})
    return Response.json(grouped)


def list_pipeline_sync_dates(req: Request) -> Response:
    """Per exported day, when it was synced (every pipeline when ``name`` is left out)."""
    _project_id_required(req)
    today = req.state.data.today
    pipes = _store(req)
    with pipes.lock:
        one = _pipeline(pipes, req, required=False)
        chosen = [one] if one is not None else list(pipes.pipelines.values())
        days: dict[date, list[str]] = {}
        for pipeline in chosen:
            for day in _days(pipeline, today):
                if day < today:  # the days whose job succeeded (see _jobs)
                    synced = datetime.combine(day + timedelta(days=1), time(1, 14, 9))
                    days.setdefault(day, []).append(synced.isoformat(sep=" ") + ".000000 +0000 UTC")
    return Response.json(
        {
            "day_syncs": [
                {"date": d.isoformat(), "sync_times": times, "status": "synced"}
                for d, times in sorted(days.items())
            ]
        }
    )


_P = "/api/2.0/nessie/pipeline"
ROUTES = [
    Route("GET", _P + "/jobs", "project", list_pipeline_jobs),
    Route("POST", _P + "/create", "none", _guarded(create_pipeline)),
    Route("POST", _P + "/edit", "none", _guarded(edit_pipeline)),
    Route("POST", _P + "/cancel", "none", _guarded(cancel_pipeline)),
    Route("POST", _P + "/pause", "none", _guarded(pause_pipeline)),
    Route("POST", _P + "/resume", "none", _guarded(resume_pipeline)),
    Route("GET", _P + "/status", "project", get_pipeline_status),
    Route("GET", _P + "/timeline", "project", list_pipeline_sync_dates),
]
