"""Contract: schemathesis generates requests for every operation of ``spec/`` and sends them to a
running sandbox; every answer must be one the spec documents.

Every operation is run in three modes (:data:`MODES`): each of the spec's own examples, cases
generated from the schemas ("positive") and cases that break them ("negative"), all derandomized
so the run is the same every time. Each case is made authorised the way the operation's
``security`` says (service account ``username:secret``, project secret ``api_secret:``, OAuth
bearer token, or the project token inside the ingestion records), with
``project_id``/``projectId``/``token`` set to the sandbox's. Other parameters that name things
(dates, event names, saved report ids, annotation, flag, import, job and pipeline ids, ...) are
replaced by real ones in about three cases out of four, so that both the success paths and the
"no such thing" paths are exercised. Each answer goes through schemathesis' conformance checks
(status code documented, content type documented, headers and body valid for the documented
response), and a 500 fails the test whatever the spec says.

Nothing is excluded: :func:`test_every_operation_is_exercised` checks that the parametrization
covers exactly the spec's operations (and that schemathesis loads each of them), and each
per-operation test fails unless cases were sent and every answer conformed.
``MP_CONTRACT_EXAMPLES=150`` raises the generated cases per operation for a deeper local run.
"""

from __future__ import annotations

import base64
import json
import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import schemathesis
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from mixpanel_data.sandbox import Sandbox

