"""The synthetic project: determinism and the data-model facts documented in ``_data``.

Expected values are computed here from the exported lines and the profiles the API returns, not
from the generator's SQL.
"""

from __future__ import annotations

import gzip
import re
from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sandbox_client import Api

from mixpanel_data.sandbox import Sandbox

SMALL = {"users": 40, "days": 5, "end_date": "2026-01-31"}


def _export_bytes(sb: Sandbox, accept: str) -> bytes:
    creds = sb.credentials
    params = {
        "from_date": sb.start_date.isoformat(),
        "to_date": sb.end_date.isoformat(),
        "project_id": creds.project_id,
    }
    headers = {"Accept-Encoding": accept}
    with (
        httpx.Client(base_url=sb.url, auth=(creds.username, creds.secret), timeout=60) as client,
        client.stream("GET", "/api/2.0/export", params=params, headers=headers) as response,
    ):
        assert response.status_code == 200
        return b"".join(response.iter_raw())


def _all_profiles(client: Api) -> dict[str, dict[str, Any]]:
    profiles: dict[str, dict[str, Any]] = {}
    page, session = 0, None
    while True:
        form: dict[str, Any] = {"page": page}
        if session:
            form["session_id"] = session
        body = client.post("/api/query/engage", data=form).json()
        session = body["session_id"]
        for item in body["results"]:
            profiles[item["$distinct_id"]] = item["$properties"]
        if len(profiles) >= body["total"] or not body["results"]:
            return profiles
        page += 1


def test_same_arguments_give_byte_identical_exports() -> None:
    with Sandbox(seed=11, **SMALL) as first, Sandbox(seed=11, **SMALL) as second:  # type: ignore[arg-type]
        plain = _export_bytes(first, "identity")
        assert plain and plain == _export_bytes(second, "identity")
        zipped = _export_bytes(first, "gzip")
        assert zipped == _export_bytes(second, "gzip")
        assert gzip.decompress(zipped) == plain


def test_another_seed_gives_other_data() -> None:
    with Sandbox(seed=11, **SMALL) as first, Sandbox(seed=12, **SMALL) as second:  # type: ignore[arg-type]
        assert _export_bytes(first, "identity") != _export_bytes(second, "identity")


@pytest.mark.parametrize("events", [None, 2_500])
def test_event_count_is_near_the_target(events: int | None) -> None:
    with Sandbox(seed=5, events=events, **SMALL) as sb:  # type: ignore[arg-type]
        lines = _export_bytes(sb, "identity").count(b"\n")
    target = events if events is not None else 40 * 5 * 3
    assert abs(lines - target) <= target * 0.15, (lines, target)


def test_every_event_has_the_documented_properties(
    shared_sb: Sandbox, shared_export: list[dict[str, Any]]
) -> None:
    start = datetime.combine(shared_sb.start_date, datetime.min.time(), UTC).timestamp()
    end = start + shared_sb.plan.days * 86_400
    names = set()
    for line in shared_export:
        assert list(line) == ["event", "properties"]
        props = line["properties"]
        names.add(line["event"])
        assert next(iter(props)) == "time"
        assert isinstance(props["time"], int) and start <= props["time"] < end
        assert 18 <= len(props) <= 25, props
        assert re.fullmatch(r"[0-9a-f]{32}", props["$insert_id"])
        assert props["mp_processing_time_ms"] > props["time"] * 1000
        assert isinstance(props["$browser_version"], float)
        if not props["distinct_id"].startswith("$device:"):
            assert props["$user_id"] == props["distinct_id"]
    assert names == {
        "Page View",
        "Button Click",
        "Search",
        "Add to Cart",
        "Purchase",
        "Login",
        "Sign Up",
        "$identify",
    }
    times = [line["properties"]["time"] for line in shared_export]
    assert times == sorted(times)


def test_values_exercise_json_escaping(shared_export: list[dict[str, Any]]) -> None:
    values = [v for line in shared_export for v in line["properties"].values()]
    assert any(isinstance(v, str) and not v.isascii() for v in values)
    assert any(v is None for v in values)
    assert any(isinstance(v, bool) for v in values)
    assert any(isinstance(v, list) for v in values)
    assert any(isinstance(v, dict) for v in values)
    queries = {line["properties"].get("query") for line in shared_export}
    assert '"red mug"' in queries or "tea\\coffee" in queries


