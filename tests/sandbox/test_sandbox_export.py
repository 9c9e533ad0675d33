"""``GET /api/2.0/export``: filters, limits, dates, time units, gzip, order.

Expectations are computed in Python from the full export of the window (itself checked against
the data model in ``test_sandbox_data``).
"""

from __future__ import annotations

import gzip
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from sandbox_client import Api

from mixpanel_data.sandbox import Sandbox

Line = dict[str, Any]


def _day_start(day: date) -> int:
    return int(datetime.combine(day, datetime.min.time(), UTC).timestamp())


def _window(sb: Sandbox) -> dict[str, str]:
    return {"from_date": sb.start_date.isoformat(), "to_date": sb.end_date.isoformat()}


def test_dates_are_inclusive_utc_days(
    shared_sb: Sandbox, shared_export: list[Line], api: Any
) -> None:
    first = shared_sb.start_date + timedelta(days=3)
    last = first + timedelta(days=1)
    got = api(shared_sb).export(from_date=first.isoformat(), to_date=last.isoformat())
    low, high = _day_start(first), _day_start(last + timedelta(days=1))
    expected = [line for line in shared_export if low <= line["properties"]["time"] < high]
    assert got == expected
    assert {datetime.fromtimestamp(x["properties"]["time"], UTC).date() for x in got} == {
        first,
        last,
    }


def test_event_filter(shared_sb: Sandbox, shared_export: list[Line], api: Any) -> None:
    names = ["Purchase", "Sign Up"]
    got = api(shared_sb).export(**_window(shared_sb), event=json.dumps(names))
    assert got == [line for line in shared_export if line["event"] in names]
    assert {line["event"] for line in got} == set(names)


def test_where_in_the_sql_subset(shared_sb: Sandbox, shared_export: list[Line], api: Any) -> None:
    where = 'properties["plan"] == "pro" and properties["$browser"] != "Chrome"'
    got = api(shared_sb).export(**_window(shared_sb), where=where)
    expected = [
        line
        for line in shared_export
        if line["properties"].get("plan") == "pro" and line["properties"]["$browser"] != "Chrome"
    ]
    assert got == expected and expected


def test_where_evaluated_in_python(shared_sb: Sandbox, shared_export: list[Line], api: Any) -> None:
    got = api(shared_sb).export(**_window(shared_sb), where='properties["amount"] * 2 > 50')
    expected = [line for line in shared_export if line["properties"].get("amount", 0) * 2 > 50]
    assert got == expected and expected


def test_where_reading_user_properties(
    shared_sb: Sandbox, shared_export: list[Line], api: Any
) -> None:
    client = api(shared_sb)
    enterprise = {
        item["$distinct_id"]
        for item in client.post(
            "/api/query/engage", data={"where": 'user["plan"] == "enterprise"'}
        ).json()["results"]
    }
    assert enterprise
    got = client.export(**_window(shared_sb), where='user["plan"] == "enterprise"')
    expected = [line for line in shared_export if line["properties"]["distinct_id"] in enterprise]
    assert got == expected


def test_limit_keeps_the_first_events(
    shared_sb: Sandbox, shared_export: list[Line], api: Any
) -> None:
    client = api(shared_sb)
    assert client.export(**_window(shared_sb), limit=7) == shared_export[:7]
    logins = [line for line in shared_export if line["event"] == "Login"]
    got = client.export(**_window(shared_sb), limit=5, where='properties["remember_me"] == true')
    assert got == [line for line in logins if line["properties"]["remember_me"]][:5]


