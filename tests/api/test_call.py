"""The generic operation call: arguments, routing, auth, idempotency and errors, on the sandbox."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from api_helpers import sandbox_credentials
from mixpanel_openapi.api.gdpr import get_retrieval
from mixpanel_openapi.models import QuerySegmentationResponse, SegmentationUnit

from mixpanel_data import Workspace
from mixpanel_data._api.call import prepare
from mixpanel_data._api.clients import ApiClients
from mixpanel_data.exceptions import (
    AuthenticationError,
    ConfigError,
    NotFoundError,
    QueryError,
    ValidationError,
)
from mixpanel_data.sandbox import Sandbox


def _day(sb: Sandbox) -> str:
    return sb.end_date.isoformat()


def test_call_returns_the_generated_model(api: ApiClients, sandbox: Sandbox):
    day = _day(sandbox)
    answer = api.call("segmentation", event="Page View", from_date=day, to_date=day, unit="day")
    assert isinstance(answer, QuerySegmentationResponse)
    plain = api.call_json("segmentation", event="Page View", from_date=day, to_date=day)
    assert answer.to_dict()["data"] == plain["data"]
    assert plain["data"]["values"]["Page View"][day] > 0


def test_workspace_api_call(sandbox: Sandbox):
    day = _day(sandbox)
    with Workspace(credentials=sandbox_credentials(sandbox), retries=0) as ws:
        answer = ws.api.call("segmentation", event="Page View", from_date=day, to_date=day)
        counts = ws.segmentation("Page View", from_date=day, to_date=day)
    assert answer.to_dict()["data"]["values"]["Page View"][day] == counts.total


def test_enum_values_are_plain_text_or_the_generated_enum(api: ApiClients, sandbox: Sandbox):
    day = _day(sandbox)
    by_text = api.call_json(
        "segmentation", event="Page View", from_date=day, to_date=day, unit="hour"
    )
    by_enum = api.call_json(
        "segmentation", event="Page View", from_date=day, to_date=day, unit=SegmentationUnit.HOUR
    )
    assert by_text == by_enum
    assert len(by_text["data"]["series"]) == 24


def test_a_bad_enum_value_names_the_parameter_and_the_generated_values(api: ApiClients):
    before = len(api._http)
    with pytest.raises(ValidationError) as info:
        api.call(
            "segmentation", event="x", from_date="2026-01-01", to_date="2026-01-01", unit="days"
        )
    allowed = ", ".join(m.value for m in SegmentationUnit)
    assert str(info.value) == f"segmentation: unit='days' is not one of: {allowed}"
    assert len(api._http) == before  # nothing was sent


def test_unknown_missing_and_misspelt_arguments(api: ApiClients):
    with pytest.raises(ValidationError, match="segmentation has no parameter 'colour'"):
        api.call("segmentation", event="x", from_date="2026-01-01", to_date="2026-01-01", colour=1)
    with pytest.raises(ValidationError, match="segmentation needs from_date, to_date"):
        api.call("segmentation", event="x")
    with pytest.raises(ValidationError, match="did you mean segmentation"):
        api.call("segmentatoin")
    with pytest.raises(ValidationError, match="event_names: limit='many' is not a valid int"):
        api.call("event_names", type="general", limit="many")


def test_wire_names_and_python_names_both_work(api: ApiClients, sandbox: Sandbox):
    day = _day(sandbox)
    wire = api.call_json("list_annotations", fromDate=day, toDate=day)
    python = api.call_json("list_annotations", from_date=day, to_date=day)
    assert wire == python
    assert all(a["date"].startswith(day) for a in wire["results"])


def test_400_is_a_query_error_naming_the_operation(api: ApiClients, sandbox: Sandbox):
    with pytest.raises(QueryError) as info:
        api.call("segmentation", event="Page View", from_date="2026-02-30", to_date=_day(sandbox))
    err = info.value
    assert err.status == 400
    assert err.message.startswith("segmentation: GET /api/query/segmentation failed (HTTP 400)")
    assert err.details["operation"] == "segmentation"


def test_401_is_an_authentication_error(sandbox: Sandbox):
    creds = sandbox_credentials(sandbox, secret="wrong")
    with ApiClients(creds, retries=0) as api, pytest.raises(AuthenticationError) as info:
        api.call("list_funnels")
    assert info.value.status == 401 and info.value.details["operation"] == "list_funnels"
    assert "wrong" not in str(info.value)


def test_404_is_not_found(api: ApiClients):
    with pytest.raises(NotFoundError, match="get_annotation: GET"):
        api.call("get_annotation", annotation_id=987654)


def test_gdpr_sends_the_bearer_and_later_calls_do_not(api: ApiClients, sandbox: Sandbox):
    token = sandbox.credentials.token
    # The sandbox's GDPR routes accept only the bearer, the query routes only Basic: each
    # answer below proves which Authorization header the request carried.
    job = api.call_json("get_retrieval", tracking_id="nope", token=token)
    assert job["results"]["status"] == "NOT_FOUND"
    assert api.call_json("list_funnels")
    raw = get_retrieval.sync_detailed(
        "nope", client=api.for_operation("get_retrieval"), token=token
    )
    assert raw.status_code == 200
    assert api.call_json("list_cohorts")
    assert api.for_operation("get_retrieval") is not api.for_operation("list_cohorts")
    assert api.http("app").headers["Authorization"].startswith("Basic ")


def test_gdpr_without_an_oauth_token_is_a_config_error(sandbox: Sandbox):
    creds = sandbox_credentials(sandbox, oauth_token=None)
    with ApiClients(creds) as api:
        with pytest.raises(ConfigError, match="get_retrieval needs an OAuth token"):
            api.call("get_retrieval", tracking_id="x", token="t")
        with pytest.raises(ConfigError, match="get_deletion needs an OAuth token"):
            api.for_operation("get_deletion")


def test_project_and_workspace_ids_come_from_the_clients(api: ApiClients, sandbox: Sandbox):
    flags = api.call_json("list_feature_flags")  # path /projects/{id}/workspaces/{id}/...
    assert flags["results"]
    call = prepare(api, "list_feature_flags")
    assert f"/projects/{sandbox.credentials.project_id}/workspaces/70001/" in call.path
    with (
        ApiClients(sandbox_credentials(sandbox)) as no_workspace,
        pytest.raises(ValidationError, match="list_feature_flags needs workspace_id"),
    ):
        no_workspace.call("list_feature_flags")


def test_idempotency_comes_from_the_spec(api: ApiClients):
    event = {"event": "e", "properties": {"time": 1, "distinct_id": "u", "$insert_id": "a1"}}
    bare = {"event": "e", "properties": {"time": 1, "distinct_id": "u", "$insert_id": ""}}
    assert prepare(api, "jql", body={"script": "function main() {}"}).idempotent
    assert prepare(
        api, "profile_set", body=[{"$token": "t", "$distinct_id": "u", "$set": {}}]
    ).idempotent
    assert prepare(api, "import_events", strict="1", body=[event, event]).idempotent
    assert not prepare(api, "import_events", strict="1", body=[event, bare]).idempotent
    assert not prepare(api, "track_events", body=[event]).idempotent
    assert not prepare(
        api, "profile_add", body=[{"$token": "t", "$distinct_id": "u", "$add": {}}]
    ).idempotent
    assert not prepare(
        api, "create_annotation", body={"date": "2026-01-01 00:00:00", "description": "d"}
    ).idempotent
    assert prepare(
        api, "segmentation", event="e", from_date="2026-01-01", to_date="2026-01-01"
    ).idempotent


def test_dict_bodies_become_the_generated_model(api: ApiClients, sandbox: Sandbox):
    created = api.call(
        "create_annotation", body={"date": f"{_day(sandbox)} 12:00:00", "description": "via call"}
    )
    assert created.results.description == "via call"
    fetched = api.call_json("get_annotation", annotation_id=created.results.id)
    assert fetched["results"]["description"] == "via call"
    with pytest.raises(ValidationError, match=r"create_annotation: body=\.\.\. is not") as info:
        api.call("create_annotation", body={"when": "now", "token": "tok-not-for-messages"})
    assert "tok-not-for-messages" not in str(info.value)


def test_a_closed_client_refuses(sandbox: Sandbox):
    api = ApiClients(sandbox_credentials(sandbox))
    api.close()
    with pytest.raises(Exception, match="closed"):
        api.call_json("list_funnels")


def test_the_transport_answer_is_read_through_our_client(sandbox: Sandbox):
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=["A"])

    creds = sandbox_credentials(sandbox, base_url=None)
    with ApiClients(creds, transport=httpx.MockTransport(handler), retries=0) as api:
        assert api.call_json("event_names", type="general", limit=1) == ["A"]
    (request,) = seen
    assert request.url.host == "mixpanel.com"  # the app family's US host: routing by the catalog
    assert request.url.params["project_id"] == str(sandbox.credentials.project_id)


def test_batch_updates_are_repeatable_without_add_or_append(api: ApiClients):
    def update(**ops: object) -> dict[str, object]:
        return {"$token": "t", "$distinct_id": "u", **ops}

    safe = [update(**{"$set": {"a": 1}}), update(**{"$union": {"l": [1]}, "$unset": ["b"]})]
    assert prepare(api, "profile_batch_update", body=safe).idempotent
    assert not prepare(
        api, "profile_batch_update", body=[*safe, update(**{"$add": {"n": 1}})]
    ).idempotent
    assert not prepare(
        api,
        "group_batch_update",
        body=[{"$token": "t", "$group_key": "k", "$group_id": "g", "$append": {}}],
    ).idempotent


def test_gzip_json_sends_records_and_text_and_reads_the_answer(api: ApiClients, sandbox: Sandbox):
    from mixpanel_data._api.call import call_gzip_json

    t = 1769817600  # 2026-01-31 00:00 UTC, the sandbox's last day
    events = [
        {"event": "gz", "properties": {"time": t, "distinct_id": "gz-1", "$insert_id": "gz1"}},
        {"event": "gz", "properties": {"time": t, "distinct_id": "gz-2", "$insert_id": "gz2"}},
    ]
    answer = call_gzip_json(api, "import_events", events, strict="1")
    assert answer["num_records_imported"] == 2
    text = json.dumps(events).encode()
    assert call_gzip_json(api, "import_events", text, repeatable=True, strict="1")["code"] == 200
    exported = api.call_json("export_events", from_date="2026-01-31", to_date="2026-01-31")
    assert sorted(e["properties"]["distinct_id"] for e in exported if e["event"] == "gz") == [
        "gz-1",
        "gz-2",
    ]
    with pytest.raises(QueryError, match="import_events"):
        call_gzip_json(api, "import_events", b"[{]", repeatable=True, strict="1")


def test_gzip_json_repeats_a_lost_request_only_when_the_rule_allows(sandbox: Sandbox):
    from mixpanel_data._api.call import call_gzip_json
    from mixpanel_data.exceptions import TransportError
    from mixpanel_data.sandbox import Fault

    props = {"time": 1769817600, "distinct_id": "rp", "$insert_id": "rp1"}
    text = json.dumps([{"event": "rp", "properties": props}]).encode()
    update = [{"$token": sandbox.credentials.token, "$distinct_id": "rp", "$add": {"n": 1}}]
    cases: list[tuple[str, str, Any, bool | None, dict[str, str]]] = [
        ("/import", "import_events", text, False, {"strict": "1"}),  # the caller did not vouch
        ("/engage", "profile_batch_update", update, None, {}),  # $add: never twice
    ]
    with ApiClients(sandbox_credentials(sandbox), retries=2) as api:
        for path, op, body, repeatable, params in cases:
            sandbox.faults.add(Fault(kind="drop", path=path, times=1))
            sandbox.clear_requests()
            with pytest.raises(TransportError):
                call_gzip_json(api, op, body, repeatable=repeatable, **params)
            assert len(sandbox.requests) == 1
        sandbox.faults.add(Fault(kind="drop", path="/import", times=1))
        sandbox.clear_requests()
        answer = call_gzip_json(api, "import_events", text, repeatable=True, strict="1")
        assert answer["code"] == 200
        assert len(sandbox.requests) == 2
    sandbox.faults.clear()
