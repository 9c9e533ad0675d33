"""Lookup tables and identity calls against the sandbox. Their effect is read from the sandbox's
own state (the table's rows, its identity merges) and the export API, never from the answer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mixpanel_data import Workspace
from mixpanel_data._pacing import reset_pacers
from mixpanel_data.exceptions import NotFoundError, ValidationError
from mixpanel_data.sandbox import Fault, Sandbox
from mixpanel_data.sandbox._lookup import TABLES, lookup_store

PRODUCTS = TABLES[0][0]


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox(seed=2, users=8, days=1, end_date="2026-10-31") as sandbox:
        yield sandbox


@pytest.fixture
def ws(sb: Sandbox) -> Iterator[Workspace]:
    sb.wait_idle()
    sb.faults.clear()
    reset_pacers()
    with Workspace.memory(credentials=sb.credentials.client_credentials(sb.url)) as workspace:
        yield workspace
    sb.faults.clear()


def _rows(sb: Sandbox, table_id: str) -> list[list[str]]:
    table = lookup_store(sb.state).tables[table_id]
    return [table.header, *table.rows]


def _merges(sb: Sandbox, *ids: str) -> set[tuple[str, str, str]]:
    with sb.state.data.cursor() as cur:
        rows = cur.execute(
            "SELECT distinct_id, canonical_id, source FROM identity_merges "
            "WHERE distinct_id IN (SELECT unnest($1::VARCHAR[]))",
            [list(ids)],
        ).fetchall()
    return {tuple(r) for r in rows}


def test_lookup_tables_are_listed(ws: Workspace) -> None:
    listed = ws.lookup_tables()
    assert {(t["id"], t["name"]) for t in listed} == {(i, n) for i, n, _ in TABLES}
    assert len(listed.df) == len(TABLES)


def test_replace_from_a_csv_a_dataframe_rows_and_a_local_table(
    ws: Workspace, sb: Sandbox, tmp_path: Path
) -> None:
    import pandas as pd

    path = tmp_path / "products.csv"
    path.write_text("product_id,name\nsku-9,Green Hat\nsku-8,Pink Sock\n")
    assert ws.replace_lookup_table(PRODUCTS, path)["rows"] == 2
    assert _rows(sb, PRODUCTS) == [["product_id", "name"], ["sku-9", "Green Hat"],
                                   ["sku-8", "Pink Sock"]]  # fmt: skip
    ws.replace_lookup_table(PRODUCTS, pd.DataFrame({"product_id": ["p1"], "n": [3]}))
    assert _rows(sb, PRODUCTS) == [["product_id", "n"], ["p1", "3"]]
    ws.replace_lookup_table(PRODUCTS, [{"product_id": "r1", "name": None}])
    assert _rows(sb, PRODUCTS) == [["product_id", "name"], ["r1", ""]]
    ws.sql("CREATE TABLE products AS SELECT 'k' || i AS key, i AS n FROM range(3) t(i)")
    ws.replace_lookup_table(PRODUCTS, table="products")
    assert _rows(sb, PRODUCTS) == [["key", "n"], ["k0", "0"], ["k1", "1"], ["k2", "2"]]


def test_a_bad_row_is_named_and_nothing_is_uploaded(
    ws: Workspace, sb: Sandbox, tmp_path: Path
) -> None:
    before = _rows(sb, PRODUCTS)
    path = tmp_path / "bad.csv"
    path.write_text("product_id,name\nsku-1,ok\n,blank key\nsku-3,too,many\n")
    sb.clear_requests()
    with pytest.raises(ValidationError, match=r"line 3: the key .* line 4: 3 fields"):
        ws.replace_lookup_table(PRODUCTS, path)
    assert not sb.requests
    assert _rows(sb, PRODUCTS) == before
    with pytest.raises(NotFoundError):
        ws.replace_lookup_table("00000000-0000-4000-8000-000000000000", [{"k": "v"}])


def test_identity_calls_are_recorded_by_the_sandbox(ws: Workspace, sb: Sandbox) -> None:
    ws.create_identity("id-user-1", "id-anon-1")
    ws.create_alias("id-user-2", "id-alias-2")
    merged = ws.merge_identities("id-user-3", "id-anon-3")
    assert merged["imported"] == 1
    assert _merges(sb, "id-anon-1", "id-alias-2", "id-anon-3") == {
        ("id-anon-1", "id-user-1", "$identify"),
        ("id-alias-2", "id-user-2", "$create_alias"),
        ("id-anon-3", "id-user-3", "$merge"),
    }


def test_an_identity_call_is_not_resent_after_a_lost_answer(ws: Workspace, sb: Sandbox) -> None:
    from mixpanel_data.exceptions import TransportError

    sb.faults.add(Fault(kind="drop", path="/track", times=1))
    sb.clear_requests()
    with pytest.raises(TransportError):
        ws.create_alias("id-user-4", "id-alias-4")
    assert sum(1 for r in sb.requests if r.path == "/track") == 1
    assert len(_merges(sb, "id-alias-4")) == 1  # processed once, never twice