def test_time_in_ms(shared_sb: Sandbox, shared_export: list[Line], api: Any) -> None:
    day = shared_sb.start_date + timedelta(days=2)
    client = api(shared_sb)
    seconds = client.export(from_date=day.isoformat(), to_date=day.isoformat())
    millis = client.export(from_date=day.isoformat(), to_date=day.isoformat(), time_in_ms="true")
    assert len(millis) == len(seconds) > 0
    for s_line, ms_line in zip(seconds, millis, strict=True):
        ms = ms_line["properties"]["time"]
        assert ms // 1000 == s_line["properties"]["time"]
        assert {**ms_line["properties"], "time": ms // 1000} == s_line["properties"]
    assert any(line["properties"]["time"] % 1000 for line in millis)


@pytest.mark.parametrize(
    "params",
    [
        {"from_date": "2026-1-05", "to_date": "2026-01-06"},
        {"from_date": "2026-01-07", "to_date": "2026-01-06"},
        {"to_date": "2026-01-06"},
        {"from_date": "2026-02-30", "to_date": "2026-03-01"},
        {"from_date": "2026-01-05", "to_date": "2026-01-06", "event": "[not json"},
        {"from_date": "2026-01-05", "to_date": "2026-01-06", "limit": "0"},
        {"from_date": "2026-01-05", "to_date": "2026-01-06", "limit": "100001"},
        {"from_date": "2026-01-05", "to_date": "2026-01-06", "where": 'properties["a" =='},
        {"from_date": "2026-01-20", "to_date": "2026-01-31", "where": 'properties["amount"] and 1'},
    ],
)
def test_bad_parameters_are_400(shared_sb: Sandbox, api: Any, params: dict[str, str]) -> None:
    response = api(shared_sb).get("/api/2.0/export", params)
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == "error" and body["error"]


def test_a_window_without_events_is_empty(shared_sb: Sandbox, api: Any) -> None:
    response = api(shared_sb).get(
        "/api/2.0/export", {"from_date": "2020-01-01", "to_date": "2020-01-31"}
    )
    assert response.status_code == 200 and response.content == b""


def test_gzip_is_readable_by_httpx_and_duckdb(
    shared_sb: Sandbox, shared_export: list[Line], api: Any, tmp_path: Path
) -> None:
    client = api(shared_sb)
    plain = client.get(
        "/api/2.0/export", _window(shared_sb), headers={"Accept-Encoding": "identity"}
    )
    assert plain.headers.get("content-encoding") is None
    assert plain.headers["transfer-encoding"] == "chunked"
    decoded = client.get("/api/2.0/export", _window(shared_sb))
    assert decoded.headers["content-encoding"] == "gzip"
    assert decoded.content == plain.content
    saved = tmp_path / "events.jsonl.gz"
    params = {**_window(shared_sb), "project_id": shared_sb.credentials.project_id}
    with (
        client.client.stream("GET", "/api/2.0/export", params=params) as response,
        saved.open("wb") as out,
    ):
        for chunk in response.iter_raw():
            out.write(chunk)
    assert gzip.decompress(saved.read_bytes()) == plain.content
    with duckdb.connect() as con:
        count, purchases = con.execute(
            f"""SELECT count(*), count(*) FILTER (WHERE event = 'Purchase')
                FROM read_ndjson('{saved}', columns={{event: 'VARCHAR', properties: 'JSON'}})"""
        ).fetchone()
    assert count == len(shared_export)
    assert purchases == sum(1 for line in shared_export if line["event"] == "Purchase")


def test_filtered_gzip_export(shared_sb: Sandbox, shared_export: list[Line], api: Any) -> None:
    response = api(shared_sb).get("/api/2.0/export", {**_window(shared_sb), "event": '["Search"]'})
    assert response.headers["content-encoding"] == "gzip"
    lines = [json.loads(x) for x in response.text.splitlines()]
    assert lines == [line for line in shared_export if line["event"] == "Search"]


def _import(client: Api, events: list[Line]) -> None:
    response = client.post("/import", {"strict": "1"}, json=events)
    assert response.status_code == 200, response.text


def test_written_events_are_exported_in_time_order(fresh_sb: Sandbox, api: Any) -> None:
    client = api(fresh_sb)
    day = fresh_sb.start_date + timedelta(days=1)
    before = client.export(from_date=day.isoformat(), to_date=day.isoformat())
    zipped_before = client.get(
        "/api/2.0/export", {"from_date": day.isoformat(), "to_date": day.isoformat()}
    )
    assert [json.loads(x) for x in zipped_before.text.splitlines()] == before
    noon = _day_start(day) + 12 * 3600
    new = [
        {
            "event": "Imported",
            "properties": {
                "time": noon + k * 60,
                "distinct_id": f"imp-{k}",
                "$insert_id": uuid.uuid4().hex,
                "kind": k,
            },
        }
        for k in (2, 0, 1)
    ]
    _import(client, new)
    after = client.export(from_date=day.isoformat(), to_date=day.isoformat())
    assert len(after) == len(before) + 3
    times = [line["properties"]["time"] for line in after]
    assert times == sorted(times)
    imported = [line for line in after if line["event"] == "Imported"]
    assert [line["properties"]["kind"] for line in imported] == [0, 1, 2]
    zipped = client.get(
        "/api/2.0/export", {"from_date": day.isoformat(), "to_date": day.isoformat()}
    )
    assert [json.loads(x) for x in zipped.text.splitlines()] == after


def test_export_streams_while_large(fresh_sb: Sandbox, api: Any) -> None:
    client = api(fresh_sb)
    params = {**_window(fresh_sb), "project_id": fresh_sb.credentials.project_id}
    with client.client.stream("GET", "/api/2.0/export", params=params) as response:
        assert response.headers.get("transfer-encoding") == "chunked"
        assert "content-length" not in response.headers
        assert response.read()
