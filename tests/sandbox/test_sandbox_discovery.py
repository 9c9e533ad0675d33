"""Discovery endpoints, with expectations counted from the exported events (duplicates once)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from mixpanel_data.sandbox import Sandbox

Check = Callable[[str, str, httpx.Response], None]
HIDDEN = {"time", "distinct_id", "$insert_id", "mp_processing_time_ms"}


def _unique(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[tuple[Any, ...]] = set()
    kept = []
    for line in lines:
        p = line["properties"]
        key = (line["event"], p["distinct_id"], p["time"], p["$insert_id"])
        if key not in seen:
            seen.add(key)
            kept.append(line)
    return kept


def _ranked(counter: Counter[str], limit: int) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]


def test_event_names(
    shared_sb: Sandbox, shared_export: list[Any], api: Any, wire_check: Check
) -> None:
    response = api(shared_sb).get("/api/query/events/names", {"type": "general"})
    wire_check("GET", "/api/query/events/names", response)
    counts = Counter(line["event"] for line in _unique(shared_export))
    assert response.json() == [name for name, _ in _ranked(counts, 255)]
    limited = api(shared_sb).get("/api/query/events/names", {"limit": 3}).json()
    assert limited == response.json()[:3]


@pytest.mark.parametrize("kind", ["general", "unique", "average"])
def test_top_events(
    shared_sb: Sandbox, shared_export: list[Any], api: Any, wire_check: Check, kind: str
) -> None:
    response = api(shared_sb).get("/api/query/events/top", {"type": kind})
    wire_check("GET", "/api/query/events/top", response)
    body = response.json()
    assert body["type"] == kind
    today = datetime.combine(shared_sb.end_date, datetime.min.time(), UTC).timestamp()
    events: dict[tuple[str, bool], list[str]] = {}
    for line in _unique(shared_export):
        t = line["properties"]["time"]
        if today - 86_400 <= t < today + 86_400:
            key = (line["event"], t >= today)
            events.setdefault(key, []).append(line["properties"]["distinct_id"])

    def amount(users: list[str]) -> float:
        if kind == "general":
            return len(users)
        if kind == "unique":
            return len(set(users))
        return len(users) / len(set(users)) if users else 0

    expected = {}
    for name in {n for n, _ in events}:
        now, before = amount(events.get((name, True), [])), amount(events.get((name, False), []))
        if now:
            expected[name] = (now, (now - before) / before if before else 1.0)
    got = {e["event"]: (e["amount"], e["percent_change"]) for e in body["events"]}
    assert got.keys() == expected.keys()
    for name, (value, change) in expected.items():
        assert got[name][0] == round(value)
        assert got[name][1] == pytest.approx(change, abs=1e-6)
    amounts = [e["amount"] for e in body["events"]]
    assert amounts == sorted(amounts, reverse=True)


def test_top_properties(
    shared_sb: Sandbox, shared_export: list[Any], api: Any, wire_check: Check
) -> None:
    response = api(shared_sb).get(
        "/api/query/events/properties/top", {"event": "Purchase", "limit": 30}
    )
    wire_check("GET", "/api/query/events/properties/top", response)
    counts: Counter[str] = Counter()
    for line in _unique(shared_export):
        if line["event"] == "Purchase":
            counts.update(k for k in line["properties"] if k not in HIDDEN)
    expected = _ranked(counts, 30)
    assert list(response.json().items()) == [(k, {"count": n}) for k, n in expected]
    assert (
        len(api(shared_sb).get("/api/query/events/properties/top", {"event": "Purchase"}).json())
        == 10
    )
    assert api(shared_sb).get("/api/query/events/properties/top").status_code == 400


@pytest.mark.parametrize(
    ("event", "name"), [("Page View", "$city"), ("Search", "results_count"), (None, "coupon")]
)
def test_property_values(
    shared_sb: Sandbox,
    shared_export: list[Any],
    api: Any,
    wire_check: Check,
    event: str | None,
    name: str,
) -> None:
    params = {"name": name, "limit": 20, **({"event": event} if event else {})}
    response = api(shared_sb).get("/api/query/events/properties/values", params)
    wire_check("GET", "/api/query/events/properties/values", response)
    counts: Counter[str] = Counter()
    for line in _unique(shared_export):
        value = line["properties"].get(name)
        if (event is None or line["event"] == event) and value is not None:
            counts[value if isinstance(value, str) else json.dumps(value)] += 1
    assert response.json() == [value for value, _ in _ranked(counts, 20)]


def test_saved_funnels_and_cohorts(shared_sb: Sandbox, api: Any, wire_check: Check) -> None:
    client = api(shared_sb)
    funnels = client.get("/api/query/funnels/list")
    wire_check("GET", "/api/query/funnels/list", funnels)
    assert [f["funnel_id"] for f in funnels.json()] == [7001, 7002, 7003]
    cohorts = client.post("/api/query/cohorts/list")
    wire_check("POST", "/api/query/cohorts/list", cohorts)
    listed = cohorts.json()
    assert {c["project_id"] for c in listed} == {shared_sb.credentials.project_id}
    assert {c["is_visible"] for c in listed} == {0, 1}
    assert all(0 < c["count"] <= shared_sb.plan.users for c in listed)
    datetime.strptime(listed[0]["created"], "%Y-%m-%d %H:%M:%S")


def test_bookmarks(shared_sb: Sandbox, api: Any, wire_check: Check) -> None:
    client = api(shared_sb)
    project = shared_sb.credentials.project_id
    path = f"/api/app/projects/{project}/bookmarks"
    everything = client.get(path, {"v": 2}, project=False)
    wire_check("GET", "/api/app/projects/{projectId}/bookmarks", everything)
    results = everything.json()["results"]
    assert {b["type"] for b in results} == {"insights", "funnels", "retention", "flows"}
    assert all(isinstance(b["params"], dict) and b["project_id"] == project for b in results)
    insights = client.get(path, {"type": "insights"}, project=False).json()["results"]
    assert insights and {b["type"] for b in insights} == {"insights"}
    ids = [results[0]["id"], results[-1]["id"]]
    picked = client.client.get(path, params=[("id[]", str(i)) for i in ids]).json()["results"]
    assert [b["id"] for b in picked] == ids
    assert client.get(path, {"type": "nope"}, project=False).status_code == 400


def test_recent_window_ends_today(api: Any) -> None:
    with Sandbox(seed=2, users=20, days=40, end_date="2026-01-31") as sb:
        client = api(sb)
        lines = client.export(from_date=sb.start_date.isoformat(), to_date=sb.end_date.isoformat())
        cutoff = datetime.combine(sb.end_date - timedelta(days=30), datetime.min.time(), UTC)
        recent = [x for x in lines if x["properties"]["time"] >= cutoff.timestamp()]
        values = client.get(
            "/api/query/events/properties/values",
            {"event": "Page View", "name": "$insert_id", "limit": 100000},
        ).json()
        expected = {x["properties"]["$insert_id"] for x in recent if x["event"] == "Page View"}
        assert set(values) == expected
