"""Reading events and profiles with ``spark.read.format("mixpanel")`` from a sandbox.

The expected numbers come from the sandbox's raw export, read here with plain Python: one event
per key (event, distinct_id, time, $insert_id), counted per event name and UTC day.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from typing import Any

import pytest
from spark_helpers import FIRST, LAST, options

from mixpanel_data import Workspace
from mixpanel_data.sandbox import Fault, Sandbox
from mixpanel_data.spark import dedup_events


def _export(sb: Sandbox) -> list[dict[str, Any]]:
    with Workspace.memory(credentials=sb.credentials.client_credentials(sb.url)) as ws:
        return list(ws.stream_events(from_date=FIRST, to_date=LAST, raw=True))


def _per_event_day(raw: list[dict[str, Any]]) -> Counter[tuple[str, str]]:
    keys = {
        (
            e["event"],
            e["properties"]["distinct_id"],
            e["properties"]["time"],
            e["properties"].get("$insert_id"),
        )
        for e in raw
    }
    return Counter(
        (name, dt.datetime.fromtimestamp(t, dt.UTC).date().isoformat()) for name, _, t, _ in keys
    )


def test_a_month_per_event_and_day_equals_the_export_after_dedup(spark: Any, sb: Sandbox) -> None:
    raw = _export(sb)
    expected = _per_event_day(raw)
    df = (
        spark.read.format("mixpanel")
        .options(**options(sb, from_date=FIRST, to_date=LAST, partition_days=2, concurrency=3))
        .load()
    )
    assert df.rdd.getNumPartitions() == 3
    assert df.count() == len(raw)  # the export's duplicates are all there before dedup
    assert len(raw) > sum(expected.values())  # ... and there are some
    rows = (
        dedup_events(df)
        .selectExpr("event_name", "CAST(CAST(event_time AS DATE) AS STRING) AS day")
        .groupBy("event_name", "day")
        .count()
        .collect()
    )
    got = Counter({(r["event_name"], r["day"]): r["count"] for r in rows})
    assert got == expected


def test_rows_have_the_store_schema_and_values(spark: Any, sb: Sandbox) -> None:
    day = "2026-10-07"
    with Workspace.memory(credentials=sb.credentials.client_credentials(sb.url)) as ws:
        ws.fetch_events(from_date=day, to_date=day, events=["Purchase"], progress=False)
        stored = ws.sql_rows(
            "SELECT event_name, event_time, distinct_id, insert_id, properties::VARCHAR "
            "FROM events ORDER BY insert_id, event_time"
        )
    df = (
        spark.read.format("mixpanel")
        .options(**options(sb, from_date=day, to_date=day, events='["Purchase"]'))
        .load()
    )
    assert [f.simpleString() for f in df.schema.fields] == [
        "event_name:string",
        "event_time:timestamp",
        "distinct_id:string",
        "insert_id:string",
        "properties:string",
        "mp_processing_time_ms:bigint",
    ]
    got = dedup_events(df).orderBy("insert_id", "event_time").collect()
    assert len(got) == len(stored) > 0
    for row, want in zip(got, stored, strict=True):
        assert row["event_name"] == want[0]
        assert row["event_time"].astimezone(dt.UTC).replace(tzinfo=None) == want[1]
        assert (row["distinct_id"], row["insert_id"]) == (want[2], want[3])
        assert json.loads(row["properties"]) == json.loads(want[4])
        assert row["mp_processing_time_ms"] == json.loads(want[4])["mp_processing_time_ms"]


def test_a_429_with_retry_after_waits_and_a_cut_body_is_downloaded_again(
    spark: Any, sb: Sandbox
) -> None:
    day = "2026-10-12"
    raw = [
        e
        for e in _export(sb)
        if dt.datetime.fromtimestamp(e["properties"]["time"], dt.UTC).date().isoformat() == day
    ]
    sb.faults.add(Fault(kind="status", status=429, retry_after=1, times=5, path="/api/2.0/export"))
    sb.faults.add(Fault(kind="cut", after_bytes=2000, times=1, path="/api/2.0/export"))
    df = spark.read.format("mixpanel").options(**options(sb, from_date=day, to_date=day)).load()
    assert df.count() == len(raw)
    assert not sb.faults.armed()  # both faults were met


def test_profiles_match_the_engage_answer(spark: Any, sb: Sandbox) -> None:
    with Workspace.memory(credentials=sb.credentials.client_credentials(sb.url)) as ws:
        expected = {p["$distinct_id"]: p["$properties"] for p in ws.stream_profiles(raw=True)}
    df = spark.read.format("mixpanel").options(**options(sb, kind="profiles")).load()
    rows = df.collect()
    assert {r["distinct_id"]: json.loads(r["properties"]) for r in rows} == expected
    assert len(rows) == len(expected) > 0


def test_a_bad_option_names_itself(spark: Any, sb: Sandbox) -> None:
    with pytest.raises(Exception, match="partition_days"):
        spark.read.format("mixpanel").options(
            **options(sb, from_date=FIRST, to_date=LAST, partition_days="zero")
        ).load().count()
