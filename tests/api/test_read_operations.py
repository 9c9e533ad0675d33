"""Every read operation of the spec, called through the generic call against the sandbox.

The table below has one entry per read (GET, or POST marked ``x-mixpanel-safe``) and a test checks
that it covers exactly the catalog's reads, so a read added to the spec fails here until it has
a case. Each case builds its arguments (ids come from the matching list operation, through the
same call) and checks something the answer must say, not only that it came back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from mixpanel_data._api.catalog import load_catalog
from mixpanel_data._api.clients import ApiClients
from mixpanel_data.sandbox import Sandbox

READS = sorted(op.id for op in load_catalog() if op.safe)


@dataclass
class Ctx:
    api: ApiClients
    sb: Sandbox

    @property
    def day(self) -> str:
        return self.sb.end_date.isoformat()

    @property
    def week_ago(self) -> str:
        return self.sb.start_date.isoformat()

    def json(self, op: str, **params: Any) -> Any:
        return self.api.call_json(op, **params)

    def first_event(self) -> str:
        return str(self.json("event_names", type="general", limit=1)[0])


Case = Callable[[Ctx], tuple[dict[str, Any], Callable[[Any, Ctx], None]]]


def _results(body: Any) -> list[Any]:
    assert isinstance(body, dict) and isinstance(body.get("results"), list), body
    return list(body["results"])


def _is(condition: bool, body: Any) -> None:
    assert condition, str(body)[:500]


def _annotation(c: Ctx) -> tuple[dict[str, Any], Callable[[Any, Ctx], None]]:
    first = _results(c.json("list_annotations"))[0]

    def check(body: Any, c: Ctx) -> None:
        _is(body["results"]["id"] == first["id"], body)
        _is(body["results"]["description"] == first["description"], body)

    return {"annotation_id": first["id"]}, check


def _pipeline_status(c: Ctx) -> tuple[dict[str, Any], Callable[[Any, Ctx], None]]:
    jobs = c.json("list_pipeline_jobs")[str(c.sb.credentials.project_id)]
    name = jobs[0]["name"]
    return {"name": name}, lambda body, c: _is(name in str(body), body)


def _flag(c: Ctx) -> tuple[dict[str, Any], Callable[[Any, Ctx], None]]:
    flag = _results(c.json("list_feature_flags"))[0]

    def check(body: Any, c: Ctx) -> None:
        _is((body["results"]["id"], body["results"]["key"]) == (flag["id"], flag["key"]), body)

    return {"flag_id": flag["id"]}, check


def _service_account(c: Ctx) -> tuple[dict[str, Any], Callable[[Any, Ctx], None]]:
    org = c.sb.data.fixtures.organization_id
    account = _results(c.json("list_service_accounts", organization_id=org))[0]

    def check(body: Any, c: Ctx) -> None:
        _is(body["results"]["id"] == account["id"], body)

    return {"organization_id": org, "service_account_id": account["id"]}, check


def _warehouse_import(c: Ctx) -> tuple[dict[str, Any], Callable[[Any, Ctx], None]]:
    first = _results(c.json("list_warehouse_imports"))[0]
    return {"import_id": first["id"]}, lambda body, c: _is(
        body["results"]["id"] == first["id"], body
    )


def _warehouse_history(c: Ctx) -> tuple[dict[str, Any], Callable[[Any, Ctx], None]]:
    first = _results(c.json("list_warehouse_imports"))[0]

    def check(body: Any, c: Ctx) -> None:
        runs = body["results"]["runs"]
        _is(
            bool(runs) and all(r["status"] and r["end_time"] >= r["start_time"] for r in runs), body
        )

    return {"import_id": first["id"]}, check


def _schema(c: Ctx) -> tuple[dict[str, Any], Callable[[Any, Ctx], None]]:
    first = _results(c.json("list_schemas_for_entity", entity_type="event"))[0]

    def check(body: Any, c: Ctx) -> None:
        _is(body == first["schemaJson"], body)

    return {"entity_type": "event", "name": first["name"]}, check


def _funnel(c: Ctx) -> tuple[dict[str, Any], Callable[[Any, Ctx], None]]:
    funnel = c.json("list_funnels")[0]
    saved = [s["event"] for s in c.sb.data.fixtures.funnels[0]["steps"]]

    def check(body: Any, c: Ctx) -> None:
        day = next(iter(body["data"].values()))
        steps = day["steps"] if isinstance(day, dict) and "steps" in day else day
        _is([s["event"] for s in steps] == saved, body)

    params = {"funnel_id": funnel["funnel_id"], "from_date": c.week_ago, "to_date": c.day}
    return params, check


def _insights(c: Ctx) -> tuple[dict[str, Any], Callable[[Any, Ctx], None]]:
    bookmarks = _results(c.json("list_bookmarks", v=2))
    mark = next(b for b in bookmarks if b["type"] == "insights")
    return {"bookmark_id": mark["id"]}, lambda body, c: _is(bool(body.get("series")), body)


def _activity(c: Ctx) -> tuple[dict[str, Any], Callable[[Any, Ctx], None]]:
    rows = c.json("export_events", from_date=c.day, to_date=c.day, limit=1)
    user = str(rows[0]["properties"]["distinct_id"])

    def check(body: Any, c: Ctx) -> None:
        events = body["results"]["events"]
        _is(bool(events) and all(e["properties"]["distinct_id"] == user for e in events), body)

    return {"distinct_ids": [user], "from_date": c.week_ago, "to_date": c.day}, check


def _simple(params: Callable[[Ctx], dict[str, Any]], check: Callable[[Any, Ctx], bool]) -> Case:
    return lambda c: (params(c), lambda body, c: _is(check(body, c), body))


def _count_series(body: Any, c: Ctx) -> bool:
    values = body["data"]["values"]
    return (
        bool(values)
        and all(isinstance(v, dict) for v in values.values())
        and c.day in body["data"]["series"]
    )


def _export(body: Any, c: Ctx) -> bool:
    return (
        isinstance(body, list)
        and 0 < len(body) <= 5
        and all(isinstance(e["event"], str) and "time" in e["properties"] for e in body)
    )


def _jql_count(body: Any, c: Ctx) -> bool:
    return bool(body == [len(c.json("export_events", from_date=c.day, to_date=c.day))])


def _on_duration(c: Ctx) -> dict[str, Any]:
    return {
        "event": c.first_event(),
        "from_date": c.week_ago,
        "to_date": c.day,
        "on": 'number(properties["load_time_ms"])',
    }


CASES: dict[str, Case] = {
    "get_annotation": _annotation,
    "list_annotation_tags": _simple(
        lambda c: {}, lambda body, c: {"release", "marketing"} <= {t["name"] for t in body}
    ),
    "list_annotations": _simple(
        lambda c: {"from_date": c.week_ago, "to_date": c.day},
        lambda body, c: (
            bool(_results(body))
            and all(c.week_ago <= a["date"][:10] <= c.day for a in _results(body))
        ),
    ),
    "get_pipeline_status": _pipeline_status,
    "list_pipeline_jobs": _simple(
        lambda c: {},
        lambda body, c: all("name" in j for j in body[str(c.sb.credentials.project_id)]),
    ),
    "list_pipeline_sync_dates": _simple(
        lambda c: {}, lambda body, c: all(d["date"] <= c.day for d in body["day_syncs"])
    ),
    "export_events": _simple(lambda c: {"from_date": c.day, "to_date": c.day, "limit": 5}, _export),
    "evaluate_flags": _simple(
        lambda c: {"context": {"distinct_id": "user-1"}},
        lambda body, c: "variant" in str(body) or "flags" in body,
    ),
    "get_feature_flag": _flag,
    "list_feature_flags": _simple(
        lambda c: {}, lambda body, c: all("key" in f for f in _results(body))
    ),
    "list_flag_definitions": _simple(lambda c: {}, lambda body, c: "key" in str(body)),
    "get_deletion": _simple(
        lambda c: {"tracking_id": "no-such-job", "token": c.sb.credentials.token},
        lambda body, c: body["results"]["status"] == "NOT_FOUND",
    ),
    "get_retrieval": _simple(
        lambda c: {"tracking_id": "no-such-job", "token": c.sb.credentials.token},
        lambda body, c: body["results"]["status"] == "NOT_FOUND",
    ),
    "list_lookup_tables": _simple(
        lambda c: {}, lambda body, c: {t["name"] for t in _results(body)} >= {"Products"}
    ),
    "get_schema": _schema,
    "list_schemas": _simple(
        lambda c: {},
        lambda body, c: {s["entityType"] for s in _results(body)} == {"event", "profile"},
    ),
    "list_schemas_for_entity": _simple(
        lambda c: {"entity_type": "profile"},
        lambda body, c: {s["entityType"] for s in _results(body)} == {"profile"},
    ),
    "activity_stream": _activity,
    "event_counts": _simple(
        lambda c: {
            "event": [c.first_event()],
            "type": "general",
            "unit": "day",
            "from_date": c.week_ago,
            "to_date": c.day,
        },
        _count_series,
    ),
    "event_names": _simple(
        lambda c: {"type": "general", "limit": 3},
        lambda body, c: len(body) == 3 and all(isinstance(n, str) for n in body),
    ),
    "flows": _simple(
        lambda c: {
            "query_type": "flows_sankey",
            "bookmark": {
                "steps": [{"event": c.first_event(), "forward": 2, "reverse": 0}],
                "date_range": {"type": "between", "from_date": c.week_ago, "to_date": c.day},
                "count_type": "unique",
                "version": 2,
            },
        },
        lambda body, c: c.first_event() in str(body),
    ),
    "frequency": _simple(
        lambda c: {
            "from_date": c.week_ago,
            "to_date": c.day,
            "unit": "day",
            "addiction_unit": "hour",
        },
        lambda body, c: bool(body["data"]) and all(d <= c.day for d in body["data"]),
    ),
    "funnel": _funnel,
    "insights": _insights,
    "jql": _simple(
        lambda c: {
            "body": {
                "script": f"function main() {{ return Events({{from_date: '{c.day}', "
                f"to_date: '{c.day}'}}).reduce(mixpanel.reducer.count()); }}"
            }
        },
        _jql_count,
    ),
    "list_bookmarks": _simple(
        lambda c: {"v": 2, "type": "funnels"},
        lambda body, c: {b["type"] for b in _results(body)} == {"funnels"},
    ),
    "list_cohorts": _simple(
        lambda c: {},
        lambda body, c: bool(body) and all(x["count"] >= 0 and x["name"] for x in body),
    ),
    "list_funnels": _simple(
        lambda c: {},
        lambda body, c: (
            [f["funnel_id"] for f in body] == [f["funnel_id"] for f in c.sb.data.fixtures.funnels]
        ),
    ),
    "property_counts": _simple(
        lambda c: {
            "event": c.first_event(),
            "name": "plan",
            "type": "general",
            "unit": "day",
            "from_date": c.week_ago,
            "to_date": c.day,
        },
        _count_series,
    ),
    "property_values": _simple(
        lambda c: {"event": c.first_event(), "name": "plan", "limit": 3},
        lambda body, c: 0 < len(body) <= 3 and all(isinstance(v, str) for v in body),
    ),
    "query_profiles": _simple(
        lambda c: {"body": {"page": 0}},
        lambda body, c: bool(_results(body)) and body["page"] == 0 and bool(body["session_id"]),
    ),
    "retention": _simple(
        lambda c: {
            "from_date": c.week_ago,
            "to_date": c.day,
            "born_event": c.first_event(),
            "unit": "day",
        },
        lambda body, c: bool(body) and all(v["first"] >= 0 for v in body.values()),
    ),
    "segmentation": _simple(
        lambda c: {"event": c.first_event(), "from_date": c.week_ago, "to_date": c.day},
        _count_series,
    ),
    "segmentation_average": _simple(
        _on_duration, lambda body, c: all(v >= 0 for v in body["results"].values())
    ),
    "segmentation_numeric": _simple(_on_duration, lambda body, c: bool(body["data"]["values"])),
    "segmentation_sum": _simple(_on_duration, lambda body, c: sum(body["results"].values()) > 0),
    "top_events": _simple(
        lambda c: {"type": "general", "limit": 2},
        lambda body, c: (
            len(body["events"]) == 2 and body["events"][0]["amount"] >= body["events"][1]["amount"]
        ),
    ),
    "top_properties": _simple(
        lambda c: {"event": c.first_event(), "limit": 5},
        lambda body, c: 0 < len(body) <= 5 and all(v["count"] > 0 for v in body.values()),
    ),
    "get_service_account": _service_account,
    "list_project_service_accounts": _simple(
        lambda c: {},
        lambda body, c: c.sb.credentials.username in {a["username"] for a in _results(body)},
    ),
    "list_service_accounts": _simple(
        lambda c: {"organization_id": c.sb.data.fixtures.organization_id},
        lambda body, c: c.sb.credentials.username in {a["username"] for a in _results(body)},
    ),
    "get_warehouse_import": _warehouse_import,
    "get_warehouse_import_history": _warehouse_history,
    "list_warehouse_imports": _simple(
        lambda c: {}, lambda body, c: all("import_type" in i for i in _results(body))
    ),
}


def test_every_read_operation_has_a_case():
    assert sorted(CASES) == READS


@pytest.mark.parametrize("op_id", READS)
def test_read_operation_answers(op_id: str, api: ApiClients, sandbox: Sandbox):
    ctx = Ctx(api, sandbox)
    params, check = CASES[op_id](ctx)
    body = api.call_json(op_id, **params)
    assert body is not None
    check(body, ctx)
    model = api.call(op_id, **params)
    assert model is not None and not type(model).__name__.startswith("ErrorBody")
