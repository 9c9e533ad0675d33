"""JQL over real HTTP: answers checked against numbers computed here from the export and the
profiles table, and every failure mode answering Mixpanel's 412 error shape."""

from __future__ import annotations

import base64
import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import yaml
from mixpanel_openapi.api.query import jql as jql_op
from mixpanel_openapi.client import AuthenticatedClient
from mixpanel_openapi.models.query_jql_form import QueryJQLForm
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from mixpanel_data.sandbox import Sandbox, _jql

SPEC = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "spec" / "mixpanel.openapi.yaml").read_text()
)
_REGISTRY: Registry[Any] = Registry().with_resource(
    "urn:spec", Resource.from_contents(SPEC, default_specification=DRAFT202012)
)
_JQL = "paths/~1api~1query~1jql/post/responses"
SCHEMAS = {
    200: f"urn:spec#/{_JQL}/200/content/application~1json/schema",
    412: f"urn:spec#/{_JQL}/412/content/application~1json/schema",
    400: "urn:spec#/components/responses/BadRequest/content/application~1json/schema",
    401: "urn:spec#/components/responses/Unauthorized/content/application~1json/schema",
}
FROM, TO = "2026-01-25", "2026-01-31"


def check(status: int, body: Any) -> None:
    """``body`` is valid for the spec's ``jql`` response ``status``."""
    validator = jsonschema.Draft202012Validator({"$ref": SCHEMAS[status]}, registry=_REGISTRY)
    errors = list(validator.iter_errors(body))
    assert not errors, [e.message for e in errors[:3]]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(seed=5, users=80, days=14, end_date="2026-01-31") as sb:
        yield sb


@pytest.fixture(scope="module")
def http(sandbox: Sandbox) -> Iterator[httpx.Client]:
    creds = sandbox.credentials
    with httpx.Client(
        base_url=sandbox.url,
        auth=(creds.username, creds.secret),
        params={"project_id": creds.project_id},
        timeout=60,
    ) as client:
        yield client


@pytest.fixture(scope="module")
def exported(http: httpx.Client) -> list[dict[str, Any]]:
    """Events of FROM..TO from the export endpoint, de-duplicated as Mixpanel's queries do."""
    response = http.get("/api/2.0/export", params={"from_date": FROM, "to_date": TO})
    assert response.status_code == 200
    seen: set[tuple[Any, ...]] = set()
    events = []
    for line in response.text.splitlines():
        event = json.loads(line)
        p = event["properties"]
        key = (event["event"], p["distinct_id"], p["time"], p.get("$insert_id"))
        if key not in seen:
            seen.add(key)
            events.append(event)
    assert len(events) > 500
    return events


@pytest.fixture(scope="module")
def profiles(sandbox: Sandbox) -> dict[str, dict[str, Any]]:
    with sandbox.data.cursor() as cur:
        rows = cur.execute("SELECT distinct_id, properties FROM profiles").fetchall()
    return {d: json.loads(p) for d, p in rows}


def run(http: httpx.Client, script: str, params: dict[str, Any] | None = None) -> Any:
    data = {
        "script": script,
        "params": json.dumps({"from_date": FROM, "to_date": TO, **(params or {})}),
    }
    response = http.post("/api/query/jql", data=data)
    assert response.status_code == 200, response.text
    body = response.json()
    check(200, body)
    return body


def fail(http: httpx.Client, script: str, params: dict[str, Any] | None = None) -> str:
    data = {
        "script": script,
        "params": json.dumps({"from_date": FROM, "to_date": TO, **(params or {})}),
    }
    response = http.post("/api/query/jql", data=data)
    assert response.status_code == 412, response.text
    body = response.json()
    check(412, body)
    assert set(body) == {"error", "request"} and body["request"] == "/api/query/jql"
    return str(body["error"])


# -- answers --------------------------------------------------------------------------------------


def test_count_per_event_name_matches_the_export(
    http: httpx.Client, exported: list[dict[str, Any]]
) -> None:
    rows = run(
        http,
        "function main() { return Events(params).groupBy(['name'], mixpanel.reducer.count()); }",
    )
    expected = Counter(e["event"] for e in exported)
    assert rows == [{"key": [name], "value": n} for name, n in sorted(expected.items())]


