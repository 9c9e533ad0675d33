"""Contract: Mixpanel's OWN published OpenAPI documents accept the sandbox's answers.

``../shared/reference/mixpanel-openapi/*.openapi.yaml`` (beside the repository; CI has a copy) are
Mixpanel's documents, not ours. For every operation they describe with a JSON success response,
the test sends the sandbox a realistic request on the documented path (the server's base path,
e.g. ``/api/app``, plus the operation's path, fragment stripped) with the documented auth, and
validates the answer against THEIR schema (their ``$ref``s resolved; OpenAPI 3.0 ``nullable``
handled by openapi-schema-validator's OAS 3.0 validator, 3.1 documents by its OAS 3.1 one).

Where their schema is wrong, :data:`KNOWN_SCHEMA_ERRORS` names the operation, the reason, and the
exact validation errors expected: the test fails if those errors change or disappear, so the list
never outlives the problem. Every JSON operation of their documents must have a request in
:data:`REQUESTS` (nothing is skipped silently).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import yaml
from openapi_schema_validator import (
    OAS30Validator,
    OAS31Validator,
    oas30_format_checker,
    oas31_format_checker,
)
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4, DRAFT202012

from mixpanel_data.sandbox import Sandbox

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO.parent / "shared" / "reference" / "mixpanel-openapi"
METHODS = ("get", "put", "post", "delete", "patch")
SANDBOX_ARGS: dict[str, Any] = {"seed": 9, "users": 40, "days": 10, "end_date": "2026-01-31"}
WORKSPACE_ID = 70001
ORGANIZATION_ID = 9001
LOOKUP_TABLE = "7d1c0a3e-5b9f-4e21-9a6c-2f8d4b1e0c57"


def _require_reference() -> Path:
    if not REFERENCE.is_dir() or not any(REFERENCE.glob("*.openapi.yaml")):
        pytest.fail(
            f"Mixpanel's published OpenAPI documents are missing: expected "
            f"{REFERENCE}/*.openapi.yaml (the shared/ folder beside the repository, which CI "
            f"provides). Put a copy of shared/ next to the clone to run these tests."
        )
    return REFERENCE


@cache
def _document(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((_require_reference() / name).read_text())
    return loaded


@dataclass(frozen=True)
class DocOperation:
    """One operation of a published document with a JSON success answer."""

    document: str
    operation_id: str
    method: str
    path: str  # the sandbox path template: base path + document path, fragment stripped
    status: int
    pointer: str  # JSON pointer of the success schema inside the document
    security: tuple[str, ...]


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def _json_operations(
    name: str, without_schema: list[tuple[str, str]] | None = None
) -> list[DocOperation]:
    """The operations of document ``name`` whose success answer is JSON with a schema (those
    with JSON but only examples are appended to ``without_schema``)."""
    without_schema = [] if without_schema is None else without_schema
    doc = _document(name)
    base = urlsplit(doc["servers"][0]["url"].replace("{", "").replace("}", "")).path.rstrip("/")
    default_security = doc.get("security", [])
    found = []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method not in METHODS:
                continue
            for status, response in op.get("responses", {}).items():
                if not str(status).startswith("2"):
                    continue
                pointer = f"/paths/{_escape(path)}/{method}/responses/{status}"
                if "$ref" in response:
                    pointer = response["$ref"].removeprefix("#")
                    response = doc["components"]["responses"][pointer.rsplit("/", 1)[1]]
                media = response.get("content", {}).get("application/json")
                if media is None:
                    continue
                if "schema" not in media:  # only examples: nothing to validate against
                    without_schema.append((name, op["operationId"]))
                    break
                schemes = tuple(
                    scheme
                    for requirement in op.get("security", default_security)
                    for scheme in requirement
                )
                full = base + path.split("#", 1)[0]
                found.append(
                    DocOperation(
                        document=name,
                        operation_id=op["operationId"],
                        method=method.upper(),
                        path=full,
                        status=int(status),
                        pointer=f"{pointer}/content/application~1json/schema",
                        security=schemes,
                    )
                )
                break
    return found


def _all_json_operations(
    without_schema: list[tuple[str, str]] | None = None,
) -> dict[tuple[str, str], DocOperation]:
    reference = _require_reference()
    return {
        (op.document, op.operation_id): op
        for file in sorted(reference.glob("*.openapi.yaml"))
        for op in _json_operations(file.name, without_schema)
    }


def _validation_errors(op: DocOperation, body: Any) -> tuple[list[str], list[str]]:
    """The errors of ``body`` against the document's schema: ``(kinds, messages)``.

    ``kinds`` names each distinct failing rule by its place in their schema (``$ref`` hops left
    out) and keyword, e.g. ``properties/results/items/properties/$distinct_id/type: 'integer'``;
    it does not depend on the data (which rows, which dates), so an allow-list can state it
    exactly. ``messages`` are the first few errors as jsonschema words them, for humans.
    """
    doc = _document(op.document)
    oas31 = str(doc["openapi"]).startswith("3.1")
    resource = Resource.from_contents(doc, default_specification=DRAFT202012 if oas31 else DRAFT4)
    registry: Registry[Any] = Registry().with_resource("urn:mixpanel-doc", resource)
    schema = {"$ref": f"urn:mixpanel-doc#{op.pointer}"}
    if oas31:
        validator: Any = OAS31Validator(
            schema, registry=registry, format_checker=oas31_format_checker
        )
    else:
        validator = OAS30Validator(schema, registry=registry, format_checker=oas30_format_checker)
    errors = list(validator.iter_errors(body))
    kinds = {
        "/".join(str(p) for p in e.absolute_schema_path if p != "$ref") + f": {e.validator_value!r}"
        for e in errors
    }
    messages = [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors]
    return sorted(kinds), messages[:5]


# -- the requests ---------------------------------------------------------------------------------


@dataclass
class Call:
    """What to send for one operation (the path comes from the document)."""

    path_values: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    json: Any = None
    data: dict[str, Any] | None = None
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Ctx:
    """The sandbox, a service-account client for set-up calls, and real values to use."""

    sb: Sandbox
    http: httpx.Client
    users: list[str]

    @property
    def pid(self) -> int:
        return self.sb.credentials.project_id

    @property
    def token(self) -> str:
        return self.sb.credentials.token

    @property
    def first(self) -> str:
        return self.sb.start_date.isoformat()

    @property
    def last(self) -> str:
        return self.sb.end_date.isoformat()

    @property
    def dates(self) -> dict[str, str]:
        return {"from_date": self.first, "to_date": self.last}

    def time(self, hour: int = 12) -> int:
        midnight = self.sb.end_date - date(1970, 1, 1)
        return int(midnight.total_seconds()) + hour * 3600

    # set-up helpers (our own paths, service account)
    def app(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, f"/api/app/projects/{self.pid}{path}", **kwargs)
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    def new_annotation(self) -> int:
        body = {"date": f"{self.last} 10:00:00", "description": "Set-up note"}
        created: int = self.app("POST", "/annotations", json=body)["results"]["id"]
        return created

    def new_flag(self) -> str:
        body = flag_body(f"doc-{uuid.uuid4().hex[:10]}")
        path = f"/workspaces/{WORKSPACE_ID}/feature-flags"
        created: str = self.app("POST", path, json=body)["results"]["id"]
        return created

    def new_import(self) -> int:
        made = self.app("POST", "/warehouse-sources/imports/people", json=people_import())
        created: int = made["results"]["id"]
        return created

    def ensure_schema(self, entity: str, name: str) -> str:
        """Upload a schema for ``entity``/``name`` (whatever ran before) and return ``name``."""
        body = {
            "description": "Set up by the contract test",
            "properties": {"x": {"type": "string"}},
        }
        self.app("POST", f"/schemas/{entity}/{_quote(name)}", json=body)
        return name

    def gdpr_job(self, kind: str) -> str:
        response = httpx.post(  # the bearer token, not the client's service account
            f"{self.sb.url}/api/app/data-{kind}/v3.0",
            params={"token": self.token},
            json={"distinct_ids": self.users[:2], "compliance_type": "GDPR"},
            headers={"Authorization": f"Bearer {self.sb.credentials.oauth_token}"},
        )
        assert response.status_code == 201, response.text
        task: str = response.json()["results"]["task_id"]
        return task

    def service_account(self, *, in_project: bool = False) -> int:
        """A new service account (never used: ``last_used`` is null), in the project if asked."""
        body: dict[str, Any] = {"username": f"doc-{uuid.uuid4().hex[:8]}", "role": "analyst"}
        if in_project:
            body["projects"] = [{"id": self.pid, "role": "analyst"}]
        response = self.http.post(
            f"/api/app/organizations/{ORGANIZATION_ID}/service-accounts", json=body
        )
        assert response.status_code == 201, response.text
        created: int = response.json()["results"]["id"]
        return created

    def pipeline(self, kind: str = "s3-raw") -> str:
        """The name of a pipeline of ``kind`` (created unless it exists)."""
        name = f"events-daily-{kind}"
        response = self.http.post("/api/2.0/nessie/pipeline/create", data=pipeline_form(self, kind))
        assert response.status_code in (200, 400), response.text
        return name


def _quote(text: str) -> str:
    return text.replace(" ", "%20")


def flag_body(key: str) -> dict[str, Any]:
    return {
        "name": f"Flag {key}",
        "key": key,
        "tags": ["contract"],
        "context": "distinct_id",
        "serving_method": "server",
        "status": "enabled",
        "ruleset": {
            "variants": [
                {"key": "control", "value": False, "is_control": True, "split": 0.5},
                {"key": "treatment", "value": True, "is_control": False, "split": 0.5},
            ],
            "rollout": [
                {
                    "name": "Everyone",
                    "rollout_percentage": 1.0,
                    "variant_splits": {"control": 0.5, "treatment": 0.5},
                }
            ],
        },
    }


def people_import() -> dict[str, Any]:
    return {
        "import_type": "people",
        "warehouse_source_id": 310,
        "table_params": {"database": "PROD", "schema": "CRM", "table": "USERS"},
        "user_column_name": "USER_ID",
        "sync_mode": "mirror_mode",
        "run_every": 86400000000000,
        "property_mappings": {"PLAN_NAME": "plan"},
    }


def pipeline_form(ctx: Ctx, kind: str) -> dict[str, Any]:
    return {
        "project_id": ctx.pid,
        "type": kind,
        "from_date": (ctx.sb.end_date - timedelta(days=3)).isoformat(),
        "frequency": "daily",
        "s3_bucket": "acme-mixpanel-raw",
        "s3_region": "us-east-1",
        "s3_role": "arn:aws:iam::123456789012:role/mixpanel-export",
        "gcs_bucket": "acme-mixpanel-raw",
        "gcs_region": "us-central1",
    }


def _event(ctx: Ctx, name: str, user: str, **props: Any) -> dict[str, Any]:
    insert_id = uuid.uuid4().hex
    return {
        "event": name,
        "properties": {
            "time": ctx.time(),
            "distinct_id": user,
            "$insert_id": insert_id,
            **props,
        },
    }


def _profile_call(ctx: Ctx, operation: str, value: Any) -> Call:
    body = [{"$token": ctx.token, "$distinct_id": ctx.users[0], operation: value}]
    return Call(params={"verbose": 1}, json=body)


def _group_call(ctx: Ctx, operation: str, value: Any) -> Call:
    record = {"$token": ctx.token, "$group_key": "company_id", "$group_id": "c0001"}
    return Call(params={"verbose": 1}, json=[{**record, operation: value}])


Builder = Callable[[Ctx], Call]

ANN = "annotations.openapi.yaml"
PIPE = "data-pipelines.openapi.yaml"
FFM = "feature-flags-management.openapi.yaml"
FF = "feature-flags.openapi.yaml"
GDPR = "gdpr.openapi.yaml"
IDN = "identity.openapi.yaml"
ING = "ingestion.openapi.yaml"
LEX = "lexicon-schemas.openapi.yaml"
QRY = "query.openapi.yaml"
SA = "service-accounts.openapi.yaml"
WH = "warehouse-connectors.openapi.yaml"

P = "projectId"


def _pid(ctx: Ctx, **values: Any) -> dict[str, Any]:
    return {P: ctx.pid, **values}


def _flags(ctx: Ctx, **values: Any) -> dict[str, Any]:
    return {"project_id": ctx.pid, "workspace_id": WORKSPACE_ID, **values}


def _query(ctx: Ctx, **params: Any) -> Call:
    return Call(params={"project_id": ctx.pid, **params})


def _after(_setup: object, call: Call) -> Call:
    """``call``, built once the set-up call given before it has run (a new account, ...)."""
    return call


REQUESTS: dict[tuple[str, str], Builder] = {
    # Annotations
    (ANN, "list-all-annotations-for-project"): lambda c: Call(
        _pid(c), {"fromDate": c.first, "toDate": c.last}
    ),
    (ANN, "create-annotation"): lambda c: Call(
        _pid(c), json={"date": f"{c.last} 09:00:00", "description": "Launch", "tags": [301]}
    ),
    (ANN, "get-annotation"): lambda c: Call(_pid(c, annotationId=c.new_annotation())),
    (ANN, "patch-annotation"): lambda c: Call(
        _pid(c, annotationId=c.new_annotation()), json={"description": "Edited", "tags": [302]}
    ),
    (ANN, "delete-annotation"): lambda c: Call(_pid(c, annotationId=c.new_annotation())),
    (ANN, "get-annotation-tags"): lambda c: Call(_pid(c)),
    (ANN, "create-annotation-tag"): lambda c: Call(
        _pid(c), json={"name": f"tag-{uuid.uuid4().hex[:8]}"}
    ),
    # Data pipelines
    (PIPE, "get-warehouse-pipeline-status"): lambda c: _query(c, name=c.pipeline()),
    # Feature flags
    (FFM, "list-feature-flags"): lambda c: Call(_flags(c), {"include_archived": "true"}),
    (FFM, "create-feature-flag"): lambda c: Call(
        _flags(c), json=flag_body(f"doc-{uuid.uuid4().hex[:10]}")
    ),
    (FFM, "get-feature-flag"): lambda c: Call(_flags(c, flag_id=c.new_flag())),
    (FFM, "delete-feature-flag"): lambda c: Call(_flags(c, flag_id=c.new_flag())),
    (FFM, "update-feature-flag"): lambda c: Call(
        _flags(c, flag_id=(flag := c.new_flag())),
        json={**flag_body(f"doc-{flag[:8]}"), "status": "disabled"},
    ),
    (FF, "get-variant-assignments"): lambda c: _query(
        c, context=json.dumps({"distinct_id": c.users[3], "custom_properties": {"plan": "pro"}})
    ),
    (FF, "get-flag-definitions"): lambda c: _query(c),
    # GDPR
    (GDPR, "create-retrieval"): lambda c: Call(
        params={"token": c.token},
        json={"distinct_ids": c.users[:2], "compliance_type": "CCPA", "disclosure_type": "Data"},
    ),
    (GDPR, "get-retrieval"): lambda c: Call(
        {"tracking_id": c.gdpr_job("retrievals")}, {"token": c.token}
    ),
    (GDPR, "create-deletion"): lambda c: Call(
        params={"token": c.token},
        json={"distinct_ids": [c.users[-1]], "compliance_type": "GDPR"},
    ),
    (GDPR, "get-deletion"): lambda c: Call(
        {"tracking_id": c.gdpr_job("deletions")}, {"token": c.token}
    ),
    # Identity and ingestion
    (IDN, "identity-merge"): lambda c: Call(
        params={"strict": "1", "project_id": c.pid},
        json=[
            {
                "event": "$merge",
                "properties": {"$distinct_ids": [c.users[4], "anon-7c2e91"], "token": c.token},
            }
        ],
    ),
    (ING, "import-events"): lambda c: Call(
        params={"strict": "1", "project_id": c.pid},
        json=[_event(c, "Contract Import", c.users[5], plan="pro", amount=12.5)],
    ),
    (ING, "list-lookup-tables"): lambda c: _query(c),
    (ING, "replace-lookup-table"): lambda c: Call(
        {"id": LOOKUP_TABLE},
        {"project_id": c.pid},
        content=b"product_id,name,category\nsku-1,Red Sneaker,shoes\nsku-3,Scarf,accessories\n",
        headers={"Content-Type": "text/csv"},
    ),
    # Lexicon schemas
    (LEX, "list-all-schemas-for-project"): lambda c: Call(_pid(c)),
    (LEX, "upload-schemas-for-project"): lambda c: Call(
        _pid(c),
        json={
            "entries": [
                {
                    "entityType": "event",
                    "name": "Checkout Started",
                    "schemaJson": {
                        "description": "A shopper opened the checkout page.",
                        "properties": {"cart_value": {"type": "number"}},
                    },
                }
            ],
            "truncate": False,
        },
    ),
    (LEX, "delete-all-schemas-in-project"): lambda c: Call(_pid(c)),
    (LEX, "list-schemas-for-entity"): lambda c: _after(
        c.ensure_schema("event", "Purchase"), Call(_pid(c, entityType="event"))
    ),
    (LEX, "delete-schemas-for-entity"): lambda c: Call(
        _pid(c, entityType="profile"), {"entity_name": c.ensure_schema("profile", "User")}
    ),
    (LEX, "list-schemas-by-entity-and-name"): lambda c: Call(
        _pid(c, entityType="event", name=c.ensure_schema("event", "Purchase"))
    ),
    (LEX, "delete-schema-by-entity-and-name"): lambda c: Call(
        _pid(c, entityType="event", name=c.ensure_schema("event", "Doc Temp"))
    ),
    (LEX, "upload-schema-by-entity-and-name"): lambda c: Call(
        _pid(c, entityType="event", name="Add to Cart"),
        json={
            "description": "A product went into the cart.",
            "properties": {"price": {"type": "number", "description": "Unit price."}},
            "metadata": {"com.mixpanel": {"displayName": "Add to Cart", "hidden": False}},
        },
    ),
    # Query
    (QRY, "insights-query"): lambda c: _query(c, bookmark_id=50001),
    (QRY, "funnels-query"): lambda c: _query(c, funnel_id=7001, **c.dates),
    (QRY, "funnels-list-saved"): lambda c: _query(c),
    (QRY, "retention-query"): lambda c: _query(
        c, born_event="Sign Up", event="Login", unit="day", interval_count=5, **c.dates
    ),
    (QRY, "retention-frequency-query"): lambda c: _query(
        c, unit="week", addiction_unit="day", event="Login", **c.dates
    ),
    (QRY, "segmentation-query"): lambda c: _query(
        c, event="Purchase", on='properties["plan"]', unit="day", **c.dates
    ),
    (QRY, "segmentation-numeric-query"): lambda c: _query(
        c, event="Purchase", on='properties["amount"]', **c.dates
    ),
    (QRY, "segmentation-sum-query"): lambda c: _query(
        c, event="Purchase", on='properties["amount"]', **c.dates
    ),
    (QRY, "segmentation-query-average"): lambda c: _query(
        c, event="Purchase", on='properties["amount"]', **c.dates
    ),
    (QRY, "activity-stream-query"): lambda c: _query(
        c, distinct_ids=json.dumps(c.users[:2]), **c.dates
    ),
    (QRY, "cohorts-list"): lambda c: _query(c),
    (QRY, "engage-query"): lambda c: Call(
        params={"project_id": c.pid},
        data={"where": 'user["plan"] == "pro"', "output_properties": '["$email", "plan"]'},
    ),
    (QRY, "list-recent-events"): lambda c: _query(
        c, event=json.dumps(["Purchase", "Login"]), type="general", unit="day", **c.dates
    ),
    (QRY, "query-top-events"): lambda c: _query(c, type="general", limit=5),
    (QRY, "query-months-top-event-names"): lambda c: _query(c, type="general"),
    (QRY, "query-event-properties"): lambda c: _query(
        c, event="Purchase", name="plan", type="general", unit="day", **c.dates
    ),
    (QRY, "query-events-top-properties"): lambda c: _query(c, event="Purchase"),
    (QRY, "query-events-top-property-values"): lambda c: _query(c, event="Purchase", name="plan"),
    (QRY, "query-jql"): lambda c: Call(
        params={"project_id": c.pid},
        data={
            "script": "function main() { return Events(params)"
            ".groupBy(['name'], mixpanel.reducer.count()); }",
            "params": json.dumps({"from_date": c.first, "to_date": c.last}),
        },
    ),
    # Service accounts
    (SA, "list-service-accounts"): lambda c: _after(
        c.service_account(), Call({"organizationId": ORGANIZATION_ID})
    ),
    (SA, "create-service-account"): lambda c: Call(
        {"organizationId": ORGANIZATION_ID},
        json={
            "username": f"etl-{uuid.uuid4().hex[:8]}",
            "role": "analyst",
            "expires": "2027-01-01T00:00:00Z",
            "projects": [{"id": c.pid, "role": "analyst"}],
        },
    ),
    (SA, "get-service-account"): lambda c: Call(
        {"organizationId": ORGANIZATION_ID, "serviceAccountId": 880002}
    ),
    (SA, "delete-service-account"): lambda c: Call(
        {"organizationId": ORGANIZATION_ID, "serviceAccountId": c.service_account()}
    ),
    (SA, "list-project-service-accounts"): lambda c: _after(
        c.service_account(in_project=True), Call(_pid(c))
    ),
    (SA, "add-service-accounts-to-projects"): lambda c: Call(
        {"organizationId": ORGANIZATION_ID},
        json={
            "projects": [{"id": c.pid, "role": "consumer"}],
            "service_account_ids": [c.service_account()],
        },
    ),
    (SA, "remove-service-accounts-from-projects"): lambda c: Call(
        {"organizationId": ORGANIZATION_ID},
        json={"projects": [{"id": c.pid, "service_account_ids": [c.service_account()]}]},
    ),
    # Warehouse connectors
    (WH, "list-warehouse-imports"): lambda c: Call(_pid(c)),
    (WH, "get-warehouse-import"): lambda c: Call(_pid(c, importId=4101)),
    (WH, "update-warehouse-import"): lambda c: Call(
        _pid(c, importId=c.new_import()), json={"paused": True, "run_every": 3600000000000}
    ),
    (WH, "delete-warehouse-import"): lambda c: Call(
        _pid(c, importId=c.new_import()), json={"delete_data": False}
    ),
    (WH, "create-event-stream-import"): lambda c: Call(
        _pid(c),
        json={
            "import_type": "event_stream",
            "warehouse_source_id": 310,
            "table_params": {"dataset": "analytics", "table": "checkout_events"},
            "event_column_name": "event_type",
            "time_column_name": "event_ts",
            "user_column_name": "user_id",
            "sync_mode": "time_based",
            "insert_time_column_name": "loaded_at",
            "run_every": 3600000000000,
        },
    ),
    (WH, "create-people-import"): lambda c: Call(_pid(c), json=people_import()),
    (WH, "create-groups-import"): lambda c: Call(
        _pid(c),
        json={
            "import_type": "groups",
            "warehouse_source_id": 310,
            "table_params": {"schema": "public", "table": "accounts"},
            "group_key": "company_id",
            "group_id_column": "account_id",
            "sync_mode": "full_sync",
            "run_every": 604800000000000,
        },
    ),
    (WH, "create-lookup-table-import"): lambda c: Call(
        _pid(c),
        json={
            "import_type": "lookup_table",
            "warehouse_source_id": 310,
            "table_params": {"dataset": "catalog", "table": "products"},
            "mixpanel_property": {
                "value": "product_id",
                "resourceType": "event",
                "customPropertyId": None,
            },
            "property_key_column_name": "sku",
            "sync_mode": "full_sync",
            "run_every": 86400000000000,
        },
    ),
    (WH, "run-an-import"): lambda c: Call(_pid(c, importId=4102), json={}),
    (WH, "get-import-history"): lambda c: Call(_pid(c, importId=4101)),
}

# JSON success answers their documents give only examples for (no schema to validate against).
JSON_WITHOUT_SCHEMA: list[tuple[str, str]] = [
    (PIPE, "list-warehouse-pipeline-jobs"),
    (PIPE, "create-warehouse-pipeline"),
    (PIPE, "list-warehouse-pipeline-sync-dates"),
]

# Where Mixpanel's own schema is wrong: operation -> (why, the exact errors it reports).
KNOWN_SCHEMA_ERRORS: dict[tuple[str, str], tuple[str, list[str]]] = {
    (QRY, "engage-query"): (
        "query.openapi.yaml line 1294: their schema types $distinct_id as an integer; distinct "
        "ids are strings (their own examples, every other document and the API use text such "
        "as 'user-00001')",
        ["properties/results/items/properties/$distinct_id/type: 'integer'"],
    ),
    (QRY, "funnels-query"): (
        "query.openapi.yaml lines 310 and 313: their step schema makes avg_time and "
        "avg_time_from_start non-nullable integers, but "
        "the first step has no previous step to time (and a step nobody reached has no time): "
        "the API answers null there, as our spec documents",
        [
            "properties/data/additionalProperties/properties/steps/items/properties/avg_time"
            "/type: 'integer'",
            "properties/data/additionalProperties/properties/steps/items/properties"
            "/avg_time_from_start/type: 'integer'",
        ],
    ),
    (QRY, "segmentation-sum-query"): (
        "query.openapi.yaml line 935: their schema types each day's sum as an integer; a sum of "
        "a numeric property such as "
        "a purchase amount is fractional (e.g. 274.25)",
        ["properties/results/additionalProperties/type: 'integer'"],
    ),
    (SA, "create-service-account"): (
        "service-accounts.openapi.yaml line 576: their schema makes last_used a non-nullable "
        "date-time; a new account has never been "
        "used, so it is null",
        ["properties/results/allOf/1/properties/last_used/type: 'string'"],
    ),
    (SA, "list-service-accounts"): (
        "service-accounts.openapi.yaml lines 576 and 580: their schema makes expires and "
        "last_used non-nullable date-times; an account without "
        "an expiry has expires null, one never used has last_used null",
        [
            "properties/results/items/properties/expires/type: 'string'",
            "properties/results/items/properties/last_used/type: 'string'",
        ],
    ),
    (SA, "list-project-service-accounts"): (
        "service-accounts.openapi.yaml lines 576 and 580, as for list-service-accounts: expires "
        "and last_used are null for accounts that never "
        "expire or were never used",
        [
            "properties/results/items/allOf/0/properties/expires/type: 'string'",
            "properties/results/items/allOf/0/properties/last_used/type: 'string'",
        ],
    ),
}


# -- fixtures -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ctx() -> Iterator[Ctx]:
    with Sandbox(**SANDBOX_ARGS) as sb:
        creds = sb.credentials
        with sb.data.cursor() as cur:
            rows = cur.execute("SELECT distinct_id FROM profiles ORDER BY 1").fetchall()
        with httpx.Client(base_url=sb.url, auth=(creds.username, creds.secret), timeout=60) as http:
            yield Ctx(sb=sb, http=http, users=[r[0] for r in rows])


def _auth(ctx: Ctx, op: DocOperation) -> dict[str, str]:
    creds = ctx.sb.credentials
    for scheme in op.security:
        if scheme == "ServiceAccount":
            return {"auth": "basic", "user": creds.username, "password": creds.secret}
        if scheme == "ProjectSecret":
            return {"auth": "basic", "user": creds.api_secret, "password": ""}
        if scheme == "OAuthToken":
            return {"auth": "bearer", "token": creds.oauth_token}
    return {"auth": "none"}


def _send(ctx: Ctx, op: DocOperation, call: Call) -> httpx.Response:
    path = op.path
    for name, value in call.path_values.items():
        path = path.replace("{" + name + "}", str(value))
    assert "{" not in path, f"{op.operation_id}: no value for a path parameter of {path}"
    how = _auth(ctx, op)
    headers = dict(call.headers)
    auth: Any = None
    if how["auth"] == "basic":
        auth = (how["user"], how["password"])
    elif how["auth"] == "bearer":
        headers["Authorization"] = f"Bearer {how['token']}"
    with httpx.Client(base_url=ctx.sb.url, timeout=60) as client:
        return client.request(
            op.method,
            path,
            params=call.params,
            json=call.json,
            data=call.data,
            content=call.content,
            headers=headers,
            auth=auth,
        )


# -- the tests ------------------------------------------------------------------------------------


def test_the_documents_are_there() -> None:
    """Fails (never skips) when ``../shared`` is missing: CI always provides it."""
    files = sorted(p.name for p in _require_reference().glob("*.openapi.yaml"))
    assert len(files) >= 12, files


def test_every_json_operation_has_a_request() -> None:
    without_schema: list[tuple[str, str]] = []
    documented = set(_all_json_operations(without_schema))
    assert sorted(without_schema) == sorted(JSON_WITHOUT_SCHEMA)
    assert documented == set(REQUESTS), {
        "documented but no request here": sorted(documented - set(REQUESTS)),
        "request here but not a JSON operation there": sorted(set(REQUESTS) - documented),
    }
    assert set(KNOWN_SCHEMA_ERRORS) <= documented


@pytest.mark.parametrize(("document", "operation_id"), sorted(REQUESTS))
def test_their_schema_accepts_the_sandbox_answer(
    document: str, operation_id: str, ctx: Ctx
) -> None:
    op = _all_json_operations()[(document, operation_id)]
    response = _send(ctx, op, REQUESTS[(document, operation_id)](ctx))
    assert response.status_code == op.status, (
        f"{op.method} {op.path}: {response.status_code} {response.text[:500]}"
    )
    kinds, messages = _validation_errors(op, response.json())
    reason, expected = KNOWN_SCHEMA_ERRORS.get((document, operation_id), ("", []))
    assert kinds == expected, (
        f"{document} {operation_id}: their schema reports {kinds}, e.g. {messages}"
        + (f"; the allow-list expects {expected} ({reason})" if reason else "")
        + f"\nbody: {response.text[:1500]}"
    )


# -- the other operations: text, no body, examples only ------------------------------------------
#
# The operations above answer JSON with a schema. The others answer ``text/plain`` (ingestion's
# ``1``/``0``, export's JSON lines), nothing (204, or a 200 the document gives no content), or JSON
# with examples only. Each is sent too, and checked against what its document does say.

EXP = "export.openapi.yaml"


@dataclass(frozen=True)
class OtherOperation(DocOperation):
    """An operation whose success answer is not JSON with a schema."""

    media: str | None = None  # the documented content type (None: no content documented)
    verbose: bool = False  # the document lists a ``verbose`` parameter


def _other_operations() -> dict[tuple[str, str], OtherOperation]:
    json_ops = _all_json_operations()
    found: dict[tuple[str, str], OtherOperation] = {}
    for file in sorted(_require_reference().glob("*.openapi.yaml")):
        doc = _document(file.name)
        base = urlsplit(doc["servers"][0]["url"].replace("{", "").replace("}", "")).path
        default_security = doc.get("security", [])
        for path, item in doc["paths"].items():
            for method, op in item.items():
                if method not in METHODS or (file.name, op["operationId"]) in json_ops:
                    continue
                status, response = next(
                    (s, r) for s, r in op["responses"].items() if str(s).startswith("2")
                )
                pointer = f"/paths/{_escape(path)}/{method}/responses/{status}"
                if "$ref" in response:
                    pointer = response["$ref"].removeprefix("#")
                    response = doc["components"]["responses"][pointer.rsplit("/", 1)[1]]
                content = response.get("content") or {}
                media = next(iter(content), None)
                if media is not None and "schema" in content[media]:
                    pointer = f"{pointer}/content/{_escape(media)}/schema"
                params = [_resolve_param(doc, p) for p in op.get("parameters", [])]
                found[(file.name, op["operationId"])] = OtherOperation(
                    document=file.name,
                    operation_id=op["operationId"],
                    method=method.upper(),
                    path=base.rstrip("/") + path.split("#", 1)[0],
                    status=int(status),
                    pointer=pointer,
                    security=tuple(
                        scheme
                        for requirement in op.get("security", default_security)
                        for scheme in requirement
                    ),
                    media=media,
                    verbose=any(p.get("name") == "verbose" for p in params),
                )
    return found


def _resolve_param(doc: dict[str, Any], param: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in param:
        resolved: dict[str, Any] = doc["components"]["parameters"][param["$ref"].rsplit("/", 1)[1]]
        return resolved
    return param


def _now(ctx: Ctx) -> int:
    import time

    return int(time.time()) - 60


def _track_call(ctx: Ctx, name: str, **props: Any) -> Call:
    properties = {"token": ctx.token, "time": _now(ctx), "$insert_id": uuid.uuid4().hex, **props}
    return Call(json=[{"event": name, "properties": properties}])


def _profile(ctx: Ctx, operation: str, value: Any) -> Call:
    return Call(json=[{"$token": ctx.token, "$distinct_id": ctx.users[0], operation: value}])


def _group(ctx: Ctx, operation: str, value: Any) -> Call:
    record = {"$token": ctx.token, "$group_key": "company_id", "$group_id": "c0001"}
    return Call(json=[{**record, operation: value}])


OTHER_REQUESTS: dict[tuple[str, str], Builder] = {
    # Data pipelines: examples only, or no content at all
    (PIPE, "list-warehouse-pipeline-jobs"): lambda c: _after(c.pipeline(), _query(c)),
    (PIPE, "create-warehouse-pipeline"): lambda c: Call(  # the example is a BigQuery pipeline's
        data={
            "project_id": c.pid,
            "type": "bigquery",
            "from_date": (c.sb.end_date - timedelta(days=3)).isoformat(),
            "bq_region": "US",
            "sync": "true",
            "schema_type": "monoschema",
            "gcp_project": "acme-analytics",
            "bq_dataset_name": "mixpanel_contract",
        }
    ),
    (PIPE, "list-warehouse-pipeline-sync-dates"): lambda c: _query(c, name=c.pipeline()),
    (PIPE, "edit-warehouse-pipeline"): lambda c: Call(
        data={"name": c.pipeline(), "project_id": c.pid, "where": 'properties["plan"] == "pro"'}
    ),
    (PIPE, "pause-warehouse-pipeline"): lambda c: Call(
        data={"name": c.pipeline(), "project_id": c.pid}
    ),
    (PIPE, "resume-warehouse-pipeline"): lambda c: Call(
        data={"name": c.pipeline(), "project_id": c.pid}
    ),
    (PIPE, "cancel-warehouse-pipeline"): lambda c: Call(
        data={"name": c.pipeline("gcs-raw"), "project_id": c.pid}
    ),
    # Export: JSON lines as text
    (EXP, "raw-event-export"): lambda c: _query(c, from_date=c.last, to_date=c.last),
    # GDPR: cancelling a deletion answers 204
    (GDPR, "delete-deletion"): lambda c: Call(
        {"tracking_id": c.gdpr_job("deletions")}, {"token": c.token}
    ),
    # Identity through /track
    (IDN, "create-identity"): lambda c: _track_call(
        c,
        "$identify",
        distinct_id=c.users[6],
        **{"$identified_id": c.users[6]},
        **{"$anon_id": f"anon-{uuid.uuid4().hex[:8]}"},
    ),
    (IDN, "identity-create-alias"): lambda c: _track_call(
        c, "$create_alias", distinct_id=c.users[7], alias=f"alias-{uuid.uuid4().hex[:8]}"
    ),
    # Ingestion: 1 / 0 as text
    (ING, "track-event"): lambda c: _track_call(c, "Contract Track", distinct_id=c.users[1]),
    (ING, "profile-set"): lambda c: _profile(c, "$set", {"plan": "pro"}),
    (ING, "profile-set-property-once"): lambda c: _profile(c, "$set_once", {"first": "web"}),
    (ING, "profile-numerical-add"): lambda c: _profile(c, "$add", {"logins": 1}),
    (ING, "user-profile-union"): lambda c: _profile(c, "$union", {"tags": ["a", "b"]}),
    (ING, "profile-append-to-list-property"): lambda c: _profile(c, "$append", {"tags": "c"}),
    (ING, "profile-remove-from-list-property"): lambda c: _profile(c, "$remove", {"tags": "a"}),
    (ING, "profile-delete-property"): lambda c: _profile(c, "$unset", ["first"]),
    (ING, "profile-batch-update"): lambda c: Call(
        json=[
            {"$token": c.token, "$distinct_id": c.users[2], "$set": {"plan": "free"}},
            {"$token": c.token, "$distinct_id": c.users[3], "$add": {"logins": 2}},
        ]
    ),
    (ING, "delete-profile"): lambda c: Call(
        json=[{"$token": c.token, "$distinct_id": c.users[-2], "$delete": None}]
    ),
    (ING, "group-set-property"): lambda c: _group(c, "$set", {"tier": "gold"}),
    (ING, "group-set-property-once"): lambda c: _group(c, "$set_once", {"founded": 2019}),
    (ING, "group-delete-property"): lambda c: _group(c, "$unset", ["founded"]),
    (ING, "group-remove-from-list-property"): lambda c: _group(c, "$remove", {"labels": "x"}),
    (ING, "group-union"): lambda c: _group(c, "$union", {"labels": ["x", "y"]}),
    (ING, "group-batch-update"): lambda c: Call(
        json=[
            {
                "$token": c.token,
                "$group_key": "company_id",
                "$group_id": "c0002",
                "$set": {"tier": "silver"},
            },
            {
                "$token": c.token,
                "$group_key": "company_id",
                "$group_id": "c0003",
                "$union": {"labels": ["z"]},
            },
        ]
    ),
    (ING, "delete-group"): lambda c: Call(
        json=[
            {"$token": c.token, "$group_key": "company_id", "$group_id": "c0004", "$delete": None}
        ]
    ),
}

# The ``verbose=1`` answer has no schema in the documents; its parameter's description defines it
# (ingestion.openapi.yaml line 155, the same text on every ingestion operation): "a JSON Object ...
# two keys: `status`, with the value 1 on success and 0 on failure, and `error`, with a
# string-valued error message if the request wasn't successful".
VERBOSE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["status", "error"],
    "properties": {"status": {"enum": [0, 1]}, "error": {"type": ["string", "null"]}},
}

# Where a document's example disagrees with the API: operation -> (why, the exact differences).
KNOWN_EXAMPLE_ERRORS: dict[tuple[str, str], tuple[str, list[str]]] = {}


def _example_differences(example: Any, body: Any, where: str = "") -> list[str]:
    """Where ``body`` does not have the example's shape: a JSON type differs, or a key of the
    example is missing (arrays: every item against the example's first item; an object whose
    keys are all numbers in the example is a map by id: every value against its first value)."""
    kind = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}

    def name(v: Any) -> str:
        return "number" if isinstance(v, int | float) and not isinstance(v, bool) else kind[type(v)]

    if name(example) != name(body):
        return [f"{where or '<root>'}: {name(example)} in the example, {name(body)} here"]
    found: list[str] = []
    if isinstance(example, dict) and example and all(str(k).isdigit() for k in example):
        first = next(iter(example.values()))
        for key, value in body.items():
            found += _example_differences(first, value, f"{where}/{key}")
    elif isinstance(example, dict):
        for key, value in example.items():
            if key not in body:
                found.append(f"{where}/{key}: missing")
            else:
                found += _example_differences(value, body[key], f"{where}/{key}")
    elif isinstance(example, list) and example:
        for i, item in enumerate(body):
            found += _example_differences(example[0], item, f"{where}/{i}")
    return sorted(set(found))


def _example_of(op: OtherOperation) -> Any:
    node: Any = _document(op.document)
    for part in op.pointer.strip("/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    media = node["content"][op.media]
    if "example" in media:
        return media["example"]
    return next(iter(media["examples"].values()))["value"]


def _text_schema_errors(op: OtherOperation, value: Any) -> list[str]:
    doc = _document(op.document)
    oas31 = str(doc["openapi"]).startswith("3.1")
    resource = Resource.from_contents(doc, default_specification=DRAFT202012 if oas31 else DRAFT4)
    registry: Registry[Any] = Registry().with_resource("urn:mixpanel-doc", resource)
    schema = {"$ref": f"urn:mixpanel-doc#{op.pointer}"}
    validator: Any = (OAS31Validator if oas31 else OAS30Validator)(schema, registry=registry)
    return [e.message for e in validator.iter_errors(value)]


def test_every_operation_of_the_documents_is_covered() -> None:
    """The JSON-schema operations and these together are every operation of the documents."""
    others = _other_operations()
    json_ops = set(_all_json_operations())
    assert set(others) == set(OTHER_REQUESTS), {
        "no request here": sorted(set(others) - set(OTHER_REQUESTS)),
        "not such an operation there": sorted(set(OTHER_REQUESTS) - set(others)),
    }
    assert not json_ops & set(others)
    assert len(json_ops | set(others)) >= 95


@pytest.mark.parametrize(("document", "operation_id"), sorted(OTHER_REQUESTS))
def test_the_sandbox_answers_as_their_document_says(
    document: str, operation_id: str, ctx: Ctx
) -> None:
    op = _other_operations()[(document, operation_id)]
    call = OTHER_REQUESTS[(document, operation_id)](ctx)
    response = _send(ctx, op, call)
    assert response.status_code == op.status, (
        f"{op.method} {op.path}: {response.status_code} {response.text[:500]}"
    )
    if op.status == 204:
        assert response.content == b""
    elif op.media == "text/plain":
        assert response.headers["content-type"].startswith("text/plain"), response.headers
        schema_type = _text_schema_type(op)
        value: Any = int(response.text) if schema_type == "integer" else response.text
        assert _text_schema_errors(op, value) == [], response.text[:300]
        if op.operation_id == "raw-event-export":
            # "one event per line where each line is a valid JSON object" (export.openapi.yaml)
            lines = [json.loads(line) for line in response.text.splitlines() if line]
            assert lines and all({"event", "properties"} <= set(e) for e in lines)
        else:
            assert value == 1  # "1 - One or more objects provided are valid"
    elif op.media == "application/json":
        found = _example_differences(_example_of(op), response.json())
        reason, expected = KNOWN_EXAMPLE_ERRORS.get((document, operation_id), ("", []))
        assert found == expected, f"{operation_id}: {found} ({reason}) body {response.text[:800]}"
    if op.verbose:
        again = _send(ctx, op, _verbose(OTHER_REQUESTS[(document, operation_id)](ctx)))
        assert again.status_code == 200
        body = again.json()
        from jsonschema import Draft202012Validator

        assert list(Draft202012Validator(VERBOSE_SCHEMA).iter_errors(body)) == [], body
        assert body == {"status": 1, "error": None}


def _verbose(call: Call) -> Call:
    return Call(call.path_values, {**call.params, "verbose": 1}, call.json, call.data)


def _text_schema_type(op: OtherOperation) -> str:
    node: Any = _document(op.document)
    for part in op.pointer.strip("/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return str(node.get("type", "string"))
