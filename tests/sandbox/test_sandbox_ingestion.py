"""Ingestion: what /track, /import, /engage and /groups receive comes back through the read APIs."""

from __future__ import annotations

import base64
import gzip
import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import mixpanel
import pytest
from sandbox_client import Api

from mixpanel_data.sandbox import Sandbox

ENGAGE = "/api/query/engage"


def _day(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).date().isoformat()


def _exported(client: Api, t: float, name: str) -> list[dict[str, Any]]:
    lines = client.export(from_date=_day(t), to_date=_day(t), event=json.dumps([name]))
    return [line["properties"] for line in lines]


def _profile(client: Api, distinct_id: str) -> dict[str, Any] | None:
    results = client.post(ENGAGE, data={"distinct_id": distinct_id}).json()["results"]
    return results[0]["$properties"] if results else None


def _at(sb: Sandbox, hour: int) -> int:
    return int(datetime.combine(sb.end_date, datetime.min.time(), UTC).timestamp()) + hour * 3600


def _recent(hours_ago: int) -> int:
    """A time /track keeps (its window is the last 5 days of the wall clock)."""
    return int(time.time()) - hours_ago * 3600


def test_track_round_trip_in_every_body_shape(fresh_sb: Sandbox, api: Any) -> None:
    client = api(fresh_sb)
    token = fresh_sb.credentials.token
    t = _recent(10)

    def event(n: int) -> dict[str, Any]:
        props = {"token": token, "distinct_id": f"t-{n}", "time": t + n, "n": n, "ünï": "çødé"}
        return {"event": "Tracked", "properties": props}

    url = fresh_sb.url + "/track"
    assert httpx.post(url, json=[event(0), event(1)]).text == "1"
    assert httpx.post(url, json=event(2)).text == "1"
    encoded = base64.b64encode(json.dumps([event(3)]).encode()).decode()
    assert httpx.post(url, data={"data": encoded}).text == "1"
    assert httpx.post(url, data={"data": json.dumps(event(4))}).text == "1"
    query = base64.b64encode(json.dumps(event(5)).encode()).decode()
    assert httpx.get(url, params={"data": query}).text == "1"
    got = _exported(client, t, "Tracked")
    assert [p["n"] for p in got] == [0, 1, 2, 3, 4, 5]
    for p in got:
        assert "token" not in p
        assert p["distinct_id"] == f"t-{p['n']}" and p["time"] == t + p["n"]
        assert p["ünï"] == "çødé" and p["mp_processing_time_ms"] > 0
        assert next(iter(p)) == "time"


def test_track_defaults_and_replies(fresh_sb: Sandbox) -> None:
    token = fresh_sb.credentials.token
    url = fresh_sb.url + "/track"
    before = time.time()
    event = {"event": "Now", "properties": {"token": token, "distinct_id": "n1"}}
    assert httpx.post(url, params={"verbose": 1}, json=[event]).json() == {
        "status": 1,
        "error": None,
    }
    nameless = {"properties": {"token": token}}
    assert httpx.post(url, json=[nameless]).text == "0"
    verbose = httpx.post(url, params={"verbose": 1}, json=[nameless]).json()
    assert verbose["status"] == 0 and "event" in verbose["error"]
    assert httpx.post(url, params={"callback": "cb"}, json=[event]).text == "cb(1);"
    pixel = httpx.post(url, params={"img": 1}, json=[event])
    assert pixel.headers["content-type"] == "image/gif"
    with fresh_sb.data.cursor() as cur:
        (stored,) = cur.execute("SELECT time FROM events WHERE event = 'Now' LIMIT 1").fetchone()
    assert before - 1 <= stored <= time.time() + 1


def _imported(fresh_sb: Sandbox, name: str) -> int:
    with fresh_sb.data.cursor() as cur:
        row = cur.execute("SELECT count(*) FROM events WHERE event = $1", [name]).fetchone()
    return int(row[0]) if row else 0