def test_generated_client_and_reduce(sandbox: Sandbox, exported: list[dict[str, Any]]) -> None:
    creds = sandbox.credentials
    token = base64.b64encode(f"{creds.username}:{creds.secret}".encode()).decode()
    with AuthenticatedClient(base_url=sandbox.url, token=token, prefix="Basic") as client:
        response = jql_op.sync_detailed(
            client=client,
            project_id=creds.project_id,
            body=QueryJQLForm(
                script=main("Events(params).reduce(mixpanel.reducer.count())"),
                params=json.dumps({"from_date": FROM, "to_date": TO}),
            ),
        )
    assert response.status_code == 200
    assert response.parsed == [len(exported)]


def test_selectors_and_numeric_reducers(http: httpx.Client, exported: list[dict[str, Any]]) -> None:
    amounts = [
        e["properties"]["amount"]
        for e in exported
        if e["event"] == "Purchase" and e["properties"].get("amount", 0) > 20
    ]
    assert amounts
    script = """function main() {
      return Events({from_date: params.from_date, to_date: params.to_date,
                     event_selectors: [{event: 'Purchase', selector: 'properties["amount"] > 20'}]})
        .reduce([mixpanel.reducer.count(), mixpanel.reducer.sum('properties.amount'),
                 mixpanel.reducer.min('properties.amount'),
                 mixpanel.reducer.max('properties.amount'),
                 mixpanel.reducer.avg('properties.amount'),
                 mixpanel.reducer.numeric_summary('properties.amount')]);
    }"""
    [[count, total, low, high, mean, summary]] = run(http, script)
    assert count == len(amounts)
    assert total == pytest.approx(sum(amounts))
    assert (low, high) == (min(amounts), max(amounts))
    assert mean == pytest.approx(sum(amounts) / len(amounts))
    n, s, sq = len(amounts), sum(amounts), sum(a * a for a in amounts)
    assert summary["count"] == n and summary["sum"] == pytest.approx(s)
    assert summary["sum_squares"] == pytest.approx(sq)
    assert summary["stddev"] == pytest.approx(math.sqrt(sq / n - (s / n) ** 2))


def test_selectors_are_or_ed_and_labelled(
    http: httpx.Client, exported: list[dict[str, Any]]
) -> None:
    script = """function main() {
      return Events({from_date: params.from_date, to_date: params.to_date, event_selectors: [
          {event: 'Login', label: 'in'}, {selector: 'properties["$os"] == "iOS"', label: 'ios'}]})
        .groupBy([function(e) { return e.labels.join('+'); }], mixpanel.reducer.count());
    }"""
    got = {tuple(r["key"]): r["value"] for r in run(http, script)}
    expected: Counter[str] = Counter()
    for e in exported:
        labels = [
            label
            for label, hit in (
                ("in", e["event"] == "Login"),
                ("ios", e["properties"].get("$os") == "iOS"),
            )
            if hit
        ]
        if labels:
            expected["+".join(labels)] += 1
    assert got == {(k,): v for k, v in expected.items()}


