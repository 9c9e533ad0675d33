"""Importing user and group profile updates into the sandbox; the effect is read back through
the engage query (``query_profiles``), never from the importer's own report."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mixpanel_data import Workspace
from mixpanel_data._pacing import reset_pacers
from mixpanel_data.exceptions import ValidationError
from mixpanel_data.sandbox import Fault, Sandbox


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox(seed=4, users=10, days=2, end_date="2026-10-31") as sandbox:
        yield sandbox


@pytest.fixture
def ws(sb: Sandbox) -> Iterator[Workspace]:
    sb.wait_idle()
    sb.faults.clear()
    reset_pacers()
    with Workspace.memory(credentials=sb.credentials.client_credentials(sb.url)) as workspace:
        yield workspace
    sb.faults.clear()


def _profiles(ws: Workspace, ids: list[str], group_key: str | None = None) -> dict[str, Any]:
    """What engage answers for ``ids``: {id: properties}."""
    body: dict[str, Any] = {"distinct_ids": json.dumps(ids)}
    if group_key is not None:
        body["data_group_id"] = group_key
    answer = ws.api.call_json("query_profiles", body=body)
    return {r["$distinct_id"]: r["$properties"] for r in answer["results"]}


def _csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_a_csv_sets_profiles_and_adds_with_a_column_mapping(ws: Workspace, tmp_path: Path):
    ids = [f"pa-{i}" for i in range(30)]
    path = _csv(tmp_path / "p.csv", [{"distinct_id": d, "plan": "pro", "logins": 2} for d in ids])
    first = ws.import_profiles(path, columns={"logins": "$add"}, batch_size=7)
    assert (first.imported, first.rejected, first.batches, first.unknown) == (30, 0, 5, 0)
    again = ws.import_profiles(path, columns={"logins": "$add"}, batch_size=7)
    assert (again.imported, again.skipped) == (0, 30)  # the progress file: $add not applied twice
    ws.import_profiles(path, columns={"logins": "$add"}, batch_size=7, resume=False)
    found = _profiles(ws, ids)
    assert sorted(found) == sorted(ids)
    assert all(p["plan"] == "pro" and p["logins"] == 4 for p in found.values())


@pytest.mark.parametrize(
    ("operation", "before", "value", "after"),
    [
        ("$set_once", {"a": 1}, 2, {"a": 1}),
        ("$unset", {"a": 1, "b": 1}, "x", {"b": 1}),
        ("$append", {"a": [1]}, 2, {"a": [1, 2]}),
        ("$remove", {"a": [1, 2]}, 2, {"a": [1]}),
        ("$union", {"a": [1]}, [1, 3], {"a": [1, 3]}),
    ],
)
def test_each_operation_from_flat_records(
    ws: Workspace, operation: str, before: dict[str, Any], value: Any, after: dict[str, Any]
):
    did = f"op{operation}"
    ws.import_profiles([{"distinct_id": did, **before}], operation="$set")
    result = ws.import_profiles([{"distinct_id": did, "a": value}], operation=operation)
    assert (result.imported, result.rejected) == (1, 0)
    got = _profiles(ws, [did])[did]
    assert {k: got.get(k) for k in after} == after
    assert set(before) - set(after) <= set(before) - set(got)


def test_delete_and_per_row_operations(ws: Workspace):
    ws.import_profiles([{"distinct_id": "del-1", "x": 1}, {"distinct_id": "del-2", "x": 1}])
    rows = [
        {"$distinct_id": "del-1", "$delete": ""},
        {"$distinct_id": "del-2", "$set": {"y": "b"}, "$add": {"x": 5}, "$unset": ["z"]},
    ]
    assert ws.import_profiles(rows).imported == 2
    found = _profiles(ws, ["del-1", "del-2"])
    assert "del-1" not in found
    assert (found["del-2"]["x"], found["del-2"]["y"]) == (6, "b")


def test_bad_rows_are_rejected_with_their_line_and_nothing_is_sent_for_them(
    ws: Workspace, sb: Sandbox, tmp_path: Path
):
    path = tmp_path / "bad.jsonl"
    records = [
        {"distinct_id": "ok-1", "n": 1},
        {"n": 2},  # no id
        {"distinct_id": "ok-2", "n": "many"},  # $add needs a number
        {"$distinct_id": "ok-3", "$set": [1]},  # $set must be an object
        {"distinct_id": "ok-4", "n": 4},
    ]
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n{oops\n")
    dry = ws.import_profiles(path, operation="$add", dry_run=True)
    assert (dry.valid, dry.rejected, dry.imported) == (2, 4, 0)
    result = ws.import_profiles(path, operation="$add")
    assert (result.imported, result.rejected) == (2, 4)
    rejects = [json.loads(x) for x in Path(str(result.rejects_path)).read_text().splitlines()]
    assert sorted(r["line"] for r in rejects) == [2, 3, 4, 6]
    assert all(r["reason"] for r in rejects)
    assert sorted(_profiles(ws, ["ok-1", "ok-2", "ok-3", "ok-4"])) == ["ok-1", "ok-4"]


def test_add_is_never_resent_after_a_lost_answer(ws: Workspace, sb: Sandbox, tmp_path: Path):
    ws.import_profiles([{"distinct_id": "lost-1", "n": 10}, {"distinct_id": "safe-1", "n": 1}])
    sb.faults.add(Fault(kind="drop", path="/engage", times=1))
    lost = ws.import_profiles([{"distinct_id": "lost-1", "n": 1}], operation="$add")
    assert (lost.imported, lost.unknown, lost.rejected) == (0, 1, 0)
    assert lost.rejects[0]["reason"].startswith("unknown outcome")
    assert _profiles(ws, ["lost-1"])["lost-1"]["n"] == 11  # applied once, not twice
    sb.faults.add(Fault(kind="drop", path="/engage", times=1))
    safe = ws.import_profiles([{"distinct_id": "safe-1", "n": 7}], operation="$set")
    assert (safe.imported, safe.unknown) == (1, 0)  # $set is repeated safely
    assert _profiles(ws, ["safe-1"])["safe-1"]["n"] == 7


def test_group_profiles_from_a_csv(ws: Workspace, tmp_path: Path):
    rows = [{"group_id": f"co-{i}", "industry": "retail", "seats": i} for i in range(5)]
    path = _csv(tmp_path / "groups.csv", rows)
    result = ws.import_groups(path, group_key="company_id", columns={"seats": "$add"})
    assert (result.imported, result.rejected) == (5, 0)
    found = _profiles(ws, [r["group_id"] for r in rows], group_key="company_id")
    assert {g: (p["industry"], p["seats"]) for g, p in found.items()} == {
        f"co-{i}": ("retail", i) for i in range(5)
    }


def test_bad_settings_fail_before_anything_is_read(ws: Workspace):
    with pytest.raises(ValidationError, match=r"\$increment"):
        ws.import_profiles([{"distinct_id": "x", "a": 1}], operation="$increment")
    with pytest.raises(ValidationError, match="column 'a'"):
        ws.import_profiles([{"distinct_id": "x", "a": 1}], columns={"a": "$nope"})


def test_profiles_from_a_local_table_and_a_dataframe(ws: Workspace) -> None:
    import pandas as pd

    ws.sql("CREATE TABLE tiers AS SELECT 'tb-' || i AS uid, 'gold' AS tier FROM range(4) t(i)")
    result = ws.import_profiles(table="tiers", id_column="uid")
    assert (result.imported, result.rejected) == (4, 0)
    frame = pd.DataFrame({"distinct_id": ["tb-0", "tb-1"], "tags": ['["a", "b"]', '["c"]']})
    assert ws.import_profiles(frame, operation="$union").imported == 2
    found = _profiles(ws, [f"tb-{i}" for i in range(4)])
    assert {d: p["tier"] for d, p in found.items()} == {f"tb-{i}": "gold" for i in range(4)}
    assert (found["tb-0"]["tags"], found["tb-1"]["tags"]) == (["a", "b"], ["c"])