def test_import_strict_reports_each_bad_event(fresh_sb: Sandbox, api: Any, wire_check: Any) -> None:
    client = api(fresh_sb)
    t = _at(fresh_sb, 8)
    good = {"event": "Imp", "properties": {"time": t, "distinct_id": "i1", "$insert_id": "ok-1"}}
    batch = [
        good,
        {"event": "Imp", "properties": {"distinct_id": "i1", "$insert_id": "x-1"}},
        {"event": "Imp", "properties": {"time": t, "distinct_id": "i1", "$insert_id": "bad id!"}},
        {"event": "Imp", "properties": {"time": t, "$insert_id": "x-3"}},
        {
            "event": "Imp",
            "properties": {
                "time": time.time() + 86_400 * 3,
                "distinct_id": "i1",
                "$insert_id": "x-4",
            },
        },
        "not an event",
        {"event": "", "properties": {"time": t, "distinct_id": "i1", "$insert_id": "x-6"}},
        {
            "event": "Imp",
            "properties": {"time": "yesterday", "distinct_id": "i", "$insert_id": "x7"},
        },
        {"event": "Imp", "properties": {"time": t, "distinct_id": "i1"}},
    ]
    response = client.post("/import", {"strict": "1"}, json=batch)
    assert response.status_code == 400
    wire_check("POST", "/import", response)
    body = response.json()
    # The event three days ahead is not refused: its time becomes the time of ingestion.
    assert body["code"] == 400 and body["num_records_imported"] == 2
    assert body["status"] == "Bad Request" and body["error"]
    failed = {f["index"]: f for f in body["failed_records"]}
    assert sorted(failed) == [1, 2, 3, 5, 6, 7, 8]
    assert failed[1]["field"] == "properties.time"
    assert failed[2]["field"] == "properties.$insert_id" and failed[2]["insert_id"] == "bad id!"
    assert failed[3]["field"] == "properties.distinct_id"
    assert failed[6]["field"] == "event"
    assert failed[7]["field"] == "properties.time"
    assert failed[8]["field"] == "properties.$insert_id"
    assert all(isinstance(f["message"], str) and f["message"] for f in failed.values())
    assert _imported(fresh_sb, "Imp") == 2
    with fresh_sb.data.cursor() as cur:
        row = cur.execute("SELECT time FROM events WHERE insert_id = 'x-4'").fetchone()
    assert row is not None and row[0] <= time.time() + 1


def test_import_without_strict_drops_bad_events(
    fresh_sb: Sandbox, api: Any, wire_check: Any
) -> None:
    client = api(fresh_sb)
    t = _at(fresh_sb, 9)
    batch = [
        {"event": "Loose", "properties": {"time": t, "distinct_id": "l", "$insert_id": "l-1"}},
        {"event": "Loose", "properties": {"distinct_id": "l", "$insert_id": "l-2"}},
    ]
    response = client.post("/import", json=batch)
    wire_check("POST", "/import", response)
    assert response.json() == {"code": 200, "num_records_imported": 1, "status": "OK"}
    assert _imported(fresh_sb, "Loose") == 1