REPO = Path(__file__).resolve().parents[2]
SPEC_PATH = REPO / "spec" / "mixpanel.openapi.yaml"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# Cases per operation and generation mode ("examples": each example of the spec, twice).
# MP_CONTRACT_EXAMPLES raises the generated counts for a deeper (slower) local run.
_DEPTH = int(os.environ.get("MP_CONTRACT_EXAMPLES", "0"))
MODES: dict[str, int] = {
    "examples": 2,
    "positive": max(_DEPTH, 20),
    "negative": max(_DEPTH, 10),
}
CHECKS = [
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
SANDBOX_ARGS: dict[str, Any] = {"seed": 5, "users": 40, "days": 10, "end_date": "2026-01-31"}


def _spec_operations() -> list[str]:
    """``METHOD path`` of every operation, read from the YAML without schemathesis."""
    spec = yaml.safe_load(SPEC_PATH.read_text())
    return [
        f"{method.upper()} {path}"
        for path, item in spec["paths"].items()
        for method in item
        if method in HTTP_METHODS
    ]


SPEC_OPERATIONS = _spec_operations()


# -- what the sandbox holds -----------------------------------------------------------------------


@dataclass
class World:
    """The running sandbox and the real names and ids the cases may use."""

    sb: Sandbox
    days: list[str]
    event_names: list[str]
    user_ids: list[str]
    tracking_ids: dict[str, list[str]]
    lookup_table_ids: list[str]

    @property
    def creds(self) -> Any:
        return self.sb.credentials


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with Sandbox(**SANDBOX_ARGS) as sb:
        creds = sb.credentials
        with sb.data.cursor() as cur:
            names = [
                r[0] for r in cur.execute("SELECT DISTINCT event FROM events ORDER BY 1").fetchall()
            ]
            users = [
                r[0] for r in cur.execute("SELECT distinct_id FROM profiles ORDER BY 1").fetchall()
            ]
        first = sb.start_date - timedelta(days=2)
        days = [
            (first + timedelta(days=i)).isoformat() for i in range((sb.end_date - first).days + 1)
        ]
        tracking: dict[str, list[str]] = {"retrieval": [], "deletion": []}
        with httpx.Client(base_url=sb.url, timeout=30) as client:
            for kind, path in (
                ("retrieval", "/api/app/data-retrievals/v3.0"),
                ("deletion", "/api/app/data-deletions/v3.0"),
            ):
                for ids in (users[:2], users[2:3], ["nobody-at-all"]):
                    response = client.post(
                        path,
                        params={"token": creds.token},
                        json={"distinct_ids": ids, "compliance_type": "GDPR"},
                        headers={"Authorization": f"Bearer {creds.oauth_token}"},
                    )
                    assert response.status_code == 201, response.text
                    tracking[kind].append(response.json()["results"]["task_id"])
            lookup = client.get(
                "/lookup-tables",
                params={"project_id": creds.project_id},
                headers={"Authorization": _basic(creds.username, creds.secret)},
            )
            assert lookup.status_code == 200, lookup.text
            tables = [t["id"] for t in lookup.json()["results"]]
        yield World(
            sb=sb,
            days=days,
            event_names=names,
            user_ids=users,
            tracking_ids=tracking,
            lookup_table_ids=tables,
        )


@pytest.fixture(scope="module")
def schema(world: World) -> Any:
    loaded = schemathesis.openapi.from_path(SPEC_PATH)
    loaded.config.update(base_url=world.sb.url)
    return loaded


@pytest.fixture(scope="module")
def operations(schema: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    errors: list[str] = []
    for result in schema.get_all_operations():
        try:
            operation = result.ok()
        except AttributeError:
            errors.append(str(result.err()))
            continue
        found[operation.label] = operation
    assert not errors, f"schemathesis could not load some operations: {errors}"
    return found


@pytest.fixture(scope="module")
def session() -> Iterator[requests.Session]:
    with requests.Session() as s:
        yield s


# -- realistic values -----------------------------------------------------------------------------

Draw = Callable[[st.SearchStrategy[Any]], Any]

SEGMENT_ON = ['properties["plan"]', 'properties["$browser"]', 'properties["mp_country_code"]']
NUMERIC_ON = ['properties["amount"]', 'properties["results_count"]', 'properties["$screen_width"]']
WHERE = [
    'properties["plan"] == "pro"',
    'properties["amount"] > 20',
    'defined(properties["coupon"])',
    'properties["$browser"] in ["Chrome", "Safari"]',
]
PROFILE_WHERE = ['user["plan"] == "pro"', 'user["ltv"] > 100', 'defined(user["company_id"])']
PROPERTY_NAMES = ["plan", "$browser", "amount", "currency", "mp_country_code"]
JQL_SCRIPTS = [
    "function main() { return Events(params).groupBy(['name'], mixpanel.reducer.count()); }",
    "function main() { return People().filter(function(u) { return u.properties.plan; })"
    ".groupBy([function(u) { return u.properties.plan; }], mixpanel.reducer.count()); }",
    "function main() { return Events(params).reduce(mixpanel.reducer.count()); }",
]
FLAG_IDS = [
    "5e0c1a52-0000-4000-8000-000000000001",
    "5e0c1a52-0000-4000-8000-000000000002",
    "5e0c1a52-0000-4000-8000-000000000003",
]
SCHEMA_NAMES = ["Page View", "Purchase", "Sign Up", "User"]
# Form bodies that carry the project id (needed with service-account credentials).
PIPELINE_FORMS = frozenset(
    {"create_pipeline", "edit_pipeline", "cancel_pipeline", "pause_pipeline", "resume_pipeline"}
)


def _mostly(draw: Draw, real: st.SearchStrategy[Any]) -> tuple[bool, Any]:
    """Three times out of four: a real value (``True, value``); else keep the generated one."""
    if draw(st.integers(0, 3)) == 0:
        return False, None
    return True, draw(real)


def _date_pair(world: World, draw: Draw) -> tuple[str, str]:
    a, b = sorted(draw(st.lists(st.sampled_from(world.days), min_size=2, max_size=2)))
    return a, b


def _real_query(world: World, op_id: str, name: str, draw: Draw) -> st.SearchStrategy[Any] | None:
    """A strategy of real values for query parameter ``name`` of ``op_id`` (None: keep it)."""
    events = st.sampled_from(world.event_names)
    if name == "event":
        if op_id in ("export_events", "event_counts"):
            return st.lists(events, min_size=1, max_size=3, unique=True).map(json.dumps)
        return events
    if name == "born_event":
        return events
    if name == "on":
        numeric = op_id in ("segmentation_numeric", "segmentation_sum", "segmentation_average")
        return st.sampled_from(NUMERIC_ON if numeric else SEGMENT_ON)
    if name in ("where", "born_where"):
        return st.sampled_from(WHERE)
    if name == "name":
        if op_id in ("get_pipeline_status", "list_pipeline_sync_dates"):
            return st.sampled_from(["events-to-gcs", "people-to-bigquery"])
        return st.sampled_from(PROPERTY_NAMES)
    if name == "values":
        return st.sampled_from([["free", "pro"], ["enterprise"]]).map(json.dumps)
    if name == "distinct_ids":
        return st.lists(st.sampled_from(world.user_ids), min_size=1, max_size=3).map(json.dumps)
    if name == "funnel_id":
        return st.sampled_from([7001, 7002, 7003])
    if name == "bookmark_id":
        return st.sampled_from([50005] if op_id == "flows" else [50001, 50002, 50003, 50004])
    if name == "bookmark":
        return st.sampled_from(world.event_names).map(
            lambda e: json.dumps({"steps": [{"event": e, "forward": 3, "reverse": 1}]})
        )
    if name == "context":
        return st.sampled_from(world.user_ids).map(
            lambda u: json.dumps({"distinct_id": u, "custom_properties": {"plan": "pro"}})
        )
    if name == "summary":
        return st.sampled_from(["true", "false"])
    if name == "entity_name":
        return st.sampled_from(SCHEMA_NAMES)
    return None


def _real_path(world: World, name: str) -> st.SearchStrategy[Any] | None:
    """A strategy of real values for path parameter ``name`` (None: keep the generated one)."""
    choices: dict[str, list[Any]] = {
        "annotationId": [601, 602, 603],
        "flag_id": FLAG_IDS,
        "workspace_id": [70001],
        "organizationId": [9001],
        "serviceAccountId": [880001, 880002, 880003],
        "importId": [4101, 4102],
        "name": SCHEMA_NAMES,
        "id": world.lookup_table_ids,
        "tracking_id": world.tracking_ids["retrieval"] + world.tracking_ids["deletion"],
    }
    values = choices.get(name)
    return st.sampled_from(values) if values else None


def _insert_id(draw: Draw) -> str:
    return str(draw(st.text("0123456789abcdef", min_size=16, max_size=32)))


def _event_time(world: World, draw: Draw) -> int:
    day = date.fromisoformat(draw(st.sampled_from(world.days)))
    start = int((day - date(1970, 1, 1)).total_seconds())
    return start + int(draw(st.integers(0, 86_399)))


def _fix_records(world: World, op_id: str, body: Any, draw: Draw) -> Any:
    """Put the project token in every ingestion record; make some records fully valid."""
    if not isinstance(body, list):
        return body
    token = world.creds.token
    for record in body:
        if not isinstance(record, dict):
            continue
        if op_id.startswith(("profile_", "group_")):
            record["$token"] = token
            real, user = _mostly(draw, st.sampled_from(world.user_ids))
            if real and op_id.startswith("profile_"):
                record["$distinct_id"] = user
            continue
        props = record.get("properties")
        if not isinstance(props, dict):
            continue
        props["token"] = token
        if op_id == "merge_identities":
            real, pair = _mostly(
                draw, st.lists(st.sampled_from(world.user_ids), min_size=2, max_size=2)
            )
            if real:
                props["$distinct_ids"] = pair
            continue
        real, user = _mostly(draw, st.sampled_from(world.user_ids))
        if real:
            props["distinct_id"] = user
            props["time"] = _event_time(world, draw)
            props["$insert_id"] = _insert_id(draw)
    return body


def _fix_identity_form(world: World, op_id: str, body: Any, draw: Draw) -> Any:
    """The form's ``data`` field: an identify/alias event as JSON text with the project token."""
    if not isinstance(body, dict):
        return body
    ids = st.one_of(st.sampled_from(world.user_ids), st.text(min_size=1, max_size=12))
    first, second = draw(ids), draw(ids)
    token = world.creds.token
    if op_id == "create_identity":
        props = {"$identified_id": first, "$anon_id": second, "token": token}
        event = {"event": "$identify", "properties": props}
    else:
        props = {"distinct_id": first, "alias": second, "token": token}
        event = {"event": "$create_alias", "properties": props}
    body["data"] = json.dumps(event)
    return body


def _fix_body(world: World, op_id: str, body: Any, draw: Draw) -> Any:
    if op_id in ("create_identity", "create_alias"):
        return _fix_identity_form(world, op_id, body, draw)
    if op_id in ("track_events", "import_events", "merge_identities") or op_id.startswith(
        ("profile_", "group_")
    ):
        return _fix_records(world, op_id, body, draw)
    if not isinstance(body, dict):
        return body
    if "project_id" in body or op_id in PIPELINE_FORMS:
        body["project_id"] = world.creds.project_id
    if op_id == "jql" and draw(st.integers(0, 3)) > 0:
        a, b = _date_pair(world, draw)
        body["script"] = draw(st.sampled_from(JQL_SCRIPTS))
        body["params"] = json.dumps({"from_date": a, "to_date": b})
    if op_id == "query_profiles" and "where" in body:
        real, where = _mostly(draw, st.sampled_from(PROFILE_WHERE))
        if real:
            body["where"] = where
    if op_id == "create_annotation":
        real, day = _mostly(draw, st.sampled_from(world.days))
        if real:
            body["date"] = f"{day} 12:00:00"
    return body


def _security(operation: Any) -> list[str]:
    return [name for item in operation.definition.raw.get("security", []) for name in item]


def prepare(world: World, operation: Any, case: Any, draw: Draw) -> None:
    """Authorise ``case`` and give it the sandbox's project, token and (mostly) real names."""
    creds = world.creds
    op_id = operation.definition.raw["operationId"]
    schemes = _security(operation)
    if "ServiceAccount" in schemes:
        case.headers["Authorization"] = _basic(creds.username, creds.secret)
    elif "ProjectSecret" in schemes:
        case.headers["Authorization"] = _basic(creds.api_secret, "")
    elif "OAuthToken" in schemes:
        case.headers["Authorization"] = f"Bearer {creds.oauth_token}"
    for name in list(case.path_parameters or {}):
        if name in ("projectId", "project_id"):
            case.path_parameters[name] = creds.project_id
            continue
        strategy = _real_path(world, name)
        if strategy is not None:
            real, value = _mostly(draw, strategy)
            if real:
                case.path_parameters[name] = value
    declared = {p.name for p in operation.query}
    if case.query is None and declared:
        case.query = {}
    if "project_id" in declared:
        case.query["project_id"] = creds.project_id
    if "token" in declared:
        case.query["token"] = creds.token
    if declared & {"from_date", "fromDate"} and draw(st.integers(0, 3)) > 0:
        a, b = _date_pair(world, draw)
        names = ("fromDate", "toDate") if "fromDate" in declared else ("from_date", "to_date")
        case.query.update(zip(names, (a, b), strict=True))
    for name in sorted(declared - {"project_id", "token", "from_date", "to_date"}):
        strategy = _real_query(world, op_id, name, draw)
        if strategy is None:
            continue
        real, value = _mostly(draw, strategy)
        if real:
            case.query[name] = value
    if case.body is not None:
        case.body = _fix_body(world, op_id, case.body, draw)


# -- the tests ------------------------------------------------------------------------------------


def test_every_operation_is_exercised(operations: dict[str, Any]) -> None:
    """The per-operation tests cover exactly the spec's operations, none left out."""
    spec = yaml.safe_load(SPEC_PATH.read_text())
    count = sum(1 for item in spec["paths"].values() for method in item if method in HTTP_METHODS)
    assert len(SPEC_OPERATIONS) == len(set(SPEC_OPERATIONS)) == count
    assert set(operations) == set(SPEC_OPERATIONS)
    assert len(operations) == count


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("label", SPEC_OPERATIONS)
def test_operation_conforms(
    label: str,
    mode: str,
    world: World,
    schema: Any,
    operations: dict[str, Any],
    session: requests.Session,
) -> None:
    """Every answer to the cases generated for ``label`` is one the spec documents."""
    operation = operations[label]
    statuses: Counter[int] = Counter()
    failures: dict[str, str] = {}

    def send(case: Any, data: st.DataObject) -> None:
        prepare(world, operation, case, data.draw)
        response = case.call(base_url=world.sb.url, session=session, timeout=60)
        statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as group:
            for failure in group.exceptions:
                key = f"{response.status_code} {failure.title}: {failure.message}"[:400]
                failures.setdefault(key, f"{group}"[:3000] + f"\nbody: {response.text[:300]}")

    if mode == "examples":  # each of the spec's examples for the operation, twice
        strategies = schema.get_strategies_from_examples(operation)
        assert strategies, f"{label}: the spec has no example to send"
        runs = [(strategy, MODES["examples"]) for strategy in strategies]
    else:
        runs = [(operation.as_strategy(schemathesis.GenerationMode(mode)), MODES[mode])]
    for strategy, count in runs:
        settings(
            max_examples=count,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )(given(case=strategy, data=st.data())(send))()

    assert sum(statuses.values()) > 0, f"{label}: no case was sent"
    assert not [s for s in statuses if s >= 500], f"{label}: the sandbox failed: {dict(statuses)}"
    assert not failures, f"{label} ({dict(statuses)}):\n" + "\n\n".join(failures.values())