def test_filter_map_sort_and_params(http: httpx.Client, exported: list[dict[str, Any]]) -> None:
    script = """function main() {
      return Events(params)
        .filter(function(e) { return e.name == params.event && e.properties.amount >= params.min; })
        .map(function(e) { return {who: e.distinct_id, amount: e.properties.amount, t: e.time}; })
        .sortDesc('amount');
    }"""
    rows = run(http, script, {"event": "Purchase", "min": 50})
    expected = [
        e for e in exported if e["event"] == "Purchase" and e["properties"].get("amount", 0) >= 50
    ]
    assert len(rows) == len(expected)
    assert [r["amount"] for r in rows] == sorted(
        (e["properties"]["amount"] for e in expected), reverse=True
    )
    # JQL times are milliseconds (the export, without time_in_ms, gives whole seconds)
    assert {r["t"] // 1000 for r in rows} == {e["properties"]["time"] for e in expected}


def test_group_by_two_keys_with_a_function_and_two_reducers(
    http: httpx.Client, exported: list[dict[str, Any]]
) -> None:
    script = """function main() {
      return Events(params)
        .filter(function(e) { return e.name == 'Purchase'; })
        .groupBy(['properties.currency',
                  function(e) { return new Date(e.time).toISOString().slice(0, 10); }],
                 [mixpanel.reducer.count(), mixpanel.reducer.sum('properties.amount')]);
    }"""
    expected: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0])
    for e in exported:
        if e["event"] == "Purchase":
            day = datetime.fromtimestamp(e["properties"]["time"], UTC).date().isoformat()
            slot = expected[(e["properties"]["currency"], day)]
            slot[0] += 1
            slot[1] += e["properties"]["amount"]
    rows = run(http, script)
    assert [tuple(r["key"]) for r in rows] == sorted(expected)
    for r in rows:
        count, total = expected[tuple(r["key"])]
        assert r["value"][0] == count and r["value"][1] == pytest.approx(total)


def test_multiple_keys_puts_items_in_each_group(
    http: httpx.Client, exported: list[dict[str, Any]]
) -> None:
    script = """function main() {
      return Events(params).filter(function(e) { return e.properties.tags !== undefined; })
        .groupBy([mixpanel.multiple_keys('properties.tags')], mixpanel.reducer.count());
    }"""
    expected = Counter(t for e in exported for t in e["properties"].get("tags", []))
    assert expected
    assert run(http, script) == [{"key": [t], "value": n} for t, n in sorted(expected.items())]


def test_people_with_selectors(http: httpx.Client, profiles: dict[str, dict[str, Any]]) -> None:
    script = """function main() {
      return People({user_selectors: [{selector: 'user["plan"] == "pro"'},
                                      {selector: 'properties["ltv"] > 150'}]})
        .groupBy(['properties.plan'],
                 [mixpanel.reducer.count(), mixpanel.reducer.avg('properties.ltv')]);
    }"""
    chosen = [p for p in profiles.values() if p.get("plan") == "pro" or (p.get("ltv") or 0) > 150]
    by_plan: dict[str, list[float]] = defaultdict(list)
    for p in chosen:
        by_plan[p["plan"]].append(p["ltv"])
    rows = run(http, script)
    assert [r["key"][0] for r in rows] == sorted(by_plan)
    for r in rows:
        values = by_plan[r["key"][0]]
        assert r["value"][0] == len(values)
        assert r["value"][1] == pytest.approx(sum(values) / len(values))


def test_join_group_by_user_and_top(
    http: httpx.Client, exported: list[dict[str, Any]], profiles: dict[str, dict[str, Any]]
) -> None:
    script = """function main() {
      return join(Events(params), People(), {type: 'inner'})
        .groupByUser(function(state, tuples) {
          state = state || {n: 0, plan: tuples[0].user.properties.plan};
          state.n += tuples.length;
          return state;
        })
        .map(function(row) { return {key: row.key, value: row.value.n, plan: row.value.plan}; })
        .reduce(mixpanel.reducer.top(3));
    }"""
    counts = Counter(
        e["properties"]["distinct_id"]
        for e in exported
        if e["properties"]["distinct_id"] in profiles
    )
    [top] = run(http, script)
    assert [r["value"] for r in top] == sorted(counts.values(), reverse=True)[:3]
    for r in top:
        assert counts[r["key"][0]] == r["value"]
        assert r["plan"] == profiles[r["key"][0]]["plan"]


def test_join_types(
    http: httpx.Client, exported: list[dict[str, Any]], profiles: dict[str, dict[str, Any]]
) -> None:
    ids_with_events = {e["properties"]["distinct_id"] for e in exported}
    anonymous = sum(1 for e in exported if e["properties"]["distinct_id"] not in profiles)
    known = len(exported) - anonymous
    idle_users = len(set(profiles) - ids_with_events)
    assert anonymous and idle_users
    expected = {
        "inner": known,
        "left": len(exported),
        "right": known + idle_users,
        "full": len(exported) + idle_users,
    }
    for how, n in expected.items():
        joined = f"join(Events(params), People(), {{type: '{how}'}})"
        script = main(joined + ".reduce(mixpanel.reducer.count())")
        assert run(http, script) == [n], how


