"""Feature Flags API over real HTTP: management CRUD, evaluation, definitions, auth."""

from __future__ import annotations

import json
from typing import Any

import httpx
from app_spec import SpecChecker
from mixpanel_openapi.api.feature_flags import (
    create_feature_flag,
    delete_feature_flag,
    evaluate_flags,
    get_feature_flag,
    list_feature_flags,
    list_flag_definitions,
    update_feature_flag,
)
from mixpanel_openapi.client import AuthenticatedClient
from mixpanel_openapi.models.flag_include_archived import FlagIncludeArchived
from mixpanel_openapi.models.flag_request import FlagRequest

from mixpanel_data.sandbox import Sandbox
from mixpanel_data.sandbox._app.flags import WORKSPACE_ID

WS = WORKSPACE_ID


def _body(response: Any) -> Any:
    return json.loads(response.content)


def _flag(
    key: str, *, rollout: float = 1.0, splits: tuple[float, float] = (0.5, 0.5), **extra: Any
) -> dict[str, Any]:
    return {
        "name": f"Flag {key}",
        "key": key,
        "tags": ["test"],
        "context": "distinct_id",
        "serving_method": "server",
        "status": "enabled",
        "ruleset": {
            "variants": [
                {"key": "control", "value": False, "is_control": True, "split": splits[0]},
                {
                    "key": "treatment",
                    "value": {"color": "vert"},
                    "is_control": False,
                    "split": splits[1],
                },
            ],
            "rollout": [
                {
                    "name": "Everyone",
                    "rollout_percentage": rollout,
                    "variant_splits": {"control": splits[0], "treatment": splits[1]},
                }
            ],
        },
        **extra,
    }


def _create(client: AuthenticatedClient, pid: int, flag: dict[str, Any]) -> dict[str, Any]:
    response = create_feature_flag.sync_detailed(
        pid, WS, client=client, body=FlagRequest.from_dict(flag)
    )
    assert response.status_code == 200, response.content
    return _body(response)["results"]  # type: ignore[no-any-return]


def _evaluate(
    client: AuthenticatedClient, sandbox: Sandbox, context: dict[str, Any]
) -> dict[str, Any]:
    response = evaluate_flags.sync_detailed(
        client=client, project_id=sandbox.credentials.project_id, context=json.dumps(context)
    )
    assert response.status_code == 200, response.content
    return _body(response)  # type: ignore[no-any-return]


# An implementation of the documented assignment, written apart from the sandbox's.
def _fnv(text: str) -> int:
    h = 14695981039346656037
    for b in text.encode():
        h = ((h ^ b) * 1099511628211) % 2**64
    return h


def _expected(distinct_id: str, flag: dict[str, Any]) -> str | None:
    salt = flag.get("hash_salt") or ""
    base = distinct_id + flag["key"]
    group = flag["ruleset"]["rollout"][0]
    if _fnv(base + salt + "rollout") % 100 / 100 >= group["rollout_percentage"]:
        return None
    pick = _fnv(base + salt + "variant") % 100 / 100
    running = 0.0
    for variant in flag["ruleset"]["variants"]:
        running += group["variant_splits"][variant["key"]]
        if pick < running:
            return str(variant["key"])
    return str(flag["ruleset"]["variants"][-1]["key"])


def test_management_round_trip(
    client: AuthenticatedClient, sandbox: Sandbox, spec: SpecChecker
) -> None:
    pid = sandbox.credentials.project_id
    created = create_feature_flag.sync_detailed(
        pid, WS, client=client, body=FlagRequest.from_dict(_flag("rt-flag"))
    )
    spec.check("create_feature_flag", 200, _body(created))
    record = _body(created)["results"]
    assert (
        record["key"] == "rt-flag" and record["workspace_id"] == WS and record["project_id"] == pid
    )
    assert len(record["hash_salt"]) == 32

    got = get_feature_flag.sync_detailed(pid, WS, record["id"], client=client)
    spec.check("get_feature_flag", 200, _body(got))
    assert _body(got)["results"] == record

    replaced = update_feature_flag.sync_detailed(
        pid,
        WS,
        record["id"],
        client=client,
        body=FlagRequest.from_dict(
            _flag("rt-flag", rollout=0.3, name="Renamed", status="disabled")
        ),
    )
    spec.check("update_feature_flag", 200, _body(replaced))
    after = _body(replaced)["results"]
    assert (
        after["name"] == "Renamed" and after["status"] == "disabled" and after["id"] == record["id"]
    )
    assert after["ruleset"]["rollout"][0]["rollout_percentage"] == 0.3
    assert after["created"] == record["created"] and after["hash_salt"] == record["hash_salt"]

    listed = list_feature_flags.sync_detailed(pid, WS, client=client)
    spec.check("list_feature_flags", 200, _body(listed))
    assert record["id"] in {f["id"] for f in _body(listed)["results"]}

    gone = delete_feature_flag.sync_detailed(pid, WS, record["id"], client=client)
    spec.check("delete_feature_flag", 200, _body(gone))
    assert get_feature_flag.sync_detailed(pid, WS, record["id"], client=client).status_code == 404
    assert (
        delete_feature_flag.sync_detailed(pid, WS, record["id"], client=client).status_code == 404
    )


