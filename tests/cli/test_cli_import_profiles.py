"""`mp import profiles|groups` against the sandbox: summary, exit codes, rejects; the effect is
read back through the engage query (the module's `ws`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cli_helpers import MpRunner

from mixpanel_data._workspace import Workspace


def _profiles(ws: Workspace, ids: list[str], group_key: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"distinct_ids": json.dumps(ids)}
    if group_key is not None:
        body["data_group_id"] = group_key
    answer = ws.api.call_json("query_profiles", body=body)
    return {r["$distinct_id"]: r["$properties"] for r in answer["results"]}


def test_profiles_from_a_csv_with_a_column_operation(
    mp: MpRunner, ws: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "people.csv"
    path.write_text("user,tier,visits\ncli-p1,gold,3\ncli-p2,silver,4\n")
    args = ["import", "profiles", str(path), "--id-col", "user", "--column", "visits=$add"]
    run = mp(*args)
    assert run.code == 0, run
    assert json.loads(run.stdout)["imported"] == 2
    assert "imported 2, rejected 0, skipped 0" in run.stderr
    found = _profiles(ws, ["cli-p1", "cli-p2"])
    assert {d: (p["tier"], p["visits"]) for d, p in found.items()} == {
        "cli-p1": ("gold", 3),
        "cli-p2": ("silver", 4),
    }


def test_a_rejected_row_exits_1_and_is_named(mp: MpRunner, ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"distinct_id": "cli-b1", "n": 1}\n{"n": 2}\n')
    run = mp("import", "profiles", str(path), "--operation", "$set")
    assert run.code == 1, run
    assert "1 records rejected" in run.stderr and "--allow-rejects" in run.stderr
    rejects_file = Path(json.loads(run.stdout)["rejects_path"])
    (reject,) = [json.loads(x) for x in rejects_file.read_text().splitlines()]
    assert reject["line"] == 2
    assert list(_profiles(ws, ["cli-b1"])) == ["cli-b1"]
    allowed = mp("import", "profiles", str(path), "--allow-rejects", "--no-resume")
    assert allowed.code == 0, allowed


def test_groups_and_bad_arguments(mp: MpRunner, ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "companies.jsonl"
    path.write_text('{"group_id": "cli-co", "industry": "media"}\n')
    run = mp("import", "groups", str(path), "--group-key", "company_id")
    assert run.code == 0, run
    assert _profiles(ws, ["cli-co"], "company_id")["cli-co"]["industry"] == "media"
    bad = mp("import", "profiles", str(path), "--operation", "$increment")
    assert bad.code == 3 and "$increment" in bad.stderr, bad
    assert mp("import", "profiles", str(path), "--column", "nope").code == 3
    assert mp("import", "groups", str(path)).code != 0  # --group-key is required