def test_group_by_user_with_keys_and_builtin_reducer(
    http: httpx.Client, exported: list[dict[str, Any]]
) -> None:
    script = """function main() {
      return Events(params).groupByUser(['name'], mixpanel.reducer.count())
        .filter(function(r) { return r.key[1] == 'Login'; });
    }"""
    expected = Counter(e["properties"]["distinct_id"] for e in exported if e["event"] == "Login")
    assert run(http, script) == [
        {"key": [d, "Login"], "value": n} for d, n in sorted(expected.items())
    ]


def test_flatten_and_sort_asc(http: httpx.Client) -> None:
    script = main(
        "People().map(function(u) { return [u.properties.age, -1]; })"
        ".flatten().sortAsc(function(x) { return x; })"
    )
    rows = run(http, script)
    assert rows == sorted(rows) and rows.count(-1) == 80


# -- failures -------------------------------------------------------------------------------------


def main(body: str) -> str:
    """A script whose main() returns ``body``."""
    return f"function main() {{ return {body}; }}"


SELECTING = (
    "Events({{from_date: params.from_date, to_date: params.to_date, event_selectors: [{}]}})"
)


@pytest.mark.parametrize(
    ("script", "words"),
    [
        (main("Events(params).groupBi(['name'], mixpanel.reducer.count())"), "groupBi is not a"),
        ("function main() { return Events(params", "SyntaxError"),
        ("function main() { throw new Error('boom'); }", "Error: boom"),
        (main("null.x"), "TypeError"),
        ("var x = 1;", "main()"),
        (main("[1, 2, 3]"), "must return a query"),
        (main("Events(params).reduce(mixpanel.reducer.numeric_percentiles('x', [50]))"), "not sup"),
        (main("Events(params).applyGroupLimits([2])"), "not supported"),
        (main("_.map([1], function(x) { return x; })"), "_ is not defined"),
        (main("Events({to_date: '2026-01-31'})"), "from_date"),
        (main("Events({from_date: '2026-01-31', to_date: '2026-01-01'})"), "to_date"),
        (main(SELECTING.format("""{selector: 'properties["x" =='}""")), "invalid selector"),
        (main(SELECTING.format("""{selector: 'user["plan"] == "pro"'}""")), "user"),
        (main("Events(params).map(function(e) { return e.nope.deeper; })"), "TypeError"),
        (main("join(People(), Events(params))"), "join()"),
    ],
)
def test_script_errors_are_412(http: httpx.Client, script: str, words: str) -> None:
    assert words in fail(http, script)


def test_timeout_is_412(http: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_jql, "TIMEOUT_SECONDS", 0.5)
    assert "timed out" in fail(http, "function main() { for (;;) {} }")


def test_too_much_output_is_412(http: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_jql, "MAX_RESULT_BYTES", 10_000)
    message = fail(http, "function main() { return Events(params); }")
    assert "larger than" in message


def test_bad_requests_are_400(http: httpx.Client) -> None:
    for data in (
        {},
        {"script": ""},
        {"script": "function main() {}", "params": "{nope"},
        {"script": "x", "params": "[1]"},
    ):
        response = http.post("/api/query/jql", data=data)
        assert response.status_code == 400, data
        check(400, response.json())


def test_jql_needs_credentials(sandbox: Sandbox) -> None:
    response = httpx.post(f"{sandbox.url}/api/query/jql", data={"script": "function main() {}"})
    assert response.status_code == 401
    check(401, response.json())
    secret = httpx.post(
        f"{sandbox.url}/api/2.0/jql",
        data={"script": "function main() { return People().reduce(mixpanel.reducer.count()); }"},
        auth=(sandbox.credentials.api_secret, ""),
    )
    assert secret.status_code == 200 and secret.json() == [80]