def test_import_gzip_ndjson_and_millisecond_times(fresh_sb: Sandbox, api: Any) -> None:
    client = api(fresh_sb)
    t_ms = _at(fresh_sb, 11) * 1000 + 250
    events = [
        {
            "event": "Zipped",
            "properties": {
                "time": t_ms + k,
                "distinct_id": "z",
                "$insert_id": uuid.uuid4().hex,
                "k": k,
            },
        }
        for k in range(3)
    ]
    body = gzip.compress("\n".join(json.dumps(e) for e in events).encode())
    response = client.post(
        "/import",
        {"strict": "1"},
        content=body,
        headers={"Content-Type": "application/x-ndjson", "Content-Encoding": "gzip"},
    )
    assert response.json()["num_records_imported"] == 3
    got = _exported(client, t_ms / 1000, "Zipped")
    assert [p["time"] for p in got] == [t_ms // 1000] * 3
    millis = client.export(
        from_date=_day(t_ms / 1000), to_date=_day(t_ms / 1000), event='["Zipped"]', time_in_ms="1"
    )
    assert [line["properties"]["time"] for line in millis] == [t_ms, t_ms + 1, t_ms + 2]


def test_import_limits(fresh_sb: Sandbox, api: Any) -> None:
    client = api(fresh_sb)
    event = {
        "event": "Many",
        "properties": {"time": _at(fresh_sb, 1), "distinct_id": "m", "$insert_id": "m-1"},
    }
    too_many = client.post("/import", {"strict": "1"}, json=[event] * 2001)
    assert too_many.status_code == 400 and "2000" in too_many.json()["error"]
    assert client.post("/import", content=b"{not json").status_code == 400
    assert client.post("/import", content=b"[]").json()["num_records_imported"] == 0


def test_merge_is_recorded_not_exported(fresh_sb: Sandbox, api: Any) -> None:
    client = api(fresh_sb)
    t = _at(fresh_sb, 12)
    merge = {"event": "$merge", "properties": {"$distinct_ids": ["user-00001", "anon-77"]}}
    assert client.post("/import", {"strict": "1"}, json=[merge]).status_code == 200
    bad = {"event": "$merge", "properties": {"$distinct_ids": ["only-one"]}}
    assert client.post("/import", {"strict": "1"}, json=[bad]).status_code == 400
    with fresh_sb.data.cursor() as cur:
        rows = cur.execute(
            "SELECT distinct_id, canonical_id, source FROM identity_merges WHERE source = '$merge'"
        ).fetchall()
    assert rows == [("anon-77", "user-00001", "$merge")]
    assert _exported(client, t, "$merge") == []


def test_identity_events_from_track_are_recorded(fresh_sb: Sandbox) -> None:
    token = fresh_sb.credentials.token
    t = _recent(15)
    events = [
        {
            "event": "$identify",
            "properties": {
                "token": token,
                "time": t,
                "distinct_id": "known-1",
                "$identified_id": "known-1",
                "$anon_id": "anon-1",
            },
        },
        {
            "event": "$create_alias",
            "properties": {"token": token, "time": t, "distinct_id": "known-1", "alias": "alias-1"},
        },
    ]
    assert httpx.post(fresh_sb.url + "/track", json=events).text == "1"
    with fresh_sb.data.cursor() as cur:
        rows = cur.execute(
            """SELECT distinct_id, canonical_id, source FROM identity_merges
               WHERE canonical_id = 'known-1' ORDER BY source"""
        ).fetchall()
    assert rows == [("alias-1", "known-1", "$create_alias"), ("anon-1", "known-1", "$identify")]


def test_written_events_count_in_discovery(fresh_sb: Sandbox, api: Any) -> None:
    client = api(fresh_sb)
    t = _at(fresh_sb, 13)
    events = [
        {
            "event": "Réservé",
            "properties": {
                "time": t + k,
                "distinct_id": f"d{k % 2}",
                "$insert_id": f"r-{k}",
                "colour": "vert",
            },
        }
        for k in range(5)
    ]
    assert client.post("/import", {"strict": "1"}, json=events).status_code == 200
    assert "Réservé" in client.get("/api/query/events/names").json()
    top = {e["event"]: e for e in client.get("/api/query/events/top").json()["events"]}
    assert top["Réservé"]["amount"] == 5
    unique = client.get("/api/query/events/top", {"type": "unique"}).json()["events"]
    assert {e["event"]: e["amount"] for e in unique}["Réservé"] == 2
    values = client.get(
        "/api/query/events/properties/values", {"event": "Réservé", "name": "colour"}
    ).json()
    assert values == ["vert"]
    props = client.get("/api/query/events/properties/top", {"event": "Réservé"}).json()
    assert props == {"colour": {"count": 5}}


def _engage(sb: Sandbox, updates: list[dict[str, Any]], **params: Any) -> httpx.Response:
    token = sb.credentials.token
    return httpx.post(
        sb.url + "/engage", params=params, json=[{"$token": token, **u} for u in updates]
    )


def test_profile_operations(fresh_sb: Sandbox, api: Any) -> None:
    client = api(fresh_sb)
    did = "ops-user"
    steps: list[tuple[dict[str, Any], dict[str, Any]]] = [
        ({"$set": {"plan": "pro", "n": 1, "tags": ["a"]}}, {"plan": "pro", "n": 1, "tags": ["a"]}),
        ({"$set_once": {"plan": "free", "first": "yes"}}, {"plan": "pro", "first": "yes"}),
        ({"$add": {"n": 2.5, "visits": 1}}, {"n": 3.5, "visits": 1}),
        ({"$union": {"tags": ["a", "b", "c"]}}, {"tags": ["a", "b", "c"]}),
        ({"$append": {"tags": "a", "log": "x"}}, {"tags": ["a", "b", "c", "a"], "log": ["x"]}),
        ({"$remove": {"tags": "a"}}, {"tags": ["b", "c"]}),
        ({"$unset": ["first", "visits"]}, {"first": None, "visits": None}),
    ]
    for update, expected in steps:
        assert _engage(fresh_sb, [{"$distinct_id": did, **update}]).text == "1"
        props = _profile(client, did)
        assert props is not None
        for key, value in expected.items():
            assert props.get(key) == value, (update, key)
    assert "$last_seen" in props
    kept = _profile(client, "user-00001")
    assert kept is not None
    _engage(fresh_sb, [{"$distinct_id": "user-00001", "$set": {"x": 1}, "$ignore_time": True}])
    assert _profile(client, "user-00001") == {**kept, "x": 1}
    _engage(fresh_sb, [{"$distinct_id": "user-00001", "$set": {"y": 2}, "$time": 1769860800}])
    assert _profile(client, "user-00001")["$last_seen"] == "2026-01-31T12:00:00"  # type: ignore[index]
    assert _engage(fresh_sb, [{"$distinct_id": did, "$delete": ""}]).text == "1"
    assert _profile(client, did) is None
    assert _engage(fresh_sb, [{"$distinct_id": did, "$unset": ["x"]}]).text == "0"
    assert _profile(client, did) is None


def test_profile_update_errors(fresh_sb: Sandbox) -> None:
    bad_add = _engage(fresh_sb, [{"$distinct_id": "e", "$add": {"n": "one"}}], verbose=1).json()
    assert bad_add["status"] == 0 and "$add" in bad_add["error"]
    assert _engage(fresh_sb, [{"$distinct_id": "e", "$explode": {}}]).text == "0"
    assert _engage(fresh_sb, [{"$set": {"a": 1}}]).text == "0"


def test_group_operations(fresh_sb: Sandbox, api: Any) -> None:
    client = api(fresh_sb)
    token = fresh_sb.credentials.token

    def send(update: dict[str, Any]) -> str:
        record = {"$token": token, "$group_key": "company_id", "$group_id": "c9999", **update}
        return httpx.post(fresh_sb.url + "/groups", json=[record]).text

    def group() -> dict[str, Any] | None:
        body = client.post(ENGAGE, data={"data_group_id": "1", "distinct_id": "c9999"}).json()
        return body["results"][0]["$properties"] if body["results"] else None

    assert send({"$set": {"$name": "Ångström AB", "seats": 5}}) == "1"
    assert group() == {"$name": "Ångström AB", "seats": 5}
    send({"$set_once": {"$name": "Other", "tier": "gold"}})
    send({"$union": {"domains": ["a.se", "b.se"]}})
    send({"$remove": {"domains": "a.se"}})
    send({"$unset": ["seats"]})
    assert group() == {"$name": "Ångström AB", "tier": "gold", "domains": ["b.se"]}
    assert send({"$delete": None}) == "1"
    assert group() is None
    missing_key = httpx.post(fresh_sb.url + "/groups", json=[{"$token": token, "$set": {"a": 1}}])
    assert missing_key.text == "0"


def test_official_sdk_talks_to_the_sandbox(fresh_sb: Sandbox, api: Any) -> None:
    client = api(fresh_sb)
    creds = fresh_sb.credentials
    consumer = mixpanel.Consumer(
        events_url=fresh_sb.url + "/track",
        people_url=fresh_sb.url + "/engage",
        groups_url=fresh_sb.url + "/groups",
        import_url=fresh_sb.url + "/import",
        credentials=mixpanel.ServiceAccountCredentials(
            creds.username, creds.secret, str(creds.project_id)
        ),
    )
    mp = mixpanel.Mixpanel(creds.token, consumer=consumer)
    mp.track("sdk-user", "SDK Event", {"plan": "pro"})
    mp.people_set("sdk-user", {"$email": "sdk@example.com"})
    t = _at(fresh_sb, 14)
    mp.import_data(None, "sdk-user", "SDK Import", t, {"source": "sdk"})
    now = time.time()
    tracked = _exported(client, now, "SDK Event")
    assert [p["distinct_id"] for p in tracked] == ["sdk-user"]
    assert tracked[0]["mp_lib"] == "python"
    imported = _exported(client, t, "SDK Import")
    assert [p["source"] for p in imported] == ["sdk"]
    profile = _profile(client, "sdk-user")
    assert profile is not None and profile["$email"] == "sdk@example.com"


@pytest.mark.parametrize("path", ["/track", "/engage", "/groups"])
def test_bad_bodies_are_400(fresh_sb: Sandbox, path: str) -> None:
    response = httpx.post(fresh_sb.url + path, data={"data": "%%% not base64 or json"})
    assert response.status_code == 400
    assert response.json()["status"] == "error"


def test_numbers_and_times_out_of_range_are_rejected_not_500(fresh_sb: Sandbox, api: Any) -> None:
    client = api(fresh_sb)
    token = fresh_sb.credentials.token
    engage = fresh_sb.url + "/engage"

    def update(**ops: Any) -> str:
        answer = httpx.post(engage, json=[{"$token": token, "$distinct_id": "big", **ops}])
        assert answer.status_code == 200, answer.text
        return answer.text

    assert update(**{"$set": {"n": 1e308}}) == "1"
    assert update(**{"$add": {"n": 1e308}}) == "0"  # would overflow to infinity
    assert update(**{"$add": {"n": 10**400}}) == "0"  # too large to add to a float
    assert _profile(client, "big")["n"] == 1e308
    for when in (10**20, -(10**20), 1e300, 253402300800000, 10**400):
        assert update(**{"$time": when, "$set": {"when": str(when)[:8]}}) == "1"
    t = _recent(3)
    before = time.time()
    huge = {"event": "Far", "properties": {"token": token, "time": 10**400}}
    assert httpx.post(fresh_sb.url + "/track", json=[huge]).text == "1"  # future: now instead
    [far] = _exported(client, before, "Far")
    assert before - 1 <= far["time"] <= time.time() + 1
    kept = {"event": "Huge", "properties": {"token": token, "time": t, "n": 10**30}}
    assert httpx.post(fresh_sb.url + "/track", json=[kept]).text == "1"
    assert [p["n"] for p in _exported(client, t, "Huge")] == [10**30]


def test_discovery_limits_larger_than_any_table(shared_sb: Sandbox, api: Any) -> None:
    client = api(shared_sb)
    big = str(10**25)
    assert client.get("/api/query/events/names", {"type": "general", "limit": big}).json()
    for path, params in [
        ("/api/query/events/properties/top", {"event": "Purchase"}),
        ("/api/query/events/properties/values", {"event": "Purchase", "name": "currency"}),
    ]:
        answer = client.get(path, {**params, "limit": big})
        assert answer.status_code == 200 and answer.json(), answer.text