def test_archived_flags_are_listed_only_when_asked(
    client: AuthenticatedClient, sandbox: Sandbox
) -> None:
    pid = sandbox.credentials.project_id
    default = {
        f["key"] for f in _body(list_feature_flags.sync_detailed(pid, WS, client=client))["results"]
    }
    everything = {
        f["key"]
        for f in _body(
            list_feature_flags.sync_detailed(
                pid, WS, client=client, include_archived=FlagIncludeArchived.TRUE
            )
        )["results"]
    }
    assert "dark-mode" not in default and "dark-mode" in everything
    assert {"new-checkout", "pricing-copy"} <= default


def test_wrong_ids_and_bad_bodies(http: httpx.Client, sandbox: Sandbox, spec: SpecChecker) -> None:
    pid = sandbox.credentials.project_id
    base = f"/api/app/projects/{pid}/workspaces/{WS}/feature-flags"
    other_ws = http.get(f"/api/app/projects/{pid}/workspaces/{WS + 1}/feature-flags")
    assert other_ws.status_code == 404
    assert other_ws.json()["status"] == "error" and other_ws.json()["type"] == "not_found"
    assert http.get(base + "/00000000-0000-4000-8000-00000000dead").status_code == 404
    assert http.get(base, params={"include_archived": "maybe"}).status_code == 400
    bad_bodies = [
        _flag("bad-1", splits=(0.5, 0.6)),
        {**_flag("bad-2"), "serving_method": "everywhere"},
        {**_flag("bad-3"), "surprise": True},
        {k: v for k, v in _flag("bad-4").items() if k != "tags"},
        _flag("new-checkout"),  # the key is taken
    ]
    bad_bodies[0]["ruleset"]["rollout"][0]["variant_splits"] = {"control": 0.5, "treatment": 0.5}
    unknown_variant = _flag("bad-5")
    unknown_variant["ruleset"]["rollout"][0]["variant_splits"] = {"nope": 1.0}
    bad_bodies.append(unknown_variant)
    for body in bad_bodies:
        response = http.post(base, json=body)
        assert response.status_code == 400, body
        assert response.json()["status"] == "error"
    keys = {f["key"] for f in http.get(base, params={"include_archived": "true"}).json()["results"]}
    assert not {k for k in keys if k.startswith("bad-")}


def test_evaluation_is_deterministic_and_follows_the_documented_hash(
    client: AuthenticatedClient, sandbox: Sandbox, spec: SpecChecker
) -> None:
    flag = _create(client, sandbox.credentials.project_id, _flag("det-flag", rollout=0.7))
    for n in range(1, 41):
        distinct_id = f"user-{n:05d}"
        first = _evaluate(client, sandbox, {"distinct_id": distinct_id})
        spec.check("evaluate_flags", 200, first)
        assert _evaluate(client, sandbox, {"distinct_id": distinct_id}) == first
        got = first["flags"].get("det-flag")
        expected = _expected(distinct_id, flag)
        assert (got and got["variant_key"]) == expected, distinct_id
        if got:
            assert got["variant_value"] == (False if expected == "control" else {"color": "vert"})
            assert got["is_qa_tester"] is False


def test_rollout_and_split_proportions(client: AuthenticatedClient, sandbox: Sandbox) -> None:
    _create(
        client,
        sandbox.credentials.project_id,
        _flag("split-flag", rollout=0.4, splits=(0.25, 0.75)),
    )
    served = treatment = 0
    n = 600
    for i in range(n):
        got = _evaluate(client, sandbox, {"distinct_id": f"visitor-{i}"})["flags"].get("split-flag")
        if got:
            served += 1
            treatment += got["variant_key"] == "treatment"
    assert abs(served / n - 0.4) < 0.07
    assert abs(treatment / served - 0.75) < 0.09


def test_fixture_flags_qa_users_and_experiments(
    client: AuthenticatedClient, sandbox: Sandbox
) -> None:
    qa = _evaluate(client, sandbox, {"distinct_id": "user-00001"})["flags"]
    assert qa["new-checkout"] == {"variant_key": "on", "variant_value": True, "is_qa_tester": True}
    pricing = qa["pricing-copy"]
    assert pricing["experiment_id"] == "e-4401" and pricing["is_experiment_active"] is True
    assert pricing["variant_key"] in ("control", "bold")
    assert "dark-mode" not in qa  # archived: never served


