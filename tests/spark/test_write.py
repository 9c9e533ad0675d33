"""Writing DataFrames with ``df.write.format("mixpanel")`` to a sandbox, checked by export.

The expected events are the DataFrame's rows themselves, keyed the way Mixpanel de-duplicates
(event, distinct_id, time, $insert_id) with the insert ids the importer derives
(``prepare_event``); what the project holds afterwards is read back through the export API.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from spark_helpers import options

from mixpanel_data import Workspace
from mixpanel_data._services.import_records import prepare_event
from mixpanel_data.sandbox import Fault, Sandbox

DAY = "2026-10-20"
T0 = int(dt.datetime(2026, 10, 20, tzinfo=dt.UTC).timestamp())


@pytest.fixture(scope="module")
def target() -> Iterator[Sandbox]:
    """An empty-ish project to write into (one user, one day of its own events)."""
    with Sandbox(seed=21, users=1, days=1, end_date="2026-10-01") as sandbox:
        yield sandbox


def _rows(name: str, n: int) -> list[dict[str, Any]]:
    return [
        {"event": name, "distinct_id": f"u{i % 13}", "time": T0 + i * 7, "i": i, "plan": "pro"}
        for i in range(n)
    ]


def _keys_of(rows: list[dict[str, Any]]) -> Counter[tuple[Any, ...]]:
    keys: Counter[tuple[Any, ...]] = Counter()
    for row in rows:
        props = {k: v for k, v in row.items() if k != "event"}
        event, _ = prepare_event({"event": row["event"], "properties": props}, None, 0)
        p = event["properties"]
        keys[(event["event"], p["distinct_id"], p["time"], p["$insert_id"])] += 1
    return keys


def _exported(sb: Sandbox, name: str) -> Counter[tuple[Any, ...]]:
    keys: Counter[tuple[Any, ...]] = Counter()
    with Workspace.memory(credentials=sb.credentials.client_credentials(sb.url)) as ws:
        for e in ws.stream_events(from_date=DAY, to_date=DAY, events=[name], raw=True):
            p = e["properties"]
            keys[(e["event"], p["distinct_id"], p["time"], p["$insert_id"])] += 1
    return keys


def test_written_events_are_exported_exactly_once(spark: Any, target: Sandbox) -> None:
    rows = _rows("Spark Write", 5000)
    df = spark.createDataFrame(rows).repartition(3)
    df.write.format("mixpanel").options(**options(target, batch_size=700)).mode("append").save()
    expected = _keys_of(rows)
    assert _exported(target, "Spark Write") == expected
    assert set(expected.values()) == {1}


def test_a_task_that_fails_and_runs_again_imports_nothing_twice(
    spark: Any, target: Sandbox
) -> None:
    rows = _rows("Spark Retry", 300)
    # Four dropped answers in a row exhaust the transport's four tries: the task fails, Spark
    # runs it again, and the fifth request is answered. Each drop stored the batch, and the
    # sandbox (like Mixpanel) keeps one event per (event, distinct_id, time, $insert_id).
    target.clear_requests()
    target.faults.add(Fault(kind="drop", path="/import", times=4))
    df = spark.createDataFrame(rows).coalesce(1)
    df.write.format("mixpanel").options(**options(target)).mode("append").save()
    assert not target.faults.armed()
    sent = [r for r in target.requests if r.path.rstrip("/") == "/import"]
    assert len(sent) == 5  # one batch sent five times: the task ran twice
    assert _exported(target, "Spark Retry") == _keys_of(rows)  # the same insert ids every time


def test_store_shaped_rows_round_trip(spark: Any, sb: Sandbox, target: Sandbox) -> None:
    day = "2026-10-09"
    source = (
        spark.read.format("mixpanel")
        .options(**options(sb, from_date=day, to_date=day, events='["Purchase"]'))
        .load()
    )
    source.write.format("mixpanel").options(**options(target)).mode("append").save()
    with Workspace.memory(credentials=target.credentials.client_credentials(target.url)) as ws:
        back = list(ws.stream_events(from_date=day, to_date=day, events=["Purchase"], raw=True))
    with Workspace.memory(credentials=sb.credentials.client_credentials(sb.url)) as ws:
        orig = list(ws.stream_events(from_date=day, to_date=day, events=["Purchase"], raw=True))

    def keyed(events: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
        out = set()
        for e in events:
            p = dict(e["properties"])
            p.pop("mp_processing_time_ms", None)
            out.add((e["event"], json.dumps(p, sort_keys=True)))
        return out

    assert keyed(back) == keyed(orig)
    assert len(orig) > 0


def test_rejects_come_back_in_the_commit_and_fail_the_job(
    spark: Any, target: Sandbox, tmp_path: Path
) -> None:
    rows = _rows("Spark Rejects", 50)
    rows[7]["distinct_id"] = None  # Mixpanel needs a distinct_id
    rows[30]["time"] = T0 + 10 * 365 * 86400  # years ahead
    df = spark.createDataFrame(rows).coalesce(1)
    rejects = tmp_path / "rejects.jsonl"
    with pytest.raises(Exception, match="2 events rejected, 48 imported"):
        df.write.format("mixpanel").options(**options(target, rejects_path=rejects)).mode(
            "append"
        ).save()
    entries = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert sorted(e["line"] for e in entries) == [8, 31]
    assert {e["field"] for e in entries} == {"properties.distinct_id", "properties.time"}
    good = [r for i, r in enumerate(rows) if i not in (7, 30)]
    assert _exported(target, "Spark Rejects") == _keys_of(good)


def test_profiles_round_trip(spark: Any, sb: Sandbox, target: Sandbox) -> None:
    profiles = spark.read.format("mixpanel").options(**options(sb, kind="profiles")).load()
    profiles.select("distinct_id", "properties").write.format("mixpanel").options(
        **options(target, kind="profiles")
    ).mode("append").save()
    with Workspace.memory(credentials=sb.credentials.client_credentials(sb.url)) as ws:
        expected = {p["$distinct_id"]: p["$properties"] for p in ws.stream_profiles(raw=True)}
    back = spark.read.format("mixpanel").options(**options(target, kind="profiles")).load()
    got = {r["distinct_id"]: json.loads(r["properties"]) for r in back.collect()}
    assert {k: got.get(k) for k in expected} == expected
    assert len(expected) > 0


def test_groups_are_set(spark: Any, target: Sandbox) -> None:
    rows = [{"group_id": f"acme-{i}", "industry": "retail", "seats": i} for i in range(5)]
    spark.createDataFrame(rows).write.format("mixpanel").options(
        **options(target, kind="groups", group_key="company_id")
    ).mode("append").save()
    stored = target.data.get_group_profiles("company_id", [r["group_id"] for r in rows])
    assert stored == {r["group_id"]: {"industry": "retail", "seats": r["seats"]} for r in rows}