def test_duplicates_are_genuine(shared_export: list[dict[str, Any]]) -> None:
    def key(line: dict[str, Any]) -> tuple[Any, ...]:
        p = line["properties"]
        return (line["event"], p["distinct_id"], p["time"], p["$insert_id"])

    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for line in shared_export:
        groups[key(line)].append(line)
    duplicated = [lines for lines in groups.values() if len(lines) > 1]
    assert duplicated, "the export should contain a few duplicates"
    assert len(duplicated) < len(shared_export) * 0.01
    for first, second in duplicated:
        a, b = dict(first["properties"]), dict(second["properties"])
        assert a.pop("mp_processing_time_ms") != b.pop("mp_processing_time_ms")
        assert a == b


def test_purchase_amount_is_the_sum_of_its_items(shared_export: list[dict[str, Any]]) -> None:
    purchases = [line["properties"] for line in shared_export if line["event"] == "Purchase"]
    assert purchases
    for p in purchases:
        total = sum(item["price"] * item["quantity"] for item in p["items"])
        assert p["amount"] == pytest.approx(total)
        assert {"currency", "payment_method", "coupon"} <= p.keys()


def test_users_follow_the_funnel_in_order(shared_export: list[dict[str, Any]]) -> None:
    by_user: dict[str, list[str]] = defaultdict(list)
    carts: dict[str, list[int]] = defaultdict(list)
    for line in shared_export:
        p = line["properties"]
        by_user[p["distinct_id"]].append(line["event"])
        if line["event"] == "Add to Cart":
            carts[p["distinct_id"]].append(p["time"])
    for line in shared_export:
        p = line["properties"]
        if line["event"] == "Purchase":  # the session's previous event, 5-85 s earlier
            assert any(4 <= p["time"] - t <= 86 for t in carts[p["distinct_id"]])
    steps = ["Sign Up", "Page View", "Add to Cart", "Purchase"]
    reached = Counter()
    for events in by_user.values():
        step = 0
        for name in events:
            if step < len(steps) and name == steps[step]:
                step += 1
        for n in range(step):
            reached[steps[n]] += 1
    counts = [reached[s] for s in steps]
    assert counts[0] > counts[2] > counts[3] > 0
    assert counts == sorted(counts, reverse=True)


def test_identify_links_the_anonymous_visit(shared_export: list[dict[str, Any]]) -> None:
    identifies = [line for line in shared_export if line["event"] == "$identify"]
    assert identifies
    anonymous = {
        line["properties"]["distinct_id"]: line["properties"]["time"]
        for line in shared_export
        if line["properties"]["distinct_id"].startswith("$device:")
    }
    for line in identifies:
        p = line["properties"]
        assert p["$identified_id"] == p["distinct_id"]
        assert p["$anon_id"] == "$device:" + p["$device_id"]
        assert anonymous[p["$anon_id"]] < p["time"]


def test_profiles_agree_with_the_events(
    shared_sb: Sandbox, shared_export: list[dict[str, Any]], api: Any
) -> None:
    profiles = _all_profiles(api(shared_sb))
    assert sorted(profiles) == [f"user-{n:05d}" for n in range(1, 121)]
    seen: set[tuple[Any, ...]] = set()
    ltv: Counter[str] = Counter()
    purchases: Counter[str] = Counter()
    last_seen: dict[str, int] = {}
    signed_up: dict[str, int] = {}
    for line in shared_export:
        p = line["properties"]
        user = p["distinct_id"]
        if user.startswith("$device:"):
            continue
        last_seen[user] = max(last_seen.get(user, 0), p["time"])
        assert p["plan"] == profiles[user]["plan"]
        key = (line["event"], user, p["time"], p["$insert_id"])
        if line["event"] == "Purchase" and key not in seen:
            ltv[user] += p["amount"]
            purchases[user] += 1
        if line["event"] == "Sign Up":
            signed_up[user] = p["time"]
        seen.add(key)

    def iso(t: int) -> str:
        return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S")

    for user, props in profiles.items():
        assert props["ltv"] == pytest.approx(ltv[user])
        assert props["purchase_count"] == purchases[user]
        assert props["plan"] in ("free", "pro", "enterprise")
        assert props["$email"].isascii() and props["$email"].endswith("@example.com")
        if user in last_seen:
            assert props["$last_seen"] == iso(last_seen[user])
        if user in signed_up:
            assert props["$created"] == iso(signed_up[user])
        else:
            assert props["$created"] < shared_sb.start_date.isoformat()
    assert len({p["$email"] for p in profiles.values()}) == len(profiles)
    assert 0.4 < len(signed_up) / len(profiles) < 0.9