def test_runtime_rules_target_custom_properties(
    client: AuthenticatedClient, sandbox: Sandbox
) -> None:
    flag = _flag("pro-only")
    flag["ruleset"]["rollout"][0]["runtime_evaluation_rule"] = {
        "and": [{"==": [{"var": "plan"}, "pro"]}, {"in": [{"var": "country"}, ["DE", "FR"]]}]
    }
    _create(client, sandbox.credentials.project_id, flag)
    for n in range(10):
        ctx = {"distinct_id": f"user-{n:05d}"}
        assert (
            "pro-only"
            in _evaluate(
                client, sandbox, {**ctx, "custom_properties": {"plan": "pro", "country": "FR"}}
            )["flags"]
        )
        assert (
            "pro-only"
            not in _evaluate(
                client, sandbox, {**ctx, "custom_properties": {"plan": "pro", "country": "US"}}
            )["flags"]
        )
        assert "pro-only" not in _evaluate(client, sandbox, ctx)["flags"]


def test_definitions_list_enabled_flags(
    secret_client: AuthenticatedClient, sandbox: Sandbox, spec: SpecChecker
) -> None:
    response = list_flag_definitions.sync_detailed(
        client=secret_client, token=sandbox.credentials.token
    )
    assert response.status_code == 200
    body = _body(response)
    spec.check("list_flag_definitions", 200, body)
    keys = {f["key"] for f in body["flags"]}
    assert {"new-checkout", "pricing-copy"} <= keys and "dark-mode" not in keys
    assert all(f["status"] == "enabled" and f["workspace_id"] == WS for f in body["flags"])


def test_evaluation_auth_and_parameters(
    anon: httpx.Client, sandbox: Sandbox, spec: SpecChecker
) -> None:
    creds = sandbox.credentials
    ctx = json.dumps({"distinct_id": "user-00002"})
    missing = anon.get("/flags", params={"token": creds.token, "context": ctx})
    assert missing.status_code == 401
    spec.check("evaluate_flags", 401, missing.json())
    secret = (creds.api_secret, "")
    assert (
        anon.get("/flags", params={"token": creds.token, "context": ctx}, auth=secret).status_code
        == 200
    )
    assert (
        anon.get("/flags", params={"token": "wrong", "context": ctx}, auth=secret).status_code
        == 401
    )
    for bad in (None, "not json", "[1]", json.dumps({"device_id": "d"})):
        params = {"token": creds.token} if bad is None else {"token": creds.token, "context": bad}
        response = anon.get("/flags", params=params, auth=secret)
        assert response.status_code == 400
        spec.check("evaluate_flags", 400, response.json())
    account = (creds.username, creds.secret)
    assert anon.get("/flags/definitions", auth=account).status_code == 400  # no project_id
    assert (
        anon.get(
            "/flags/definitions", params={"project_id": creds.project_id}, auth=account
        ).status_code
        == 200
    )


def test_variant_values_of_any_json_type_are_served_as_documented(
    http: httpx.Client, sandbox: Sandbox, spec: SpecChecker
) -> None:
    """The management API takes any JSON value for a variant (null and lists too); definitions
    and evaluation then serve it, and the spec documents it."""
    pid = sandbox.credentials.project_id
    body = _flag("any-json-values")
    body["ruleset"]["variants"][0]["value"] = None
    body["ruleset"]["variants"][1]["value"] = [1, "two", {"three": 3}]
    created = http.post(f"/api/app/projects/{pid}/workspaces/{WS}/feature-flags", json=body)
    assert created.status_code == 200, created.text
    spec.check("create_feature_flag", 200, created.json())
    definitions = http.get("/flags/definitions", params={"project_id": pid})
    spec.check("list_flag_definitions", 200, definitions.json())
    served = {
        v["key"]: v["value"]
        for f in definitions.json()["flags"]
        if f["key"] == "any-json-values"
        for v in f["ruleset"]["variants"]
    }
    assert served == {"control": None, "treatment": [1, "two", {"three": 3}]}
    seen = set()
    for n in range(1, 30):
        context = json.dumps({"distinct_id": f"user-{n:05d}"})
        answer = http.get("/flags", params={"project_id": pid, "context": context})
        spec.check("evaluate_flags", 200, answer.json())
        seen.add(json.dumps(answer.json()["flags"]["any-json-values"]["variant_value"]))
    assert seen == {"null", '[1, "two", {"three": 3}]'}


def test_a_body_that_is_not_json_is_a_flag_validation_error(
    http: httpx.Client, sandbox: Sandbox, spec: SpecChecker
) -> None:
    pid = sandbox.credentials.project_id
    response = http.post(
        f"/api/app/projects/{pid}/workspaces/{WS}/feature-flags", content=b"{not json"
    )
    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    spec.check("create_feature_flag", 400, response.json())
